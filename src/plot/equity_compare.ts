/**
 * `equityCompare`: equity curves side by side.
 *
 * @module
 */

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

export type { Curve, Curves, ResultCurve } from "./_series.ts";

/** Options of {@link equityCompare}. */
export interface EquityCompareOptions {
  /** Show each curve as a return since its first value, in % (else in its own units). @default {true} */
  normalize?: boolean;
  /** Logarithmic y-axis (growth of $1 when normalised). @default {false} */
  log?: boolean;
  /** The title. @default {"Equity"} */
  title?: string;
}

/**
 * Equity curves on one chart: backtest results (labelled by strategy and parameters),
 * or any named `{ dates, values }` series such as an index's closes, each shown as
 * its return since its first value so different capital and prices compare.
 *
 * @param curves One curve or result, a list of them, or a record of name → curve or result.
 * @param options Normalisation, log scale, title.
 * @returns The figure.
 * @throws {RangeError} When there is no curve, or one's dates and values differ in length.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { equityCompare } from "./equity_compare.ts";
 * const dates = Int32Array.of(19_000, 19_001, 19_002);
 * const fig = equityCompare({
 *   strategy: { dates, values: [100, 110, 121] },
 *   index: { dates, values: [50, 50, 55] },
 * });
 * const y = fig.data[0]!.y as Float64Array; // % return since the first value
 * assert.deepEqual(Array.from(y, (v) => Math.round(v)), [0, 10, 21]);
 * ```
 */
export function equityCompare(
  curves: Curves,
  options: EquityCompareOptions = {},
): Figure {
  const list = namedCurves(curves);
  const normalize = options.normalize ?? true;
  const days: Int32Array[] = [];
  const data: Trace[] = list.map(([name, c], k) => {
    const d = epochDays(c.dates);
    days.push(d);
    let y: Float64Array = Float64Array.from(c.values);
    if (normalize) {
      const first = y.find((v) => Number.isFinite(v) && v !== 0) ?? NaN;
      y = y.map((v) => options.log ? v / first : (v / first - 1) * 100);
    }
    return lineTrace(isoDates(d), y, name, "y", COLORS.lines[k % COLORS.lines.length]!);
  });
  return new Figure({
    data,
    layout: {
      title: titled(options.title ?? "Equity"),
      xaxis: { type: "date", rangebreaks: rangebreaks(...days) },
      yaxis: {
        title: { text: normalize ? (options.log ? "growth of $1" : "return [%]") : "value" },
        type: options.log ? "log" : "linear",
        ticksuffix: normalize && !options.log ? " %" : "",
      },
      hovermode: "x unified",
      legend: { orientation: "h", y: 1.02, yanchor: "bottom", x: 0 },
      height: 480,
    },
  });
}
