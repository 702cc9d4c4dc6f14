/**
 * Small builders of raw rows for lake tests: valid bars on ASX trading days,
 * so a test states only what it is about.
 */

import { formatDate, parseDate } from "../../src/core/dates.ts";
import { isTradingDay } from "../../src/core/calendar.ts";
import type { RawRows } from "../../src/lake/schema.ts";

/** One row: symbol, date `YYYY-MM-DD`, close, and optionally volume. */
export type RowSpec = [symbol: string, date: string, close: number, volume?: number];

/**
 * Raw rows with consistent prices around each close (open = close − 0.1,
 * high = close + 0.5, low = close − 0.5) and one fetch time for all.
 *
 * @param spec The rows.
 * @param stamp The fetch time, ISO 8601 UTC.
 * @returns Rows for `writeRawBatch` / `replaceCurated`.
 */
export function rows(spec: readonly RowSpec[], stamp: string): RawRows {
  return {
    symbol: spec.map((r) => r[0]),
    date: spec.map((r) => r[1]),
    open: spec.map((r) => r[2] - 0.1),
    high: spec.map((r) => r[2] + 0.5),
    low: spec.map((r) => r[2] - 0.5),
    close: spec.map((r) => r[2]),
    volume: spec.map((r) => r[3] ?? 1000),
    adjusted_close: spec.map((r) => r[2]),
    fetch_timestamp: stamp,
  };
}

/**
 * The first `n` ASX trading days from `start` (inclusive).
 *
 * @param start `YYYY-MM-DD`.
 * @param n How many.
 * @returns Dates `YYYY-MM-DD`.
 */
export function tradingDays(start: string, n: number): string[] {
  const out: string[] = [];
  for (let d = parseDate(start); out.length < n; d++) if (isTradingDay(d)) out.push(formatDate(d));
  return out;
}

/**
 * A synthetic market: each symbol on each of `days`, closes that differ per
 * symbol and day (so lost or duplicated rows change sums).
 *
 * @param symbols Tickers.
 * @param days Dates `YYYY-MM-DD`.
 * @param base Added to every close (tell two writers' rows apart).
 * @returns Row specs.
 */
export function market(symbols: readonly string[], days: readonly string[], base = 0): RowSpec[] {
  const out: RowSpec[] = [];
  symbols.forEach((s, i) =>
    days.forEach((d, j) => out.push([s, d, base + 10 * (i + 1) + j / 100, 1000 + j]))
  );
  return out;
}
