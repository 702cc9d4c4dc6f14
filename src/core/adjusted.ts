/**
 * Adjusted prices: bars whose open, high, low and close are scaled onto the
 * adjusted close's basis, so that splits (and dividends) no longer show as
 * jumps in the prices. One function for every source: the lake's bars and a
 * CSV's `Adj Close` alike.
 *
 * @module
 */

import { formatDate } from "./dates.ts";
import { type BarsLike, PlainBars } from "./plain_bars.ts";

/** Bars that carry an adjusted close beside the traded prices (`Bars` and `PlainBars` do). */
export interface AdjustableBars extends BarsLike {
  /** Dividend- and split-adjusted close. */
  readonly adjustedClose: Float64Array;
}

/** Options of {@link adjusted}. */
export interface AdjustedOptions {
  /** Where the bars came from, named in error messages (e.g. a file). @default {the symbol} */
  source?: string;
}

/**
 * The bars on the adjusted close's basis: on each bar, open, high and low are
 * multiplied by `adjustedClose / close` and the close becomes the adjusted
 * close. The factor is taken bar by bar, so a split (or an ex-dividend day)
 * changes it exactly where the traded prices jump, and the bar's shape (its
 * range against its close) is kept: `low ≤ open, close ≤ high` still holds.
 *
 * Volume is left as stored. The factor folds dividends in with splits, so
 * dividing volume by it would invent shares on every ex-dividend day; and
 * Yahoo, the lake's source, restates volumes for splits itself. This is what
 * backtesting.py users usually feed it (yfinance's adjusted OHLC, volume
 * unchanged); where a source did not restate its volumes, indicators on volume
 * (OBV, VWAP) see a split as a step.
 *
 * @param bars Bars of one or many symbols with an adjusted close (e.g. `lake.loadSymbols`).
 * @param options The source to name in errors.
 * @returns New bars over new arrays (the input is untouched); their `adjustedClose` is their close.
 * @throws {RangeError} When a bar's `adjustedClose / close` is not a finite positive number,
 *   naming the symbol (or source), date and both values.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { adjusted, PlainBars } from "./mod.ts";
 * // A 2-for-1 split on the third day: the traded close halves, the adjusted close does not.
 * const close = Float64Array.of(20, 21, 10.6, 10.8);
 * const bars = new PlainBars({
 *   symbol: "RMD.AX",
 *   dates: Int32Array.of(19_000, 19_001, 19_002, 19_003),
 *   open: Float64Array.of(19.8, 20.8, 10.4, 10.6), high: Float64Array.of(20.4, 21.4, 11, 11),
 *   low: Float64Array.of(19.6, 20.6, 10.2, 10.4), close, volume: Float64Array.of(1e6, 1e6, 2e6, 2e6),
 *   adjustedClose: Float64Array.of(10, 10.5, 10.6, 10.8),
 * });
 * const adj = adjusted(bars);
 * assert.deepEqual([...adj.close], [10, 10.5, 10.6, 10.8]); // no halving left
 * assert.deepEqual([...adj.open], [9.9, 10.4, 10.4, 10.6]);
 * assert.deepEqual([...adj.volume], [1e6, 1e6, 2e6, 2e6]); // volume as stored
 * assert.equal(bars.close[0], 20); // the input is untouched
 * ```
 */
export function adjusted(bars: AdjustableBars, options: AdjustedOptions = {}): PlainBars {
  const { open, high, low, close, adjustedClose } = bars;
  const n = bars.length;
  const o = new Float64Array(n), h = new Float64Array(n), l = new Float64Array(n);
  const symbols: [string, number, number][] = [];
  for (const [symbol, [start, end]] of bars.ranges()) {
    symbols.push([symbol, start, end]);
    for (let i = start; i < end; i++) {
      const factor = adjustedClose[i]! / close[i]!;
      if (!(factor > 0 && factor < Infinity)) {
        throw new RangeError(
          `Cannot adjust ${options.source === undefined ? symbol : `"${options.source}"`}: ${
            formatDate(bars.dates[i]!)
          } has adjusted close ${adjustedClose[i]} for close ${close[i]} (expected both positive)`,
        );
      }
      o[i] = open[i]! * factor;
      h[i] = high[i]! * factor;
      l[i] = low[i]! * factor;
    }
  }
  const c = adjustedClose.slice();
  return new PlainBars({
    symbol: symbols,
    dates: bars.dates.slice(),
    open: o,
    high: h,
    low: l,
    close: c,
    volume: bars.volume.slice(),
    adjustedClose: c,
  });
}
