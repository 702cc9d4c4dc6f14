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
import {
  Broker,
  type CostModel,
  type Fill,
  NO_OPTIONS,
  type Order,
  type OrderOptions,
} from "./broker.ts";
import { computeStats, type Stats } from "./metrics.ts";
import {
  type Benchmark,
  type IndicatorCache,
  marketOf,
  prepare,
  type Prepared,
  runSettings,
} from "./_setup.ts";
import { Portfolio, type Trade, type Transaction } from "./portfolio.ts";
import { applySignal, decidesBySignal, type OrderEntry, SignalStrategy } from "./signals.ts";
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

export { type Benchmark, IndicatorCache } from "./_setup.ts";

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
 * Reveal buffers by source series, reused by the next run over the same series
 * (runs are synchronous, so two never interleave); reset to NaN at each run.
 */
const REVEAL_POOL = new WeakMap<Float64Array, Float64Array>();
/** Signal buffers by symbol close series, reused the same way (zeroed at each run). */
const SIGNAL_POOL = new WeakMap<Float64Array, Float64Array>();

/** The pool's buffer for a series (as long as it), created on first use. */
function pooled(pool: WeakMap<Float64Array, Float64Array>, src: Float64Array): Float64Array {
  let buf = pool.get(src);
  if (!buf) pool.set(src, buf = new Float64Array(src.length));
  return buf;
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
  /** Whether `indicator()` returns revealed copies (false for signal strategies: whole series). */
  reveal = true;
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
      dst = pooled(REVEAL_POOL, src);
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
    if (!this.reveal) return value as R;
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
  const settings = runSettings(options);
  const p = prepare(bars);
  const cache = options.cache ?? p.cache;
  const name = strategyName(Strat as StrategyClass);
  const S = p.symbols.length;
  const calendar = p.calendar;
  const T = calendar.length;
  const portfolio = new Portfolio(p.symbols, calendar, settings.cash, options.equityBuffer);
  const fillOnClose = settings.fillOnClose;
  const broker = new Broker(portfolio, settings);
  const strategies: Strategy<P>[] = [];
  const ctxs: SymbolContext[] = [];
  let params: P | undefined;
  for (let s = 0; s < S; s++) {
    const strat = new Strat();
    params ??= mergeParams(name, strat.params, options.params, (q) => strat.validate(q));
    strat.params = { ...params };
    const ctx = new SymbolContext(p, s, broker, cache);
    // A signal strategy's indicators are whole series (its signal is written vectorised).
    if (strat instanceof SignalStrategy) ctx.reveal = false;
    if (decidesBySignal(strat)) strat.computeSignals(ctx, pooled(SIGNAL_POOL, ctx.full.close));
    else strat.init(ctx);
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

  const first = strategies[0]!;
  if (S === 1 && decidesBySignal(first)) {
    // One symbol, decisions as a signal series: no onBar call per bar.
    runSignals(p, first, broker, start[0]!, fillOnClose);
  } else if (S === 1) {
    // One symbol: the calendar is its own dates.
    runSingle(p, ctxs[0]!, first, broker, start[0]!, fillOnClose);
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

  const { bh, market, marketReturn } = marketOf(p, (s) => ctxs[s]!.warm, options.benchmark);

  const stats = computeStats({
    dates: calendar,
    equity,
    trades: portfolio.trades,
    openTrades,
    commissions: portfolio.commissions,
    buyHoldReturn: bh,
    market,
    marketReturn,
    annualization: settings.annualization,
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

/** Order entry for the signal loop: market orders on symbol 0 at bar `at`. */
class SignalEntry implements OrderEntry {
  at = 0;
  readonly #broker: Broker;
  readonly #positions: Float64Array;
  constructor(broker: Broker) {
    this.#broker = broker;
    this.#positions = broker.portfolio.positions;
  }
  buy(): Order {
    return this.#broker.place(0, 1, "market", NO_OPTIONS, this.at);
  }
  sell(): Order {
    return this.#broker.place(0, -1, "market", NO_OPTIONS, this.at);
  }
  closePosition(): Order {
    return this.#broker.place(0, this.#positions[0]! < 0 ? 1 : -1, "close", NO_OPTIONS, this.at);
  }
}

/**
 * The bar loop of a one-symbol signal strategy: {@link runSingle} with the
 * strategy's `onBar` replaced by its precomputed signal and the same rule
 * ({@link applySignal}), placing the same orders through the same broker. Its
 * orders carry no stops, so only pending orders need the open.
 */
function runSignals(
  p: Prepared,
  strat: SignalStrategy<Params>,
  broker: Broker,
  st: number,
  fillOnClose: boolean,
): void {
  const portfolio = broker.portfolio;
  const pendingCount = broker.pendingCount;
  const lastPrice = portfolio.lastPrice;
  const positions = portfolio.positions;
  const equity = portfolio.equity;
  const o = p.open[0]!, h = p.high[0]!, l = p.low[0]!, c = p.close[0]!;
  const { signal, mode } = strat;
  const entry = new SignalEntry(broker);
  const T = c.length;
  // Cash and position change only in fills (inside atOpen/atClose): kept in locals between them.
  let cash = portfolio.cash, pos = positions[0]!;
  for (let t = 0; t < T; t++) {
    if (pendingCount[0]! > 0) {
      broker.atOpen(0, t, t, o[t]!, h[t]!, l[t]!);
      cash = portfolio.cash, pos = positions[0]!;
    }
    const close = c[t]!;
    lastPrice[0] = close;
    const g = signal[t]!;
    if ((g > 0 || g < 0) && t >= st) {
      entry.at = t;
      applySignal(mode, g, pos, entry);
      if (fillOnClose && pendingCount[0]! > 0) {
        broker.atClose(0, t, t, close);
        cash = portfolio.cash, pos = positions[0]!;
      }
    }
    equity[t] = pos === 0 ? cash : cash + pos * close;
  }
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
