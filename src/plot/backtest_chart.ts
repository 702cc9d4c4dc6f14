/**
 * `backtestChart`: a backtest on one chart — candles with each trade's entry and
 * exit, the equity curve with its drawdowns shaded, and the position held.
 *
 * @module
 */

import type { BarsLike, Trade } from "../mod.ts";
import { type Overlay, RANGE_SLIDER_MAX_BARS } from "./candles.ts";
import { Figure, type Trace } from "./figure.ts";
import {
  COLORS,
  curveLabel,
  epochDays,
  isoDates,
  lineTrace,
  rangebreaks,
  type ResultCurve,
  stackedLayout,
  symbolSeries,
} from "./_series.ts";
import { candles } from "./candles.ts";

/** The trade fields the chart reads. */
export type ChartTrade = Pick<
  Trade,
  | "symbol"
  | "size"
  | "entryBar"
  | "exitBar"
  | "entryDate"
  | "exitDate"
  | "entryPrice"
  | "exitPrice"
  | "pnl"
  | "return"
  | "exitReason"
>;

/**
 * What {@link backtestChart} reads from a result (a `BacktestResult` has it all):
 * the strategy and parameters, the equity curve (`equity.dates`, `equity.values`),
 * the trades (their `entryBar`/`exitBar` index the equity curve) and the stats.
 */
export interface ChartResult extends ResultCurve {
  /** Closed trades. */
  readonly trades: readonly ChartTrade[];
  /** Trades still open at the end (with `keepOpen`). */
  readonly openTrades?: readonly ChartTrade[];
  /** The stats record (the title quotes a few). */
  readonly stats?: Readonly<Record<string, unknown>>;
}

/** Options of {@link backtestChart}. */
export interface BacktestChartOptions {
  /** The symbol whose candles and trades to show when the bars hold several. @default {the first traded} */
  symbol?: string;
  /** Lines over the price (e.g. the strategy's moving averages). @default {[]} */
  overlays?: readonly Overlay[];
  /** The title (Plotly reads `<br>`, `<b>`, `<span style>`). @default {strategy, parameters and symbol; headline stats under them} */
  title?: string;
  /** Show a range slider. @default {up to ten years of bars} */
  rangeSlider?: boolean;
}

function money(v: number): string {
  return v.toLocaleString("en-AU", { maximumFractionDigits: 2, minimumFractionDigits: 2 });
}

/**
 * The position held at each calendar bar's close: a trade counts from its entry
 * bar up to the bar before its exit; one closed only for the statistics at the end
 * (`"end"`) or still open counts through its last bar.
 *
 * @param trades The trades of one symbol.
 * @param n Calendar length.
 * @returns Signed shares per bar.
 */
export function positionSeries(trades: readonly ChartTrade[], n: number): Float64Array {
  const diff = new Float64Array(n + 1);
  for (const t of trades) {
    const end = t.exitReason === "end" || t.exitReason === "open" ? t.exitBar + 1 : t.exitBar;
    if (end <= t.entryBar) continue;
    diff[t.entryBar] = diff[t.entryBar]! + t.size;
    diff[Math.min(end, n)] = diff[Math.min(end, n)]! - t.size;
  }
  const pos = new Float64Array(n);
  let held = 0;
  for (let i = 0; i < n; i++) pos[i] = held += diff[i]!;
  return pos;
}

function title(result: ChartResult, symbol: string): string {
  const head = `${curveLabel(result)} on ${symbol}`;
  const st = result.stats;
  if (!st) return head;
  const pct = (k: string) => typeof st[k] === "number" ? `${(st[k] as number).toFixed(1)} %` : "";
  const parts = [
    `return ${pct("Return [%]")}`,
    `max DD ${pct("Max. Drawdown [%]")}`,
    typeof st["Sharpe Ratio"] === "number"
      ? `Sharpe ${(st["Sharpe Ratio"] as number).toFixed(2)}`
      : "",
    typeof st["# Trades"] === "number" ? `${st["# Trades"]} trades` : "",
  ].filter((p) => !p.endsWith(" ") && p !== "");
  // Two lines: a long strategy name and the stats on one line run under Plotly's mode bar.
  return `${head}<br><span style="font-size:13px">${parts.join(" · ")}</span>`;
}

/**
 * The chart of a backtest, like backtesting.py's `bt.plot()`: candles of the traded
 * symbol with every trade (▲ long / ▼ short entry, ✕ exit, joined by a line; green
 * when the trade made money, red when it lost), the equity curve with its drawdowns
 * shaded against the running peak, and the position held at each close, on one date
 * axis without weekend or holiday gaps. The trade traces carry Plotly `uid`s
 * (`winning-entries`, `losing-exits`, …), so they can be found in the drawn SVG.
 * With the plot module loaded, `bt.plot()` draws this chart.
 *
 * @param result A backtest result (`bt.run()`, `runBacktest`, a sweep's `best`).
 * @param bars The bars the backtest ran on.
 * @param options Symbol (for a universe), overlays, title.
 * @returns The figure.
 * @throws {RangeError} When the symbol is absent from the bars, or the result's
 * equity and dates differ in length.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { backtestChart, MovingAverageCrossover, PlainBars, runBacktest } from "../mod.ts";
 * const c = Float64Array.from({ length: 300 }, (_, i) => 100 + 10 * Math.sin(i / 15));
 * const bars = new PlainBars({ symbol: "DEMO.AX", dates: Int32Array.from(c, (_, i) => 19_000 + i),
 *   open: c, high: c, low: c, close: c, volume: c });
 * const result = runBacktest(bars, MovingAverageCrossover, { params: { fast: 10, slow: 30 } });
 * const fig = backtestChart(result, bars, { overlays: [{ sma: 10 }, { sma: 30 }] });
 * assert.ok(fig.data.some((t) => t.name === "equity"));
 * assert.ok(fig.data.some((t) => t.name === "position"));
 * ```
 */
