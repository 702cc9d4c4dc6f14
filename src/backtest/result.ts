/**
 * What a backtest returns, and what the plot module reads: a
 * {@link BacktestResult} (the stats record, the trades and the equity curve with
 * real dates) and a {@link SweepResult} (the best run in full, and a row of
 * stats per parameter combination).
 *
 * **The contract the plot module builds on** (`bt.plot()`, `backtestChart(result)`,
 * `best.heatmap("fast", "slow")` come with it; these shapes are stable):
 * - `result.equity`: an {@link EquityCurve}, one value per bar of the run's
 *   calendar: `dates` (`YYYY-MM-DD`), `values` (cash plus positions at each
 *   close) and `drawdown` (`1 − E / running max E`, a fraction ≥ 0).
 * - `result.trades` (and `openTrades`): {@link Trade}s with the entry and exit
 *   bar (indices into the equity curve), dates, fill prices, signed size, PnL,
 *   return, fees, duration and why they closed; `result.transactions`: every fill.
 * - `sweep.rows`: each combination's parameters and stats; `sweep.pivot(x, y)`:
 *   the grid of a stat over two parameters (the heatmap's data).
 *
 * Both display themselves in Jupyter (the Deno kernel calls
 * `[Symbol.for("Jupyter.display")]()`) as HTML tables.
 *
 * @module
 */

import { formatDate as dateString } from "../core/dates.ts";
import { didYouMean } from "../core/_did_you_mean.ts";
import { DISPLAY, escapeHtml, htmlTable, statsText, statValue, tradesTable } from "./_display.ts";
import { drawdowns, isNumericStat, type NumericStatKey, STAT_KEYS, type Stats } from "./metrics.ts";
import type { Order, Transaction } from "./orders.ts";
import type { Params, ParamValue } from "./strategy.ts";

/** A closed (or, with `keepOpen`, still open) trade. */
export interface Trade {
  /** The symbol traded. */
  symbol: string;
  /** Signed shares: positive long, negative short. */
  size: number;
  /** Index of the entry bar in the equity curve. */
  entryBar: number;
  /** Index of the exit bar (the last bar while open). */
  exitBar: number;
  /** Entry date, `YYYY-MM-DD`. */
  entryDate: string;
  /** Exit date, `YYYY-MM-DD` (the last date while open). */
  exitDate: string;
  /** Entry fill price (after spread and slippage). */
  entryPrice: number;
  /** Exit fill price (after slippage; the last close while open). */
  exitPrice: number;
  /** Profit or loss in cash: `size·(exit − entry) − commission`. */
  pnl: number;
  /** Return as a fraction: `sign(size)·(exit/entry − 1) − commission/(|size|·entry)`. */
  return: number;
  /** Fees paid on entry and exit (this trade's share when lots were split; entry only while open). */
  commission: number;
  /** Calendar days from entry to exit. */
  duration: number;
  /** Why the trade closed: `"order"`, `"sl"`, `"tp"`, `"end"` (closed at the last close), or `"open"`. */
  exitReason: "order" | "sl" | "tp" | "end" | "open";
}

/** One bar of an equity curve. */
export interface EquityPoint {
  /** `YYYY-MM-DD`. */
  date: string;
  /** Cash plus positions marked at the close. */
  equity: number;
  /** `1 − equity / running max`, a fraction ≥ 0. */
  drawdown: number;
}

/**
 * The equity of a run at each bar's close, with its dates and drawdown
 * (computed on first use).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EquityCurve } from "./result.ts";
 * const curve = new EquityCurve(new Int32Array([18262, 18263, 18264]), new Float64Array([100, 90, 110]));
 * assert.deepEqual(curve.dates, ["2020-01-01", "2020-01-02", "2020-01-03"]);
 * assert.ok(Math.abs(curve.drawdown[1]! - 0.1) < 1e-15);
 * assert.deepEqual(curve.at(2), { date: "2020-01-03", equity: 110, drawdown: 0 });
 * ```
 */
export class EquityCurve {
  /** Equity at each bar's close. */
  readonly values: Float64Array;
  readonly #days: Int32Array;
  #dates: string[] | undefined;
  #drawdown: Float64Array | undefined;

  /**
   * @param days The calendar (epoch days), one per value.
   * @param values Equity per bar.
   * @throws {RangeError} When the lengths differ.
   */
  constructor(days: Int32Array, values: Float64Array) {
    if (days.length !== values.length) {
      throw new RangeError(`${values.length} equity values for ${days.length} dates`);
    }
    this.#days = days;
    this.values = values;
  }

