/**
 * `deno task notebooks:export`: executes every notebook with the Deno kernel
 * (through tests/notebooks/nbrun.py and nbclient) and renders it to HTML under
 * `data-cache/reports/`, plots included and drawn offline (the first figure of each
 * notebook carries plotly.js).
 *
 * @module
 */
import { basename, dirname, resolve } from "node:path";
import { findJupyterPython } from "../helpers/toolchain.ts";
import { notebookPaths } from "./_notebook.ts";

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), "../..");
const OUT = resolve(ROOT, "data-cache/reports");

const jupyter = await findJupyterPython();
if (!jupyter.path) {
  console.error(
    `error: cannot export notebooks: ${jupyter.reason} (or run: deno task jupyter --setup-only)`,
  );
  Deno.exit(2);
}
await Deno.mkdir(OUT, { recursive: true });
let failed = 0;
for (const path of notebookPaths()) {
  const out = resolve(OUT, basename(path).replace(/\.ipynb$/, ".html"));
  console.error(`${basename(path)} → ${out}`);
  const r = await new Deno.Command(jupyter.path, {
    args: [resolve(ROOT, "tests/notebooks/nbrun.py"), "export", path, out],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!r.success) failed++;
}
Deno.exit(failed ? 1 : 0);
