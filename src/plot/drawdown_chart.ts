/**
 * `drawdownChart`: how far curves sit below their running peaks.
 *
 * @module
 */

import { drawdowns } from "../backtest/metrics.ts";
import { Figure, type Trace } from "./figure.ts";
import {
  COLORS,
  type Curves,
  epochDays,
  isoDates,
  lineTrace,
  namedCurves,
  rangebreaks,
  titled,
} from "./_series.ts";

/** Options of {@link drawdownChart}. */
export interface DrawdownChartOptions {
  /** The title. @default {"Drawdown"} */
  title?: string;
}

/**
 * Drawdown curves: how far each curve sits below its running peak, in %, filled
 * down from zero, with the maximum drawdown named in the legend. Drawdowns are the
 * backtest metrics' own (`drawdowns`), so the chart and `Max. Drawdown [%]` agree.
 *
 * @param curves One curve (a backtest result, its `equity`, or `{ dates, values: closes }`), a list, or a record.
 * @param options Title.
 * @returns The figure.
 * @throws {RangeError} When there is no curve, or one's dates and values differ in length.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { drawdownChart } from "./drawdown_chart.ts";
 * const fig = drawdownChart({ dates: Int32Array.of(0, 1, 2, 3), values: [100, 80, 90, 120] });
 * assert.ok(Math.abs((fig.data[0]!.y as Float64Array)[1]! + 20) < 1e-12); // 20 % below the peak
 * assert.match(String(fig.data[0]!.name), /max 20\.0 %/);
 * ```
 */
export function drawdownChart(
  curves: Curves,
  options: DrawdownChartOptions = {},
): Figure {
  const list = namedCurves(curves);
  const days: Int32Array[] = [];
  const data: Trace[] = list.map(([name, c], k) => {
    const d = epochDays(c.dates);
    days.push(d);
    const { dd } = drawdowns(c.values, d);
    let max = 0;
    const y = dd.map((v) => {
      if (v > max) max = v;
      return -100 * v;
    });
    const color = list.length === 1 ? COLORS.down : COLORS.lines[k % COLORS.lines.length]!;
    return lineTrace(isoDates(d), y, `${name} (max ${(max * 100).toFixed(1)} %)`, "y", color, {
      fill: "tozeroy",
      hovertemplate: `%{y:.2f} %<extra>${name}</extra>`,
    });
  });
  return new Figure({
    data,
    layout: {
      title: titled(options.title ?? "Drawdown"),
      xaxis: { type: "date", rangebreaks: rangebreaks(...days) },
      yaxis: { title: { text: "drawdown [%]" }, ticksuffix: " %" },
      hovermode: "x unified",
      legend: { orientation: "h", y: 1.02, yanchor: "bottom", x: 0 },
      height: 380,
    },
  });
}
