/**
 * The backtest engine: runs a {@link Strategy} over one symbol or a universe on
 * the shared trading calendar, with one cash account, and returns the stats,
 * the equity curve, the trades and every transaction.
 *
 * Each trading day, for every symbol that has a bar that day: pending orders and
 * stops are processed at the open (all symbols first, so sizing never sees a
 * close of the same day), then the strategy's `onBar` runs at the close (and
 * `fillOn: "close"` market orders fill there); then equity = cash + positions
 * marked at their last close is recorded. A symbol without a bar that day
 * (suspension, not yet listed) does not trade and stays marked at its last close.
 *
 * The hot loop works on typed arrays; indicators are computed once per distinct
 * (function, arguments) and cached, so the runs of a sweep share them.
 *
 * @module
 */

import type { BarsLike } from "../core/csv_bars.ts";
import { ConfigError } from "../core/errors.ts";
import {
  Broker,
  type CostModel,
  type Fill,
  NO_OPTIONS,
  type Order,
  type OrderOptions,
} from "./broker.ts";
import { computeStats, type Stats } from "./metrics.ts";
import { Portfolio, type Trade, type Transaction } from "./portfolio.ts";
import {
  type BarContext,
  type IndicatorOutput,
  type InitContext,
  mergeParams,
  type Params,
  type ParamValue,
  Strategy,
  type StrategyClass,
  strategyName,
} from "./strategy.ts";

/** A benchmark series for Alpha and Beta: closes on dates (epoch days, ascending). */
export interface Benchmark {
  /** Its name, e.g. `"^AXJO"`. */
  symbol: string;
  /** Dates (epoch days), ascending. */
  dates: Int32Array;
  /** Closes. */
  close: Float64Array;
}

/** Options of {@link backtest}. */
export interface BacktestOptions extends CostModel {
  /** Initial cash. @default {100000} */
  cash?: number;
  /** Default fraction of equity per order, in (0, 1]. @default {1} (all-in) */
  size?: number;
  /** Where market orders fill: the next bar's open, or the placing bar's close. @default {"open"} */
  fillOn?: "open" | "close";
  /** Leave trades open at the end (they count in equity, not in trade statistics). @default {false} */
  keepOpen?: boolean;
  /** Parameter overrides, checked against the strategy's `params`. */
  params?: Record<string, ParamValue>;
  /** Benchmark for Alpha/Beta; default: the traded symbol's (or universe's equal-weight) buy & hold. */
  benchmark?: Benchmark;
  /** Bars per year for annualised figures. @default {252} */
  annualization?: number;
  /** Indicator cache shared between runs (a sweep passes one). @default {a cache per bars object} */
  cache?: IndicatorCache;
  /**
   * A buffer as long as the calendar to record the equity in; `result.equity` is
   * then this buffer (sweeps reuse one and copy the best run's). @default {a new buffer}
   */
  equityBuffer?: Float64Array;
}

/** What a run returns. */
export interface BacktestResult {
  /** The strategy's name. */
  strategy: string;
  /** The parameters used. */
  params: Params;
  /** The flat stats record (keys as in backtesting.py). */
  stats: Stats;
  /** Equity per calendar bar. */
  equity: Float64Array;
  /** The calendar (epoch days). */
  dates: Int32Array;
  /** Trades in the statistics (closed ones; open ones closed at the last close unless `keepOpen`). */
  trades: Trade[];
  /** Trades still open at the end (only with `keepOpen`). */
  openTrades: Trade[];
  /** Every fill. */
  transactions: Transaction[];
  /** Every order placed, with its final status. */
  orders: Order[];
}

/**
 * Cache of indicator outputs keyed by function and arguments (arrays by identity).
 *
 * @example
 * ```ts
 * import { IndicatorCache } from "./engine.ts";
 * const cache = new IndicatorCache();
 * const xs = new Float64Array([1, 2, 3]);
 * let calls = 0;
 * const double = (v: Float64Array) => (calls++, v.map((x) => 2 * x));
 * cache.get(double, [xs]); cache.get(double, [xs]);
 * console.assert(calls === 1);
 * ```
 */
export class IndicatorCache {
  #ids = new WeakMap<object, number>();
  #next = 1;
  #map = new Map<string, { value: IndicatorOutput; warm: number }>();

