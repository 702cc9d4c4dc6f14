/**
 * A fresh process that runs one lake request and reports its own peak memory,
 * for the lake bench: `deno run -A bench/_lake_probe.ts <lake-dir> <engine>
 * <start> <end> <symbols,comma,separated>` loads the symbols between the dates
 * twice (a warm-up, then the measured run) and prints one JSON line: the measured
 * run's milliseconds, the rows, and the process's peak RSS (`VmHWM`), which in a
 * process that did nothing else is the request's own footprint.
 *
 * @module
 */

import { openLake } from "../src/lake/lake.ts";
import { closeEngines } from "../src/lake/open_engine.ts";
import type { EngineKind } from "../src/lake/engine.ts";

const [dir, engine, start, end, symbols] = Deno.args;
if (!dir || !engine || !start || !end || !symbols) {
  console.error("usage: _lake_probe.ts <lake-dir> <engine> <start> <end> <symbols>");
  Deno.exit(2);
}
const lake = await openLake(dir, { engine: engine as EngineKind });
const load = () => lake.loadSymbols(symbols.split(","), { start, end });
await load();
const t0 = performance.now();
const bars = await load();
const ms = performance.now() - t0;
const hwm = /VmHWM:\s+(\d+) kB/.exec(Deno.readTextFileSync("/proc/self/status"));
console.log(JSON.stringify({
  ms: Math.round(ms * 10) / 10,
  rows: bars.length,
  peakRss: hwm ? Number(hwm[1]) * 1024 : undefined,
}));
await lake.close();
await closeEngines();
