/**
 * Bollinger Bands, TA-Lib `BBANDS` with a simple moving average.
 *
 * @module
 */
import { checkPeriod, outputBuffer, type Series, StreamingIndicator } from "./indicator.ts";

/** The three Bollinger series (or, streaming, the three values of one bar). */
export interface BollingerResult<T = Float64Array> {
  /** middle + stdDevs × σ. */
  upper: T;
  /** The simple moving average. */
  middle: T;
  /** middle − stdDevs × σ. */
  lower: T;
}

/** TA-Lib's `TA_IS_ZERO_OR_NEG` threshold (`TA_EPSILON`). */
const EPSILON = 1e-14;

function checkDevs(stdDevs: number): number {
  if (!Number.isFinite(stdDevs)) {
    throw new RangeError(`Invalid stdDevs ${stdDevs}: expected a finite number`);
  }
  return stdDevs;
}

/**
 * Bollinger Bands: an SMA and bands `stdDevs` population standard deviations away.
 *
 * Conventions (TA-Lib `BBANDS`, MA type SMA): the middle band is TA-Lib's running-sum
 * SMA; σ is the **population** standard deviation (ddof 0) computed as TA-Lib does,
 * `sqrt(Σx²/n − mean²)` from a running sum of squares, and 0 when that variance is
 * below 1e-14 (TA-Lib's `TA_IS_ZERO_OR_NEG`, so a flat series has σ = 0 exactly). The
 * first value is at index `period - 1`. `period` 1 is allowed (σ = 0). A NaN input gives
 * NaN and restarts the warm-up.
 *
 * @param values The series, e.g. closes.
 * @param period Window length, an integer ≥ 1. @default {20}
 * @param stdDevs Band width in standard deviations (any finite number). @default {2}
 * @param out Optional buffers (each of `values.length`) to write into.
 * @returns `{ upper, middle, lower }`, aligned with `values`.
 * @throws {RangeError} When `period` is not an integer ≥ 1, `stdDevs` is not finite, or
 * an `out` buffer has the wrong length.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bollinger } from "./bollinger.ts";
 * // window [1, 3]: mean 2, population σ 1
 * const b = bollinger([1, 3], 2, 2);
 * assert.ok(b.middle[1] === 2 && b.upper[1] === 4 && b.lower[1] === 0);
 * ```
 */
export function bollinger(
  values: Series,
  period = 20,
  stdDevs = 2,
  out?: Partial<BollingerResult>,
): BollingerResult {
  checkPeriod("period", period);
  checkDevs(stdDevs);
  const n = values.length;
  const oU = outputBuffer(n, out?.upper);
  const oM = outputBuffer(n, out?.middle);
  const oL = outputBuffer(n, out?.lower);
  const p1 = period - 1;
  let i = 0;
  while (i < n) {
    // warm-up: the first period - 1 valid values
    let sum = 0, sq = 0;
    for (let run = 0; run < p1 && i < n; i++) {
      const v = values[i]!;
      oU[i] = NaN, oM[i] = NaN, oL[i] = NaN;
      if (v !== v) sum = 0, sq = 0, run = 0;
      else sum += v, sq += v * v, run++;
    }
    for (; i < n; i++) {
      const v = values[i]!;
      if (v !== v) break;
      sum += v;
      sq += v * v;
      const mean = sum / period;
      let variance = sq / period;
      const t = values[i - p1]!;
      sum -= t;
      sq -= t * t;
      variance -= mean * mean;
      const d = variance < EPSILON ? 0 : Math.sqrt(variance) * stdDevs;
      oM[i] = mean, oU[i] = mean + d, oL[i] = mean - d;
    }
    if (i < n) oU[i] = NaN, oM[i] = NaN, oL[i++] = NaN;
  }
  return { upper: oU, middle: oM, lower: oL };
}

/**
 * Streaming Bollinger Bands; agrees bit for bit with {@link bollinger}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Bollinger } from "./bollinger.ts";
 * const b = new Bollinger(2, 2);
 * b.add(1);
 * assert.ok(b.add(3)!.upper === 4);
 * ```
 */
export class Bollinger extends StreamingIndicator<number, BollingerResult<number>> {
  /** Window length. */
  readonly period: number;
  /** Band width in standard deviations. */
  readonly stdDevs: number;
  /** Inputs needed before the first result: `period`. */
  readonly warmup: number;
  #ring: Float64Array;
  #head = 0;
  #sum = 0;
  #sq = 0;
  #run = 0;
  #saved = [0, 0, 0, 0];

  /**
   * @param period Window length, an integer ≥ 1. @default {20}
   * @param stdDevs Band width in standard deviations. @default {2}
   * @throws {RangeError} When `period` is not an integer ≥ 1 or `stdDevs` is not finite.
   */
  constructor(period = 20, stdDevs = 2) {
    super();
    this.period = checkPeriod("period", period);
    this.stdDevs = checkDevs(stdDevs);
    this.warmup = period;
    this.#ring = new Float64Array(period);
  }

  protected step(v: number): BollingerResult<number> | null {
    if (v !== v) {
      this.#sum = 0, this.#sq = 0, this.#run = 0;
      return null;
    }
    const period = this.period, ring = this.#ring;
    this.#sum += v;
    this.#sq += v * v;
    ring[this.#head] = v;
    this.#head = this.#head + 1 === period ? 0 : this.#head + 1;
    if (++this.#run < period) return null;
    const mean = this.#sum / period;
    let variance = this.#sq / period;
    const t = ring[this.#head]!;
    this.#sum -= t;
    this.#sq -= t * t;
    variance -= mean * mean;
    const d = variance < EPSILON ? 0 : Math.sqrt(variance) * this.stdDevs;
    return { upper: mean + d, middle: mean, lower: mean - d };
  }
  protected save(): void {
    const s = this.#saved;
    s[0] = this.#head, s[1] = this.#sum, s[2] = this.#sq, s[3] = this.#run;
  }
  protected restore(): void {
    const s = this.#saved;
    this.#head = s[0]!, this.#sum = s[1]!, this.#sq = s[2]!, this.#run = s[3]!;
  }
  protected clear(): void {
    this.#head = 0, this.#sum = 0, this.#sq = 0, this.#run = 0;
  }
}