  /** Number of cached outputs. */
  get size(): number {
    return this.#map.size;
  }

  #id(o: object): number {
    let id = this.#ids.get(o);
    if (id === undefined) this.#ids.set(o, id = this.#next++);
    return id;
  }

  /**
   * The output of `fn(...args)`, computed once.
   *
   * @param fn The indicator function.
   * @param args Its arguments (arrays and objects are keyed by identity, the rest by value).
   * @returns The output and its warm-up (index of the first bar where every series is defined).
   * @throws {TypeError} When the function returns something other than a Float64Array or a record of them.
   */
  get(
    fn: (...args: never[]) => IndicatorOutput,
    args: unknown[],
  ): { value: IndicatorOutput; warm: number } {
    let key = `${this.#id(fn)}`;
    for (const a of args) {
      key += typeof a === "object" && a !== null
        ? `|#${this.#id(a)}`
        : typeof a === "function"
        ? `|f${this.#id(a)}`
        : `|${typeof a}:${String(a)}`;
    }
    let hit = this.#map.get(key);
    if (!hit) {
      const value = (fn as (...a: unknown[]) => IndicatorOutput)(...args);
      hit = { value, warm: warmupOf(value, fn.name) };
      this.#map.set(key, hit);
    }
    return hit;
  }
}

function warmupOf(value: IndicatorOutput, name: string): number {
  const series = value instanceof Float64Array ? [value] : Object.values(value);
  let warm = 0;
  for (const s of series) {
    if (!(s instanceof Float64Array)) {
      throw new TypeError(
        `Indicator "${name || "anonymous"}" must return a Float64Array or a record of them`,
      );
    }
    let k = 0;
    while (k < s.length && s[k] !== s[k]) k++;
    if (k > warm) warm = k;
  }
  return warm;
}

/** Bars split per symbol on a shared calendar, prepared once per bars object. */
interface Prepared {
  symbols: string[];
  open: Float64Array[];
  high: Float64Array[];
  low: Float64Array[];
  close: Float64Array[];
  volume: Float64Array[];
  dates: Int32Array[];
  calendar: Int32Array;
  /** Calendar index of each symbol's bars. */
  barOf: Int32Array[];
  cache: IndicatorCache;
}

const PREPARED = new WeakMap<object, Prepared>();
/**
 * Reveal buffers by source series, reused by the next run over the same series
 * (runs are synchronous, so two never interleave); reset to NaN at each run.
 */
const REVEAL_POOL = new WeakMap<Float64Array, Float64Array>();

function prepare(bars: BarsLike): Prepared {
  const hit = PREPARED.get(bars);
  if (hit) return hit;
  const ranges = bars.ranges();
  if (ranges.size === 0) throw new ConfigError("Cannot backtest: the bars are empty");
  const all = {
    open: bars.open,
    high: bars.high,
    low: bars.low,
    close: bars.close,
    volume: bars.volume,
  };
  const dates = bars.dates;
  const p: Prepared = {
    symbols: [],
    open: [],
    high: [],
    low: [],
    close: [],
    volume: [],
    dates: [],
    calendar: new Int32Array(),
    barOf: [],
    cache: new IndicatorCache(),
  };
  for (const [symbol, [s, e]] of ranges) {
    if (e <= s) continue;
    p.symbols.push(symbol);
    p.open.push(all.open.subarray(s, e));
    p.high.push(all.high.subarray(s, e));
    p.low.push(all.low.subarray(s, e));
    p.close.push(all.close.subarray(s, e));
    p.volume.push(all.volume.subarray(s, e));
    const d = dates.subarray(s, e);
    for (let i = 1; i < d.length; i++) {
      if (d[i]! <= d[i - 1]!) {
        throw new ConfigError(
          `Cannot backtest "${symbol}": its dates are not strictly ascending at row ${s + i}`,
        );
      }
    }
    p.dates.push(d);
  }
  if (p.symbols.length === 1) {
    p.calendar = p.dates[0]!;
    const at = new Int32Array(p.calendar.length);
    for (let i = 0; i < at.length; i++) at[i] = i;
    p.barOf = [at];
  } else {
    const days = new Set<number>();
    for (const d of p.dates) for (const x of d) days.add(x);
    p.calendar = Int32Array.from(days).sort();
    const index = new Map<number, number>();
    p.calendar.forEach((d, i) => index.set(d, i));
    p.barOf = p.dates.map((d) => Int32Array.from(d, (x) => index.get(x)!));
  }
  PREPARED.set(bars, p);
  return p;
}

