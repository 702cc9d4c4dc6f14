/**
 * `candles`: a candlestick chart with volume, price overlays and indicator panels.
 *
 * @module
 */

import { bollinger, ema, macd, rsi, type Series, sma, stochastic, wma } from "../indicators/mod.ts";
import type { BarsLike } from "../mod.ts";
import { Figure, type Trace } from "./figure.ts";
import {
  type Band,
  COLORS,
  isoDates,
  levelLine,
  lineTrace,
  rangebreaks,
  stackedLayout,
  type SymbolSeries,
  symbolSeries,
} from "./_series.ts";

/**
 * A line drawn over the candles, in price units: a built-in average by period, or
 * your own series (aligned with the symbol's bars).
 */
export type Overlay =
  | { sma: number }
  | { ema: number }
  | { wma: number }
  | { bollinger: number; stdDevs?: number }
  | { name: string; values: Series };

/**
 * An indicator panel under the candles: RSI (with 30/70 lines), MACD (line, signal
 * and histogram), slow Stochastic (%K, %D with 20/80 lines), each by name with
 * TA-Lib's default periods or with explicit ones; or your own series (one, or several
 * by name) with optional reference levels.
 */
export type Panel =
  | "rsi"
  | "macd"
  | "stochastic"
  | { rsi: number; levels?: readonly number[] }
  | { macd: readonly [fast: number, slow: number, signal: number] }
  | { stochastic: readonly [kPeriod: number, kSlowing: number, dPeriod: number] }
  | { name: string; values: Series | Readonly<Record<string, Series>>; levels?: readonly number[] };

/** Options of {@link candles}. */
export interface CandlesOptions {
  /** Which symbol to chart when the bars hold several. */
  symbol?: string;
  /** Lines over the price. @default {[]} */
  overlays?: readonly Overlay[];
  /** Panels under the price (and volume), top to bottom. @default {[]} */
  panels?: readonly Panel[];
  /** Show a volume panel. @default {true} */
  volume?: boolean;
  /**
   * Show a range slider under the chart. It is costly with long histories: 25 years
   * of daily candles with volume took 4-6 s to draw in headless Chromium with the
   * slider and about 1 s without it, so by default it is shown only up to
   * {@link RANGE_SLIDER_MAX_BARS} bars; longer charts keep the range buttons
   * (1m … all), scroll zoom and pan. @default {bars <= RANGE_SLIDER_MAX_BARS}
   */
  rangeSlider?: boolean;
  /** The title. @default {the symbol} */
  title?: string;
  /** Height in pixels. @default {grows with the panels} */
  height?: number;
}

/** Up to this many bars, {@link candles} shows a range slider by default (ten years of days). */
export const RANGE_SLIDER_MAX_BARS = 2_520;

function checkAligned(name: string, values: Series, n: number, symbol: string): Series {
  if (values.length !== n) {
    throw new RangeError(
      `"${name}" has ${values.length} values but ${symbol} has ${n} bars: align it with the bars charted`,
    );
  }
  return values;
}

function overlayTraces(o: Overlay, s: SymbolSeries, x: string[], color: string): Trace[] {
  const n = s.close.length;
  if ("values" in o) {
    return [lineTrace(x, checkAligned(o.name, o.values, n, s.symbol), o.name, "y", color)];
  }
  if ("bollinger" in o) {
    const devs = o.stdDevs ?? 2;
    const b = bollinger(s.close, o.bollinger, devs);
    const name = `BB(${o.bollinger}, ${devs})`;
    const band = { legendgroup: name, line: { color, width: 1 } };
    return [
      lineTrace(x, b.upper, `${name} upper`, "y", color, { ...band, showlegend: false }),
      lineTrace(x, b.lower, `${name} lower`, "y", color, {
        ...band,
        fill: "tonexty",
        fillcolor: "rgba(31, 119, 180, 0.08)",
        showlegend: false,
      }),
      lineTrace(x, b.middle, name, "y", color, { ...band, line: { color, width: 1, dash: "dot" } }),
    ];
  }
  const [kind, period, fn] = "sma" in o
    ? ["SMA", o.sma, sma] as const
    : "ema" in o
    ? ["EMA", o.ema, ema] as const
    : ["WMA", o.wma, wma] as const;
  return [lineTrace(x, fn(s.close, period), `${kind}(${period})`, "y", color)];
}

interface PanelPlan {
  band: Band;
  traces: (ref: string) => Trace[];
  levels: readonly number[];
}

