/**
 * `correlationHeatmap` and `correlationMatrix`: how symbols' returns move together.
 *
 * @module
 */

import { returns, type Series } from "../indicators/mod.ts";
import type { BarsLike } from "../mod.ts";
import { titled } from "./_series.ts";
import { Figure } from "./figure.ts";

/** A correlation matrix with its labels. */
export interface CorrelationMatrix {
  /** Row and column labels, in order. */
  names: string[];
  /** `matrix[i][j]`: Pearson correlation of series i and j (NaN with fewer than 3 common values). */
  matrix: number[][];
  /** `counts[i][j]`: the number of values both series have. */
  counts: number[][];
}

/**
 * Each symbol's close-to-close returns on the union of the bars' dates (NaN where a
 * symbol has no bar that day or the day before it traded).
 */
function returnsByDate(bars: BarsLike): Record<string, Float64Array> {
  const all = Int32Array.from(new Set(bars.dates)).sort();
  const at = new Map<number, number>();
  all.forEach((d, i) => at.set(d, i));
  const out: Record<string, Float64Array> = {};
  for (const [symbol, [s, e]] of bars.ranges()) {
    const r = returns(bars.close.subarray(s, e));
    const col = new Float64Array(all.length).fill(NaN);
    for (let i = s; i < e; i++) col[at.get(bars.dates[i]!)!] = r[i - s]!;
    out[symbol] = col;
  }
  return out;
}

/**
 * Pairwise Pearson correlations of aligned series, each pair over the positions where
 * both are finite (pairwise-complete, as pandas' `DataFrame.corr()`). Given bars, the
 * series are each symbol's daily close-to-close returns aligned by date.
 *
 * @param input Name → aligned series (e.g. daily returns), or multi-symbol bars.
 * @returns Names, matrix and pair counts.
 * @throws {RangeError} When the series differ in length or there are none.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { correlationMatrix } from "./correlation_heatmap.ts";
 * const m = correlationMatrix({ a: [1, 2, 3, 4], b: [2, 4, 6, 8], c: [4, 3, 2, 1] });
 * assert.equal(m.matrix[0]![1], 1);
 * assert.equal(m.matrix[0]![2], -1);
 * ```
 */
export function correlationMatrix(
  input: Readonly<Record<string, Series>> | BarsLike,
): CorrelationMatrix {
  const series = isBars(input) ? returnsByDate(input) : input;
  const names = Object.keys(series);
  if (names.length === 0) throw new RangeError("No series to correlate");
  const n = series[names[0]!]!.length;
  for (const name of names) {
    if (series[name]!.length !== n) {
      throw new RangeError(
        `Series "${name}" has ${series[name]!.length} values but "${
          names[0]
        }" has ${n}: align them first`,
      );
    }
  }
  const k = names.length;
  const matrix = names.map(() => new Array<number>(k).fill(NaN));
  const counts = names.map(() => new Array<number>(k).fill(0));
  for (let i = 0; i < k; i++) {
    const a = series[names[i]!]!;
    for (let j = i; j < k; j++) {
      const b = series[names[j]!]!;
      let c = 0, sa = 0, sb = 0;
      for (let t = 0; t < n; t++) {
        const x = a[t]!, y = b[t]!;
        if (Number.isFinite(x) && Number.isFinite(y)) {
          c++;
          sa += x;
          sb += y;
        }
      }
      const ma = sa / c, mb = sb / c;
      let sab = 0, saa = 0, sbb = 0;
      for (let t = 0; t < n; t++) {
        const x = a[t]!, y = b[t]!;
        if (Number.isFinite(x) && Number.isFinite(y)) {
          sab += (x - ma) * (y - mb);
          saa += (x - ma) ** 2;
          sbb += (y - mb) ** 2;
        }
      }
      const r = c >= 3 && saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : NaN;
      matrix[i]![j] = matrix[j]![i] = i === j && c >= 3 ? 1 : Math.max(-1, Math.min(1, r));
      counts[i]![j] = counts[j]![i] = c;
    }
  }
  return { names, matrix, counts };
}

function isBars(v: unknown): v is BarsLike {
  return typeof (v as BarsLike).ranges === "function" &&
    (v as BarsLike).close instanceof Float64Array;
}

/** Options of {@link correlationHeatmap}. */
export interface CorrelationHeatmapOptions {
  /** The title. @default {"Correlation of daily returns"} */
  title?: string;
}

/**
 * A heatmap of pairwise return correlations (−1 blue … +1 red), each cell labelled.
 *
 * @param input Name → aligned returns, or multi-symbol bars (daily close-to-close returns by date).
 * @param options Title.
 * @returns The figure.
 * @throws {RangeError} When the series differ in length or there are none.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { correlationHeatmap } from "./correlation_heatmap.ts";
 * const fig = correlationHeatmap({ a: [1, 2, 3, 5], b: [1, 3, 2, 4] });
 * assert.equal(fig.data[0]!.type, "heatmap");
 * ```
 */
export function correlationHeatmap(
  input: Readonly<Record<string, Series>> | BarsLike,
  options: CorrelationHeatmapOptions = {},
): Figure {
  const { names, matrix, counts } = correlationMatrix(input);
  const size = Math.max(420, 60 + 38 * names.length);
  return new Figure({
    data: [{
      type: "heatmap",
      x: names,
      y: names,
      z: matrix.map((row) => row.map((v) => (Number.isNaN(v) ? null : v))),
      customdata: counts,
      zmin: -1,
      zmax: 1,
      colorscale: "RdBu",
      texttemplate: names.length <= 25 ? "%{z:.2f}" : "",
      hovertemplate: "%{y} × %{x}: %{z:.3f} over %{customdata} days<extra></extra>",
    }],
    layout: {
      title: titled(options.title ?? "Correlation of daily returns"),
      xaxis: { type: "category", tickangle: -45 },
      yaxis: { type: "category", autorange: "reversed" },
      width: size + 120,
      height: size,
    },
  });
}