  /** Number of bars. */
  get length(): number {
    return this.values.length;
  }

  /** The dates, `YYYY-MM-DD`. */
  get dates(): readonly string[] {
    return this.#dates ??= Array.from(this.#days, (d) => dateString(d));
  }

  /** Drawdown per bar: `1 − E / running max E`. */
  get drawdown(): Float64Array {
    return this.#drawdown ??= drawdowns(this.values, this.#days).dd;
  }

  /**
   * One bar.
   *
   * @param i Bar index (negative counts from the end).
   * @returns Its date, equity and drawdown.
   * @throws {RangeError} When there is no such bar.
   */
  at(i: number): EquityPoint {
    const k = i < 0 ? this.length + i : i;
    if (!(k >= 0 && k < this.length)) {
      throw new RangeError(`No bar ${i} in an equity curve of ${this.length}`);
    }
    return { date: this.dates[k]!, equity: this.values[k]!, drawdown: this.drawdown[k]! };
  }

  /**
   * The curve as rows (what `JSON.stringify` writes).
   *
   * @returns One {@link EquityPoint} per bar.
   */
  toJSON(): EquityPoint[] {
    return Array.from({ length: this.length }, (_, k) => this.at(k));
  }
}

/** The parts of a {@link BacktestResult}. */
export interface BacktestResultInit<P extends Params = Params> {
  /** The strategy's name. */
  strategy: string;
  /** The parameters used. */
  params: P;
  /** The symbols traded. */
  symbols: string[];
  /** The stats record. */
  stats: Stats;
  /** Trades in the statistics. */
  trades: Trade[];
  /** Trades left open (with `keepOpen`). */
  openTrades: Trade[];
  /** Every fill. */
  transactions: Transaction[];
  /** Every order placed. */
  orders: Order[];
  /** The equity curve. */
  equity: EquityCurve;
  /** What a reader should know about the run (see {@link BacktestResult.notes}). */
  notes: string[];
}

/**
 * One backtest's results: `stats` (keys as backtesting.py's), `trades`,
 * `equity`, every fill and order. Displays as tables in Jupyter.
 */
export class BacktestResult<P extends Params = Params> {
  /** The strategy's name. */
  readonly strategy: string;
  /** The parameters used. */
  readonly params: P;
  /** The symbols traded. */
  readonly symbols: string[];
  /** The flat stats record (keys as in backtesting.py; see `STAT_KEYS`). */
  readonly stats: Stats;
  /** Trades in the statistics (closed ones; those open at the end closed at the last close unless `keepOpen`). */
  readonly trades: Trade[];
  /** Trades still open at the end (only with `keepOpen`): in the equity, not in the statistics. */
  readonly openTrades: Trade[];
  /** Every fill, in order. */
  readonly transactions: Transaction[];
  /** Every order placed, with its final status. */
  readonly orders: Order[];
  /** Equity per bar, with dates and drawdown. */
  readonly equity: EquityCurve;
  /**
   * What a reader should know to trust the figures: a symbol whose bars are
   * fewer than the strategy's warm-up (it never traded), trades whose fees
   * exceeded 5 % of their value (the minimum fee on small trades).
   */
  readonly notes: string[];

  /** @param init The parts. */
  constructor(init: BacktestResultInit<P>) {
    this.strategy = init.strategy;
    this.params = init.params;
    this.symbols = init.symbols;
    this.stats = init.stats;
    this.trades = init.trades;
    this.openTrades = init.openTrades;
    this.transactions = init.transactions;
    this.orders = init.orders;
    this.equity = init.equity;
    this.notes = init.notes;
  }

  /** A one-line title: strategy, parameters and symbols. */
  get title(): string {
    const params = Object.entries(this.params).map(([k, v]) => `${k}=${v}`).join(", ");
    const syms = this.symbols;
    return `${this.strategy}(${params}) on ${syms.slice(0, 6).join(", ")}${
      syms.length > 6 ? ` and ${syms.length - 6} more` : ""
    }`;
  }

  /** The title and the stats table, as text. */
  toString(): string {
    const notes = this.notes.map((n) => `\nnote: ${n}`).join("");
    return `${this.title}\n\n${statsText(this.stats)}${notes ? "\n" + notes : ""}`;
  }