/** Per-symbol state of a run: the context objects the strategy sees. */
class SymbolContext implements InitContext, BarContext {
  readonly symbol: string;
  readonly s: number;
  i = 0;
  bar = 0;
  // whole series (init) and revealed copies (onBar)
  readonly full: {
    open: Float64Array;
    high: Float64Array;
    low: Float64Array;
    close: Float64Array;
    volume: Float64Array;
  };
  readonly dates: Int32Array;
  revealSrc: Float64Array[] = [];
  revealDst: Float64Array[] = [];
  warm = 0;
  inInit = true;
  #revealed = new Map<Float64Array, Float64Array>();
  readonly broker: Broker;
  readonly cache: IndicatorCache;

  constructor(p: Prepared, s: number, broker: Broker, cache: IndicatorCache) {
    this.s = s;
    this.symbol = p.symbols[s]!;
    this.full = {
      open: p.open[s]!,
      high: p.high[s]!,
      low: p.low[s]!,
      close: p.close[s]!,
      volume: p.volume[s]!,
    };
    this.dates = p.dates[s]!;
    this.broker = broker;
    this.cache = cache;
  }

  #reveal(src: Float64Array): Float64Array {
    let dst = this.#revealed.get(src);
    if (!dst) {
      dst = REVEAL_POOL.get(src);
      if (!dst) REVEAL_POOL.set(src, dst = new Float64Array(src.length));
      dst.fill(NaN);
      // Reveal what is already known (bars up to the current one).
      if (!this.inInit) dst.set(src.subarray(0, this.i + 1));
      this.#revealed.set(src, dst);
      this.revealSrc.push(src);
      this.revealDst.push(dst);
    }
    return dst;
  }

  get open(): Float64Array {
    return this.inInit ? this.full.open : this.#reveal(this.full.open);
  }
  get high(): Float64Array {
    return this.inInit ? this.full.high : this.#reveal(this.full.high);
  }
  get low(): Float64Array {
    return this.inInit ? this.full.low : this.#reveal(this.full.low);
  }
  get close(): Float64Array {
    return this.inInit ? this.full.close : this.#reveal(this.full.close);
  }
  get volume(): Float64Array {
    return this.inInit ? this.full.volume : this.#reveal(this.full.volume);
  }

  indicator<A extends unknown[], R extends IndicatorOutput>(fn: (...args: A) => R, ...args: A): R {
    if (!this.inInit) throw new TypeError("ctx.indicator() may only be called in init()");
    const { value, warm } = this.cache.get(fn as never, args);
    if (warm > this.warm) this.warm = warm;
    if (value instanceof Float64Array) return this.#reveal(value) as R;
    const out: Record<string, Float64Array> = {};
    for (const [k, v] of Object.entries(value)) out[k] = this.#reveal(v);
    return out as R;
  }

  get date(): number {
    return this.dates[this.i]!;
  }
  get price(): number {
    return this.full.close[this.i]!;
  }
  get position(): number {
    return this.broker.portfolio.positions[this.s]!;
  }
  get cash(): number {
    return this.broker.portfolio.cash;
  }
  get equity(): number {
    return this.broker.portfolio.value();
  }
  get orders(): readonly Order[] {
    return this.broker.pending[this.s]!;
  }
  buy(options: OrderOptions = NO_OPTIONS): Order {
    return this.broker.place(this.s, 1, "market", options, this.i);
  }
  sell(options: OrderOptions = NO_OPTIONS): Order {
    return this.broker.place(this.s, -1, "market", options, this.i);
  }
  closePosition(): Order {
    const pos = this.broker.portfolio.positions[this.s]!;
    return this.broker.place(this.s, pos < 0 ? 1 : -1, "close", NO_OPTIONS, this.i);
  }
  cancel(order: Order): boolean {
    return this.broker.cancel(order);
  }
}