function panelPlan(p: Panel, s: SymbolSeries, x: string[]): PanelPlan {
  if (p === "rsi" || (typeof p === "object" && "rsi" in p)) {
    const period = p === "rsi" ? 14 : p.rsi;
    const values = rsi(s.close, period);
    const name = `RSI(${period})`;
    return {
      band: { weight: 1, title: name, axis: { range: [0, 100], fixedrange: true } },
      traces: (ref) => [lineTrace(x, values, name, ref, COLORS.lines[2])],
      levels: p === "rsi" ? [30, 70] : p.levels ?? [30, 70],
    };
  }
  if (p === "macd" || (typeof p === "object" && "macd" in p)) {
    const [f, sl, sg] = p === "macd" ? [12, 26, 9] : p.macd;
    const m = macd(s.close, f, sl, sg);
    const colors = Array.from(m.histogram, (h) => (h >= 0 ? COLORS.up : COLORS.down));
    return {
      band: { weight: 1.2, title: `MACD(${f}, ${sl}, ${sg})` },
      traces: (ref) => [
        {
          type: "bar",
          name: "MACD histogram",
          x,
          y: m.histogram,
          yaxis: ref,
          marker: { color: colors, line: { width: 0 } },
          hovertemplate: "%{y:.4f}<extra>histogram</extra>",
        },
        lineTrace(x, m.macd, "MACD", ref, COLORS.lines[0]),
        lineTrace(x, m.signal, "signal", ref, COLORS.lines[1]),
      ],
      levels: [0],
    };
  }
  if (p === "stochastic" || (typeof p === "object" && "stochastic" in p)) {
    const [k, slow, d] = p === "stochastic" ? [14, 3, 3] : p.stochastic;
    const st = stochastic(s.high, s.low, s.close, k, slow, d);
    const name = `Stoch(${k}, ${slow}, ${d})`;
    return {
      band: { weight: 1, title: name, axis: { range: [0, 100], fixedrange: true } },
      traces: (ref) => [
        lineTrace(x, st.k, "%K", ref, COLORS.lines[0]),
        lineTrace(x, st.d, "%D", ref, COLORS.lines[1]),
      ],
      levels: [20, 80],
    };
  }
  const n = s.close.length;
  const series: [string, Series][] = isSeries(p.values)
    ? [[p.name, p.values]]
    : Object.entries(p.values).map(([k, v]) => [`${p.name} ${k}`, v]);
  for (const [name, v] of series) checkAligned(name, v, n, s.symbol);
  return {
    band: { weight: 1, title: p.name },
    traces: (ref) => series.map(([name, v], i) => lineTrace(x, v, name, ref, COLORS.lines[i % 7]!)),
    levels: p.levels ?? [],
  };
}

function isSeries(v: unknown): v is Series {
  return ArrayBuffer.isView(v) || Array.isArray(v);
}

/**
 * A candlestick chart of one symbol: candles, volume, overlays over the price and
 * indicator panels below, on one date axis without weekend or holiday gaps (every
 * weekday without a bar is skipped), range buttons and (up to ten years of bars) a
 * range slider. Indicators are computed
 * here with the library's own functions (TA-Lib conventions).
 *
 * @param bars Bars (`Bars` from the lake or `PlainBars`); one symbol, or name it.
 * @param options Overlays, panels, volume, range slider, title.
 * @returns The figure.
 * @throws {RangeError} When the symbol is ambiguous or absent, a custom series is not
 * aligned with the bars, or an indicator period is invalid.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { candles, PlainBars } from "../mod.ts";
 * const c = Float64Array.from({ length: 120 }, (_, i) => 50 + 5 * Math.sin(i / 9));
 * const bars = new PlainBars({
 *   symbol: "DEMO.AX", dates: Int32Array.from(c, (_, i) => 19_000 + i),
 *   open: c, high: c.map((v) => v + 1), low: c.map((v) => v - 1), close: c, volume: c,
 * });
 * const fig = candles(bars, { overlays: [{ sma: 20 }, { bollinger: 20 }], panels: ["rsi", "macd"] });
 * assert.equal(fig.data[0]!.type, "candlestick");
 * assert.ok(fig.data.some((t) => t.name === "RSI(14)"));
 * ```
 */
export function candles(bars: BarsLike, options: CandlesOptions = {}): Figure {
  const s = symbolSeries(bars, options.symbol);
  const x = isoDates(s.dates);
  const data: Trace[] = [{
    type: "candlestick",
    name: s.symbol,
    x,
    open: s.open,
    high: s.high,
    low: s.low,
    close: s.close,
    yaxis: "y",
    increasing: { line: { color: COLORS.up, width: 1 }, fillcolor: COLORS.up },
    decreasing: { line: { color: COLORS.down, width: 1 }, fillcolor: COLORS.down },
  }];
  (options.overlays ?? []).forEach((o, i) => {
    data.push(...overlayTraces(o, s, x, COLORS.lines[i % COLORS.lines.length]!));
  });
  const bands: Band[] = [{ weight: 3, title: "price", axis: { fixedrange: false } }];
  const plans: PanelPlan[] = [];
  if (options.volume ?? true) {
    const colors = Array.from(s.close, (c, i) => (c >= s.open[i]! ? COLORS.up : COLORS.down));
    plans.push({
      band: { weight: 0.8, title: "volume", axis: { rangemode: "tozero" } },
      traces: (ref) => [{
        type: "bar",
        name: "volume",
        x,
        y: s.volume,
        yaxis: ref,
        marker: { color: colors, line: { width: 0 } },
        showlegend: false,
        hovertemplate: "%{y:,.0f}<extra>volume</extra>",
      }],
      levels: [],
    });
  }
  for (const p of options.panels ?? []) plans.push(panelPlan(p, s, x));
  bands.push(...plans.map((p) => p.band));
  const { layout, refs } = stackedLayout(
    bands,
    { rangebreaks: rangebreaks(s.dates) },
    {
      rangeSlider: options.rangeSlider ?? s.dates.length <= RANGE_SLIDER_MAX_BARS,
      title: options.title ?? s.symbol,
      height: options.height,
    },
  );
  const shapes: Record<string, unknown>[] = [];
  plans.forEach((plan, k) => {
    const ref = refs[k + 1]!;
    data.push(...plan.traces(ref));
    for (const level of plan.levels) shapes.push(levelLine(ref, level));
  });
  layout.shapes = shapes;
  layout.bargap = 0;
  return new Figure({ data, layout });
}
