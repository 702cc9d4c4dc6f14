/**
 * `sweepHeatmap`: a parameter sweep's metric over two parameters.
 *
 * @module
 */

import { type PivotAgg, pivotRows } from "../backtest/result.ts";
import type { ParamValue } from "../backtest/strategy.ts";
import { titled } from "./_series.ts";
import { Figure } from "./figure.ts";

/** What {@link sweepHeatmap} reads from a sweep: its rows, and the score it maximised. */
export interface SweepLike {
  /** One row per combination: its parameters and stats. */
  readonly rows: readonly {
    readonly params: Readonly<Record<string, ParamValue>>;
    readonly stats: Readonly<Record<string, unknown>>;
  }[];
  /** The stat the sweep maximised (`"custom"` for a function). */
  readonly maximize?: string;
  /** Each row's score (what a `"custom"` maximisation scored). */
  readonly scores?: ArrayLike<number>;
}

/** Options of {@link sweepHeatmap}. */
export interface SweepHeatmapOptions {
  /** How to combine rows that share an (x, y) cell but differ in other parameters. @default {"max"} */
  agg?: PivotAgg;
  /** The title. @default {"<metric> by <x> and <y>"} */
  title?: string;
}

/**
 * A heatmap of one stat over two swept parameters (like backtesting.py's
 * `plot_heatmaps`): x and y are the parameters' values, colour the stat; cells whose
 * other parameters vary combine by `agg` (max by default, as `sweep.pivot` does: the
 * grid is `pivotRows`'); combinations the sweep skipped stay blank. The best cell is
 * starred. `sweep.heatmap(x, y, metric?)` draws the same from a sweep result.
 *
 * @param sweep A sweep result (`bt.optimize(…)`, `sweep(…)`) or any `{ rows: [{ params, stats }] }`.
 * @param x The parameter across.
 * @param y The parameter down.
 * @param metric The stat to colour by. @default {the stat the sweep maximised; its
 * score when it maximised a function; else "Sharpe Ratio"}
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
  const stats = rows[0]!.stats;
  const maximized = sweep.maximize !== undefined && sweep.maximize in stats
    ? sweep.maximize
    : undefined;
  const scores = metric === undefined && maximized === undefined ? sweep.scores : undefined;
  const key = metric ?? maximized ?? (scores ? "score" : "Sharpe Ratio");
  if (!scores && !(key in stats)) {
    throw new RangeError(
      `No stat "${key}" in the sweep's rows; stats: ${Object.keys(stats).join(", ")}`,
    );
  }
  const agg = options.agg ?? "max";
  const grid = pivotRows(
    rows,
    x,
    y,
    scores ? (k) => Number(scores[k]) : (k) => Number(rows[k]!.stats[key]),
    agg,
  );
  let best: [number, number, number] | undefined;
  const z = grid.z.map((row, j) =>
    row.map((v, i) => {
      if (!Number.isFinite(v)) return null;
      if (!best || v > best[2]) best = [i, j, v];
      return v;
    })
  );
  const xs = grid.x.map(String), ys = grid.y.map(String);
  const data = [
    {
      type: "heatmap",
      x: xs,
      y: ys,
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
        x: [xs[best[0]]],
        y: [ys[best[1]]],
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