function checkNumber(
  name: string,
  v: number | undefined,
  lo: number,
  hi: number,
  loOpen = false,
): void {
  if (v === undefined) return;
  if (!(typeof v === "number" && (loOpen ? v > lo : v >= lo) && v <= hi)) {
    throw new ConfigError(
      `Option "${name}" must be a number ${loOpen ? ">" : "≥"} ${lo}${
        hi < Infinity ? ` and ≤ ${hi}` : ""
      }, got ${JSON.stringify(v)}`,
    );
  }
}

/**
 * Runs a backtest synchronously (what {@link backtest} and the sweep workers call).
 *
 * @param bars One or many symbols (`Bars` or `PlainBars`).
 * @param Strat The strategy class.
 * @param options Cash, costs, sizing, parameters, benchmark.
 * @returns The result.
 * @throws {ConfigError} On bad options or parameters, or empty bars.
 *
 * @example
 * ```ts
 * import { runBacktest } from "./engine.ts";
 * import { BuyAndHold } from "./strategies/buy_hold.ts";
 * import { PlainBars } from "../core/csv_bars.ts";
 * const c = new Float64Array([10, 11, 12, 13]);
 * const bars = new PlainBars({ symbol: "X", dates: new Int32Array([0, 1, 2, 3]),
 *   open: c, high: c, low: c, close: c, volume: c });
 * const r = runBacktest(bars, BuyAndHold, { cash: 1_000 });
 * console.assert(r.trades.length === 1 && r.stats["# Trades"] === 1);
 * ```
 */
