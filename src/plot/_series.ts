/**
 * Helpers the figure builders share: one symbol's columns out of bars, dates as ISO
 * strings, the x-axis breaks that hide days without bars, and stacked panels on one
 * shared date axis.
 *
 * @module
 */

import { formatDate, parseDate, weekdayOf } from "../core/dates.ts";
import type { BarsLike } from "../mod.ts";
import type { Layout, Trace } from "./figure.ts";

/** One symbol's typed OHLCV columns and dates. */
export type SymbolSeries =
  & Pick<BarsLike, "dates" | "open" | "high" | "low" | "close" | "volume">
  & { symbol: string };

/**
 * The columns of one symbol of `bars` (zero-copy subarrays).
 *
 * @param bars Bars of one or many symbols.
 * @param symbol Which one; may be omitted when the bars hold one symbol.
 * @returns That symbol's columns.
 * @throws {RangeError} When the bars are empty, hold several symbols and none was
 * named, or lack the named one.
 */
export function symbolSeries(bars: BarsLike, symbol?: string): SymbolSeries {
  const ranges = bars.ranges();
  if (symbol === undefined) {
    if (ranges.size !== 1) {
      const list = [...ranges.keys()].slice(0, 10).join(", ");
      throw new RangeError(
        ranges.size === 0
          ? "Cannot chart empty bars: load some rows first"
          : `These bars hold ${ranges.size} symbols (${list}…): say which one with { symbol }`,
      );
    }
    symbol = ranges.keys().next().value!;
  }
  const range = ranges.get(symbol);
  if (!range) {
    throw new RangeError(
      `No bars for "${symbol}"; present: ${[...ranges.keys()].slice(0, 20).join(", ")}`,
    );
  }
  const [s, e] = range;
  return {
    symbol,
    dates: bars.dates.subarray(s, e),
    open: bars.open.subarray(s, e),
    high: bars.high.subarray(s, e),
    low: bars.low.subarray(s, e),
    close: bars.close.subarray(s, e),
    volume: bars.volume.subarray(s, e),
  };
}

/** Dates as a caller may hold them: epoch days, ISO strings or `Date`s. */
export type DateColumn = Int32Array | readonly number[] | readonly string[] | readonly Date[];

/**
 * Dates as `YYYY-MM-DD` strings (Plotly's date axis reads them as calendar days).
 *
 * @param dates Epoch days, ISO date strings or `Date`s (UTC calendar date).
 * @returns ISO dates.
 */
export function isoDates(dates: DateColumn): string[] {
  const out = new Array<string>(dates.length);
  for (let i = 0; i < dates.length; i++) {
    const d = dates[i]!;
    out[i] = typeof d === "number"
      ? formatDate(d)
      : d instanceof Date
      ? d.toISOString().slice(0, 10)
      : d.slice(0, 10);
  }
  return out;
}

/** Epoch days of a date column. */
export function epochDays(dates: DateColumn): Int32Array {
  if (dates instanceof Int32Array) return dates;
  const out = new Int32Array(dates.length);
  for (let i = 0; i < dates.length; i++) {
    const d = dates[i]!;
    out[i] = typeof d === "number"
      ? d
      : d instanceof Date
      ? Math.floor(d.getTime() / 86_400_000)
      : parseDate(d.slice(0, 10));
  }
  return out;
}

/**
 * Plotly `rangebreaks` that hide every day without a bar: weekends as one rule, and
 * each weekday with no row in any of the series (ASX holidays, suspensions, gaps in
 * the data) as a value, so candles sit side by side.
 *
 * @param columns The date columns shown on the axis (epoch days, ascending each).
 * @returns The `xaxis.rangebreaks` array.
 */
