/**
 * Exponential moving average, TA-Lib `EMA`.
 *
 * @module
 */
import { checkPeriod, outputBuffer, type Series, StreamingIndicator } from "./indicator.ts";

/**
 * Exponential moving average.
 *
 * Conventions (TA-Lib `EMA`, default compatibility): `k = 2 / (period + 1)`; the first
 * value, at index `period - 1`, is the simple mean of the first `period` values; then
 * `ema = (value - ema) * k + ema` (TA-Lib's operation order, so results match to the
 * bit). A NaN input gives NaN and re-seeds: the next value is again the mean of the
 * `period` values after the gap.
 *
 * @param values The series.
 * @param period Smoothing period, an integer ≥ 1.
 * @param out Optional buffer of `values.length` to write into.
 * @returns The EMA, aligned with `values`, NaN for the first `period - 1` values.
 * @throws {RangeError} When `period` is not an integer ≥ 1 or `out` has the wrong length.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ema } from "./ema.ts";
 * const e = ema([1, 2, 3, 4], 3); // seed (1+2+3)/3 = 2, then (4-2)*0.5+2 = 3
 * assert.ok(Number.isNaN(e[1]) && e[2] === 2 && e[3] === 3);
 * ```
 */
export function ema(values: Series, period: number, out?: Float64Array): Float64Array {
  checkPeriod("period", period);
  const n = values.length;
  const o = outputBuffer(n, out);
  const k = 2 / (period + 1);
  let i = 0;
  while (i < n) {
    // seed: the mean of the first `period` valid values (a NaN starts it again)
    let prev = 0;
    for (let run = 0; run < period && i < n; i++) {
      const v = values[i]!;
      if (v !== v) {
        prev = 0, run = 0;
        o[i] = NaN;
      } else if (++run === period) {
        prev = (prev + v) / period;
        o[i] = prev;
      } else {
        prev += v;
        o[i] = NaN;
      }
    }
    for (; i < n; i++) {
      const v = values[i]!;
      if (v !== v) break;
      prev = (v - prev) * k + prev;
      o[i] = prev;
    }
    if (i < n) o[i++] = NaN;
  }
  return o;
}

/**
 * Streaming EMA; agrees bit for bit with {@link ema}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EMA } from "./ema.ts";
 * const e = new EMA(3);
 * [1, 2, 3, 4].forEach((v) => e.add(v));
 * assert.ok(e.getResult() === 3);
 * ```
 */
export class EMA extends StreamingIndicator<number, number> {
  /** Smoothing period. */
  readonly period: number;
  /** Inputs needed before the first result: `period`. */
  readonly warmup: number;
  /** The smoothing factor `2 / (period + 1)`. */
  readonly k: number;
  #prev = 0;
  #run = 0;
  #saved = [0, 0];

  /**
   * @param period Smoothing period, an integer ≥ 1.
   * @throws {RangeError} When `period` is not an integer ≥ 1.
   */
  constructor(period: number) {
    super();
    this.period = checkPeriod("period", period);
    this.warmup = period;
    this.k = 2 / (period + 1);
  }

  protected step(v: number): number | null {
    if (v !== v) {
      this.#prev = 0;
      this.#run = 0;
      return null;
    }
    if (this.#run === this.period) return this.#prev = (v - this.#prev) * this.k + this.#prev;
    this.#prev += v;
    if (++this.#run < this.period) return null;
    return this.#prev /= this.period;
  }
  protected save(): void {
    this.#saved[0] = this.#prev, this.#saved[1] = this.#run;
  }
  protected restore(): void {
    this.#prev = this.#saved[0]!, this.#run = this.#saved[1]!;
  }
  protected clear(): void {
    this.#prev = 0, this.#run = 0;
  }
}
