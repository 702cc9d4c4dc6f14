/**
 * `deno task pipeline`: run the daily pipeline's state machine on this machine.
 *
 * ```sh
 * deno task fake-yahoo --port 8080 &                    # or real Yahoo, with network
 * deno task pipeline --yahoo-url http://127.0.0.1:8080 --symbols BHP.AX,CBA.AX --date 2024-08-01
 * deno task pipeline --yahoo-url http://127.0.0.1:8080 --symbols-file my.txt \
 *   --backfill-from 2005-01-01 --date 2024-12-31 --pause-ms 0 --lake /tmp/lake
 * ```
 *
 * @module
 */

import process from "node:process";
import { parseDate } from "../core/dates.ts";
import { ConfigError } from "../core/errors.ts";
import { toYahooSymbol } from "../core/symbol.ts";
import { DEFAULT_PIPELINE_LAKE_DIR } from "../lake/defaults.ts";
import { cliPath, formatRows, runCli } from "./_cli.ts";
import { parseFlags } from "./_flags.ts";

const HELP = `usage: deno task pipeline [options]

Runs the daily pipeline's state machine (the same ASL the AWS deployment runs) with local handlers:
refresh the ASX list, fetch daily bars from Yahoo in batches of 100 (10 at a time), merge them into
the lake, update the watermarks, write runs/DATE.json.

options:
  --date <YYYY-MM-DD>       run date (default: the last ASX session that has closed, Sydney time)
  --symbols <A,B,…>         fetch these symbols instead of the ASX list (bhp means BHP.AX)
  --symbols-file <file>     the same, from a file: one symbol per line, or any ASX list CSV
  --lake <uri>              a directory or s3://bucket/prefix (default: $ASXLAB_LAKE, else
                            data-cache/pipeline-lake; never the shipped sample)
  --backfill-from <date>    fetch every symbol from this date to --date, not from its watermark
  --pause-ms <n>            pause between two symbols of a batch (default 2000: be polite to Yahoo)
  --batch-size <n>          symbols per batch (default 100)
  --yahoo-url <url>         send every Yahoo request to this server, e.g. http://127.0.0.1:8080
                            (deno task fake-yahoo); without it the run needs network
  --asx-url <url>           where to download the ASX list (default: the ASX company directory)
  --force                   publish an ASX list that shrank by more than 10 % since the last one
  --retry-wait-ms <n>       wait this long before each state retry instead of the definition's
                            60 s/30 s intervals (for impatient local runs)
  --timeout-ms <n>          per Yahoo request (default 10000)
  --engine <name>           wasm (default) or native
  --endpoint <url>          S3 endpoint for an s3:// lake (e.g. a local S3 server)
  --cache-dir <dir>         where S3 objects are cached
  --json                    print the run summary as JSON
  -h, --help                this help

exit codes: 0 the run succeeded; 1 the run failed (its alert is printed); 2 bad input or a server
that cannot be reached.`;

function count(name: string, text: string | undefined, min = 0): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) {
    throw new ConfigError(`Invalid --${name} "${text}": expected a whole number >= ${min}`);
  }
  return n;
}

