"""Execute a notebook with the Deno kernel through nbclient, and optionally export it.

  python3 nbrun.py execute NOTEBOOK.ipynb OUT.ipynb [--timeout S] [--grace S]
  python3 nbrun.py export NOTEBOOK.ipynb OUT.html [--timeout S] [--grace S]

The Deno kernel can publish a cell's output after its "idle" status; stock nbclient
stops reading iopub at "idle" and so sometimes drops that output. LateOutputClient
keeps reading the cell's iopub messages for a short grace period after "idle" (the
period restarts with each late message) instead of retrying blindly, and counts them.

Rarely (once in about 60 notebook runs here, never reproduced on demand), an iopub
message from the Deno kernel fails jupyter_client's HMAC check ("Invalid Signature"),
which makes stock nbclient abort the whole notebook. LateOutputClient drops such a
message and counts it instead: a dropped output still fails the caller's checks (every
cell must have run, plot cells must have their Plotly output), and a dropped "idle" only
ends that cell's iopub wait at iopub_timeout. Shell replies are checked as usual.

Prints one JSON line: per code cell its index, tags, output types and MIME types, the
late messages caught, and the seconds taken. Exits 1 when a cell fails (the message
names the cell and the error), 2 on bad usage.
"""

import argparse
import asyncio
import json
import os
import sys
import time
from queue import Empty

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbclient.util import ensure_async
from traitlets import Float, Integer


class LateOutputClient(NotebookClient):
    """NotebookClient that also collects iopub messages arriving just after "idle"."""

    late_output_grace = Float(0.5, help="Seconds to keep reading iopub after idle").tag(config=True)
    late_messages = Integer(0)
    bad_signatures = Integer(0)

    async def async_start_new_kernel_client(self):
        kc = await super().async_start_new_kernel_client()
        channel = kc.iopub_channel
        receive = channel.get_msg

        async def get_msg(timeout=None):
            while True:
                try:
                    return await ensure_async(receive(timeout=timeout))
                except ValueError as err:
                    if not str(err).startswith("Invalid Signature"):
                        raise
                    self.bad_signatures += 1
                    print(f"nbrun: dropped an iopub message: {err}", file=sys.stderr)

        channel.get_msg = get_msg
        return kc

    async def _async_poll_output_msg(self, parent_msg_id, cell, cell_index):
        await super()._async_poll_output_msg(parent_msg_id, cell, cell_index)
        deadline = time.monotonic() + self.late_output_grace
        while (left := deadline - time.monotonic()) > 0:
            try:
                msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=left))
            except (Empty, asyncio.TimeoutError):
                break
            if msg["parent_header"].get("msg_id") != parent_msg_id:
                continue
            if msg["msg_type"] == "status":
                continue
            self.late_messages += 1
            self.process_message(msg, cell, cell_index)
            deadline = time.monotonic() + self.late_output_grace


def execute(path, timeout, grace):
    nb = nbformat.read(path, as_version=4)
    client = LateOutputClient(
        nb,
        timeout=timeout,
        record_timing=True,
        kernel_name="deno",
        late_output_grace=grace,
        iopub_timeout=max(4, int(grace * 4) + 1),
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}},
    )
    started = time.monotonic()
    client.execute()
    return nb, client, time.monotonic() - started


def seconds_between(began, ended):
    from datetime import datetime

    parse = lambda t: datetime.fromisoformat(t.replace("Z", "+00:00"))
    return (parse(ended) - parse(began)).total_seconds()


def summary(nb, client, seconds):
    cells = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        outputs = cell.get("outputs", [])
        timing = cell.metadata.get("execution", {})
        began, ended = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
        cells.append({
            "index": index,
            "tags": cell.metadata.get("tags", []),
            "output_types": [o.output_type for o in outputs],
            "mimes": sorted({m for o in outputs for m in o.get("data", {})}),
            "errors": [f"{o.ename}: {o.evalue}" for o in outputs if o.output_type == "error"],
            "seconds": round(seconds_between(began, ended), 3) if began and ended else None,
        })
    return {
        "cells": cells,
        "late_messages": client.late_messages,
        "bad_signatures": client.bad_signatures,
        "seconds": round(seconds, 2),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mode", choices=["execute", "export"])
    parser.add_argument("notebook")
    parser.add_argument("out")
    parser.add_argument("--timeout", type=int, default=300)
    parser.add_argument("--grace", type=float, default=0.5)
    args = parser.parse_args()
    try:
        nb, client, seconds = execute(args.notebook, args.timeout, args.grace)
    except CellExecutionError as err:
        print(f"{args.notebook}: a cell failed:\n{err}", file=sys.stderr)
        return 1
    if args.mode == "execute":
        nbformat.write(nb, args.out)
    else:
        from nbconvert import HTMLExporter

        html, _ = HTMLExporter().from_notebook_node(nb)
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(html)
    print(json.dumps(summary(nb, client, seconds)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
