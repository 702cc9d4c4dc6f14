/**
 * Resampling daily bars to weekly, monthly and N-trading-day (e.g. Fibonacci) bars.
 *
 * @module
 */
import { Bars } from "../core/bars.ts";
import { isTradingDay } from "../core/calendar.ts";

/**
 * How to group daily bars: `"weekly"` (ASX week), `"monthly"` (calendar month), or a
 * number N of consecutive trading days (the Fibonacci set 3, 5, 8, 13, 21, 34 is the
 * one we test, any integer ≥ 1 works).
 */
export type ResampleRule = "weekly" | "monthly" | number;

/** Options of {@link resample}. */
export interface ResampleOptions {
  /**
   * Drop rows dated on a day the ASX is closed (weekends and listed holidays, see
   * `isTradingDay`) before grouping, e.g. the zero-volume holiday rows some feeds emit.
   * @default {true}
   */
  tradingDaysOnly?: boolean;
}

/** The Fibonacci bar lengths (in trading days) that asxlab studies. */
export const FIBONACCI_RULES: readonly number[] = [3, 5, 8, 13, 21, 34];

const MS_PER_DAY = 86_400_000;

function groupKey(rule: ResampleRule): (day: number, k: number) => number {
  if (rule === "weekly") return (day) => Math.floor((day + 3) / 7); // ISO weeks, Monday first
  if (rule === "monthly") {
    return (day) => {
      const d = new Date(day * MS_PER_DAY);
      return d.getUTCFullYear() * 12 + d.getUTCMonth();
    };
  }
  return (_day, k) => Math.floor(k / rule);
}

/**
 * Resamples daily bars, per symbol.
 *
 * Each output bar aggregates a group of daily bars: open = first open, high = max of
 * highs, low = min of lows, close = last close, volume = sum, adjusted close = last.
 * Groups, per symbol and on trading days only:
 * - `"weekly"`: the ASX week, trading days grouped by ISO week (Monday to Sunday);
 * - `"monthly"`: trading days grouped by calendar month;
 * - N: N consecutive trading days of that symbol, counted from its first bar.
 *
 * **Dating**: every output bar is dated at the **last trading day** of its group (a
 * week that ends on a Thursday holiday-eve is dated that Thursday). The last group
 * may be incomplete (the current week or month, or fewer than N days at the end); it
 * is kept, dated at its last day. Extra columns (indicators) are not carried over.
 * A NaN in a group's highs or lows makes that group's high or low NaN.
 *
 * @param bars Daily bars (one or many symbols), sorted by symbol then date.
 * @param rule `"weekly"`, `"monthly"` or a number of trading days.
 * @param options See {@link ResampleOptions}.
 * @returns New bars, one row per group, sorted by symbol then date.
 * @throws {RangeError} When `rule` is neither `"weekly"`, `"monthly"` nor an integer ≥ 1.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Bars } from "../core/bars.ts";
 * import { resample } from "./resample.ts";
 * const daily = Bars.fromColumns({
 *   symbol: "BHP.AX",
 *   date: ["2024-03-04", "2024-03-05", "2024-03-11"], // Mon, Tue, next Mon
 *   open: [10, 11, 12], high: [11, 13, 12.5], low: [9, 10.5, 11], close: [11, 12, 12],
 *   volume: [100, 200, 300],
 * });
 * const weekly = resample(daily, "weekly");
 * assert.ok(weekly.length === 2);
 * assert.ok(weekly.dateStrings()[0] === "2024-03-05" && weekly.high[0] === 13);
 * assert.ok(weekly.open[0] === 10 && weekly.close[0] === 12 && weekly.volume[0] === 300);
 * ```
 */
export function resample(bars: Bars, rule: ResampleRule, options: ResampleOptions = {}): Bars {
  if (rule !== "weekly" && rule !== "monthly" && !(Number.isInteger(rule) && rule >= 1)) {
    throw new RangeError(
      `Invalid resample rule ${
        JSON.stringify(rule)
      }: expected "weekly", "monthly" or an integer ≥ 1`,
    );
  }
  const tradingOnly = options.tradingDaysOnly ?? true;
  const key = groupKey(rule);
  const dates = bars.dates;
  const { open, high, low, close, volume, adjustedClose } = bars;
  const n = bars.length;
  const oSymbol: string[] = [];
  const oDate = new Int32Array(n);
  const oOpen = new Float64Array(n), oHigh = new Float64Array(n), oLow = new Float64Array(n);
  const oClose = new Float64Array(n), oVolume = new Float64Array(n), oAdj = new Float64Array(n);
  let g = -1;
  for (const [symbol, [start, end]] of bars.ranges()) {
    let current = NaN;
    let k = 0; // trading days seen for this symbol
    for (let i = start; i < end; i++) {
      const day = dates[i]!;
      if (tradingOnly && !isTradingDay(day)) continue;
      const id = key(day, k++);
      if (id !== current) {
        current = id;
        g++;
        oSymbol.push(symbol);
        oOpen[g] = open[i]!, oHigh[g] = high[i]!, oLow[g] = low[i]!, oVolume[g] = volume[i]!;
      } else {
        const h = high[i]!, l = low[i]!;
        if (h > oHigh[g]! || h !== h) oHigh[g] = h;
        if (l < oLow[g]! || l !== l) oLow[g] = l;
        oVolume[g] = oVolume[g]! + volume[i]!;
      }
      oDate[g] = day, oClose[g] = close[i]!, oAdj[g] = adjustedClose[i]!;
    }
  }
  const m = g + 1;
  return Bars.fromColumns({
    symbol: oSymbol,
    date: oDate.slice(0, m),
    open: oOpen.subarray(0, m),
    high: oHigh.subarray(0, m),
    low: oLow.subarray(0, m),
    close: oClose.subarray(0, m),
    volume: oVolume.subarray(0, m),
    adjusted_close: oAdj.subarray(0, m),
  });
}
