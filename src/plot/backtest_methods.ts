/**
 * `bt.plot()` and `sweep.heatmap(x, y)`: a `Backtest` and a sweep result draw
 * themselves, as backtesting.py users expect.
 *
 * **The seam.** DESIGN's imports point core ← indicators ← backtest ← plot: the
 * backtest module never imports the plot module. So the plot module adds the two
 * methods from its side: their types by declaration merging (the `declare module`
 * blocks below extend the `Backtest` and `SweepResult` interfaces), their code on
 * the classes' prototypes when this module is evaluated. `src/plot/mod.ts`
 * re-exports this module and `src/mod.ts` re-exports that, so every notebook and
 * script that imports `src/mod.ts` has both methods. Code that imports only
 * `src/backtest/` has neither (in its types or at run time) and draws with
 * `backtestChart(result, bars)` and `sweepHeatmap(sweep, x, y)`, which these
 * methods call. (Deno's `no-slow-types` lint, a check for publishing on JSR,
 * refuses module augmentations; this package is not published there, so
 * deno.json turns that one rule off.)
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Backtest, MovingAverageCrossover, PlainBars } from "../mod.ts";
 * const c = Float64Array.from({ length: 300 }, (_, i) => 100 + 10 * Math.sin(i / 15));
 * const bars = new PlainBars({ symbol: "DEMO.AX", dates: Int32Array.from(c, (_, i) => 19_000 + i),
 *   open: c, high: c, low: c, close: c, volume: c });
 * const bt = new Backtest(bars, MovingAverageCrossover);
 * bt.run({ fast: 10, slow: 30 });
 * const chart = bt.plot({ overlays: [{ sma: 10 }, { sma: 30 }] }); // the last run
 * assert.match(chart.title!, /^MovingAverageCrossover\(fast=10, slow=30/);
 * const sweep = await bt.optimize({ grid: { fast: [5, 10], slow: [20, 30, 40] } });
 * assert.equal(bt.plot().data.find((t) => t.name === "equity")!.y, sweep.best.equity.values);
 * const heat = sweep.heatmap("fast", "slow", "Return [%]");
 * assert.deepEqual(heat.data[0]!.x, ["5", "10"]);
 * ```
 *
 * @module
 */

import { ConfigError } from "../core/errors.ts";
import { Backtest } from "../backtest/backtest.ts";
import type { NumericStatKey } from "../backtest/metrics.ts";
import { type BacktestResult, SweepResult } from "../backtest/result.ts";
import type { Params } from "../backtest/strategy.ts";
import { backtestChart, type BacktestChartOptions } from "./backtest_chart.ts";
import type { Figure } from "./figure.ts";
import { sweepHeatmap, type SweepHeatmapOptions } from "./sweep_heatmap.ts";

/** Options of `bt.plot()`: which result, and the chart's own options. */
export interface BacktestPlotOptions<P extends Params = Params> extends BacktestChartOptions {
  /**
   * The result to draw (e.g. `sweep.best`, or a `run()` kept from earlier).
   * @default {bt.lastResult: the last `run()`, or the best run of the last `optimize()`}
   */
  result?: BacktestResult<P>;
}

declare module "../backtest/backtest.ts" {
  interface Backtest<P extends Params = Params> {
    /**
     * The chart of a run, like backtesting.py's `bt.plot()`: candles of the traded
     * symbol with every entry and exit (green when the trade made money, red when it
     * lost), the equity curve with its drawdowns shaded, and the position held.
     * Added by the plot module (`src/mod.ts` loads it).
     *
     * @param options The result (default: the last `run()`, or the best of the last
     * `optimize()`), the symbol (for a universe; default: the first traded), overlays
     * such as the strategy's averages, the title.
     * @returns The figure (it displays itself in Jupyter; `saveHtml` writes it offline).
     * @throws {ConfigError} When nothing has run yet and no result is given.
     * @throws {RangeError} When the symbol is not in the bars.
     */
    plot(options?: BacktestPlotOptions<P>): Figure;
  }
}

declare module "../backtest/result.ts" {
  interface SweepResult<P extends Params = Params> {
    /**
     * A heatmap of a stat over two swept parameters, the best over the other
     * parameters at each cell (`pivot`'s grid), the best cell starred; like
     * backtesting.py's `plot_heatmaps`. Added by the plot module.
     *
     * @param x The parameter across.
     * @param y The parameter down.
     * @param metric The stat. @default {the one maximised (a function's score when `"custom"`)}
     * @param options Aggregation (`"max"`, `"mean"`, `"min"`) and title.
     * @returns The figure.
     * @throws {RangeError} When a parameter was not swept or the stat is unknown.
     */
    heatmap(
      x: keyof P & string,
      y: keyof P & string,
      metric?: NumericStatKey,
      options?: SweepHeatmapOptions,
    ): Figure;
  }
}

function plot<P extends Params>(this: Backtest<P>, options: BacktestPlotOptions<P> = {}): Figure {
  const { result = this.lastResult, ...chart } = options;
  if (!result) {
    throw new ConfigError(
      `Nothing to plot yet: call bt.run() or bt.optimize() first, or pass { result }`,
    );
  }
  return backtestChart(result, this.bars, chart);
}

function heatmap<P extends Params>(
  this: SweepResult<P>,
  x: keyof P & string,
  y: keyof P & string,
  metric?: NumericStatKey,
  options?: SweepHeatmapOptions,
): Figure {
  return sweepHeatmap(this, x, y, metric, options);
}

// Methods as a class body defines them: writable, configurable, not enumerable.
for (
  const [proto, name, fn] of [[Backtest.prototype, "plot", plot], [
    SweepResult.prototype,
    "heatmap",
    heatmap,
  ]] as const
) {
  Object.defineProperty(proto, name, { value: fn, writable: true, configurable: true });
}
