/**
 * Average true range (Wilder), TA-Lib `ATR`.
 *
 * @module
 */
import {
  type BarInput,
  checkPeriod,
  outputBuffer,
  sameLength,
  type Series,
  StreamingIndicator,
} from "./indicator.ts";
import { trueRangeOf } from "./true_range.ts";

/**
 * Average true range with Wilder smoothing.
 *
 * Conventions (TA-Lib `ATR`): the true range starts at bar 1; the ATR is seeded with
 * the simple mean of the first `period` true ranges (bars 1…period, so the first value
 * is at index `period`), then `atr = (atr * (period - 1) + tr) / period` in TA-Lib's
 * operation order. A NaN in high, low or close gives NaN and re-seeds.
 *
 * @param high Highs.
 * @param low Lows.
 * @param close Closes.
 * @param period Smoothing period, an integer ≥ 1. @default {14}
 * @param out Optional buffer of `close.length` to write into.
 * @returns The ATR aligned with the input, NaN for the first `period` bars.
 * @throws {RangeError} When `period` is not an integer ≥ 1, the series differ in length
 * or `out` has the wrong length.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { atr } from "./atr.ts";
 * // true ranges from bar 1: 2, 4, 1 → seed (2+4)/2 = 3, then (3*1 + 1)/2 = 2
 * const a = atr([10, 11, 14, 13], [9, 9, 10, 12], [10, 10, 13, 12.5], 2);
 * assert.ok(Number.isNaN(a[1]) && a[2] === 3 && a[3] === 2);
 * ```
 */
export function atr(
  high: Series,
  low: Series,
  close: Series,
  period = 14,
  out?: Float64Array,
): Float64Array {
  checkPeriod("period", period);
  const n = sameLength(["high", "low", "close"], [high, low, close]);
  const o = outputBuffer(n, out);
  const m = period - 1;
  let i = 0;
  outer: while (i < n) {
    const c0 = close[i]!;
    const bad0 = high[i]! !== high[i]! || low[i]! !== low[i]! || c0 !== c0;
    o[i++] = NaN;
    if (bad0) continue;
    let prevClose = c0, prev = 0;
    // seed: the sum of the first `period` true ranges
    for (let run = 1; run <= period; run++, i++) {
      if (i >= n) break outer;
      const h = high[i]!, l = low[i]!, c = close[i]!;
      if (h !== h || l !== l || c !== c) {
        o[i++] = NaN;
        continue outer;
      }
      let tr = h - l;
      const a = Math.abs(prevClose - h);
      if (a > tr) tr = a;
      const b = Math.abs(prevClose - l);
      if (b > tr) tr = b;
      prevClose = c;
      prev += tr;
      o[i] = NaN;
    }
    prev /= period;
    o[i - 1] = prev; // the last seed bar is the first output
    for (; i < n; i++) {
      const h = high[i]!, l = low[i]!, c = close[i]!;
      if (h !== h || l !== l || c !== c) break;
      let tr = h - l;
      const a = Math.abs(prevClose - h);
      if (a > tr) tr = a;
      const b = Math.abs(prevClose - l);
      if (b > tr) tr = b;
      prevClose = c;
      prev *= m;
      prev += tr;
      prev /= period;
      o[i] = prev;
    }
    if (i < n) o[i++] = NaN;
  }
  return o;
}

/**
 * Streaming ATR; agrees bit for bit with {@link atr}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ATR } from "./atr.ts";
 * const a = new ATR(2);
 * a.add({ high: 10, low: 9, close: 10 });
 * a.add({ high: 11, low: 9, close: 10 });
 * assert.ok(a.add({ high: 14, low: 10, close: 13 }) === 3);
 * ```
 */
export class ATR extends StreamingIndicator<BarInput, number> {
  /** Smoothing period. */
  readonly period: number;
  /** Inputs needed before the first result: `period + 1`. */
  readonly warmup: number;
  #prevClose = 0;
  #prev = 0;
  #run = 0;
  #saved = [0, 0, 0];

  /**
   * @param period Smoothing period, an integer ≥ 1. @default {14}
   * @throws {RangeError} When `period` is not an integer ≥ 1.
   */
  constructor(period = 14) {
    super();
    this.period = checkPeriod("period", period);
    this.warmup = period + 1;
  }

  protected step(bar: BarInput): number | null {
    const { high: h, low: l, close: c } = bar;
    if (h !== h || l !== l || c !== c) {
      this.#run = 0, this.#prev = 0;
      return null;
    }
    const tr = trueRangeOf(h, l, this.#prevClose);
    this.#prevClose = c;
    const period = this.period;
    if (this.#run > period) {
      this.#prev *= period - 1;
      this.#prev += tr;
      return this.#prev /= period;
    }
    if (this.#run === 0) {
      this.#run = 1;
      return null;
    }
    this.#prev += tr;
    if (++this.#run <= period) return null;
    return this.#prev /= period;
  }
  protected save(): void {
    const s = this.#saved;
    s[0] = this.#prevClose, s[1] = this.#prev, s[2] = this.#run;
  }
  protected restore(): void {
    const s = this.#saved;
    this.#prevClose = s[0]!, this.#prev = s[1]!, this.#run = s[2]!;
  }
  protected clear(): void {
    this.#prevClose = 0, this.#prev = 0, this.#run = 0;
  }
}
