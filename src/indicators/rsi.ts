/**
 * Relative Strength Index (Wilder), TA-Lib `RSI`.
 *
 * @module
 */
import { checkPeriod, outputBuffer, type Series, StreamingIndicator } from "./indicator.ts";

/** TA-Lib's `TA_IS_ZERO` threshold (`TA_EPSILON`). */
const EPSILON = 1e-14;

/**
 * Relative Strength Index with Wilder smoothing.
 *
 * Conventions (TA-Lib `RSI`, default compatibility): changes start at bar 1; the
 * average gain and loss are seeded with the simple mean of the first `period` changes
 * (so the first value is at index `period`), then smoothed Wilder-style,
 * `avg = (avg * (period - 1) + x) / period`. `RSI = 100 * gain / (gain + loss)`, and
 * 0 when `gain + loss` is within ±1e-14 of zero (TA-Lib's `TA_IS_ZERO`), so the RSI of
 * a flat series is 0. A NaN input gives NaN and re-seeds (`period + 1` valid values
 * are needed again).
 *
 * @param values The series, e.g. closes.
 * @param period Smoothing period, an integer ≥ 1. @default {14}
 * @param out Optional buffer of `values.length` to write into.
 * @returns RSI in [0, 100], aligned with `values`, NaN for the first `period` values.
 * @throws {RangeError} When `period` is not an integer ≥ 1 or `out` has the wrong length.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { rsi } from "./rsi.ts";
 * // changes +1, -1: gain 0.5, loss 0.5 → 50; then +2: gain (0.5+2)/2, loss 0.5/2 → 83.33…
 * const r = rsi([10, 11, 10, 12], 2);
 * assert.ok(Number.isNaN(r[1]) && r[2] === 50 && Math.abs(r[3]! - 250 / 3) < 1e-12);
 * ```
 */
export function rsi(values: Series, period = 14, out?: Float64Array): Float64Array {
  checkPeriod("period", period);
  const n = values.length;
  const o = outputBuffer(n, out);
  const m = period - 1;
  let i = 0;
  outer: while (i < n) {
    const first = values[i]!;
    o[i++] = NaN;
    if (first !== first) continue;
    let prev = first, gain = 0, loss = 0;
    // seed: the sums of the first `period` gains and losses
    for (let run = 1; run <= period; run++, i++) {
      if (i >= n) break outer;
      const v = values[i]!;
      if (v !== v) {
        o[i++] = NaN;
        continue outer;
      }
      const d = v - prev;
      prev = v;
      if (d < 0) loss -= d;
      else gain += d;
      o[i] = NaN;
    }
    i--; // the last seed value is also the first output
    loss /= period;
    gain /= period;
    let t = gain + loss;
    o[i++] = -EPSILON < t && t < EPSILON ? 0 : 100 * (gain / t);
    for (; i < n; i++) {
      const v = values[i]!;
      if (v !== v) break;
      const d = v - prev;
      prev = v;
      loss *= m;
      gain *= m;
      if (d < 0) loss -= d;
      else gain += d;
      loss /= period;
      gain /= period;
      t = gain + loss;
      o[i] = -EPSILON < t && t < EPSILON ? 0 : 100 * (gain / t);
    }
    if (i < n) o[i++] = NaN;
  }
  return o;
}

/**
 * Streaming RSI; agrees bit for bit with {@link rsi}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RSI } from "./rsi.ts";
 * const r = new RSI(2);
 * [10, 11, 10].forEach((v) => r.add(v));
 * assert.ok(r.getResult() === 50 && r.warmup === 3);
 * ```
 */
export class RSI extends StreamingIndicator<number, number> {
  /** Smoothing period. */
  readonly period: number;
  /** Inputs needed before the first result: `period + 1`. */
  readonly warmup: number;
  #gain = 0;
  #loss = 0;
  #prev = 0;
  #run = 0;
  #saved = [0, 0, 0, 0];

  /**
   * @param period Smoothing period, an integer ≥ 1. @default {14}
   * @throws {RangeError} When `period` is not an integer ≥ 1.
   */
  constructor(period = 14) {
    super();
    this.period = checkPeriod("period", period);
    this.warmup = period + 1;
  }

  protected step(v: number): number | null {
    if (v !== v) {
      this.#gain = 0, this.#loss = 0, this.#run = 0;
      return null;
    }
    const period = this.period;
    const d = v - this.#prev;
    this.#prev = v;
    if (this.#run > period) {
      this.#loss *= period - 1;
      this.#gain *= period - 1;
      if (d < 0) this.#loss -= d;
      else this.#gain += d;
      this.#loss /= period;
      this.#gain /= period;
    } else if (this.#run === 0) {
      this.#run = 1;
      return null;
    } else {
      if (d < 0) this.#loss -= d;
      else this.#gain += d;
      if (++this.#run <= period) return null;
      this.#loss /= period;
      this.#gain /= period;
    }
    const t = this.#gain + this.#loss;
    return -EPSILON < t && t < EPSILON ? 0 : 100 * (this.#gain / t);
  }
  protected save(): void {
    const s = this.#saved;
    s[0] = this.#gain, s[1] = this.#loss, s[2] = this.#prev, s[3] = this.#run;
  }
  protected restore(): void {
    const s = this.#saved;
    this.#gain = s[0]!, this.#loss = s[1]!, this.#prev = s[2]!, this.#run = s[3]!;
  }
  protected clear(): void {
    this.#gain = 0, this.#loss = 0, this.#prev = 0, this.#run = 0;
  }
}
