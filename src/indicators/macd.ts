/**
 * Moving average convergence/divergence, TA-Lib `MACD`.
 *
 * @module
 */
import { checkPeriod, outputBuffer, type Series, StreamingIndicator } from "./indicator.ts";

/** The three MACD series (or, streaming, the three values of one bar). */
export interface MacdResult<T = Float64Array> {
  /** fast EMA − slow EMA. */
  macd: T;
  /** EMA of `macd` over the signal period. */
  signal: T;
  /** `macd − signal`. */
  histogram: T;
}

function checkMacd(fast: number, slow: number, signal: number): void {
  checkPeriod("fast period", fast);
  checkPeriod("slow period", slow);
  checkPeriod("signal period", signal);
  if (fast > slow) {
    throw new RangeError(`Invalid MACD fast period ${fast}: it exceeds the slow period ${slow}`);
  }
}

/**
 * MACD line, signal line and histogram.
 *
 * Conventions (TA-Lib `MACD`): both EMAs (`k = 2 / (n + 1)`) produce their first value
 * at index `slow - 1`: the slow EMA is seeded with the mean of closes `0…slow-1`, the
 * fast one with the mean of closes `slow-fast…slow-1` (for 12/26: closes 14…25, not
 * 0…11). The signal EMA is seeded with the mean of the first `signal` MACD values, and
 * every output starts at index `slow + signal - 2` (33 for 12/26/9), NaN before. A NaN
 * input gives NaN and restarts all three EMAs.
 *
 * @param values The series, e.g. closes.
 * @param fast Fast EMA period. @default {12}
 * @param slow Slow EMA period (≥ fast). @default {26}
 * @param signal Signal EMA period. @default {9}
 * @param out Optional buffers (each of `values.length`) to write into.
 * @returns `{ macd, signal, histogram }`, aligned with `values`.
 * @throws {RangeError} When a period is not an integer ≥ 1, `fast > slow`, or an `out`
 * buffer has the wrong length.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { macd } from "./macd.ts";
 * const closes = Array.from({ length: 40 }, (_, i) => 100 + i); // a straight line
 * const m = macd(closes);
 * assert.ok(Number.isNaN(m.macd[32]) && m.macd[33]! > 0);
 * assert.ok(Math.abs(m.histogram[39]!) < 1e-9); // on a line the MACD is constant
 * ```
 */
export function macd(
  values: Series,
  fast = 12,
  slow = 26,
  signal = 9,
  out?: Partial<MacdResult>,
): MacdResult {
  checkMacd(fast, slow, signal);
  const n = values.length;
  const oM = outputBuffer(n, out?.macd);
  const oS = outputBuffer(n, out?.signal);
  const oH = outputBuffer(n, out?.histogram);
  const kf = 2 / (fast + 1), ks = 2 / (slow + 1), kg = 2 / (signal + 1);
  const fastFrom = slow - fast + 1; // run count at which the fast seed sum begins
  const stable = slow + signal - 1; // run count of the first output
  let i = 0;
  outer: while (i < n) {
    // runs 1 … slow-1: the seed sums (the fast one over its last `fast` values)
    let ef = 0, es = 0;
    for (let run = 1; run < slow; run++, i++) {
      if (i >= n) break outer;
      const v = values[i]!;
      oM[i] = NaN, oS[i] = NaN, oH[i] = NaN;
      if (v !== v) {
        i++;
        continue outer;
      }
      es += v;
      if (run >= fastFrom) ef += v;
    }
    if (i >= n) break;
    const v0 = values[i]!;
    if (v0 !== v0) {
      oM[i] = NaN, oS[i] = NaN, oH[i++] = NaN;
      continue;
    }
    // run == slow: both EMAs seeded; the signal's seed sum starts
    es = (es + v0) / slow;
    ef = (ef + v0) / fast;
    let eg = ef - es;
    for (let run = slow; run <= stable; run++, i++) {
      if (run > slow) {
        if (i >= n) break outer;
        const v = values[i]!;
        if (v !== v) {
          oM[i] = NaN, oS[i] = NaN, oH[i++] = NaN;
          continue outer;
        }
        ef = (v - ef) * kf + ef;
        es = (v - es) * ks + es;
        eg += ef - es;
      }
      if (run === stable) {
        eg /= signal;
        const m = ef - es;
        oM[i] = m, oS[i] = eg, oH[i] = m - eg;
      } else oM[i] = NaN, oS[i] = NaN, oH[i] = NaN;
    }
    for (; i < n; i++) {
      const v = values[i]!;
      if (v !== v) break;
      ef = (v - ef) * kf + ef;
      es = (v - es) * ks + es;
      const m = ef - es;
      eg = (m - eg) * kg + eg;
      oM[i] = m, oS[i] = eg, oH[i] = m - eg;
    }
    if (i < n) oM[i] = NaN, oS[i] = NaN, oH[i++] = NaN;
  }
  return { macd: oM, signal: oS, histogram: oH };
}

