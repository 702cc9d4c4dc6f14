/**
 * Stochastic oscillator (slow %K, %D), TA-Lib `STOCH` with simple moving averages.
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

/** The two stochastic series (or, streaming, the two values of one bar). */
export interface StochasticResult<T = Float64Array> {
  /** Slow %K: the SMA of fast %K over `kSlowing` bars. */
  k: T;
  /** %D: the SMA of slow %K over `dPeriod` bars. */
  d: T;
}

function checkStoch(kPeriod: number, kSlowing: number, dPeriod: number): void {
  checkPeriod("kPeriod", kPeriod);
  checkPeriod("kSlowing", kSlowing);
  checkPeriod("dPeriod", dPeriod);
}

/**
 * Slow stochastic oscillator.
 *
 * Conventions (TA-Lib `STOCH`, both MA types SMA): fast %K = `(close − lowest low) /
 * ((highest high − lowest low) / 100)` over `kPeriod` bars, and **0 when high == low**
 * over the window; slow %K = SMA(`kSlowing`) of fast %K; %D = SMA(`dPeriod`) of slow
 * %K, both running-sum SMAs as in TA-Lib. Both outputs start at index
 * `kPeriod + kSlowing + dPeriod − 3` (17 for 14/3/3), as TA-Lib aligns them. A NaN in
 * high, low or close gives NaN and restarts the warm-up.
 *
 * @param high Highs.
 * @param low Lows.
 * @param close Closes.
 * @param kPeriod Look-back of fast %K. @default {14}
 * @param kSlowing SMA period turning fast %K into slow %K. @default {3}
 * @param dPeriod SMA period of %D. @default {3}
 * @param out Optional buffers (each of `close.length`) to write into.
 * @returns `{ k, d }` in [0, 100] (for consistent bars), aligned with the input.
 * @throws {RangeError} When a period is not an integer ≥ 1, the series differ in length
 * or an `out` buffer has the wrong length.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stochastic } from "./stochastic.ts";
 * // 2-bar window at bar 1: lowest 8, highest 12, close 11 → fast %K = 3 / 0.04 = 75
 * const s = stochastic([10, 12], [8, 9], [9, 11], 2, 1, 1);
 * assert.ok(Number.isNaN(s.k[0]) && s.k[1] === 75 && s.d[1] === 75);
 * ```
 */
export function stochastic(
  high: Series,
  low: Series,
  close: Series,
  kPeriod = 14,
  kSlowing = 3,
  dPeriod = 3,
  out?: Partial<StochasticResult>,
): StochasticResult {
  checkStoch(kPeriod, kSlowing, dPeriod);
  const n = sameLength(["high", "low", "close"], [high, low, close]);
  const oK = outputBuffer(n, out?.k);
  const oD = outputBuffer(n, out?.d);
  const kRing = new Float64Array(kSlowing);
  const dRing = new Float64Array(dPeriod);
  const p1 = kPeriod - 1;
  let i = 0;
  outer: while (i < n) {
    // warm-up of fast %K: the first kPeriod - 1 valid bars
    for (let run = 0; run < p1 && i < n; run++, i++) {
      const h = high[i]!, l = low[i]!, c = close[i]!;
      oK[i] = NaN, oD[i] = NaN;
      if (h !== h || l !== l || c !== c) {
        i++;
        continue outer;
      }
    }
    let hiAt = -1, hi = Infinity, loAt = -1, lo = -Infinity; // forces the first scan
    let kSum = 0, dSum = 0, kHead = 0, dHead = 0, kCount = 0, dCount = 0;
    for (; i < n; i++) {
      const h = high[i]!, l = low[i]!, c = close[i]!;
      if (h !== h || l !== l || c !== c) break;
      const first = i - p1;
      // TA-Lib's extreme tracking: re-scan the window only when the extreme left it
      if (l <= lo) loAt = i, lo = l;
      else if (loAt < first) {
        lo = low[first]!;
        for (let j = first + 1; j <= i; j++) lo = Math.min(lo, low[j]!);
        loAt = i;
        while (low[loAt] !== lo) loAt--; // the latest bar at the extreme
      }
      if (h >= hi) hiAt = i, hi = h;
      else if (hiAt < first) {
        hi = high[first]!;
        for (let j = first + 1; j <= i; j++) hi = Math.max(hi, high[j]!);
        hiAt = i;
        while (high[hiAt] !== hi) hiAt--;
      }
      const diff = (hi - lo) / 100;
      const fastK = diff !== 0 ? (c - lo) / diff : 0;
      // slow %K: running-sum SMA of fast %K
      kSum += fastK;
      kRing[kHead] = fastK;
      if (++kHead === kSlowing) kHead = 0;
      if (kCount < kSlowing - 1) {
        kCount++;
        oK[i] = NaN, oD[i] = NaN;
        continue;
      }
      const slowK = kSum / kSlowing;
      kSum -= kRing[kHead]!;
      // %D: running-sum SMA of slow %K
      dSum += slowK;
      dRing[dHead] = slowK;
      if (++dHead === dPeriod) dHead = 0;
      if (dCount < dPeriod - 1) {
        dCount++;
        oK[i] = NaN, oD[i] = NaN;
        continue;
      }
      oK[i] = slowK;
      oD[i] = dSum / dPeriod;
      dSum -= dRing[dHead]!;
    }
    if (i < n) oK[i] = NaN, oD[i++] = NaN;
  }
  return { k: oK, d: oD };
}