export function rangebreaks(...columns: Int32Array[]): Record<string, unknown>[] {
  const days = new Set<number>();
  let first = Infinity, last = -Infinity;
  for (const col of columns) {
    for (const d of col) days.add(d);
    if (col.length) {
      first = Math.min(first, col[0]!);
      last = Math.max(last, col[col.length - 1]!);
    }
  }
  const missing: string[] = [];
  for (let d = first; d <= last; d++) {
    const wd = weekdayOf(d);
    if (wd !== 0 && wd !== 6 && !days.has(d)) missing.push(formatDate(d));
  }
  const breaks: Record<string, unknown>[] = [{ bounds: ["sat", "mon"] }];
  if (missing.length) breaks.push({ values: missing });
  return breaks;
}

/** One horizontal band of a stacked chart. */
export interface Band {
  /** Relative height. */
  weight: number;
  /** The y-axis title. */
  title?: string;
  /** Extra y-axis settings (range, tick format, …). */
  axis?: Record<string, unknown>;
}

const RANGE_BUTTONS = {
  x: 1,
  xanchor: "right",
  y: 1.01,
  yanchor: "bottom",
  buttons: [
    { count: 1, label: "1m", step: "month", stepmode: "backward" },
    { count: 6, label: "6m", step: "month", stepmode: "backward" },
    { count: 1, label: "YTD", step: "year", stepmode: "todate" },
    { count: 1, label: "1y", step: "year", stepmode: "backward" },
    { count: 5, label: "5y", step: "year", stepmode: "backward" },
    { step: "all", label: "all" },
  ],
};

