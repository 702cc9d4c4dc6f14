/**
 * `sweepHeatmap`: a parameter sweep's metric over two parameters.
 *
 * @module
 */

import { titled } from "./_series.ts";
import { Figure } from "./figure.ts";

/** What {@link sweepHeatmap} reads from a sweep: its rows (and the stat it maximised). */
export interface SweepLike {
  /** One row per combination: its parameters and stats. */
  rows: readonly {
    params: Readonly<Record<string, unknown>>;
    stats: Readonly<Record<string, unknown>>;
  }[];
  /** The stat the sweep maximised. */
  maximize?: string;
}

/** Options of {@link sweepHeatmap}. */
export interface SweepHeatmapOptions {
  /** How to combine rows that share an (x, y) cell but differ in other parameters. @default {"max"} */
  agg?: "max" | "mean" | "min";
  /** The title. @default {"<metric> by <x> and <y>"} */
  title?: string;
}

function sortValues(values: Set<unknown>): unknown[] {
  const list = [...values];
  return list.every((v) => typeof v === "number")
    ? (list as number[]).sort((a, b) => a - b)
    : list.sort((a, b) => String(a).localeCompare(String(b)));
}

/**
 * A heatmap of one stat over two swept parameters (like backtesting.py's
 * `plot_heatmaps`): x and y are the parameters' values, colour the stat; cells whose
 * other parameters vary combine by `agg` (max by default); combinations the sweep
 * skipped stay blank. The best cell is starred.
 *
 * @param sweep A sweep result (`sweep(...)`) or any `{ rows: [{ params, stats }] }`.
 * @param x The parameter across.
 * @param y The parameter down.
 * @param metric The stat to colour by. @default {the stat the sweep maximised, else "Sharpe Ratio"}
 * @param options Aggregation and title.
 * @returns The figure.
 * @throws {RangeError} When the sweep has no rows, or `x`, `y` or `metric` is not in them
 * (the message lists what is).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sweepHeatmap } from "./sweep_heatmap.ts";
 * const rows = [];
 * for (const fast of [5, 10]) for (const slow of [20, 40]) {
 *   rows.push({ params: { fast, slow }, stats: { SQN: fast / slow } });
 * }
 * const fig = sweepHeatmap({ rows, maximize: "SQN" }, "fast", "slow");
 * assert.deepEqual(fig.data[0]!.z, [[0.25, 0.5], [0.125, 0.25]]);
 * ```
 */
export function sweepHeatmap(
  sweep: SweepLike,
  x: string,
  y: string,
  metric?: string,
  options: SweepHeatmapOptions = {},
): Figure {
  const rows = sweep.rows;
  if (rows.length === 0) throw new RangeError("Cannot draw a heatmap of a sweep with no rows");
  const key = metric ?? sweep.maximize ?? "Sharpe Ratio";
  const first = rows[0]!;
  for (
    const [what, name, record] of [["parameter", x, first.params], ["parameter", y, first.params], [
      "stat",
      key,
      first.stats,
    ]] as const
  ) {
    if (!(name in record)) {
      throw new RangeError(
        `No ${what} "${name}" in the sweep's rows; ${what}s: ${Object.keys(record).join(", ")}`,
      );
    }
  }
  const xs = sortValues(new Set(rows.map((r) => r.params[x])));
  const ys = sortValues(new Set(rows.map((r) => r.params[y])));
  const xi = new Map(xs.map((v, i) => [v, i])), yi = new Map(ys.map((v, i) => [v, i]));
  const agg = options.agg ?? "max";
  const acc = ys.map(() => xs.map(() => [] as number[]));
  for (const r of rows) {
    const v = Number(r.stats[key]);
    if (Number.isFinite(v)) acc[yi.get(r.params[y])!]![xi.get(r.params[x])!]!.push(v);
  }
  let best: [number, number, number] | undefined;
  const z = acc.map((row, j) =>
    row.map((vals, i) => {
      if (vals.length === 0) return null;
      const v = agg === "max"
        ? Math.max(...vals)
        : agg === "min"
        ? Math.min(...vals)
        : vals.reduce((a, b) => a + b, 0) / vals.length;
      if (!best || v > best[2]) best = [i, j, v];
      return v;
    })
  );
  const labels = (vs: unknown[]) => vs.map(String);
  const data = [
    {
      type: "heatmap",
      x: labels(xs),
      y: labels(ys),
      z,
      colorscale: "Viridis",
      colorbar: { title: { text: key } },
      hovertemplate: `${x}=%{x}<br>${y}=%{y}<br>${key}: %{z:.4~f}<extra></extra>`,
      hoverongaps: false,
    },
    ...(best
      ? [{
        type: "scatter",
        mode: "markers",
        name: "best",
        x: [labels(xs)[best[0]]],
        y: [labels(ys)[best[1]]],
        marker: { symbol: "star", size: 16, color: "#fff", line: { color: "#000", width: 1 } },
        hovertemplate: `best ${key}: ${best[2].toFixed(4)}<extra></extra>`,
        showlegend: false,
      }]
      : []),
  ];
  return new Figure({
    data,
    layout: {
      title: titled(
        options.title ??
          `${key} by ${x} and ${y}${
            rows.length > xs.length * ys.length ? ` (${agg} over other parameters)` : ""
          }`,
      ),
      xaxis: { title: { text: x }, type: "category" },
      yaxis: { title: { text: y }, type: "category" },
      height: 520,
    },
  });
}