/**
 * Streaming slow stochastic; agrees bit for bit with {@link stochastic}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Stochastic } from "./stochastic.ts";
 * const s = new Stochastic(2, 1, 1);
 * s.add({ high: 10, low: 8, close: 9 });
 * assert.ok(s.add({ high: 12, low: 9, close: 11 })!.k === 75);
 * ```
 */
export class Stochastic extends StreamingIndicator<BarInput, StochasticResult<number>> {
  /** Look-back of fast %K. */
  readonly kPeriod: number;
  /** SMA period of slow %K. */
  readonly kSlowing: number;
  /** SMA period of %D. */
  readonly dPeriod: number;
  /** Inputs needed before the first result: `kPeriod + kSlowing + dPeriod − 2`. */
  readonly warmup: number;
  #highs: Float64Array;
  #lows: Float64Array;
  #kRing: Float64Array;
  #dRing: Float64Array;
  // t, run, hiAt, hi, loAt, lo, kSum, dSum, kHead, dHead, kCount, dCount
  #s = new Float64Array(12);
  #saved = new Float64Array(12);

  /**
   * @param kPeriod Look-back of fast %K. @default {14}
   * @param kSlowing SMA period of slow %K. @default {3}
   * @param dPeriod SMA period of %D. @default {3}
   * @throws {RangeError} When a period is not an integer ≥ 1.
   */
  constructor(kPeriod = 14, kSlowing = 3, dPeriod = 3) {
    super();
    checkStoch(kPeriod, kSlowing, dPeriod);
    this.kPeriod = kPeriod, this.kSlowing = kSlowing, this.dPeriod = dPeriod;
    this.warmup = kPeriod + kSlowing + dPeriod - 2;
    this.#highs = new Float64Array(kPeriod);
    this.#lows = new Float64Array(kPeriod);
    this.#kRing = new Float64Array(kSlowing);
    this.#dRing = new Float64Array(dPeriod);
    this.clear();
  }

  protected step(bar: BarInput): StochasticResult<number> | null {
    const s = this.#s;
    const { high: h, low: l, close: c } = bar;
    const { kPeriod, kSlowing, dPeriod } = this;
    const t = s[0]!++;
    if (h !== h || l !== l || c !== c) {
      s.fill(0, 1);
      s[2] = -1, s[4] = -1;
      return null;
    }
    const highs = this.#highs, lows = this.#lows;
    highs[t % kPeriod] = h;
    lows[t % kPeriod] = l;
    if (++s[1]! < kPeriod) return null;
    const first = t - kPeriod + 1;
    if (s[4]! < first) {
      let at = first, lo = lows[first % kPeriod]!;
      for (let j = first + 1; j <= t; j++) {
        const x = lows[j % kPeriod]!;
        if (x < lo) at = j, lo = x;
      }
      s[4] = at, s[5] = lo;
    } else if (l <= s[5]!) s[4] = t, s[5] = l;
    if (s[2]! < first) {
      let at = first, hi = highs[first % kPeriod]!;
      for (let j = first + 1; j <= t; j++) {
        const x = highs[j % kPeriod]!;
        if (x > hi) at = j, hi = x;
      }
      s[2] = at, s[3] = hi;
    } else if (h >= s[3]!) s[2] = t, s[3] = h;
    const lo = s[5]!, hi = s[3]!;
    const diff = (hi - lo) / 100;
    const fastK = diff !== 0 ? (c - lo) / diff : 0;
    s[6]! += fastK;
    this.#kRing[s[8]!] = fastK;
    if (++s[8]! === kSlowing) s[8] = 0;
    if (++s[10]! < kSlowing) return null;
    const slowK = s[6]! / kSlowing;
    s[6]! -= this.#kRing[s[8]!]!;
    s[7]! += slowK;
    this.#dRing[s[9]!] = slowK;
    if (++s[9]! === dPeriod) s[9] = 0;
    if (++s[11]! < dPeriod) return null;
    const d = s[7]! / dPeriod;
    s[7]! -= this.#dRing[s[9]!]!;
    return { k: slowK, d };
  }
  protected save(): void {
    this.#saved.set(this.#s);
  }
  protected restore(): void {
    this.#s.set(this.#saved);
  }
  protected clear(): void {
    this.#s.fill(0);
    this.#s[2] = -1, this.#s[4] = -1;
  }
}
