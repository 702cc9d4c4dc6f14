/**
 * `Backtest`: a strategy on bars with the run's options given once, as
 * backtesting.py users know it. `bt.run(params?)` runs it and returns a
 * {@link BacktestResult}; `bt.optimize({ grid, maximize, constraint })` sweeps
 * its parameters and returns a {@link SweepResult} with the best run in full.
 *
 * Each call reads the bars afresh (nothing is kept between calls, so bars
 * edited in place are never run stale); the runs of one `optimize()` share
 * their prepared bars and indicators, so `fast=5..50` × `slow=20..200`
 * computes 46 + 19 SMAs, not 810 × 2. The object remembers only its last
 * result (`bt.lastResult`), which `bt.plot()` draws, as backtesting.py's does.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Backtest } from "./backtest.ts";
 * import { MovingAverageCrossover } from "./strategies/ma_crossover.ts";
 * import { PlainBars } from "../core/plain_bars.ts";
 * const c = Float64Array.from({ length: 400 }, (_, i) => 100 + 10 * Math.sin(i / 20) + i / 10);
 * const bars = new PlainBars({ symbol: "X", dates: Int32Array.from(c, (_, i) => 18_000 + i),
 *   open: c, high: c, low: c, close: c, volume: c });
 * const bt = new Backtest(bars, MovingAverageCrossover, { cash: 10_000, commission: 0.001 });
 * const result = bt.run({ fast: 10, slow: 30 });
 * assert.ok(result.stats["# Trades"] > 0);
 * assert.match(result.trades[0]!.entryDate, /^\d{4}-\d\d-\d\d$/);
 * const sweep = await bt.optimize({
 *   grid: { fast: [5, 10, 20], slow: [20, 40] },
 *   maximize: "Return [%]",
 *   constraint: (p) => p.fast < p.slow,
 * });
 * assert.equal(sweep.rows.length, 5);
 * assert.equal(sweep.best.stats["Return [%]"], Math.max(...sweep.rows.map((r) => r.stats["Return [%]"])));
 * ```
 *
 * @module
 */

import type { BarsLike } from "../core/plain_bars.ts";
import { didYouMean } from "../core/_did_you_mean.ts";
import { ConfigError } from "../core/errors.ts";
import { EXIT_REASONS, FILL_REASONS, type Portfolio } from "./_portfolio.ts";
import { rowStats, runEvents, type RunRecord, runStats, Session } from "./_engine.ts";
import { type Benchmark, type RunSettings, runSettings } from "./_setup.ts";
import { combinations, type Grid, range, runInWorkers, sample, strategyRef } from "./_sweep.ts";
import { isNumericStat, type NumericStatKey, STAT_KEYS, type Stats } from "./metrics.ts";
import { BacktestResult, EquityCurve, SweepResult, type SweepRow, type Trade } from "./result.ts";
import {
  mergeParams,
  type Params,
  type ParamValue,
  type Strategy,
  type StrategyClass,
  strategyName,
} from "./strategy.ts";
import { tradePnl, tradeReturn } from "./_rules.ts";

export type { Benchmark } from "./_setup.ts";
export type { Grid } from "./_sweep.ts";

/** The options of a backtest, given once to {@link Backtest}. Every one defaults. */
export interface BacktestOptions {
  /** Initial cash. @default {100000} */
  cash?: number;
  /** Commission as a fraction of traded value (0.001 = 0.1 %), on entry and on exit. @default {0} */
  commission?: number;
  /** Minimum fee per fill in cash (e.g. 10). @default {0} */
  minFee?: number;
  /** Slippage as a fraction of price, against the trader on every fill. @default {0} */
  slippage?: number;
  /** The whole bid-ask spread as a fraction of price, paid once per round trip, at entry. @default {0} */
  spread?: number;
  /** Default fraction of equity per order, in (0, 1]. @default {1} (all-in) */
  size?: number;
  /** Where market orders fill: the next bar's open, or the placing bar's close. @default {"open"} */
  fillOn?: "open" | "close";
  /** Leave trades open at the end (in the equity, not in any trade statistic). @default {false} */
  keepOpen?: boolean;
  /** Benchmark for Alpha/Beta. @default {the symbol's own closes, or a universe's equal-weight index} */
  benchmark?: Benchmark;
  /** Bars per year for annualised figures. @default {252} */
  annualization?: number;
}