async function readSymbolsFile(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await Deno.readTextFile(cliPath(path));
  } catch (err) {
    throw new ConfigError(`Cannot read --symbols-file "${path}": ${(err as Error).message}`);
  }
  const { parseAsxList } = await import("../sources/asx.ts");
  try {
    return parseAsxList(text, { source: path }).map((c) => c.symbol);
  } catch {
    // Not a list with headers: one symbol per line (blank lines and # comments skipped).
    const lines = text.split(/\r?\n/).map((l) => l.replace(/#.*/, "").trim()).filter(Boolean);
    if (lines.length === 0) throw new ConfigError(`--symbols-file "${path}" names no symbols`);
    return lines;
  }
}

function fmtSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

async function main(): Promise<number> {
  const { values } = parseFlags(Deno.args, {
    date: { type: "string" },
    symbols: { type: "string" },
    "symbols-file": { type: "string" },
    lake: { type: "string" },
    "backfill-from": { type: "string" },
    "pause-ms": { type: "string" },
    "batch-size": { type: "string" },
    "yahoo-url": { type: "string" },
    "asx-url": { type: "string" },
    force: { type: "boolean", default: false },
    "retry-wait-ms": { type: "string" },
    "timeout-ms": { type: "string" },
    engine: { type: "string" },
    endpoint: { type: "string" },
    "cache-dir": { type: "string" },
    json: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (values.date !== undefined) parseDate(values.date);
  if (values["backfill-from"] !== undefined) parseDate(values["backfill-from"]);
  if (values.symbols !== undefined && values["symbols-file"] !== undefined) {
    throw new ConfigError("Give --symbols or --symbols-file, not both");
  }
  const engine = values.engine;
  if (engine !== undefined && engine !== "wasm" && engine !== "native") {
    throw new ConfigError(`Unknown engine "${engine}": expected wasm or native`);
  }
  for (const flag of ["yahoo-url", "asx-url", "endpoint"] as const) {
    const url = values[flag];
    if (url !== undefined && !/^https?:\/\/[^/]+/.test(url)) {
      throw new ConfigError(`Invalid --${flag} "${url}": expected http://host:port or https://…`);
    }
  }
  let symbols: string[] | undefined;
  if (values.symbols !== undefined) symbols = values.symbols.split(",").filter((s) => s.trim());
  if (values["symbols-file"] !== undefined) symbols = await readSymbolsFile(values["symbols-file"]);
  symbols = symbols?.map(toYahooSymbol);
  if (symbols !== undefined && symbols.length === 0) {
    throw new ConfigError("--symbols names no symbols: expected e.g. BHP.AX,CBA.AX");
  }
  let lake = values.lake ?? process.env.ASXLAB_LAKE;
  if (lake === undefined || lake === "") lake = DEFAULT_PIPELINE_LAKE_DIR;
  else lake = cliPath(lake); // URIs pass through; a relative path is the user's, not the project's

  const { runPipelineLocally } = await import("../pipeline/local_runner.ts");
  const { closeEngines } = await import("../lake/open_engine.ts");
  const started = Date.now();
  let lastLine = 0;
  const status = (p: import("../pipeline/local_runner.ts").Progress, force = false) => {
    if (!force && Date.now() - lastLine < 2000) return;
    lastLine = Date.now();
    console.error(
      `[${
        fmtSeconds(p.elapsedMs)
      }] batches ${p.batchesDone}/${p.batchesTotal} · symbols ${p.symbolsDone}/${p.symbolsTotal} · ${
        p.symbolsPerSecond.toFixed(1)
      } symbols/s · ${p.failed} failed`,
    );
  };
  let batchesSeen = 0;
  try {
    const result = await runPipelineLocally({
      config: {
        lake,
        ...(engine === undefined ? {} : { engine }),
        ...(values.endpoint === undefined ? {} : { s3Endpoint: values.endpoint }),
        ...(values["cache-dir"] === undefined ? {} : { cacheDir: cliPath(values["cache-dir"]) }),
        ...(values["yahoo-url"] === undefined ? {} : { yahooUrl: values["yahoo-url"] }),
        ...(values["asx-url"] === undefined ? {} : { asxListUrl: values["asx-url"] }),
        ...(values["pause-ms"] === undefined
          ? {}
          : { pauseMs: count("pause-ms", values["pause-ms"]) }),
        ...(values["batch-size"] === undefined
          ? {}
          : { batchSize: count("batch-size", values["batch-size"], 1) }),
        ...(values["timeout-ms"] === undefined
          ? {}
          : { timeoutMs: count("timeout-ms", values["timeout-ms"], 1) }),
      },
      ...(values.date === undefined ? {} : { date: values.date }),
      ...(symbols === undefined ? {} : { symbols }),
      ...(values["backfill-from"] === undefined ? {} : { backfillFrom: values["backfill-from"] }),
      force: values.force,
      ...(values["retry-wait-ms"] === undefined
        ? {}
        : { retryWaitMs: count("retry-wait-ms", values["retry-wait-ms"]) }),
      log: (line) => console.error(line),
      onProgress: (p) => {
        const batchDone = p.batchesDone !== batchesSeen;
        batchesSeen = p.batchesDone;
        if (p.batchesTotal > 0) status(p, batchDone);
      },
    });
    if (result.progress.batchesTotal > 0) status(result.progress, true);
    const s = result.summary;
    if (values.json) {
      console.log(JSON.stringify(s ?? result, null, 1));
    } else if (s !== undefined) {
      const q = Object.entries(s.quarantine.counts).filter(([, n]) => n > 0)
        .map(([k, n]) => `${n} ${k}`).join(", ");
      console.log(formatRows(["run", s.date], [
        ["lake", lake],
        ["mode", s.mode + (s.backfill_from ? ` from ${s.backfill_from}` : "")],
        [
          "batches",
          `${s.batches.total}${
            s.batches.failed.length ? ` (${s.batches.failed.length} failed)` : ""
          }`,
        ],
        [
          "symbols",
          `${s.symbols_fetched} fetched, ${s.symbols_failed.length} failed of ${s.symbols_processed}`,
        ],
        [
          "rows",
          `${s.rows.raw} fetched, ${s.rows.quarantined} quarantined, ${s.rows.dropped} null bars dropped`,
        ],
        [
          "merged",
          s.merge
            ? s.merge.partitions.map((p) =>
              p.key.replace(/^ohlcv\//, "").replace(/\/part-0\.parquet$/, "")
            ).join(" ") || "-"
            : "-",
        ],
        ["quarantine", q ? `${q} → ${s.quarantine.key}` : "-"],
        [
          "holes",
          s.holes.sessions
            ? `${s.holes.sessions} sessions without a bar in ${s.holes.symbols} symbols`
            : "-",
        ],
        ["retries", String(s.retries)],
        ["watermarks", `${s.watermarks_updated} advanced`],
        ["time", fmtSeconds(Date.now() - started)],
      ]));
      if (s.symbols_failed.length > 0) {
        console.log(`\nfailed (${s.symbols_failed.length}), see runs/${s.date}.json:`);
        for (const f of s.failures.slice(0, 20)) console.log(`  ${f.symbol}: ${f.reason}`);
        if (s.failures.length > 20) console.log(`  … and ${s.failures.length - 20} more`);
      }
    } else if (result.status === "SUCCEEDED") {
      console.log(`run ${result.date}: nothing to fetch (not an ASX session)`);
    }
    if (result.status === "FAILED") {
      for (const a of result.alerts) console.error(`alert: ${a.subject}: ${a.message}`);
      console.error(`error: the run failed: ${result.error?.message ?? "unknown error"}`);
      return 1;
    }
    return 0;
  } finally {
    await closeEngines();
  }
}

if (import.meta.main) await runCli(main);
