/**
 * Technical indicators with TA-Lib's numbers, in two forms that agree bit for bit:
 * batch functions over typed arrays (`sma(values, 20)`, NaN during the warm-up) and
 * streaming classes (`new SMA(20).add(v)`); plus crossover helpers, returns and
 * resampling to weekly, monthly and N-trading-day bars.
 *
 * @module
 */
export * from "./indicator.ts";
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