/** Every option of {@link BacktestOptions}, for checking names. */
const OPTION_NAMES = {
  cash: true,
  commission: true,
  minFee: true,
  slippage: true,
  spread: true,
  size: true,
  fillOn: true,
  keepOpen: true,
  benchmark: true,
  annualization: true,
} as const satisfies Record<keyof BacktestOptions, true>;

/**
 * The backtest options among `options` (a copy), checking that no other name is there.
 *
 * @throws {ConfigError} On a name that is not an option (with a "did you mean" hint).
 */
function pickOptions(options: object, others: readonly string[] = []): BacktestOptions {
  const out: Record<string, unknown> = {};
  const names = Object.keys(OPTION_NAMES);
  for (const [k, v] of Object.entries(options)) {
    if (Object.hasOwn(OPTION_NAMES, k)) out[k] = v;
    else if (!others.includes(k)) {
      throw new ConfigError(
        `Unknown backtest option "${k}"${didYouMean(k, [...names, ...others])}; the options: ${
          names.join(", ")
        }`,
      );
    }
  }
  return out as BacktestOptions;
}

/** The names of {@link OptimizeOptions}. */
const OPTIMIZE_NAMES = {
  grid: true,
  ranges: true,
  params: true,
  maximize: true,
  constraint: true,
  method: true,
  maxTries: true,
  seed: true,
  workers: true,
  onProgress: true,
} as const satisfies Record<keyof OptimizeOptions, true>;

/** How {@link Backtest.optimize} sweeps parameters. */
export interface OptimizeOptions<P extends Params = Params> {
  /** Values to try per parameter, e.g. `{ fast: range(5, 50), slow: [20, 50, 100] }`. */
  grid?: Grid;
  /** Numeric ranges per parameter, inclusive: `{ fast: [5, 50, 1] }` (start, stop, step = 1). */
  ranges?: Record<string, readonly [number, number, number?]>;
  /** Parameters fixed for every run (merged under each combination). */
  params?: Partial<Record<keyof P & string, ParamValue>>;
  /** The stat to maximise (NaN ranks last), or a function of the stats. @default {"Sharpe Ratio"} */
  maximize?: NumericStatKey | ((stats: Stats) => number);
  /** Which combinations are admissible (besides the strategy's own `validate`). */
  constraint?: (params: P) => boolean;
  /** Try every combination, or a random sample of `maxTries` of them. @default {"grid"} */
  method?: "grid" | "random";
  /**
   * How many combinations to run at most: a count, or a fraction of the grid in
   * (0, 1]. With `"grid"` it makes a randomised grid search. @default {all; 100 for "random"}
   */
  maxTries?: number;
  /** Seed of the random choice. @default {1} */
  seed?: number;
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

/**
 * A strategy on bars with its options. See the module documentation.
 */
export class Backtest<P extends Params = Params> {
  /** The bars (one symbol or a universe). */
  readonly bars: BarsLike;
  /** The strategy class. */
  readonly strategy: StrategyClass<P>;
  /** The strategy's name. */
  readonly name: string;
  /** The options as given. */
  readonly options: Readonly<BacktestOptions>;
  readonly #settings: RunSettings;
  readonly #probe: Strategy<P>;
  #last: BacktestResult<P> | undefined;

  /**
   * @param bars One or many symbols (`Bars` from the lake, `PlainBars` from a CSV).
   * @param Strat The strategy class (e.g. `MovingAverageCrossover`).
   * @param options Cash, costs, sizing, `fillOn`, `keepOpen`, benchmark.
   * @throws {ConfigError} On an out-of-range option, or bars without rows.
   */
  constructor(bars: BarsLike, Strat: StrategyClass<P>, options: BacktestOptions = {}) {
    this.options = pickOptions(options);
    this.#settings = runSettings(this.options);
    if (bars.length === 0) throw new ConfigError("Cannot backtest: the bars are empty");
    this.bars = bars;
    this.strategy = Strat;
    this.name = strategyName(Strat as StrategyClass);
    this.#probe = new Strat();
  }