/** Colours used across the figures. */
export const COLORS = {
  up: "#26a69a",
  down: "#ef5350",
  lines: ["#1f77b4", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22"],
  muted: "#9e9e9e",
} as const;

/**
 * A layout of bands stacked top to bottom that share one date x-axis (with its
 * breaks and an optional range slider under the bottom band).
 *
 * @param bands The bands, top first.
 * @param x The shared x-axis settings (`rangebreaks`, …).
 * @param options `rangeSlider`, `title`, `height`.
 * @returns The layout and each band's y-axis reference (`"y"`, `"y2"`, …) for traces.
 */
export function stackedLayout(
  bands: readonly Band[],
  x: Record<string, unknown>,
  options: { rangeSlider?: boolean; title?: string; height?: number } = {},
): { layout: Layout; refs: string[] } {
  const gap = 0.02;
  const total = bands.reduce((s, b) => s + b.weight, 0);
  const usable = 1 - gap * (bands.length - 1);
  const layout: Layout = {};
  const refs: string[] = [];
  let top = 1;
  bands.forEach((band, k) => {
    const h = (band.weight / total) * usable;
    const bottom = k === bands.length - 1 ? 0 : Math.max(0, top - h);
    refs.push(k === 0 ? "y" : `y${k + 1}`);
    layout[k === 0 ? "yaxis" : `yaxis${k + 1}`] = {
      domain: [round(bottom), round(top)],
      anchor: "x",
      title: band.title ? { text: band.title } : undefined,
      automargin: true,
      ...band.axis,
    };
    top = bottom - gap;
  });
  layout.xaxis = {
    type: "date",
    anchor: refs[refs.length - 1],
    showspikes: true,
    spikemode: "across",
    spikethickness: 1,
    rangeslider: { visible: options.rangeSlider ?? false, thickness: 0.06 },
    rangeselector: RANGE_BUTTONS,
    ...x,
  };
  Object.assign(layout, {
    title: options.title ? titled(options.title) : undefined,
    height: options.height ?? 320 + 140 * bands.length,
    hovermode: "x unified",
    showlegend: true,
    legend: { orientation: "h", y: 1.02, yanchor: "bottom", x: 0 },
    margin: { l: 60, r: 30, t: !options.title ? 60 : /<br/i.test(options.title) ? 110 : 90, b: 40 },
    dragmode: "pan",
  });
  return { layout, refs };
}

/**
 * A figure title placed top left, above the legend row.
 *
 * @param text The title.
 * @returns Plotly's `layout.title`.
 */
export function titled(text: string): Record<string, unknown> {
  return { text, x: 0, xref: "paper", xanchor: "left", y: 0.985, yanchor: "top" };
}

function round(v: number): number {
  return Math.round(v * 10_000) / 10_000;
}

/** A horizontal reference line across a band (e.g. RSI 30/70). */
export function levelLine(
  ref: string,
  y: number,
  color: string = COLORS.muted,
): Record<string, unknown> {
  return {
    type: "line",
    xref: "paper",
    x0: 0,
    x1: 1,
    yref: ref,
    y0: y,
    y1: y,
    line: { color, width: 1, dash: "dot" },
  };
}

/** A line trace over dates. */
export function lineTrace(
  x: readonly string[],
  y: ArrayLike<number>,
  name: string,
  ref: string,
  color: string,
  extra: Record<string, unknown> = {},
): Trace {
  return {
    type: "scatter",
    mode: "lines",
    name,
    x,
    y,
    yaxis: ref,
    line: { color, width: 1.3 },
    hovertemplate: `%{y:.4~f}<extra>${name}</extra>`,
    ...extra,
  };
}

/**
 * Values over dates: a backtest's `result.equity` (an `EquityCurve`), or any series
 * such as an index's closes, `{ dates: bars.dates, values: bars.close }`.
 */
export interface Curve {
  /** Dates, one per value: epoch days, ISO strings or `Date`s. */
  readonly dates: DateColumn;
  /** The values (equity in dollars, or prices). */
  readonly values: ArrayLike<number>;
}

/** A backtest result, as the curve charts read it: its equity, labelled by strategy and parameters. */
export interface ResultCurve {
  /** The strategy's name. */
  readonly strategy: string;
  /** Its parameters, shown in the label. */
  readonly params: Readonly<Record<string, unknown>>;
  /** The equity curve. */
  readonly equity: Curve;
}

/** What a curve chart takes: one curve or result, a list of them, or a record of name → curve. */
export type Curves =
  | Curve
  | ResultCurve
  | readonly (Curve | ResultCurve)[]
  | Readonly<Record<string, Curve | ResultCurve>>;

/** A label from a strategy and its parameters, e.g. `MovingAverageCrossover(fast=10, slow=30)`. */
export function curveLabel(
  result: Pick<ResultCurve, "strategy" | "params">,
): string {
  const params = Object.entries(result.params).map(([k, v]) => `${k}=${v}`).join(", ");
  return params ? `${result.strategy}(${params})` : result.strategy;
}

function isResultCurve(x: object): x is ResultCurve {
  return "equity" in x && "strategy" in x;
}

function isCurve(x: object): x is Curve {
  return "dates" in x && "values" in x;
}

/**
 * Named curves from one curve or result, a list (results labelled by strategy and
 * parameters) or a record.
 *
 * @throws {RangeError} When a curve's dates and values differ in length, there is none,
 * or an item is neither a curve nor a result.
 */
export function namedCurves(input: Curves): [string, Curve][] {
  const entries: [string, unknown][] = Array.isArray(input)
    ? input.map((c, i) => [`curve ${i + 1}`, c])
    : isCurve(input) || isResultCurve(input)
    ? [["equity", input]]
    : Object.entries(input);
  if (entries.length === 0) throw new RangeError("No curves to chart: pass at least one");
  const named = Array.isArray(input) || isCurve(input) || isResultCurve(input);
  return entries.map(([name, item]) => {
    if (typeof item === "object" && item !== null) {
      if (isResultCurve(item)) return check([named ? curveLabel(item) : name, item.equity]);
      if (isCurve(item)) return check([name, item]);
    }
    throw new RangeError(
      `Curve "${name}" is neither { dates, values } nor a backtest result: got ${typeof item}`,
    );
  });
}

function check([name, c]: [string, Curve]): [string, Curve] {
  if (c.dates.length !== c.values.length) {
    throw new RangeError(
      `Curve "${name}" has ${c.values.length} values but ${c.dates.length} dates`,
    );
  }
  return [name, c];
}
