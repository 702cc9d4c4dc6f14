/**
 * Parameter sweeps: grid or random search over a strategy's parameters,
 * skipping combinations its `validate` rejects, in-process or across Web
 * Workers, returning a table sortable by any stat.
 *
 * Indicators are computed once per distinct (function, arguments): the runs of
 * a sweep share one {@link IndicatorCache}, so `fast=5..50` × `slow=20..200`
 * computes 46 + 19 SMAs, not 810 × 2.
 *
 * @module
 */

import type { BarsLike, SeriesColumns } from "../core/csv_bars.ts";
import { ConfigError } from "../core/errors.ts";
import {
  type BacktestOptions,
  type BacktestResult,
  IndicatorCache,
  runBacktest,
} from "./engine.ts";
import { type NumericStatKey, STAT_KEYS, type Stats } from "./metrics.ts";
import { SignalRuns, signalRunsApply } from "./signal_runs.ts";
import {
  didYouMean,
  mergeParams,
  type Params,
  type ParamValue,
  type StrategyClass,
  strategyName,
} from "./strategy.ts";

/** Values to try per parameter. */
export type Grid = Record<string, readonly ParamValue[]>;

/** One row of a sweep: the parameters and the stats of that run. */
export interface SweepRow {
  /** The parameters of the run (all of them, defaults included). */
  params: Params;
  /** Its stats. */
  stats: Stats;
}

/** How a sweep finds a strategy class inside a worker. */
export type StrategyRef =
  | { kind: "builtin"; id: string }
  | { kind: "composite"; spec: unknown }
  | { kind: "module"; url: string; exportName: string };

/** Options of {@link sweep}. */
export interface SweepOptions extends Omit<BacktestOptions, "params" | "cache"> {
  /** The stat to maximise (NaN ranks last). @default {"Sharpe Ratio"} */
  maximize?: NumericStatKey;
  /** Try every combination, or a random sample of `samples` of them. @default {"grid"} */
  method?: "grid" | "random";
  /** Combinations to try with `method: "random"`. @default {100} */
  samples?: number;
  /** Seed of the random sample. @default {1} */
  seed?: number;
  /** Parameters fixed for every run (merged under each combination). */
  params?: Record<string, ParamValue>;
  /**
   * Web Workers to use: a count, or `"auto"` (all cores when the work is large
   * enough to pay for the workers' start-up, else in-process). Workers need a
   * strategy they can import: a shipped one, a composite, or a class with a
   * static `moduleUrl` (its module's `import.meta.url`). @default {"auto"}
   */
  workers?: number | "auto";
  /** Called as runs complete. */
  onProgress?: (done: number, total: number) => void;
}

/** What {@link sweep} returns. */
export interface SweepResult {
  /** The stat maximised. */
  maximize: NumericStatKey;
  /** Every admissible combination's row, in grid order. */
  rows: SweepRow[];
  /** The best run, in full (equity, trades). */
  best: BacktestResult;
  /** Combinations the strategy's constraint rejected. */
  skipped: number;
  /** Workers used (0 = in-process). */
  workers: number;
  /**
   * The rows sorted by a stat.
   *
   * @param key The stat.
   * @param descending Largest first. @default {true}
   * @returns A sorted copy (NaN last).
   */
  sortBy(key: NumericStatKey, descending?: boolean): SweepRow[];
}

/**
 * Numbers from `start` to `stop` inclusive in steps of `step` (the CLI's `start:stop:step`).
 *
 * @param start First value.
 * @param stop Last value (included when reached).
 * @param step Increment > 0. @default {1}
 * @returns The values.
 * @throws {RangeError} When `step` is not > 0, `stop < start`, or the range holds over 1 000 000 values.
 *
 * @example
 * ```ts
 * import { range } from "./sweep.ts";
 * console.assert(range(20, 200, 10).length === 19);
 * console.assert(range(0.1, 0.3, 0.1).join() === "0.1,0.2,0.3");
 * ```
 */