  /**
   * The result of the last {@link run}, or the best run of the last
   * {@link optimize}: what `bt.plot()` draws (the plot module adds `plot()`).
   * `undefined` before either.
   */
  get lastResult(): BacktestResult<P> | undefined {
    return this.#last;
  }

  /**
   * The strategy's parameters merged over its defaults and checked.
   *
   * @param params Overrides.
   * @returns The complete parameters.
   * @throws {ConfigError} On an unknown name (with a hint), a wrong type, or a rejected combination.
   */
  params(params: Partial<Record<string, ParamValue>> = {}): P {
    return mergeParams(this.name, this.#probe.params, params, (q) => this.#probe.validate(q));
  }

  /**
   * Runs the backtest.
   *
   * @param params Parameter overrides. @default {the strategy's defaults}
   * @returns Stats, trades, equity with dates, fills and orders.
   * @throws {ConfigError} On bad parameters or bars (unsorted dates, a benchmark without data).
   */
  run(params?: Partial<Record<keyof P & string, ParamValue>>): BacktestResult<P> {
    const merged = this.params(params);
    const session = new Session(this.bars, this.#settings);
    return this.#last = resultOf(
      session,
      runEvents(session, this.strategy, merged),
      this.name,
    ) as BacktestResult<P>;
  }

  /**
   * Sweeps the strategy's parameters: every admissible combination of the grid
   * (or a random sample of it), each run's stats, and the best run in full.
   *
   * @param options Grid or ranges, what to maximise, constraint, method, workers, progress.
   * @returns Every row, the best run, and sorting and pivoting helpers.
   * @throws {ConfigError} On unknown parameters or stats, empty value lists, or when no combination is admissible.
   */
  async optimize(options: OptimizeOptions<P>): Promise<SweepResult<P>> {
    const maximize = options.maximize ?? "Sharpe Ratio";
    if (typeof maximize !== "function") checkStat(maximize);
    const grid: Record<string, readonly ParamValue[]> = { ...options.grid };
    for (const [name, spec] of Object.entries(options.ranges ?? {})) {
      if (Object.hasOwn(grid, name)) {
        throw new ConfigError(`Cannot sweep "${name}": it is in both the grid and the ranges`);
      }
      try {
        grid[name] = range(spec[0], spec[1], spec[2] ?? 1);
      } catch (err) {
        throw new ConfigError(`Cannot sweep "${name}": ${(err as Error).message}`);
      }
    }
    if (Object.keys(grid).length === 0) {
      throw new ConfigError("Nothing to optimize: give a grid or ranges of parameter values");
    }
    const constraint = options.constraint as ((p: Params) => boolean) | undefined;
    let { combos, skipped } = combinations(
      this.name,
      this.#probe as unknown as Strategy,
      grid,
      options.params,
      constraint,
    );
    const method = options.method ?? "grid";
    if (method !== "grid" && method !== "random") {
      throw new ConfigError(
        `Unknown optimize method ${JSON.stringify(method)}: "grid" or "random"`,
      );
    }
    const tries = options.maxTries ?? (method === "random" ? 100 : undefined);
    if (tries !== undefined) combos = sample(combos, tries, options.seed ?? 1);
    if (combos.length === 0) {
      throw new ConfigError(
        `No admissible parameter combination to sweep (${skipped} rejected by ${
          constraint ? "the constraint or " : ""
        }${this.name})`,
      );
    }
    const total = combos.length;
    const session = new Session(this.bars, this.#settings);
    const ref = strategyRef(this.strategy as StrategyClass);
    const cores = (globalThis.navigator?.hardwareConcurrency ?? 1) || 1;
    let workers = options.workers === "auto" || options.workers === undefined
      ? (ref && cores > 1 && total * this.bars.length > 20_000_000 ? cores : 0)
      : Math.max(0, Math.floor(options.workers));
    if (!ref) workers = 0;
    workers = Math.min(workers, total);
    const stats: Stats[] = new Array(total);
    const onProgress = options.onProgress;
    if (workers <= 1) {
      workers = 0;
      const step = Math.max(1, Math.floor(total / 100));
      for (let k = 0; k < total; k++) {
        stats[k] = rowStats(session, this.strategy as StrategyClass, combos[k]!);
        if (onProgress && ((k + 1) % step === 0 || k + 1 === total)) onProgress(k + 1, total);
      }
    } else {
      await runInWorkers(this.bars, ref!, combos, this.options, workers, stats, onProgress);
    }
    const score = typeof maximize === "function" ? maximize : (s: Stats) => s[maximize];
    const scores = Float64Array.from(stats, (s) => score(s));
    let bestIndex = 0;
    for (let k = 1; k < total; k++) {
      const a = scores[k]!, b = scores[bestIndex]!;
      if (a === a && (b !== b || a > b)) bestIndex = k;
    }
    // The best combination in full (trades, equity, orders): one more run, sharing the indicators.
    const best = this.#last = resultOf(
      session,
      runEvents(session, this.strategy, combos[bestIndex] as P),
      this.name,
    ) as BacktestResult<P>;
    const rows: SweepRow<P>[] = combos.map((params, k) => ({
      params: params as P,
      stats: stats[k]!,
    }));
    return new SweepResult<P>({
      maximize: typeof maximize === "function" ? "custom" : maximize,
      scores,
      rows,
      best,
      skipped,
      workers,
    });
  }
}

/** @throws {ConfigError} When `key` is not a numeric stat. */
function checkStat(key: string): void {
  if (!isNumericStat(key)) {
    throw new ConfigError(
      `Cannot maximize "${key}": not a numeric stat${didYouMean(key, STAT_KEYS)}`,
    );
  }
}

/** A run's full result: its logs as objects with dates, and its stats. */
function resultOf(session: Session, run: RunRecord, name: string): BacktestResult {
  const p = session.p, pf = run.portfolio, t = pf.trades, f = pf.fills;
  const date = (bar: number) => session.dateOf(bar);
  const calendar = p.calendar;
  const trades: Trade[] = new Array(t.count);
  for (let k = 0; k < t.count; k++) {
    trades[k] = {
      symbol: p.symbols[t.symbol[k]!]!,
      size: t.size[k]!,
      entryBar: t.entryBar[k]!,
      exitBar: t.exitBar[k]!,
      entryDate: date(t.entryBar[k]!),
      exitDate: date(t.exitBar[k]!),
      entryPrice: t.entryPrice[k]!,
      exitPrice: t.exitPrice[k]!,
      pnl: t.pnl[k]!,
      return: t.ret[k]!,
      commission: t.commission[k]!,
      duration: calendar[t.exitBar[k]!]! - calendar[t.entryBar[k]!]!,
      exitReason: EXIT_REASONS[t.reason[k]!]!,
    };
  }
  const transactions = Array.from({ length: f.count }, (_, k) => ({
    bar: f.bar[k]!,
    date: date(f.bar[k]!),
    symbol: p.symbols[f.symbol[k]!]!,
    size: f.size[k]!,
    price: f.price[k]!,
    fee: f.fee[k]!,
    reason: FILL_REASONS[f.reason[k]!]!,
  }));
  return new BacktestResult({
    strategy: name,
    params: run.params,
    symbols: p.symbols,
    stats: runStats(session, run),
    trades,
    openTrades: openTrades(pf, p.symbols, calendar, date),
    transactions,
    orders: run.orders,
    // The calendar may be the caller's own dates array: the result keeps a copy.
    equity: new EquityCurve(calendar.slice(), pf.equity),
    notes: notesOf(session, run, trades),
  });
}

/** The fraction of a trade's value above which its fees are worth a note. */
const HIGH_FEES = 0.05;

/** What a reader of this run should know (see `BacktestResult.notes`). */
function notesOf(session: Session, run: RunRecord, trades: Trade[]): string[] {
  const notes: string[] = [];
  const p = session.p;
  p.symbols.forEach((symbol, s) => {
    const bars = p.close[s]!.length, warm = run.warm[s]!;
    if (warm + 1 >= bars) {
      const when = warm >= bars
        ? "never all defined on them"
        : `first all defined on the last (bar ${warm + 1})`;
      notes.push(
        `${symbol} has ${bars} bars, fewer than the strategy's warm-up: its indicators are ${when}, ` +
          `so it never traded (widen the date range)`,
      );
    }
  });
  const costly = trades.filter((t) => t.commission > HIGH_FEES * Math.abs(t.size) * t.entryPrice);
  if (costly.length) {
    const worst = costly.reduce((a, b) => (b.return < a.return ? b : a));
    notes.push(
      `${costly.length} of ${trades.length} trades paid fees above ${
        HIGH_FEES * 100
      } % of their value (e.g. ${worst.size} ${worst.symbol} on ${worst.entryDate}: $${
        worst.commission.toFixed(2)
      } of fees on $${(Math.abs(worst.size) * worst.entryPrice).toFixed(2)}); ` +
        `a minimum fee weighs heavily on small trades (size, cash, --min-fee)`,
    );
  }
  return notes;
}

/** The lots still open at the end, as trades marked at the last price (`keepOpen` runs). */
function openTrades(
  pf: Portfolio,
  symbols: string[],
  calendar: Int32Array,
  date: (bar: number) => string,
): Trade[] {
  const last = calendar.length - 1;
  const out: Trade[] = [];
  pf.lots.forEach((lots, s) => {
    const price = pf.lastPrice[s]!;
    for (const lot of lots) {
      out.push({
        symbol: symbols[s]!,
        size: lot.size,
        entryBar: lot.entryBar,
        exitBar: last,
        entryDate: date(lot.entryBar),
        exitDate: date(last),
        entryPrice: lot.entryPrice,
        exitPrice: price,
        pnl: tradePnl(lot.size, lot.entryPrice, price, lot.entryFee),
        return: tradeReturn(lot.size, lot.entryPrice, price, lot.entryFee),
        commission: lot.entryFee,
        duration: calendar[last]! - calendar[lot.entryBar]!,
        exitReason: "open",
      });
    }
  });
  return out;
}

/** Options of {@link runBacktest}: the backtest's, plus the parameters. */
export interface RunOptions extends BacktestOptions {
  /** Parameter overrides, checked against the strategy's `params`. */
  params?: Record<string, ParamValue>;
}

/**
 * Runs a backtest in one call: `new Backtest(bars, Strat, options).run(options.params)`.
 *
 * @param bars One or many symbols.
 * @param Strat The strategy class.
 * @param options The backtest's options and the parameters.
 * @returns The result.
 * @throws {ConfigError} On bad options, parameters or bars.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runBacktest } from "./backtest.ts";
 * import { BuyAndHold } from "./strategies/buy_hold.ts";
 * import { PlainBars } from "../core/plain_bars.ts";
 * const c = new Float64Array([10, 11, 12, 13]);
 * const bars = new PlainBars({ symbol: "X", dates: new Int32Array([0, 1, 2, 3]),
 *   open: c, high: c, low: c, close: c, volume: c });
 * const r = runBacktest(bars, BuyAndHold, { cash: 1_000 });
 * assert.equal(r.trades.length, 1);
 * assert.equal(r.stats["# Trades"], 1);
 * ```
 */
export function runBacktest<P extends Params>(
  bars: BarsLike,
  Strat: StrategyClass<P>,
  options: RunOptions = {},
): BacktestResult<P> {
  const { params, ...rest } = options;
  return new Backtest(bars, Strat, rest).run(params as never);
}

/** Options of {@link sweep}: the backtest's, plus how to optimize (without the grid). */
export type SweepOptions = BacktestOptions & Omit<OptimizeOptions, "grid" | "ranges">;

/**
 * Sweeps parameters in one call: `new Backtest(bars, Strat, options).optimize({ ...options, grid })`.
 *
 * @param bars One or many symbols.
 * @param Strat The strategy class.
 * @param grid Values per parameter (use `range`).
 * @param options The backtest's options and how to optimize.
 * @returns Every admissible row, the best run in full, and a sorter.
 * @throws {ConfigError} On unknown parameters or stat keys, or when no combination is admissible.
 */
export function sweep<P extends Params>(
  bars: BarsLike,
  Strat: StrategyClass<P>,
  grid: Grid,
  options: SweepOptions = {},
): Promise<SweepResult<P>> {
  const how = Object.keys(OPTIMIZE_NAMES);
  const bt = new Backtest(bars, Strat, pickOptions(options, how));
  const optimize: Record<string, unknown> = { grid };
  for (const k of how) if (k in options) optimize[k] = (options as Record<string, unknown>)[k];
  return bt.optimize(optimize as OptimizeOptions<P>);
}