export function runBacktest<P extends Params>(
  bars: BarsLike,
  Strat: StrategyClass<P>,
  options: BacktestOptions = {},
): BacktestResult {
  checkNumber("cash", options.cash, 0, Infinity, true);
  checkNumber("commission", options.commission, 0, 1);
  checkNumber("minFee", options.minFee, 0, Infinity);
  checkNumber("slippage", options.slippage, 0, 1);
  checkNumber("spread", options.spread, 0, 1);
  checkNumber("size", options.size, 0, 1, true);
  checkNumber("annualization", options.annualization, 0, Infinity, true);
  if (options.fillOn !== undefined && options.fillOn !== "open" && options.fillOn !== "close") {
    throw new ConfigError(
      `Option "fillOn" must be "open" or "close", got ${JSON.stringify(options.fillOn)}`,
    );
  }
  const p = prepare(bars);
  const cache = options.cache ?? p.cache;
  const name = strategyName(Strat as StrategyClass);
  const S = p.symbols.length;
  const calendar = p.calendar;
  const T = calendar.length;
  const portfolio = new Portfolio(
    p.symbols,
    calendar,
    options.cash ?? 100_000,
    options.equityBuffer,
  );
  const fillOnClose = options.fillOn === "close";
  const broker = new Broker(portfolio, {
    commission: options.commission ?? 0,
    minFee: options.minFee ?? 0,
    adverse: (options.spread ?? 0) + (options.slippage ?? 0),
    size: options.size ?? 1,
    fillOnClose,
  });
  const strategies: Strategy<P>[] = [];
  const ctxs: SymbolContext[] = [];
  let params: P | undefined;
  for (let s = 0; s < S; s++) {
    const strat = new Strat();
    params ??= mergeParams(name, strat.params, options.params, (q) => strat.validate(q));
    strat.params = { ...params };
    const ctx = new SymbolContext(p, s, broker, cache);
    strat.init(ctx);
    ctx.inInit = false;
    strategies.push(strat);
    ctxs.push(ctx);
  }
  // Report fills to the strategy that owns the symbol, when it listens.
  if (strategies.some((st) => st.onOrderFilled !== Strategy.prototype.onOrderFilled)) {
    broker.onFill = (s: number, fill: Fill) => strategies[s]!.onOrderFilled(fill, ctxs[s]!);
  }

  const start = Int32Array.from(ctxs, (c) => c.warm + 1);
  const ptr = new Int32Array(S);
  const active = new Int32Array(S);
  const pendingCount = broker.pendingCount;
  const stopLots = portfolio.stopLots;
  const lastPrice = portfolio.lastPrice;
  const equity = portfolio.equity;

  if (S === 1) {
    // One symbol: the calendar is its own dates.
    runSingle(p, ctxs[0]!, strategies[0]!, broker, start[0]!, fillOnClose);
  } else {
    for (let t = 0; t < T; t++) {
      const day = calendar[t]!;
      let n = 0;
      for (let s = 0; s < S; s++) {
        const j = ptr[s]!;
        const d = p.dates[s]!;
        if (j < d.length && d[j] === day) {
          active[n++] = s;
          ptr[s] = j + 1;
          if (pendingCount[s]! > 0 || stopLots[s]! > 0) {
            broker.atOpen(s, j, t, p.open[s]![j]!, p.high[s]![j]!, p.low[s]![j]!);
          }
        }
      }
      for (let a = 0; a < n; a++) {
        const s = active[a]!;
        const j = ptr[s]! - 1;
        const ctx = ctxs[s]!;
        const src = ctx.revealSrc, dst = ctx.revealDst;
        for (let k = 0; k < src.length; k++) dst[k]![j] = src[k]![j]!;
        const c = p.close[s]![j]!;
        lastPrice[s] = c;
        if (j >= start[s]!) {
          ctx.i = j;
          ctx.bar = t;
          strategies[s]!.onBar(ctx);
          if (fillOnClose && pendingCount[s]! > 0) broker.atClose(s, j, t, c);
        }
      }
      equity[t] = portfolio.value();
    }
  }

  // End of data: close what is open at each symbol's last close (unless keepOpen).
  let openTrades: Trade[] = [];
  if (options.keepOpen) openTrades = portfolio.openTrades(T - 1);
  else if (portfolio.held > 0) {
    for (let s = 0; s < S; s++) {
      if (portfolio.positions[s] === 0) continue;
      const j = p.dates[s]!.length - 1;
      lastPrice[s] = p.close[s]![j]!;
      broker.closeAtEnd(s, j, p.barOf[s]![j]!, p.close[s]![j]!);
    }
    equity[T - 1] = portfolio.value();
  }

  // Buy & hold per symbol from the close of its first warm bar; the market series for Beta.
  let bh = 0;
  let startBar = T - 1;
  for (let s = 0; s < S; s++) {
    const c = p.close[s]!;
    const w = Math.min(ctxs[s]!.warm, c.length - 1);
    bh += c[c.length - 1]! / c[w]! - 1;
    startBar = Math.min(startBar, p.barOf[s]![w]!);
  }
  bh /= S;
  const market = options.benchmark
    ? alignBenchmark(options.benchmark, calendar)
    : S === 1
    ? p.close[0]!
    : equalWeightIndex(p, T);
  const marketReturn = options.benchmark ? market[T - 1]! / market[startBar]! - 1 : bh;

  const stats = computeStats({
    dates: calendar,
    equity,
    trades: portfolio.trades,
    openTrades,
    commissions: portfolio.commissions,
    buyHoldReturn: bh,
    market,
    marketReturn,
    annualization: options.annualization ?? 252,
  });
  return {
    strategy: name,
    params: params as Params,
    stats,
    equity,
    dates: calendar,
    trades: portfolio.trades,
    openTrades,
    transactions: portfolio.transactions,
    orders: broker.placed,
  };
}

const EMPTY = new Float64Array(0);

