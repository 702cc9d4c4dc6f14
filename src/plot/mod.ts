/**
 * Plotly charts that display themselves in Deno Jupyter notebooks and save to one
 * offline HTML file: candles with overlays and indicator panels, backtest charts,
 * sweep heatmaps, equity comparisons, correlations, return histograms, drawdowns,
 * and HTML tables for stats and trades. Figures are plain data (`fig.data`,
 * `fig.layout`) that you can adjust before they display. Loading this module also
 * gives `Backtest` its `plot()` and sweep results their `heatmap(x, y)` (see
 * `backtest_methods.ts`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { candles, PlainBars, saveHtml } from "../mod.ts";
 * const c = Float64Array.from({ length: 60 }, (_, i) => 20 + Math.cos(i / 5));
 * const bars = new PlainBars({ symbol: "DEMO.AX", dates: Int32Array.from(c, (_, i) => 19_000 + i),
 *   open: c, high: c, low: c, close: c, volume: c });
 * const fig = candles(bars, { overlays: [{ ema: 10 }], panels: ["rsi"] });
 * fig.layout.height = 600; // figures are plain data
 * const dir = await Deno.makeTempDir();
 * await saveHtml([fig], `${dir}/demo.html`);
 * assert.ok((await Deno.stat(`${dir}/demo.html`)).size > 1_000_000); // plotly.js inlined
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */
export * from "./figure.ts";
export * from "./html_page.ts";
export * from "./table.ts";
export * from "./candles.ts";
export * from "./backtest_chart.ts";
export * from "./backtest_methods.ts";
export * from "./backtest_report.ts";
export * from "./sweep_heatmap.ts";
export * from "./equity_compare.ts";
export * from "./drawdown_chart.ts";
export * from "./correlation_heatmap.ts";
export * from "./returns_histogram.ts";
