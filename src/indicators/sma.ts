/**
 * Simple moving average, TA-Lib `SMA`.
 *
 * @module
 */
import { checkPeriod, outputBuffer, type Series, StreamingIndicator } from "./indicator.ts";

/**
 * Simple moving average: the mean of the last `period` values.
 *
 * Conventions (TA-Lib `SMA`): the first value is at index `period - 1` (NaN before);
 * the window sum is kept as a running total (add the new value, divide, subtract the
 * value leaving the window), so results equal TA-Lib's to the last bit. A NaN input
 * gives NaN and restarts the warm-up (see `indicator.ts`).
 *
 * @param values The series, e.g. closes.
 * @param period Window length, an integer ≥ 1.
 * @param out Optional buffer of `values.length` to write into.
 * @returns The averages, aligned with `values`.
 * @throws {RangeError} When `period` is not an integer ≥ 1 or `out` has the wrong length.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sma } from "./sma.ts";
 * const s = sma([1, 2, 3, 4], 2);
 * assert.ok(Number.isNaN(s[0]) && s[1] === 1.5 && s[3] === 3.5);
 * ```
 */
export function sma(values: Series, period: number, out?: Float64Array): Float64Array {
  checkPeriod("period", period);
  const n = values.length;
  const o = outputBuffer(n, out);
  const p1 = period - 1;
  let i = 0;
  while (i < n) {
    // warm-up: the first period - 1 valid values (a NaN starts it again)
    let sum = 0;
    for (let run = 0; run < p1 && i < n; i++) {
      const v = values[i]!;
      o[i] = NaN;
      if (v !== v) sum = 0, run = 0;
      else sum += v, run++;
    }
    for (; i < n; i++) {
      const v = values[i]!;
      if (v !== v) break;
      sum += v;
      o[i] = sum / period;
      sum -= values[i - p1]!;
    }
    if (i < n) o[i++] = NaN; // the NaN that ended the run
  }
  return o;
}

/**
 * Streaming simple moving average; agrees bit for bit with {@link sma}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SMA } from "./sma.ts";
 * const s = new SMA(3);
 * [1, 2, 3].forEach((v) => s.add(v));
 * assert.ok(s.getResult() === 2 && s.warmup === 3);
 * ```
 */
export class SMA extends StreamingIndicator<number, number> {
  /** Window length. */
  readonly period: number;
  /** Inputs needed before the first result: `period`. */
  readonly warmup: number;
  #ring: Float64Array;
  #head = 0;
  #sum = 0;
  #run = 0;
  #saved = [0, 0, 0];

  /**
   * @param period Window length, an integer ≥ 1.
   * @throws {RangeError} When `period` is not an integer ≥ 1.
   */
  constructor(period: number) {
    super();
    this.period = checkPeriod("period", period);
    this.warmup = period;
    this.#ring = new Float64Array(period);
  }

  protected step(v: number): number | null {
    if (v !== v) {
      this.#sum = 0;
      this.#run = 0;
      return null;
    }
    const ring = this.#ring;
    this.#sum += v;
    ring[this.#head] = v;
    this.#head = this.#head + 1 === this.period ? 0 : this.#head + 1;
    if (++this.#run < this.period) return null;
    const result = this.#sum / this.period;
    this.#sum -= ring[this.#head]!;
    return result;
  }
  protected save(): void {
    const s = this.#saved;
    s[0] = this.#head, s[1] = this.#sum, s[2] = this.#run;
  }
  protected restore(): void {
    const s = this.#saved;
    this.#head = s[0]!, this.#sum = s[1]!, this.#run = s[2]!;
  }
  protected clear(): void {
    this.#head = 0, this.#sum = 0, this.#run = 0;
  }
}