export function range(start: number, stop: number, step = 1): number[] {
  if (!(step > 0)) throw new RangeError(`Range step must be > 0, got ${step}`);
  if (!(stop >= start)) throw new RangeError(`Range stop ${stop} is below its start ${start}`);
  const n = Math.floor((stop - start) / step + 1e-9) + 1;
  if (n > 1_000_000) {
    throw new RangeError(`Range ${start}:${stop}:${step} has ${n} values; at most 1000000`);
  }
  const digits = Math.max(decimals(start), decimals(step));
  return Array.from({ length: n }, (_, k) => Number((start + k * step).toFixed(digits)));
}

function decimals(x: number): number {
  const s = String(x);
  const dot = s.indexOf(".");
  return dot < 0 ? 0 : Math.min(12, s.length - dot - 1);
}

/** A small seeded PRNG (mulberry32). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The admissible combinations of a grid for a strategy, in grid order.
 *
 * @param Strat The strategy class.
 * @param grid Values per parameter.
 * @param fixed Parameters fixed for every combination.
 * @returns The merged parameter sets and how many were skipped.
 * @throws {ConfigError} On an unknown parameter name or an empty value list.
 *
 * @example
 * ```ts
 * import { combinations, range } from "./sweep.ts";
 * import { MovingAverageCrossover } from "./strategies/ma_crossover.ts";
 * const { combos, skipped } = combinations(MovingAverageCrossover as never, { fast: range(5, 50), slow: range(20, 200, 10) });
 * console.assert(combos.length === 810 && skipped === 64);
 * ```
 */
export function combinations(
  Strat: StrategyClass,
  grid: Grid,
  fixed: Record<string, ParamValue> = {},
): { combos: Params[]; skipped: number } {
  const probe = new Strat();
  const name = strategyName(Strat);
  const keys = Object.keys(grid);
  const known = Object.keys(probe.params);
  for (const k of keys) {
    if (!Object.hasOwn(probe.params, k)) {
      throw new ConfigError(
        `Cannot sweep "${k}": ${name} has no such parameter${
          didYouMean(k, known)
        }; its parameters: ${known.join(", ") || "none"}`,
      );
    }
    if (!grid[k]!.length) throw new ConfigError(`Cannot sweep "${k}": no values given`);
  }
  const base = mergeParams(name, probe.params, fixed);
  const combos: Params[] = [];
  let skipped = 0;
  const idx = new Array<number>(keys.length).fill(0);
  const total = keys.reduce((n, k) => n * grid[k]!.length, 1);
  for (let c = 0; c < total; c++) {
    const over: Record<string, ParamValue> = {};
    keys.forEach((k, j) => (over[k] = grid[k]![idx[j]!]!));
    const p = mergeParams(name, base, over);
    if (probe.validate(p) === undefined) combos.push(p);
    else skipped++;
    for (let j = keys.length - 1; j >= 0; j--) {
      if (++idx[j]! < grid[keys[j]!]!.length) break;
      idx[j] = 0;
    }
  }
  return { combos, skipped };
}

function better(a: number, b: number): boolean {
  return a === a && (b !== b || a > b);
}

/** The strategy reference a worker can import, if there is one. */
function refOf(Strat: StrategyClass): StrategyRef | undefined {
  const c = Strat as unknown as { id?: string; composite?: unknown; moduleUrl?: string };
  if (c.composite !== undefined) return { kind: "composite", spec: c.composite };
  if (typeof c.moduleUrl === "string") {
    return { kind: "module", url: c.moduleUrl, exportName: Strat.name };
  }
  if (typeof c.id === "string") return { kind: "builtin", id: c.id };
  return undefined;
}

/** Runs one chunk of combinations in this thread (also what a worker does). */
export function sweepChunk(
  bars: BarsLike,
  Strat: StrategyClass,
  combos: readonly Params[],
  options: Omit<BacktestOptions, "params" | "cache">,
  cache: IndicatorCache,
  onRow?: (k: number, stats: Stats) => void,
): void {
  const row = rowRunner(bars, Strat, options, cache);
  for (let k = 0; k < combos.length; k++) onRow?.(k, row(combos[k]!));
}