  /**
   * Plain data for JSON: strategy, parameters, stats, trades (open ones last) and equity rows.
   *
   * @returns The report (NaN stats become `null` once stringified).
   */
  toJSON(): Record<string, unknown> {
    return {
      strategy: this.strategy,
      params: this.params,
      stats: this.stats,
      trades: [...this.trades, ...this.openTrades],
      equity: this.equity.toJSON(),
    };
  }

  /**
   * How Jupyter (the Deno kernel) shows a result: the stats and the trades as tables.
   *
   * @returns HTML and plain-text renderings.
   */
  [DISPLAY](): { "text/html": string; "text/plain": string } {
    const trades = [...this.trades, ...this.openTrades];
    return {
      "text/html": `<h4>${escapeHtml(this.title)}</h4>` +
        this.notes.map((n) => `<p><b>Note:</b> ${escapeHtml(n)}</p>`).join("") +
        htmlTable(["Stat", "Value"], STAT_KEYS.map((k) => [k, statValue(k, this.stats[k])])) +
        `<h4>${trades.length} trades</h4>` + tradesTable(trades, 20),
      "text/plain": this.toString(),
    };
  }
}

/** One row of a sweep: the parameters and the stats of that run. */
export interface SweepRow<P extends Params = Params> {
  /** The parameters of the run (all of them, defaults included). */
  params: P;
  /** Its stats. */
  stats: Stats;
}

/** A stat over two parameters: what a heatmap draws. */
export interface Pivot {
  /** The first parameter's values (columns), ascending. */
  x: ParamValue[];
  /** The second parameter's values (rows), ascending. */
  y: ParamValue[];
  /**
   * `z[row][column]`: the values of the rows at that point combined over the other
   * parameters (by default the best), NaN where no row ran or none had a value.
   */
  z: number[][];
}

/** How a pivot combines the rows that share an (x, y) point but differ in other parameters. */
export type PivotAgg = "max" | "mean" | "min";

/**
 * A value of sweep rows over two of their parameters: the grid a heatmap draws.
 * The one implementation behind `SweepResult.pivot` and the plot module's heatmap.
 *
 * @param rows The rows, each with its `params`.
 * @param x The parameter along the columns.
 * @param y The parameter along the rows.
 * @param value The value of row `k` (NaN is left out).
 * @param agg How rows sharing a point combine. @default {"max"}
 * @returns The sorted axes and the grid.
 * @throws {RangeError} When the rows are empty or a parameter is not in them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pivotRows } from "./result.ts";
 * const rows = [{ params: { a: 2, b: 1, c: 0 } }, { params: { a: 1, b: 1, c: 0 } },
 *   { params: { a: 1, b: 1, c: 1 } }];
 * const p = pivotRows(rows, "a", "b", (k) => [5, 3, 4][k]!);
 * assert.deepEqual(p, { x: [1, 2], y: [1], z: [[4, 5]] });
 * assert.deepEqual(pivotRows(rows, "a", "b", (k) => [5, 3, 4][k]!, "mean").z, [[3.5, 5]]);
 * ```
 */
