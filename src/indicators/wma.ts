/**
 * Weighted moving average, TA-Lib `WMA`.
 *
 * @module
 */
import { checkPeriod, outputBuffer, type Series, StreamingIndicator } from "./indicator.ts";

/**
 * Linearly weighted moving average: weights 1…`period`, the newest value weighing most,
 * divided by `period * (period + 1) / 2`.
 *
 * Conventions (TA-Lib `WMA`): the first value is at index `period - 1`; computed with
 * TA-Lib's running weighted sum and running plain sum (same operations in the same
 * order, so the results match TA-Lib's bits); `period` 1 copies the input. A NaN input
 * gives NaN and restarts the warm-up.
 *
 * @param values The series.
 * @param period Window length, an integer ≥ 1.
 * @param out Optional buffer of `values.length` to write into.
 * @returns The WMA aligned with `values`.
 * @throws {RangeError} When `period` is not an integer ≥ 1 or `out` has the wrong length.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { wma } from "./wma.ts";
 * const w = wma([1, 2, 3], 3); // (1*1 + 2*2 + 3*3) / 6
 * assert.ok(w[2] === 14 / 6);
 * ```
 */
export function wma(values: Series, period: number, out?: Float64Array): Float64Array {
  checkPeriod("period", period);
  const n = values.length;
  const o = outputBuffer(n, out);
  if (period === 1) {
    for (let i = 0; i < n; i++) o[i] = values[i]!;
    return o;
  }
  const divider = period * (period + 1) / 2;
  const p1 = period - 1;
  let i = 0;
  outer: while (i < n) {
    // warm-up: the first period - 1 valid values, weights 1..period-1
    let sub = 0, sum = 0;
    for (let run = 1; run <= p1 && i < n; run++, i++) {
      const v = values[i]!;
      o[i] = NaN;
      if (v !== v) {
        i++;
        continue outer;
      }
      sub += v;
      sum += v * run;
    }
    let trailing = 0;
    for (; i < n; i++) {
      const v = values[i]!;
      if (v !== v) break;
      sub += v;
      sub -= trailing;
      sum += v * period;
      trailing = values[i - p1]!;
      o[i] = sum / divider;
      sum -= sub;
    }
    if (i < n) o[i++] = NaN;
  }
  return o;
}

/**
 * Streaming WMA; agrees bit for bit with {@link wma}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WMA } from "./wma.ts";
 * const w = new WMA(3);
 * [1, 2, 3].forEach((v) => w.add(v));
 * assert.ok(w.getResult() === 14 / 6);
 * ```
 */
export class WMA extends StreamingIndicator<number, number> {
  /** Window length. */
  readonly period: number;
  /** Inputs needed before the first result: `period`. */
  readonly warmup: number;
  #ring: Float64Array;
  #divider: number;
  #head = 0;
  #sub = 0;
  #sum = 0;
  #trailing = 0;
  #run = 0;
  #saved = [0, 0, 0, 0, 0];

  /**
   * @param period Window length, an integer ≥ 1.
   * @throws {RangeError} When `period` is not an integer ≥ 1.
   */
  constructor(period: number) {
    super();
    this.period = checkPeriod("period", period);
    this.warmup = period;
    this.#ring = new Float64Array(period);
    this.#divider = period * (period + 1) / 2;
  }

  protected step(v: number): number | null {
    if (this.period === 1) return v !== v ? null : v;
    if (v !== v) {
      this.#sub = 0, this.#sum = 0, this.#trailing = 0, this.#run = 0;
      return null;
    }
    const period = this.period, ring = this.#ring;
    ring[this.#head] = v;
    this.#head = this.#head + 1 === period ? 0 : this.#head + 1;
    if (++this.#run < period) {
      this.#sub += v;
      this.#sum += v * this.#run;
      return null;
    }
    this.#sub += v;
    this.#sub -= this.#trailing;
    this.#sum += v * period;
    this.#trailing = ring[this.#head]!; // the oldest value in the window
    const result = this.#sum / this.#divider;
    this.#sum -= this.#sub;
    return result;
  }
  protected save(): void {
    const s = this.#saved;
    s[0] = this.#head, s[1] = this.#sub, s[2] = this.#sum, s[3] = this.#trailing, s[4] = this.#run;
  }
  protected restore(): void {
    const s = this.#saved;
    this.#head = s[0]!, this.#sub = s[1]!, this.#sum = s[2]!, this.#trailing = s[3]!;
    this.#run = s[4]!;
  }
  protected clear(): void {
    this.#head = 0, this.#sub = 0, this.#sum = 0, this.#trailing = 0, this.#run = 0;
  }
}
