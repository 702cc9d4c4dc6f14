/**
 * The core shapes of bars that computations on prices take: typed OHLCV
 * columns ({@link SeriesColumns}), bars of one or many symbols over them
 * ({@link BarsLike}, which both the lake's Arrow-backed `Bars` and
 * {@link PlainBars} satisfy), and {@link PlainBars}: the `Bars` accessors over
 * plain typed arrays, without apache-arrow.
 *
 * @module
 */

import { formatDate } from "./dates.ts";

/** Typed OHLCV columns and their dates: what {@link BarsLike} and a strategy's context share. */
export interface SeriesColumns {
  /** Opening prices. */
  readonly open: Float64Array;
  /** Daily highs. */
  readonly high: Float64Array;
  /** Daily lows. */
  readonly low: Float64Array;
  /** Closing prices. */
  readonly close: Float64Array;
  /** Volume (shares). */
  readonly volume: Float64Array;
  /** Dates as epoch days. */
  readonly dates: Int32Array;
}

/**
 * What computations on prices need from bars: typed columns over all rows
 * (rows grouped by symbol, ascending dates within a symbol) and the row range
 * of each symbol. Both `Bars` (Arrow-backed) and {@link PlainBars} satisfy it.
 */
export interface BarsLike extends SeriesColumns {
  /** Number of rows across all symbols. */
  readonly length: number;
  /** Row ranges `[start, end)` per symbol, in row order. */
  ranges(): Map<string, [number, number]>;
  /** The symbols present, in row order. */
  symbols(): string[];
}

/** Plain columns of {@link PlainBars} (dates ascending within a symbol). */
export interface PlainColumns extends SeriesColumns {
  /** One symbol for all rows, or `[symbol, start, end)` ranges covering the rows in order. */
  symbol: string | [string, number, number][];
  /** Adjusted close; defaults to `close`. */
  adjustedClose?: Float64Array;
}

/**
 * Bars over plain typed arrays: the accessors of `Bars` without an Arrow table.
 * Build an Arrow-backed `Bars` from it with `Bars.fromColumns({ symbol, date:
 * plain.dates, open: plain.open, … })` when a table is needed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PlainBars } from "./plain_bars.ts";
 * const bars = new PlainBars({
 *   symbol: "BHP.AX", dates: new Int32Array([18262, 18263]),
 *   open: new Float64Array([1, 2]), high: new Float64Array([1, 2]), low: new Float64Array([1, 2]),
 *   close: new Float64Array([1, 2]), volume: new Float64Array([10, 20]),
 * });
 * assert.ok(bars.symbols()[0] === "BHP.AX" && bars.close[1] === 2);
 * ```
 */
export class PlainBars implements BarsLike {
  /** Dates as epoch days. */
  readonly dates: Int32Array;
  /** Opening prices. */
  readonly open: Float64Array;
  /** Daily highs. */
  readonly high: Float64Array;
  /** Daily lows. */
  readonly low: Float64Array;
  /** Closing prices. */
  readonly close: Float64Array;
  /** Volume. */
  readonly volume: Float64Array;
  /** Adjusted close (equals `close` when the source had none). */
  readonly adjustedClose: Float64Array;
  #ranges: Map<string, [number, number]>;

  /**
   * @param columns The columns, all of one length.
   * @throws {RangeError} When the columns differ in length or the symbol ranges do not cover the rows.
   */
  constructor(columns: PlainColumns) {
    const n = columns.close.length;
    const { dates, open, high, low, volume } = columns;
    if (dates.length !== n || open.length !== n || high.length !== n || low.length !== n) {
      checkLengths(columns, n);
    } else if (volume.length !== n) checkLengths(columns, n);
    this.dates = columns.dates;
    this.open = columns.open;
    this.high = columns.high;
    this.low = columns.low;
    this.close = columns.close;
    this.volume = columns.volume;
    this.adjustedClose = columns.adjustedClose ?? columns.close;
    this.#ranges = new Map();
    if (typeof columns.symbol === "string") {
      if (n > 0) this.#ranges.set(columns.symbol, [0, n]);
    } else {
      let at = 0;
      for (const [symbol, start, end] of columns.symbol) {
        if (start !== at || end < start || this.#ranges.has(symbol)) {
          throw new RangeError(
            `Symbol range "${symbol}" [${start}, ${end}) does not continue at row ${at}`,
          );
        }
        this.#ranges.set(symbol, [start, end]);
        at = end;
      }
      if (at !== n) {
        throw new RangeError(`Symbol ranges cover ${at} rows but the columns have ${n}`);
      }
    }
  }

  /** Number of rows. */
  get length(): number {
    return this.close.length;
  }

  /** Row ranges `[start, end)` per symbol. */
  ranges(): Map<string, [number, number]> {
    return this.#ranges;
  }

  /** The symbols present, in row order. */
  symbols(): string[] {
    return [...this.#ranges.keys()];
  }

  /** Dates as `YYYY-MM-DD` strings. */
  dateStrings(): string[] {
    return Array.from(this.dates, formatDate);
  }

  /**
   * The rows of one symbol (zero-copy subarrays).
   *
   * @param symbol e.g. `"BHP.AX"`.
   * @returns Bars of that symbol only.
   * @throws {RangeError} When the symbol is absent.
   */
  of(symbol: string): PlainBars {
    const range = this.#ranges.get(symbol);
    if (!range) {
      throw new RangeError(
        `No bars for "${symbol}"; present: ${this.symbols().slice(0, 20).join(", ")}`,
      );
    }
    const [s, e] = range;
    if (s === 0 && e === this.length) return this;
    return new PlainBars({
      symbol,
      dates: this.dates.subarray(s, e),
      open: this.open.subarray(s, e),
      high: this.high.subarray(s, e),
      low: this.low.subarray(s, e),
      close: this.close.subarray(s, e),
      volume: this.volume.subarray(s, e),
      adjustedClose: this.adjustedClose.subarray(s, e),
    });
  }
}

/**
 * @throws {RangeError} Naming the first of `dates`, `open`, `high`, `low`, `volume`
 * whose length is not `n`.
 */
function checkLengths(columns: PlainColumns, n: number): void {
  for (const name of ["dates", "open", "high", "low", "volume"] as const) {
    if (columns[name].length !== n) {
      throw new RangeError(
        `Column "${name}" has ${columns[name].length} values but "close" has ${n}`,
      );
    }
  }
}