/** The bar loop of a one-symbol run (its own function so that V8 optimises it on its own). */
function runSingle(
  p: Prepared,
  ctx: SymbolContext,
  strat: Strategy<Params>,
  broker: Broker,
  st: number,
  fillOnClose: boolean,
): void {
  const portfolio = broker.portfolio;
  const pendingCount = broker.pendingCount;
  const stopLots = portfolio.stopLots;
  const lastPrice = portfolio.lastPrice;
  const positions = portfolio.positions;
  const equity = portfolio.equity;
  const o = p.open[0]!, h = p.high[0]!, l = p.low[0]!, c = p.close[0]!;
  const src = ctx.revealSrc, dst = ctx.revealDst;
  const T = c.length;
  // The first two revealed series in locals (most strategies reveal one to three series;
  // onBar may reveal more, lazily, so the count is re-read on every bar).
  const none = EMPTY;
  let s0 = src[0] ?? none, d0 = dst[0] ?? none, s1 = src[1] ?? none, d1 = dst[1] ?? none;
  let n = src.length;
  for (let t = 0; t < T; t++) {
    if (pendingCount[0]! > 0 || stopLots[0]! > 0) broker.atOpen(0, t, t, o[t]!, h[t]!, l[t]!);
    if (src.length !== n) {
      n = src.length;
      s0 = src[0] ?? none, d0 = dst[0] ?? none, s1 = src[1] ?? none, d1 = dst[1] ?? none;
    }
    if (n > 0) {
      d0[t] = s0[t]!;
      if (n > 1) {
        d1[t] = s1[t]!;
        for (let k = 2; k < n; k++) dst[k]![t] = src[k]![t]!;
      }
    }
    lastPrice[0] = c[t]!;
    if (t >= st) {
      ctx.i = t;
      ctx.bar = t;
      strat.onBar(ctx);
      if (fillOnClose && pendingCount[0]! > 0) broker.atClose(0, t, t, c[t]!);
    }
    equity[t] = portfolio.held === 0 ? portfolio.cash : portfolio.cash + positions[0]! * c[t]!;
  }
}

/** Benchmark closes on the calendar, carried forward over its missing days. */
function alignBenchmark(b: Benchmark, calendar: Int32Array): Float64Array {
  const out = new Float64Array(calendar.length);
  let k = 0;
  let last = NaN;
  for (let t = 0; t < calendar.length; t++) {
    while (k < b.dates.length && b.dates[k]! <= calendar[t]!) last = b.close[k++]!;
    out[t] = last;
  }
  // Before the benchmark starts: use its first value (flat).
  const first = out.findIndex((v) => v === v);
  if (first < 0) {
    throw new ConfigError(`Benchmark "${b.symbol}" has no data within the backtest's dates`);
  }
  out.fill(out[first]!, 0, first);
  return out;
}

/** An equal-weight index of the symbols' daily close returns (those trading that day). */
function equalWeightIndex(p: Prepared, T: number): Float64Array {
  const sum = new Float64Array(T), count = new Float64Array(T);
  for (let s = 0; s < p.symbols.length; s++) {
    const c = p.close[s]!, at = p.barOf[s]!;
    for (let j = 1; j < c.length; j++) {
      sum[at[j]!]! += c[j]! / c[j - 1]! - 1;
      count[at[j]!]!++;
    }
  }
  const out = new Float64Array(T);
  out[0] = 1;
  for (let t = 1; t < T; t++) {
    out[t] = out[t - 1]! * (1 + (count[t]! > 0 ? sum[t]! / count[t]! : 0));
  }
  return out;
}

/**
 * Runs a backtest: the strategy over the bars, with costs and sizing, returning
 * stats, equity, trades and transactions.
 *
 * @param bars One or many symbols (`Bars` from the lake, or `PlainBars` from a CSV).
 * @param Strat The strategy class (e.g. `MovingAverageCrossover`).
 * @param options Cash (default 100 000), costs, sizing, `fillOn`, `keepOpen`, `params`, `benchmark`.
 * @returns The result.
 * @throws {ConfigError} On bad options or parameters (misspelt names get a "did you mean" hint).
 *
 * @example
 * ```ts
 * import { backtest } from "./engine.ts";
 * import { MovingAverageCrossover } from "./strategies/ma_crossover.ts";
 * import { PlainBars } from "../core/csv_bars.ts";
 * const c = Float64Array.from({ length: 300 }, (_, i) => 100 + 10 * Math.sin(i / 15));
 * const bars = new PlainBars({ symbol: "X", dates: Int32Array.from(c, (_, i) => i),
 *   open: c, high: c, low: c, close: c, volume: c });
 * const r = await backtest(bars, MovingAverageCrossover, { params: { fast: 10, slow: 30 } });
 * console.assert(r.stats["# Trades"] > 0);
 * ```
 */
export function backtest<P extends Params>(
  bars: BarsLike,
  Strat: StrategyClass<P>,
  options: BacktestOptions = {},
): Promise<BacktestResult> {
  try {
    return Promise.resolve(runBacktest(bars, Strat, options));
  } catch (err) {
    return Promise.reject(err);
  }
}
