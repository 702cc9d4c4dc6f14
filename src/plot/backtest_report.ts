/**
 * `backtestReport`: a backtest as one page — the stats, the chart of each traded
 * symbol with its trades, the sweep's heatmap when there was one, and the trades —
 * for `saveHtml` (it is what `deno task backtest --out report.html` writes).
 *
 * @module
 */

import type { BarsLike } from "../core/plain_bars.ts";
import type { BacktestResult, SweepResult } from "../backtest/result.ts";
import { backtestChart } from "./backtest_chart.ts";
import type { Overlay } from "./candles.ts";
import type { PageItem, Report } from "./html_page.ts";
import { sweepHeatmap } from "./sweep_heatmap.ts";
import { htmlTable, recordTable, tradesTable } from "./table.ts";

/** Options of {@link backtestReport}. */
export interface BacktestReportOptions {
  /** The page title. @default {the result's title: strategy, parameters and symbols} */
  title?: string;
  /** A line under the title (e.g. the data source and benchmark). */
  subtitle?: string;
  /** The sweep `result` is the best run of: adds its heatmap and its ten best rows. */
  sweep?: SweepResult;
  /** The symbols to chart. @default {those traded, in the order of their first trade} */
  symbols?: readonly string[];
  /** At most this many symbol charts (each carries the symbol's candles). @default {10} */
  maxCharts?: number;
  /** Lines over each chart's price (e.g. the strategy's averages). @default {[]} */
  overlays?: readonly Overlay[];
}

/**
 * A backtest as a report for {@link saveHtml}: the title and notes, the stats table,
 * one `backtestChart` per traded symbol (candles with every entry and exit, the
 * equity curve, the position), for a sweep its heatmap over the first two swept
 * parameters and its ten best rows, then every trade (and those left open).
 *
 * @param result The run to report (`bt.run()`, or a sweep's `best`).
 * @param bars The bars it ran on.
 * @param options Title, sweep, symbols and overlays.
 * @returns The report: `saveHtml(report, "report.html")` writes one offline file.
 * @throws {RangeError} When a symbol asked for is not in the bars.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Backtest, backtestReport, htmlPage, MovingAverageCrossover, PlainBars } from "../mod.ts";
 * const c = Float64Array.from({ length: 300 }, (_, i) => 100 + 10 * Math.sin(i / 15));
 * const bars = new PlainBars({ symbol: "DEMO.AX", dates: Int32Array.from(c, (_, i) => 19_000 + i),
 *   open: c, high: c, low: c, close: c, volume: c });
 * const result = new Backtest(bars, MovingAverageCrossover).run({ fast: 10, slow: 30 });
 * const report = backtestReport(result, bars, { overlays: [{ sma: 10 }, { sma: 30 }] });
 * const page = await htmlPage(report);
 * assert.equal(page.match(/Plotly\.newPlot/g)!.length, 1); // one symbol, one chart
 * assert.ok(page.includes(`Trades (${result.trades.length})`));
 * ```
 */
export function backtestReport(
  result: BacktestResult,
  bars: BarsLike,
  options: BacktestReportOptions = {},
): Report {
  const all = [...result.trades, ...result.openTrades];
  const traded = [...new Set(all.map((t) => t.symbol))];
  const wanted = options.symbols ?? (traded.length ? traded : bars.symbols().slice(0, 1));
  const max = options.maxCharts ?? 10;
  const charted = wanted.slice(0, max);
  const items: (PageItem | string)[] = [];
  if (options.subtitle) items.push(options.subtitle);
  for (const note of result.notes) items.push(`Note: ${note}`);
  items.push(recordTable(result.stats, "Stats"));
  items.push(
    charted.length < wanted.length
      ? `## Charts of ${charted.length} of the ${wanted.length} symbols`
      : `## ${charted.length === 1 ? "Chart" : "Charts"}`,
  );
  for (const symbol of charted) {
    items.push(backtestChart(result, bars, { symbol, overlays: options.overlays }));
  }
  const sweep = options.sweep;
  if (sweep && sweep.rows.length) {
    const params = Object.keys(sweep.rows[0]!.params);
    const varied = params.filter((p) => new Set(sweep.rows.map((r) => r.params[p])).size > 1);
    items.push(`## Sweep: ${sweep.rows.length} runs, best by ${sweep.maximize}`);
    if (varied.length >= 2) items.push(sweepHeatmap(sweep, varied[0]!, varied[1]!));
    const columns = [...params, "Return [%]", "Sharpe Ratio", "Max. Drawdown [%]", "# Trades"];
    items.push(htmlTable(
      sweep.sortBy().slice(0, 10).map((r) => ({ ...r.params, ...r.stats })),
      { columns, caption: "The ten best runs" },
    ));
  }
  items.push("## Trades", tradesTable(result.trades));
  if (result.openTrades.length) {
    items.push(tradesTable(result.openTrades, `Open at the end (${result.openTrades.length})`));
  }
  return { title: options.title ?? result.title, items };
}
