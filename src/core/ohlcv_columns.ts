/**
 * `OhlcvColumns`: daily bars as plain typed columns, the shape the sample
 * builder, the synthetic market and the validator exchange before anything
 * becomes an Arrow table (`Bars.fromColumns` accepts it as is).
 *
 * @module
 */

/** Daily OHLCV bars as parallel columns, one entry per row. */
export interface OhlcvColumns {
  /** Yahoo ticker of each row, e.g. `"BHP.AX"`. */
  symbol: string[];
  /** Trading date of each row, epoch days. */
  date: Int32Array;
  /** Opening price. `NaN` where the source had none. */
  open: Float64Array;
  /** Daily high. */
  high: Float64Array;
  /** Daily low. */
  low: Float64Array;
  /** Closing price. */
  close: Float64Array;
  /** Traded volume in shares (whole numbers held as float64). */
  volume: Float64Array;
  /** Dividend- and split-adjusted close. */
  adjusted_close: Float64Array;
}

/**
 * The price columns, in the lake's schema order: the numeric columns of
 * {@link OhlcvColumns}, and what every `Bars` table carries after `symbol` and `date`.
 */
export const PRICE_COLUMNS = ["open", "high", "low", "close", "volume", "adjusted_close"] as const;

/**
 * Allocates zero-filled columns for `n` rows (symbols empty strings).
 *
 * @param n Row count.
 * @returns Fresh columns.
 * @throws {RangeError} When `n` is negative or not an integer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { allocOhlcv } from "./ohlcv_columns.ts";
 * assert.ok(allocOhlcv(3).close.length === 3);
 * ```
 */
export function allocOhlcv(n: number): OhlcvColumns {
  if (!Number.isInteger(n) || n < 0) {
    throw new RangeError(`Cannot allocate ${n} rows: expected a non-negative integer`);
  }
  return {
    symbol: new Array<string>(n).fill(""),
    date: new Int32Array(n),
    open: new Float64Array(n),
    high: new Float64Array(n),
    low: new Float64Array(n),
    close: new Float64Array(n),
    volume: new Float64Array(n),
    adjusted_close: new Float64Array(n),
  };
}

/**
 * The number of rows, after checking that every column has it.
 *
 * @param columns The columns.
 * @returns The common length.
 * @throws {RangeError} When the columns differ in length.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { allocOhlcv, ohlcvLength } from "./ohlcv_columns.ts";
 * assert.ok(ohlcvLength(allocOhlcv(2)) === 2);
 * ```
 */
export function ohlcvLength(columns: OhlcvColumns): number {
  const n = columns.date.length;
  if (columns.symbol.length !== n) {
    throw new RangeError(`Column "symbol" has ${columns.symbol.length} rows, "date" has ${n}`);
  }
  for (const name of PRICE_COLUMNS) {
    if (columns[name].length !== n) {
      throw new RangeError(`Column "${name}" has ${columns[name].length} rows, "date" has ${n}`);
    }
  }
  return n;
}

/**
 * Gathers rows by index into new columns (`out[i] = in[index[i]]`).
 *
 * @param columns Source columns.
 * @param index Row numbers to take, in output order.
 * @returns New columns of `index.length` rows.
 * @throws {RangeError} When an index is out of bounds.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { allocOhlcv, takeOhlcv } from "./ohlcv_columns.ts";
 * const c = allocOhlcv(3); c.close.set([1, 2, 3]);
 * assert.ok(takeOhlcv(c, Int32Array.of(2, 0)).close[0] === 3);
 * ```
 */
export function takeOhlcv(columns: OhlcvColumns, index: ArrayLike<number>): OhlcvColumns {
  const n = ohlcvLength(columns);
  const out = allocOhlcv(index.length);
  for (let i = 0; i < index.length; i++) {
    const j = index[i]!;
    if (!(j >= 0 && j < n)) throw new RangeError(`Row index ${j} is outside 0..${n - 1}`);
    out.symbol[i] = columns.symbol[j]!;
    out.date[i] = columns.date[j]!;
    out.open[i] = columns.open[j]!;
    out.high[i] = columns.high[j]!;
    out.low[i] = columns.low[j]!;
    out.close[i] = columns.close[j]!;
    out.volume[i] = columns.volume[j]!;
    out.adjusted_close[i] = columns.adjusted_close[j]!;
  }
  return out;
}

/**
 * Concatenates column sets in order.
 *
 * @param parts Columns to join.
 * @returns One set holding every row of every part.
 * @throws {RangeError} When a part's columns differ in length.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { allocOhlcv, concatOhlcv } from "./ohlcv_columns.ts";
 * assert.ok(concatOhlcv([allocOhlcv(2), allocOhlcv(3)]).date.length === 5);
 * ```
 */
export function concatOhlcv(parts: readonly OhlcvColumns[]): OhlcvColumns {
  let n = 0;
  for (const p of parts) n += ohlcvLength(p);
  const out = allocOhlcv(n);
  let at = 0;
  for (const p of parts) {
    const m = p.date.length;
    for (let i = 0; i < m; i++) out.symbol[at + i] = p.symbol[i]!;
    out.date.set(p.date, at);
    for (const name of PRICE_COLUMNS) out[name].set(p[name], at);
    at += m;
  }
  return out;
}
