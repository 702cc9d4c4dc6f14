/**
 * A small lake read for the bundling test: opens the lake given as the first
 * argument with the wasm engine, loads one symbol's year and a SQL aggregate, and
 * prints them as one JSON line. Bundled by scripts/bundle.ts and run with `node`;
 * it must run the same under Deno.
 *
 * @module
 */

import process from "node:process";
import { openLake } from "../../src/lake/lake.ts";
import { closeEngines } from "../../src/lake/open_engine.ts";

const lake = await openLake(process.argv[2], { engine: "wasm" });
try {
  const bars = await lake.loadSymbols(["CBA.AX"], { start: "2015-01-01", end: "2015-12-31" });
  const perYear = await lake.sql(
    "select year(date)::INTEGER as y, count(*)::INTEGER as n from ohlcv where symbol = 'BHP.AX' " +
      "group by 1 order by 1 desc limit 3",
  );
  console.log(JSON.stringify({
    runtime: "Deno" in globalThis ? "deno" : `node ${process.version}`,
    rows: bars.length,
    first: bars.dateStrings()[0],
    last: bars.dateStrings().at(-1),
    closeSum: bars.close.reduce((a, b) => a + b, 0),
    duckdb: lake.engine.duckdbVersion,
    perYear: perYear.toArray().map((r) => [r.y, r.n]),
  }));
} finally {
  await lake.close();
  await closeEngines();
}
