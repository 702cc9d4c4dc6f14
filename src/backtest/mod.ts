/**
 * The backtest engine: strategies (two hooks, `init` and `onBar`), orders and
 * fills with costs, a portfolio with one cash account across symbols, the stats
 * record with backtesting.py's keys, parameter sweeps, composite JSON strategies
 * and the shipped strategies.
 *
 * @example
 * ```ts
 * import { backtest, MovingAverageCrossover, PlainBars } from "./mod.ts";
 * const c = Float64Array.from({ length: 300 }, (_, i) => 100 + 10 * Math.sin(i / 15));
 * const bars = new PlainBars({ symbol: "X", dates: Int32Array.from(c, (_, i) => i),
 *   open: c, high: c, low: c, close: c, volume: c });
 * const r = await backtest(bars, MovingAverageCrossover, { params: { fast: 10, slow: 30 } });
 * console.log(r.stats["Return [%]"]);
 * ```
 *
 * @module
 */
export * from "./strategy.ts";
export * from "./signals.ts";
export * from "./broker.ts";
export * from "./portfolio.ts";
export * from "./engine.ts";
export * from "./metrics.ts";
export * from "./sweep.ts";
export * from "./composite.ts";
export * from "./strategies/mod.ts";
export { type BarsLike, parseCsvBars, PlainBars, readCsvBars } from "../core/csv_bars.ts";
