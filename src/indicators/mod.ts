/**
 * Technical indicators with TA-Lib's numbers, in two forms that agree bit for bit:
 * batch functions over typed arrays (`sma(values, 20)`: output aligned with the input,
 * NaN during the warm-up, an optional last `out` buffer to reuse memory) and streaming
 * classes of the same names in PascalCase (`new SMA(20).add(v)`, `replace`, `isStable`,
 * `warmup`, `getResult()`); plus crossover helpers, returns, resampling to weekly,
 * monthly and N-trading-day bars, and `addIndicators` for the seed's columns.
 *
 * Every built-in's output equals TA-Lib C's to the last bit (tests/indicators pins
 * this against a TA-Lib fixture; `deno task bench indicators` re-checks it on 1 M bars).
 * A NaN input restarts an indicator (see `indicator.ts`).
 *
 * **Your own indicator.** Anything that implements {@link Indicator} is an indicator:
 * the backtest and plot modules take it like a built-in one. Keltner Channels composed
 * from the built-in EMA and ATR, in both forms:
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { atr, ATR, type BarInput, ema, EMA, type Indicator } from "./mod.ts";
 *
 * interface Keltner { upper: number; middle: number; lower: number }
 *
 * // batch: EMA(period) of closes ± mult × ATR(atrPeriod)
 * function keltner(
 *   high: Float64Array, low: Float64Array, close: Float64Array, period = 20, atrPeriod = 10, mult = 2,
 * ) {
 *   const middle = ema(close, period), range = atr(high, low, close, atrPeriod);
 *   const upper = middle.map((m, i) => m + mult * range[i]!);
 *   const lower = middle.map((m, i) => m - mult * range[i]!);
 *   return { upper, middle, lower };
 * }
 *
 * // streaming: compose the streaming EMA and ATR; replace() revises both
 * class KeltnerChannels implements Indicator<BarInput, Keltner> {
 *   readonly warmup: number;
 *   #ema: EMA;
 *   #atr: ATR;
 *   #result: Keltner | null = null;
 *   constructor(period = 20, atrPeriod = 10, readonly mult = 2) {
 *     this.#ema = new EMA(period);
 *     this.#atr = new ATR(atrPeriod);
 *     this.warmup = Math.max(this.#ema.warmup, this.#atr.warmup);
 *   }
 *   get isStable(): boolean { return this.#result !== null; }
 *   add(bar: BarInput) { return this.#combine(this.#ema.add(bar.close), this.#atr.add(bar)); }
 *   replace(bar: BarInput) {
 *     return this.#combine(this.#ema.replace(bar.close), this.#atr.replace(bar));
 *   }
 *   getResult() { return this.#result; }
 *   reset() { this.#ema.reset(); this.#atr.reset(); this.#result = null; }
 *   #combine(m: number | null, r: number | null): Keltner | null {
 *     return this.#result = m === null || r === null
 *       ? null
 *       : { upper: m + this.mult * r, middle: m, lower: m - this.mult * r };
 *   }
 * }
 *
 * const high = new Float64Array([11, 12, 13, 12, 14]), low = high.map((h) => h - 2);
 * const close = high.map((h) => h - 1);
 * const batch = keltner(high, low, close, 3, 2);
 * const stream = new KeltnerChannels(3, 2);
 * let last: Keltner | null = null;
 * for (let i = 0; i < close.length; i++) {
 *   last = stream.add({ high: high[i]!, low: low[i]!, close: close[i]! });
 * }
 * assert.ok(last!.upper === batch.upper[4] && stream.warmup === 3);
 * ```
 *
 * @module
 */
export {
  type BarInput,
  checkPeriod,
  type Indicator,
  runIndicator,
  sameLength,
  type Series,
  StreamingIndicator,
} from "./indicator.ts";
export * from "./sma.ts";
export * from "./ema.ts";
export * from "./rsi.ts";
export * from "./true_range.ts";
export * from "./atr.ts";
export * from "./rolling_max.ts";
export * from "./rolling_min.ts";
export * from "./crossover.ts";
export * from "./wma.ts";
export * from "./macd.ts";
export * from "./bollinger.ts";
export * from "./stochastic.ts";
export * from "./obv.ts";
export * from "./vwap.ts";
export * from "./returns.ts";
export * from "./resample.ts";
export * from "./add_indicators.ts";
