/**
 * `returnsHistogram`: the distribution of returns against a normal curve.
 *
 * @module
 */

import type { Series } from "../indicators/mod.ts";
import { Figure, type Trace } from "./figure.ts";
import { COLORS, titled } from "./_series.ts";

/** Options of {@link returnsHistogram}. */
export interface ReturnsHistogramOptions {
  /** Number of bins. @default {80} */
  bins?: number;
  /** Draw a normal density with each series' mean and standard deviation. @default {true} */
  normal?: boolean;
  /** The title. @default {"Distribution of returns"} */
  title?: string;
}

/**
 * Histograms of returns (fractions, shown in %) as densities, each with the normal
 * curve of the same mean and standard deviation, so fat tails and skew show. NaN
 * values (warm-up, missing days) are left out; the legend quotes each series' count,
 * mean and standard deviation.
 *
 * @param input Returns (e.g. `returns(bars.close)`), or name → returns.
 * @param options Bins, normal curve, title.
 * @returns The figure.
 * @throws {RangeError} When a series has no finite value or `bins` is not an integer ≥ 2.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { returnsHistogram } from "./returns_histogram.ts";
 * const fig = returnsHistogram({ daily: [0.01, -0.02, NaN, 0.005, 0.0] });
 * assert.equal(fig.data[0]!.type, "histogram");
 * assert.equal((fig.data[0]!.x as Float64Array).length, 4);
 * ```
 */
export function returnsHistogram(
  input: Series | Readonly<Record<string, Series>>,
  options: ReturnsHistogramOptions = {},
): Figure {
  const bins = options.bins ?? 80;
  if (!Number.isInteger(bins) || bins < 2) {
    throw new RangeError(`Invalid bins ${bins}: expected an integer >= 2`);
  }
  const named: [string, Series][] = ArrayBuffer.isView(input) || Array.isArray(input)
    ? [["returns", input as Series]]
    : Object.entries(input as Record<string, Series>);
  const data: Trace[] = [];
  named.forEach(([name, series], k) => {
    const pct = Float64Array.from(series).filter(Number.isFinite).map((v) => v * 100);
    if (pct.length === 0) throw new RangeError(`Series "${name}" has no finite return to plot`);
    let mean = 0;
    for (const v of pct) mean += v;
    mean /= pct.length;
    let sq = 0;
    for (const v of pct) sq += (v - mean) ** 2;
    const sd = Math.sqrt(sq / Math.max(1, pct.length - 1));
    const color = COLORS.lines[k % COLORS.lines.length]!;
    const label = `${name} (n=${pct.length.toLocaleString("en-AU")}, mean ${mean.toFixed(3)} %, σ ${
      sd.toFixed(3)
    } %)`;
    data.push({
      type: "histogram",
      name: label,
      x: pct,
      nbinsx: bins,
      histnorm: "probability density",
      opacity: named.length > 1 ? 0.55 : 0.8,
      marker: { color },
      legendgroup: name,
    });
    if ((options.normal ?? true) && sd > 0) {
      let lo = Infinity, hi = -Infinity;
      for (const v of pct) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      const xs = Float64Array.from({ length: 201 }, (_, i) => lo + ((hi - lo) * i) / 200);
      const ys = xs.map((v) =>
        Math.exp(-0.5 * ((v - mean) / sd) ** 2) / (sd * Math.sqrt(2 * Math.PI))
      );
      data.push({
        type: "scatter",
        mode: "lines",
        name: `normal(${name})`,
        x: xs,
        y: ys,
        line: { color, dash: "dash", width: 1.5 },
        legendgroup: name,
        showlegend: false,
        hoverinfo: "skip",
      });
    }
  });
  return new Figure({
    data,
    layout: {
      title: titled(options.title ?? "Distribution of returns"),
      barmode: "overlay",
      xaxis: { title: { text: "return [%]" }, ticksuffix: " %" },
      yaxis: { title: { text: "density" } },
      legend: { orientation: "h", y: 1.02, yanchor: "bottom", x: 0 },
      height: 420,
    },
  });
}
