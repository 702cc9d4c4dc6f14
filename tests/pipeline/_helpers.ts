/**
 * Shared pieces of the pipeline tests: temp lakes, reading what a run left in
 * `ohlcv/`, and comparing it with the fake Yahoo's series.
 *
 * @module
 */

import assert from "node:assert/strict";
import { formatDate } from "../../src/core/dates.ts";
import type { OhlcvColumns } from "../../src/core/ohlcv_columns.ts";
import { type Lake, openLake, type OpenLakeOptions } from "../../src/lake/lake.ts";
import { closeEngines } from "../../src/lake/open_engine.ts";
import type { FakeYahoo } from "../fakes/fake_yahoo.ts";

/** Runs `fn` with a fresh temp directory, removed afterwards. */
export async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "asxlab-pipeline-" });
  try {
    await fn(dir);
  } finally {
    await closeEngines();
    await Deno.remove(dir, { recursive: true });
  }
}

/** Every curated row of a lake, per symbol, as plain columns. */
export async function curated(
  uri: string,
  options: OpenLakeOptions = {},
): Promise<Map<string, Omit<OhlcvColumns, "symbol">>> {
  const lake = await openLake(uri, options);
  try {
    return await byKey(lake);
  } finally {
    await lake.close();
  }
}

async function byKey(lake: Lake): Promise<Map<string, Omit<OhlcvColumns, "symbol">>> {
  const bars = await lake.loadAll();
  const out = new Map<string, Omit<OhlcvColumns, "symbol">>();
  for (const [symbol, [from, to]] of bars.ranges()) {
    out.set(symbol, {
      date: bars.dates.slice(from, to),
      open: bars.open.slice(from, to),
      high: bars.high.slice(from, to),
      low: bars.low.slice(from, to),
      close: bars.close.slice(from, to),
      volume: bars.volume.slice(from, to),
      adjusted_close: bars.adjustedClose.slice(from, to),
    });
  }
  // One row per (symbol, date): dates strictly ascending within each symbol.
  for (const [symbol, c] of out) {
    for (let i = 1; i < c.date.length; i++) {
      assert.ok(
        c.date[i]! > c.date[i - 1]!,
        `${symbol} has ${formatDate(c.date[i]!)} twice or out of order`,
      );
    }
  }
  return out;
}

/** Asserts that a symbol's curated rows are exactly the fake's series over [start, end]. */
export function assertSeries(
  got: Map<string, Omit<OhlcvColumns, "symbol">>,
  fake: FakeYahoo,
  symbol: string,
  start: string,
  end: string,
): void {
  const want = fake.series(symbol, start, end).columns;
  const have = got.get(symbol);
  if (want.date.length === 0) {
    assert.equal(have, undefined, `${symbol}: expected no rows`);
    return;
  }
  assert.ok(have !== undefined, `${symbol}: no rows in ohlcv/`);
  assert.deepEqual(Array.from(have.date, formatDate), Array.from(want.date, formatDate), symbol);
  for (const k of ["open", "high", "low", "close", "volume", "adjusted_close"] as const) {
    assert.deepEqual(have[k], want[k], `${symbol} ${k}`);
  }
}