/**
 * The stats of one combination: a one-symbol signal strategy takes the
 * stats-only path ({@link SignalRuns}, identical stats), anything else a full run.
 */
function rowRunner(
  bars: BarsLike,
  Strat: StrategyClass,
  options: Omit<BacktestOptions, "params" | "cache">,
  cache: IndicatorCache,
): (params: Params) => Stats {
  if (signalRunsApply(bars, Strat)) {
    const runs = new SignalRuns(bars, Strat, options, cache);
    return (params) => runs.stats(params);
  }
  let equityBuffer: Float64Array | undefined;
  return (params) => {
    const r = runBacktest(bars, Strat, { ...options, params, cache, equityBuffer });
    equityBuffer = r.equity;
    return r.stats;
  };
}

/**
 * Sweeps a strategy's parameters over bars.
 *
 * @param bars One or many symbols.
 * @param Strat The strategy class.
 * @param grid Values per parameter (use {@link range}).
 * @param options What to maximise, grid or random, workers, progress, and the backtest options.
 * @returns Every admissible row, the best run in full, and a sorter.
 * @throws {ConfigError} On unknown parameters or stat keys, or when no combination is admissible.
 *
 * @example
 * ```ts
 * import { range, sweep } from "./sweep.ts";
 * import { MovingAverageCrossover } from "./strategies/ma_crossover.ts";
 * import { PlainBars } from "../core/csv_bars.ts";
 * const c = Float64Array.from({ length: 400 }, (_, i) => 100 + 10 * Math.sin(i / 20) + i / 10);
 * const bars = new PlainBars({ symbol: "X", dates: Int32Array.from(c, (_, i) => i),
 *   open: c, high: c, low: c, close: c, volume: c });
 * const res = await sweep(bars, MovingAverageCrossover as never, { fast: range(5, 20, 5), slow: range(20, 60, 20) },
 *   { maximize: "Return [%]", workers: 0 });
 * console.assert(res.rows.length === 11 && res.best.stats["Return [%]"] >= res.rows[0]!.stats["Return [%]"]);
 * ```
 */
export async function sweep(
  bars: BarsLike,
  Strat: StrategyClass,
  grid: Grid,
  options: SweepOptions = {},
): Promise<SweepResult> {
  const maximize = options.maximize ?? "Sharpe Ratio";
  if (
    !(STAT_KEYS as readonly string[]).includes(maximize) || maximize === "Start" as string ||
    maximize === "End" as string
  ) {
    throw new ConfigError(
      `Cannot maximize "${maximize}": not a numeric stat${didYouMean(maximize, STAT_KEYS)}`,
    );
  }
  let { combos, skipped } = combinations(Strat, grid, options.params);
  if (options.method === "random") {
    const want = options.samples ?? 100;
    if (!(Number.isInteger(want) && want > 0)) {
      throw new ConfigError(`Sweep samples must be a whole number > 0, got ${want}`);
    }
    const rnd = mulberry32(options.seed ?? 1);
    const pool = combos.slice();
    for (let i = pool.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [pool[i], pool[j]] = [pool[j]!, pool[i]!];
    }
    combos = pool.slice(0, want);
  }
  if (combos.length === 0) {
    throw new ConfigError(
      `No admissible parameter combination to sweep (${skipped} rejected by ${
        strategyName(Strat)
      })`,
    );
  }
  const {
    maximize: _m,
    method: _me,
    samples: _s,
    seed: _se,
    workers: _w,
    onProgress,
    params: _p,
    ...btOptions
  } = options;
  const total = combos.length;
  const stats: (Stats | undefined)[] = new Array(total);
  const ref = refOf(Strat);
  const cores = (globalThis.navigator?.hardwareConcurrency ?? 1) || 1;
  let workers = options.workers === "auto" || options.workers === undefined
    ? (ref && cores > 1 && total * bars.length > 20_000_000 ? cores : 0)
    : Math.max(0, Math.floor(options.workers));
  if (!ref) workers = 0;
  workers = Math.min(workers, total);
  let bestIndex = -1;
  const cache = new IndicatorCache();
  if (workers <= 1) {
    workers = 0;
    const row = rowRunner(bars, Strat, btOptions, cache);
    const step = Math.max(1, Math.floor(total / 100));
    for (let k = 0; k < total; k++) {
      const st = stats[k] = row(combos[k]!);
      if (bestIndex < 0 || better(st[maximize], stats[bestIndex]![maximize])) bestIndex = k;
      if (onProgress && ((k + 1) % step === 0 || k + 1 === total)) onProgress(k + 1, total);
    }
  } else {
    await runInWorkers(bars, ref!, combos, btOptions, workers, stats, onProgress);
    for (let k = 0; k < total; k++) {
      if (bestIndex < 0 || better(stats[k]![maximize], stats[bestIndex]![maximize])) bestIndex = k;
    }
  }
  // The best combination in full (equity, trades, orders): one more run.
  const best = runBacktest(bars, Strat, { ...btOptions, params: combos[bestIndex]!, cache });
  const rows = combos.map((params, k) => ({ params, stats: stats[k]! }));
  return {
    maximize,
    rows,
    best,
    skipped,
    workers,
    sortBy(key: NumericStatKey, descending = true): SweepRow[] {
      return rows.slice().sort((a, b) => {
        const x = a.stats[key], y = b.stats[key];
        if (x !== x) return y !== y ? 0 : 1;
        if (y !== y) return -1;
        return descending ? (y > x ? 1 : y < x ? -1 : 0) : (x > y ? 1 : x < y ? -1 : 0);
      });
    },
  };
}

