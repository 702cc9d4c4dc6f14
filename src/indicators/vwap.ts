/**
 * Volume-weighted average price of daily bars: rolling over N bars, or cumulative.
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

/**
 * Volume-weighted average of the typical price `(high + low + close) / 3` (TA-Lib
 * `TYPPRICE`'s formula and order), for daily bars (there is no intraday session to
 * anchor to).
 *
 * Conventions: with `period` N, a rolling N-bar VWAP, `Σ tp·v / Σ v` over the last N
 * bars (running sums, first value at index N − 1); with `period` omitted (or 0), the
 * VWAP cumulative from the first bar, which is the anchor: pass the bars from the
 * anchor on (e.g. `subarray(k)`) to anchor elsewhere. When the volume over the
 * window is 0 the VWAP is NaN (no trade, no price). A NaN in high, low, close or
 * volume gives NaN and restarts the window (or the cumulative sums).
 *
 * @param high Highs.
 * @param low Lows.
 * @param close Closes.
 * @param volume Volumes.
 * @param period Window length, an integer ≥ 1, or 0 for cumulative. @default {0}
 * @param out Optional buffer of `close.length` to write into.
 * @returns The VWAP aligned with the input.
 * @throws {RangeError} When `period` is not an integer ≥ 0, the series differ in length
 * or `out` has the wrong length.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { vwap } from "./vwap.ts";
 * // typical prices 10 and 13, volumes 100 and 300 → (1000 + 3900) / 400 = 12.25
 * const v = vwap([11, 14], [9, 12], [10, 13], [100, 300], 2);
 * assert.ok(Number.isNaN(v[0]) && v[1] === 12.25);
 * assert.ok(vwap([11, 14], [9, 12], [10, 13], [100, 300])[0] === 10); // cumulative
 * ```
 */
export function vwap(
  high: Series,
  low: Series,
  close: Series,
  volume: Series,
  period = 0,
  out?: Float64Array,
): Float64Array {
  if (period !== 0) checkPeriod("period", period);
  const n = sameLength(["high", "low", "close", "volume"], [high, low, close, volume]);
  const o = outputBuffer(n, out);
  const p1 = period - 1;
  let i = 0;
  while (i < n) {
    let pvSum = 0, vSum = 0;
    // rolling: warm up on the first period - 1 valid bars
    for (let run = 0; run < p1 && i < n; i++) {
      const h = high[i]!, l = low[i]!, c = close[i]!, v = volume[i]!;
      o[i] = NaN;
      if (h !== h || l !== l || c !== c || v !== v) pvSum = 0, vSum = 0, run = 0;
      else pvSum += (h + l + c) / 3 * v, vSum += v, run++;
    }
    for (; i < n; i++) {
      const h = high[i]!, l = low[i]!, c = close[i]!, v = volume[i]!;
      if (h !== h || l !== l || c !== c || v !== v) break;
      pvSum += (h + l + c) / 3 * v;
      vSum += v;
      o[i] = vSum === 0 ? NaN : pvSum / vSum;
      if (period !== 0) {
        const j = i - p1;
        const vj = volume[j]!;
        pvSum -= (high[j]! + low[j]! + close[j]!) / 3 * vj;
        vSum -= vj;
      }
    }
    if (i < n) o[i++] = NaN;
  }
  return o;
}

/**
 * Streaming VWAP (rolling or cumulative); agrees bit for bit with {@link vwap}.
 * `anchor()` restarts the cumulative sums at the next bar.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { VWAP } from "./vwap.ts";
 * const v = new VWAP(2);
 * v.add({ high: 11, low: 9, close: 10, volume: 100 });
 * assert.ok(v.add({ high: 14, low: 12, close: 13, volume: 300 }) === 12.25);
 * ```
 */
export class VWAP extends StreamingIndicator<BarInput, number> {
  /** Window length, 0 for cumulative. */
  readonly period: number;
  /** Inputs needed before the first result: `period` (1 when cumulative). */
  readonly warmup: number;
  #pv: Float64Array;
  #v: Float64Array;
  #head = 0;
  #pvSum = 0;
  #vSum = 0;
  #run = 0;
  #saved = [0, 0, 0, 0];

  /**
   * @param period Window length, an integer ≥ 1, or 0 for cumulative. @default {0}
   * @throws {RangeError} When `period` is not an integer ≥ 0.
   */
  constructor(period = 0) {
    super();
    if (period !== 0) checkPeriod("period", period);
    this.period = period;
    this.warmup = Math.max(period, 1);
    this.#pv = new Float64Array(period);
    this.#v = new Float64Array(period);
  }

  /** Restarts the cumulative sums: the next bar is the new anchor. */
  anchor(): void {
    this.#pvSum = 0, this.#vSum = 0, this.#run = 0;
  }

  protected step(bar: BarInput): number | null {
    const { high: h, low: l, close: c } = bar;
    const v = bar.volume ?? NaN;
    if (h !== h || l !== l || c !== c || v !== v) {
      this.anchor();
      return null;
    }
    const pv = (h + l + c) / 3 * v;
    this.#pvSum += pv;
    this.#vSum += v;
    const period = this.period;
    if (period === 0) return this.#vSum === 0 ? NaN : this.#pvSum / this.#vSum;
    this.#pv[this.#head] = pv;
    this.#v[this.#head] = v;
    this.#head = this.#head + 1 === period ? 0 : this.#head + 1;
    if (++this.#run < period) return null;
    const result = this.#vSum === 0 ? NaN : this.#pvSum / this.#vSum;
    this.#pvSum -= this.#pv[this.#head]!;
    this.#vSum -= this.#v[this.#head]!;
    return result;
  }
  protected save(): void {
    const s = this.#saved;
    s[0] = this.#head, s[1] = this.#pvSum, s[2] = this.#vSum, s[3] = this.#run;
  }
  protected restore(): void {
    const s = this.#saved;
    this.#head = s[0]!, this.#pvSum = s[1]!, this.#vSum = s[2]!, this.#run = s[3]!;
  }
  protected clear(): void {
    this.#head = 0, this.#pvSum = 0, this.#vSum = 0, this.#run = 0;
  }
}