export function pivotRows(
  rows: readonly { readonly params: Readonly<Record<string, ParamValue>> }[],
  x: string,
  y: string,
  value: (k: number) => number,
  agg: PivotAgg = "max",
): Pivot {
  for (const name of [x, y]) {
    if (!rows.length || !Object.hasOwn(rows[0]!.params, name)) {
      const known = rows.length ? Object.keys(rows[0]!.params).join(", ") : "none";
      throw new RangeError(`Cannot pivot on "${name}": the parameters are ${known}`);
    }
  }
  if (agg !== "max" && agg !== "mean" && agg !== "min") {
    throw new RangeError(`Unknown pivot aggregation "${agg}": expected max, mean or min`);
  }
  const sort = (vs: ParamValue[]) => [...new Set(vs)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const xs = sort(rows.map((r) => r.params[x]!));
  const ys = sort(rows.map((r) => r.params[y]!));
  const xi = new Map(xs.map((v, i) => [v, i])), yi = new Map(ys.map((v, i) => [v, i]));
  const z = ys.map(() => xs.map(() => NaN));
  const n = ys.map(() => xs.map(() => 0));
  rows.forEach((r, k) => {
    const v = value(k);
    if (v !== v) return;
    const j = yi.get(r.params[y]!)!, i = xi.get(r.params[x]!)!;
    const row = z[j]!, was = row[i]!, count = ++n[j]![i]!;
    row[i] = was !== was
      ? v
      : agg === "max"
      ? Math.max(was, v)
      : agg === "min"
      ? Math.min(was, v)
      : was + (v - was) / count;
  });
  return { x: xs, y: ys, z };
}

/** The parts of a {@link SweepResult}. */
export interface SweepResultInit<P extends Params = Params> {
  /** What was maximised: a stat's name, or `"custom"` for a function. */
  maximize: NumericStatKey | "custom";
  /** The score of each row (the stat, or the function's value). */
  scores: Float64Array;
  /** Every combination run, in grid order. */
  rows: SweepRow<P>[];
  /** The best run in full. */
  best: BacktestResult<P>;
  /** Combinations the constraint rejected. */
  skipped: number;
  /** Workers used (0 = in-process). */
  workers: number;
}

/** What `bt.optimize()` returns: every row's stats and the best run in full. */
export class SweepResult<P extends Params = Params> {
  /** What was maximised. */
  readonly maximize: NumericStatKey | "custom";
  /** Every combination run, in grid order. */
  readonly rows: SweepRow<P>[];
  /** The best run, in full (equity, trades). */
  readonly best: BacktestResult<P>;
  /** Combinations the constraint rejected. */
  readonly skipped: number;
  /** Workers used (0 = in-process). */
  readonly workers: number;
  /** The score of each row, in row order: the stat maximised, or the function's value. */
  readonly scores: Float64Array;

  /** @param init The parts. */
  constructor(init: SweepResultInit<P>) {
    this.maximize = init.maximize;
    this.rows = init.rows;
    this.best = init.best;
    this.skipped = init.skipped;
    this.workers = init.workers;
    this.scores = init.scores;
  }

  /**
   * The rows sorted by a stat (or by the score maximised).
   *
   * @param key The stat. @default {the one maximised}
   * @param descending Largest first. @default {true}
   * @returns A sorted copy (NaN last).
   */
  sortBy(key?: NumericStatKey, descending = true): SweepRow<P>[] {
    const value = (k: number) => key === undefined ? this.scores[k]! : this.rows[k]!.stats[key];
    const order = this.rows.map((_, k) => k).sort((a, b) => {
      const x = value(a), y = value(b);
      if (x !== x) return y !== y ? 0 : 1;
      if (y !== y) return -1;
      return descending ? (y > x ? 1 : y < x ? -1 : 0) : (x > y ? 1 : x < y ? -1 : 0);
    });
    return order.map((k) => this.rows[k]!);
  }

  /**
   * A stat over two parameters, the best over the other parameters at each
   * point (as backtesting.py's heatmaps aggregate): the data a heatmap draws.
   *
   * @param x The parameter along the columns.
   * @param y The parameter along the rows.
   * @param stat The stat. @default {the score maximised}
   * @param agg How rows that differ only in other parameters combine. @default {"max"}
   * @returns The axes and the grid.
   * @throws {RangeError} When a parameter was not swept, or `stat` is not a numeric stat.
   */
  pivot(x: string, y: string, stat?: NumericStatKey, agg: PivotAgg = "max"): Pivot {
    if (stat !== undefined && !isNumericStat(stat)) {
      throw new RangeError(
        `Cannot pivot "${stat}": not a numeric stat${didYouMean(stat, STAT_KEYS)}`,
      );
    }
    const value = stat === undefined
      ? (k: number) => this.scores[k]!
      : (k: number) => this.rows[k]!.stats[stat];
    return pivotRows(this.rows, x, y, value, agg);
  }

  /**
   * How Jupyter shows a sweep: its size, the ten best rows, and the best run.
   *
   * @returns HTML and plain-text renderings.
   */
  [DISPLAY](): { "text/html": string; "text/plain": string } {
    const top = this.sortBy().slice(0, 10);
    const names = top.length ? Object.keys(top[0]!.params) : [];
    const cols = this.maximize === "custom"
      ? ["Return [%]", "Sharpe Ratio", "# Trades"] as const
      : [this.maximize, "Return [%]", "# Trades"] as const;
    const head = `${this.rows.length} runs (${this.skipped} skipped by the constraint), ` +
      `top 10 by ${this.maximize}`;
    const body = top.map((r) => [
      ...names.map((n) => String(r.params[n])),
      ...cols.map((c) => statValue(c, r.stats[c])),
    ]);
    return {
      "text/html": `<h4>${escapeHtml(head)}</h4>` + htmlTable([...names, ...cols], body) +
        this.best[DISPLAY]()["text/html"],
      "text/plain": `${head}\n\n${this.best.toString()}`,
    };
  }
}
