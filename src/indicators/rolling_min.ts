/**
 * Rolling minimum over a window, TA-Lib `MIN`.
 *
 * @module
 */
import { checkPeriod, outputBuffer, type Series, StreamingIndicator } from "./indicator.ts";

/**
 * Rolling minimum: the smallest of the last `period` values.
 *
 * Conventions (TA-Lib `MIN`): the first value is at index `period - 1`. A NaN input
 * gives NaN and restarts the window (the next value is `period` valid values later).
 * Amortised O(1) per value (the extreme is re-scanned only when it leaves the window).
 *
 * @param values The series, e.g. lows.
 * @param period Window length, an integer ≥ 1.
 * @param out Optional buffer of `values.length` to write into.
 * @returns The rolling minima, aligned with `values`.
 * @throws {RangeError} When `period` is not an integer ≥ 1 or `out` has the wrong length.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { rollingMin } from "./rolling_min.ts";
 * const m = rollingMin([1, 3, 2, 0], 2);
 * assert.ok(Number.isNaN(m[0]) && m[1] === 1 && m[2] === 2 && m[3] === 0);
 * ```
 */
export function rollingMin(values: Series, period: number, out?: Float64Array): Float64Array {
  checkPeriod("period", period);
  const n = values.length;
  const o = outputBuffer(n, out);
  let i = 0;
  outer: while (i < n) {
    // warm-up: the first period - 1 valid values
    let at = i, ext = values[i]!;
    for (let run = 0; run < period - 1 && i < n; run++, i++) {
      const v = values[i]!;
      o[i] = NaN;
      if (v !== v) {
        i++;
        continue outer;
      }
      if (v <= ext) at = i, ext = v;
    }
    for (; i < n; i++) {
      const v = values[i]!;
      if (v !== v) break;
      if (v <= ext) at = i, ext = v;
      else if (at <= i - period) {
        // the extreme left the window: scan the window again
        const first = i - period + 1;
        at = first, ext = values[first]!;
        for (let j = first + 1; j <= i; j++) {
          const x = values[j]!;
          if (x <= ext) at = j, ext = x;
        }
      }
      o[i] = ext;
    }
    if (i < n) o[i++] = NaN;
  }
  return o;
}

/**
 * Streaming rolling minimum; agrees with {@link rollingMin}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RollingMin } from "./rolling_min.ts";
 * const m = new RollingMin(2);
 * [1, 3, 2].forEach((v) => m.add(v));
 * assert.ok(m.getResult() === 2);
 * ```
 */
export class RollingMin extends StreamingIndicator<number, number> {
  /** Window length. */
  readonly period: number;
  /** Inputs needed before the first result: `period`. */
  readonly warmup: number;
  #ring: Float64Array;
  #run = 0; // valid values since the last restart
  #t = 0; // inputs seen (ring position = t % period)
  #at = -1; // input number of the extreme
  #ext = 0;
  #saved = [0, 0, 0, 0];

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
    const t = this.#t++;
    if (v !== v) {
      this.#run = 0, this.#at = -1;
      return null;
    }
    const period = this.period, ring = this.#ring;
    ring[t % period] = v;
    const run = ++this.#run;
    const first = t - (run < period ? run : period) + 1;
    if (this.#at < first) {
      this.#at = first, this.#ext = ring[first % period]!;
      for (let j = first + 1; j <= t; j++) {
        const x = ring[j % period]!;
        if (x <= this.#ext) this.#at = j, this.#ext = x;
      }
    } else if (v <= this.#ext) this.#at = t, this.#ext = v;
    return run >= period ? this.#ext : null;
  }
  protected save(): void {
    const s = this.#saved;
    s[0] = this.#run, s[1] = this.#t, s[2] = this.#at, s[3] = this.#ext;
  }
  protected restore(): void {
    const s = this.#saved;
    this.#run = s[0]!, this.#t = s[1]!, this.#at = s[2]!, this.#ext = s[3]!;
  }
  protected clear(): void {
    this.#run = 0, this.#t = 0, this.#at = -1, this.#ext = 0;
  }
}
