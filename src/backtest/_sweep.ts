/**
 * The machinery of `Backtest.optimize()`: the admissible combinations of a
 * grid, random sampling, and the Web Workers of a parallel sweep. Internal.
 *
 * @module
 */

import type { BarsLike, SeriesColumns } from "../core/plain_bars.ts";
import { didYouMean } from "../core/_did_you_mean.ts";
import { ConfigError } from "../core/errors.ts";
import type { BacktestOptions } from "./backtest.ts";
import type { Stats } from "./metrics.ts";
import {
  mergeParams,
  type Params,
  type ParamValue,
  type Strategy,
  type StrategyClass,
} from "./strategy.ts";

/** Values to try per parameter. */
export type Grid = Record<string, readonly ParamValue[]>;

/** How a sweep finds a strategy class inside a worker. */
export type StrategyRef =
  | { kind: "builtin"; id: string }
  | { kind: "composite"; spec: unknown }
  | { kind: "module"; url: string; exportName: string };

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
 * import assert from "node:assert/strict";
 * import { range } from "./_sweep.ts";
 * assert.equal(range(20, 200, 10).length, 19);
 * assert.deepEqual(range(0.1, 0.3, 0.1), [0.1, 0.2, 0.3]);
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
 * The admissible combinations of a grid, in grid order: those the strategy's
 * `validate` and the constraint (when given) accept.
 *
 * @param name The strategy's name, for messages.
 * @param probe An instance of the strategy (its defaults and `validate`).
 * @param grid Values per parameter.
 * @param fixed Parameters fixed for every combination.
 * @param constraint Which combinations are admissible.
 * @returns The merged parameter sets and how many were skipped.
 * @throws {ConfigError} On an unknown parameter name or an empty value list.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { combinations, range } from "./_sweep.ts";
 * import { MovingAverageCrossover } from "./strategies/ma_crossover.ts";
 * const probe = new MovingAverageCrossover();
 * const grid = { fast: range(5, 50), slow: range(20, 200, 10) };
 * const { combos, skipped } = combinations("MA", probe as never, grid);
 * assert.deepEqual([combos.length, skipped], [810, 64]);
 * ```
 */
export function combinations(
  name: string,
  probe: Strategy,
  grid: Grid,
  fixed: Partial<Record<string, ParamValue>> = {},
  constraint?: (p: Params) => boolean,
): { combos: Params[]; skipped: number } {
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
    const values = grid[k];
    if (!Array.isArray(values) || !values.length) {
      throw new ConfigError(`Cannot sweep "${k}": no values given`);
    }
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
    if (probe.validate(p) === undefined && (!constraint || constraint(p))) combos.push(p);
    else skipped++;
    for (let j = keys.length - 1; j >= 0; j--) {
      if (++idx[j]! < grid[keys[j]!]!.length) break;
      idx[j] = 0;
    }
  }
  return { combos, skipped };
}

/**
 * A random sample of the combinations, kept in grid order.
 *
 * @param combos The admissible combinations.
 * @param tries How many: a count ≥ 1, or a fraction in (0, 1] of them.
 * @param seed Seed of the choice.
 * @returns At most `tries` combinations (all of them when there are fewer).
 * @throws {ConfigError} When `tries` is neither.
 */
export function sample(combos: Params[], tries: number, seed: number): Params[] {
  const want = tries > 0 && tries <= 1 && !Number.isInteger(tries)
    ? Math.max(1, Math.round(tries * combos.length))
    : tries;
  if (!(Number.isInteger(want) && want > 0)) {
    throw new ConfigError(
      `maxTries must be a whole number ≥ 1 or a fraction in (0, 1], got ${tries}`,
    );
  }
  if (want >= combos.length) return combos;
  const rnd = mulberry32(seed);
  const order = combos.map((_, k) => k);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order.slice(0, want).sort((a, b) => a - b).map((k) => combos[k]!);
}

/**
 * The reference a worker can import a strategy class by, if there is one.
 *
 * @param Strat The strategy class.
 * @returns A shipped strategy's id, a composite's spec, or a module URL.
 */
export function strategyRef(Strat: StrategyClass): StrategyRef | undefined {
  const c = Strat as unknown as { id?: string; composite?: unknown; moduleUrl?: string };
  if (c.composite !== undefined) return { kind: "composite", spec: c.composite };
  if (typeof c.moduleUrl === "string") {
    return { kind: "module", url: c.moduleUrl, exportName: Strat.name };
  }
  if (typeof c.id === "string") return { kind: "builtin", id: c.id };
  return undefined;
}

/** Message from the main thread to a sweep worker. */
export interface WorkerTask {
  /** Bars as plain columns, with each symbol's `[symbol, start, end)` row range. */
  bars: SeriesColumns & { ranges: [string, number, number][] };
  /** The strategy to import. */
  ref: StrategyRef;
  /** Backtest options (structured-clonable). */
  options: BacktestOptions;
}

/**
 * Runs the combinations across Web Workers, each computing the stats of a chunk
 * at a time the way an in-process sweep does.
 *
 * @param bars The bars.
 * @param ref How the workers import the strategy.
 * @param combos The combinations.
 * @param options The backtest options.
 * @param n Workers.
 * @param out Where each combination's stats go (same index).
 * @param onProgress Called as chunks complete.
 * @throws {ConfigError} When a worker reports an error.
 */
export async function runInWorkers(
  bars: BarsLike,
  ref: StrategyRef,
  combos: Params[],
  options: BacktestOptions,
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
  const url = new URL("./_sweep_worker.ts", import.meta.url).href;
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