/**
 * Streaming MACD; agrees bit for bit with {@link macd}. `getResult()` is
 * `{ macd, signal, histogram }` once stable.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MACD } from "./macd.ts";
 * const m = new MACD(2, 3, 2);
 * [1, 2, 3].forEach((v) => m.add(v));
 * assert.ok(m.add(4)!.macd === 0.5 && m.warmup === 4);
 * ```
 */
export class MACD extends StreamingIndicator<number, MacdResult<number>> {
  /** Fast EMA period. */
  readonly fast: number;
  /** Slow EMA period. */
  readonly slow: number;
  /** Signal EMA period. */
  readonly signal: number;
  /** Inputs needed before the first result: `slow + signal - 1`. */
  readonly warmup: number;
  #ef = 0;
  #es = 0;
  #eg = 0;
  #run = 0;
  #saved = [0, 0, 0, 0];

  /**
   * @param fast Fast EMA period. @default {12}
   * @param slow Slow EMA period (≥ fast). @default {26}
   * @param signal Signal EMA period. @default {9}
   * @throws {RangeError} When a period is not an integer ≥ 1 or `fast > slow`.
   */
  constructor(fast = 12, slow = 26, signal = 9) {
    super();
    checkMacd(fast, slow, signal);
    this.fast = fast, this.slow = slow, this.signal = signal;
    this.warmup = slow + signal - 1;
  }

  protected step(v: number): MacdResult<number> | null {
    if (v !== v) {
      this.#ef = 0, this.#es = 0, this.#eg = 0, this.#run = 0;
      return null;
    }
    const { fast, slow, signal } = this;
    const kf = 2 / (fast + 1), ks = 2 / (slow + 1), kg = 2 / (signal + 1);
    const stable = this.warmup;
    if (this.#run >= stable) {
      this.#ef = (v - this.#ef) * kf + this.#ef;
      this.#es = (v - this.#es) * ks + this.#es;
      const m = this.#ef - this.#es;
      this.#eg = (m - this.#eg) * kg + this.#eg;
      return { macd: m, signal: this.#eg, histogram: m - this.#eg };
    }
    const run = ++this.#run;
    if (run < slow) {
      this.#es += v;
      if (run >= slow - fast + 1) this.#ef += v;
    } else if (run === slow) {
      this.#es += v;
      this.#ef += v;
      this.#es /= slow;
      this.#ef /= fast;
      this.#eg = this.#ef - this.#es;
    } else {
      this.#ef = (v - this.#ef) * kf + this.#ef;
      this.#es = (v - this.#es) * ks + this.#es;
      this.#eg += this.#ef - this.#es;
    }
    if (run < stable) return null;
    this.#eg /= signal;
    const m = this.#ef - this.#es;
    return { macd: m, signal: this.#eg, histogram: m - this.#eg };
  }
  protected save(): void {
    const s = this.#saved;
    s[0] = this.#ef, s[1] = this.#es, s[2] = this.#eg, s[3] = this.#run;
  }
  protected restore(): void {
    const s = this.#saved;
    this.#ef = s[0]!, this.#es = s[1]!, this.#eg = s[2]!, this.#run = s[3]!;
  }
  protected clear(): void {
    this.#ef = 0, this.#es = 0, this.#eg = 0, this.#run = 0;
  }
}
