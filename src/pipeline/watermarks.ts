/**
 * Watermarks: per symbol, the last date the curated data holds and its close.
 * Incremental fetches start the day after a symbol's watermark; the jump check
 * compares the first new close with the watermark's.
 *
 * Stored as `state/watermarks.parquet` (`symbol` string, `date` date, `close`
 * float64), written only by AggregateResults after a merge.
 *
 * @module
 */

import { DateDay, Float64, makeData, makeVector, Table, Utf8, vectorFromArray } from "apache-arrow";
import { Bars } from "../core/bars.ts";
import type { Lake } from "../lake/lake.ts";
import { WATERMARKS_KEY } from "./keys.ts";

/** A symbol's last date held (epoch day) and the close on it. */
export interface Watermark {
  /** Epoch day. */
  date: number;
  /** Close on that day. */
  close: number;
}

/**
 * Reads the watermarks; an absent file means none yet (a new lake).
 *
 * @param lake The lake.
 * @returns Symbol → watermark.
 * @throws {LakeError} When the file exists but cannot be read.
 */
export async function readWatermarks(lake: Lake): Promise<Map<string, Watermark>> {
  const out = new Map<string, Watermark>();
  if ((await lake.store.head(WATERMARKS_KEY)) === undefined) return out;
  const bars = new Bars(await lake.readTable(WATERMARKS_KEY));
  const symbols = bars.table.getChild("symbol")!.toArray() as string[];
  const dates = bars.dates, close = bars.close;
  for (let i = 0; i < symbols.length; i++) {
    out.set(symbols[i]!, { date: dates[i]!, close: close[i]! });
  }
  return out;
}

/**
 * Writes the watermarks, sorted by symbol, replacing the file.
 *
 * @param lake The lake.
 * @param watermarks Symbol → watermark.
 * @returns When written.
 */
export async function writeWatermarks(
  lake: Lake,
  watermarks: ReadonlyMap<string, Watermark>,
): Promise<void> {
  const symbols = [...watermarks.keys()].sort();
  const dates = Int32Array.from(symbols, (s) => watermarks.get(s)!.date);
  const table = new Table({
    symbol: vectorFromArray(symbols, new Utf8()),
    date: makeVector(
      makeData({ type: new DateDay(), data: dates, length: dates.length, nullCount: 0 }),
    ),
    close: vectorFromArray(symbols.map((s) => watermarks.get(s)!.close), new Float64()),
  });
  await lake.writeTable(WATERMARKS_KEY, table);
}