/** Message from the main thread to a sweep worker. */
export interface WorkerTask {
  /** Bars as plain columns, with each symbol's `[symbol, start, end)` row range. */
  bars: SeriesColumns & { ranges: [string, number, number][] };
  /** The strategy to import. */
  ref: StrategyRef;
  /** Backtest options (structured-clonable). */
  options: Omit<BacktestOptions, "params" | "cache">;
}

async function runInWorkers(
  bars: BarsLike,
  ref: StrategyRef,
  combos: Params[],
  options: Omit<BacktestOptions, "params" | "cache">,
  n: number,
  out: (Stats | undefined)[],
  onProgress: ((done: number, total: number) => void) | undefined,
): Promise<void> {
  const task: WorkerTask = {
    bars: {
      ranges: [...bars.ranges()].map(([s, [a, b]]) => [s, a, b]),
      dates: bars.dates,
      open: bars.open,
      high: bars.high,
      low: bars.low,
      close: bars.close,
      volume: bars.volume,
    },
    ref,
    options,
  };
  const total = combos.length;
  const chunk = Math.max(1, Math.ceil(total / (n * 8)));
  let next = 0, done = 0;
  const url = new URL("./sweep_worker.ts", import.meta.url).href;
  const pool = Array.from({ length: n }, () => new Worker(url, { type: "module" }));
  try {
    await Promise.all(pool.map((w) =>
      new Promise<void>((resolve, reject) => {
        let from = 0;
        const send = () => {
          if (next >= total) {
            resolve();
            return;
          }
          from = next;
          next = Math.min(total, next + chunk);
          w.postMessage({ combos: combos.slice(from, next) });
        };
        w.onmessage = (e: MessageEvent<{ ready?: true; stats?: Stats[]; error?: string }>) => {
          if (e.data.error) {
            reject(new ConfigError(`Sweep worker failed: ${e.data.error}`));
            return;
          }
          if (e.data.stats) {
            e.data.stats.forEach((s, k) => (out[from + k] = s));
            done += e.data.stats.length;
            onProgress?.(done, total);
          }
          send();
        };
        w.onerror = (e) => {
          e.preventDefault();
          reject(new Error(`Sweep worker crashed: ${e.message}`));
        };
        w.postMessage({ init: task });
      })
    ));
  } finally {
    for (const w of pool) w.terminate();
  }
}