export function backtestChart(
  result: ChartResult,
  bars: BarsLike,
  options: BacktestChartOptions = {},
): Figure {
  const equity = result.equity.values;
  const n = equity.length;
  if (result.equity.dates.length !== n) {
    throw new RangeError(
      `The result has ${n} equity values but ${result.equity.dates.length} dates: pass a backtest result`,
    );
  }
  const all = [...result.trades, ...(result.openTrades ?? [])];
  const symbol = options.symbol ??
    (bars.ranges().size === 1 ? undefined : all[0]?.symbol ?? bars.symbols()[0]);
  const s = symbolSeries(bars, symbol);
  const trades = all.filter((t) => t.symbol === s.symbol);
  const calendar = epochDays(result.equity.dates);
  const calendarX = isoDates(calendar);

  // Price band: reuse the candles chart's traces (overlays included), no volume.
  const price = candles(bars, { symbol: s.symbol, overlays: options.overlays, volume: false });
  const data: Trace[] = price.data;

  const win = trades.filter((t) => t.pnl > 0), lose = trades.filter((t) => !(t.pnl > 0));
  for (
    const [group, color, label] of [[win, COLORS.up, "winning"], [
      lose,
      COLORS.down,
      "losing",
    ]] as const
  ) {
    if (group.length === 0) continue;
    const lx: (string | null)[] = [], ly: (number | null)[] = [];
    for (const t of group) lx.push(t.entryDate, t.exitDate, null);
    for (const t of group) ly.push(t.entryPrice, t.exitPrice, null);
    data.push({
      type: "scatter",
      mode: "lines",
      name: `${label} trades`,
      uid: `${label}-trades`,
      legendgroup: label,
      x: lx,
      y: ly,
      yaxis: "y",
      line: { color, width: 2, dash: "dot" },
      hoverinfo: "skip",
    });
    const text = group.map((t) =>
      `${t.size > 0 ? "long" : "short"} ${Math.abs(t.size).toLocaleString("en-AU")} @ ${
        money(t.entryPrice)
      } → ${money(t.exitPrice)}<br>PnL $${money(t.pnl)} (${(t.return * 100).toFixed(2)} %)`
    );
    data.push({
      type: "scatter",
      mode: "markers",
      name: `${label} entries`,
      uid: `${label}-entries`,
      legendgroup: label,
      showlegend: false,
      x: group.map((t) => t.entryDate),
      y: group.map((t) => t.entryPrice),
      yaxis: "y",
      text,
      hovertemplate: "entry: %{text}<extra></extra>",
      marker: {
        color,
        size: 11,
        symbol: group.map((t) => (t.size > 0 ? "triangle-up" : "triangle-down")),
        line: { color: "#333", width: 1 },
      },
    }, {
      type: "scatter",
      mode: "markers",
      name: `${label} exits`,
      uid: `${label}-exits`,
      legendgroup: label,
      showlegend: false,
      x: group.map((t) => t.exitDate),
      y: group.map((t) => t.exitPrice),
      yaxis: "y",
      text,
      hovertemplate: "exit: %{text}<extra></extra>",
      marker: { color, size: 9, symbol: "x", line: { color: "#333", width: 1 } },
    });
  }

  // Equity band: the running peak (invisible) and the equity filled down to it.
  const peak = new Float64Array(n);
  let top = -Infinity;
  for (let i = 0; i < n; i++) peak[i] = top = Math.max(top, equity[i]!);
  data.push(
    lineTrace(calendarX, peak, "peak", "y2", COLORS.muted, {
      line: { color: COLORS.muted, width: 0.7, dash: "dot" },
      showlegend: false,
      hoverinfo: "skip",
    }),
    lineTrace(calendarX, equity, "equity", "y2", COLORS.lines[0], {
      fill: "tonexty",
      fillcolor: "rgba(239, 83, 80, 0.25)",
      hovertemplate: "$%{y:,.2f}<extra>equity</extra>",
    }),
  );
  // Position band.
  data.push(
    lineTrace(calendarX, positionSeries(trades, n), "position", "y3", COLORS.lines[2], {
      line: { color: COLORS.lines[2], width: 1.2, shape: "hv" },
      fill: "tozeroy",
      hovertemplate: "%{y:,.0f} shares<extra>position</extra>",
    }),
  );

  const { layout } = stackedLayout(
    [
      { weight: 3, title: "price" },
      { weight: 1.4, title: "equity [$]", axis: { tickformat: ",.0f" } },
      { weight: 0.7, title: "position" },
    ],
    { rangebreaks: rangebreaks(s.dates, calendar) },
    {
      title: options.title ?? title(result, s.symbol),
      rangeSlider: options.rangeSlider ?? calendar.length <= RANGE_SLIDER_MAX_BARS,
    },
  );
  return new Figure({ data, layout });
}
