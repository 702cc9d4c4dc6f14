/**
 * The backtest engine: strategies (two hooks, `init` and `onBar`), a
 * {@link Backtest} that runs and optimizes one with its options given once,
 * results with stats, trades and equity, composite JSON strategies and the
 * shipped strategies.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Backtest, MovingAverageCrossover } from "./mod.ts";
 * import { PlainBars } from "../core/plain_bars.ts";
 * const c = Float64Array.from({ length: 300 }, (_, i) => 100 + 10 * Math.sin(i / 15));
 * const bars = new PlainBars({ symbol: "X", dates: Int32Array.from(c, (_, i) => 18_000 + i),
 *   open: c, high: c, low: c, close: c, volume: c });
 * const r = new Backtest(bars, MovingAverageCrossover).run({ fast: 10, slow: 30 });
 * assert.ok(r.stats["# Trades"] > 0);
 * ```
 *
 * @module
 */
export {
  Backtest,
  type BacktestOptions,
  type Benchmark,
  type Grid,
  type OptimizeOptions,
  runBacktest,
  type RunOptions,
  sweep,
  type SweepOptions,
} from "./backtest.ts";
export { range } from "./_sweep.ts";
export {
  BacktestResult,
  EquityCurve,
  type EquityPoint,
  type Pivot,
  type PivotAgg,
  SweepResult,
  type SweepRow,
  type Trade,
} from "./result.ts";
export {
  type BarContext,
  type IndicatorOutput,
  type InitContext,
  type OutputOf,
  type Params,
  type ParamValue,
  type RevealedOutput,
  Strategy,
  type StrategyClass,
} from "./strategy.ts";
export { Revealed } from "./revealed.ts";
export { type OrderEntry, type SignalContext, type SignalMode, SignalStrategy } from "./signals.ts";
export {
  type Fill,
  type Order,
  type OrderOptions,
  type OrderStatus,
  riskSize,
  type Transaction,
} from "./orders.ts";
export { type NumericStatKey, STAT_KEYS, type StatKey, type Stats } from "./metrics.ts";
export {
  type CompositeSpec,
  compositeStrategy,
  type Condition,
  type Operand,
  type PriceField,
  validateComposite,
} from "./composite.ts";
export * from "./strategies/mod.ts";
