/**
 * The engine's two bar loops, over one broker and one portfolio (the one
 * rulebook, `_rules.ts`):
 *
 * - {@link runEvents}, the event-driven loop, runs every strategy over one
 *   symbol or a universe on their shared calendar. Each trading day, for every
 *   symbol with a bar that day: pending orders and stops are processed at the
 *   open (all symbols first, so sizing never sees a close of the same day), then
 *   the strategy's `onBar` runs at the close (and `fillOn: "close"` market orders
 *   fill there); then equity = cash + positions marked at their last close is
 *   recorded. A symbol without a bar that day (suspension, not yet listed) does
 *   not trade and stays marked at its last close. `onBar` sees prices and
 *   indicators revealed up to its bar ({@link Revealed}): look-ahead is
 *   impossible by construction.
 * - {@link runSignals}, the stats-only loop of a sweep's rows, runs a one-symbol
 *   {@link SignalStrategy} whose signal alone decides ({@link decidesBySignal}):
 *   instead of calling `onBar` on every bar it reads the signal and, on the bars
 *   that act, places the orders `onBar` would place through the same broker. A
 *   property test holds its trades, equity and stats equal to the event loop's.
 *
 * Both record into the portfolio's typed logs; a run's result materialises
 * them (`result.ts`), a sweep row reads its stats and nothing else.
 *
 * @module
 */

import type { BarsLike } from "../core/plain_bars.ts";
import { formatDate } from "../core/dates.ts";
import { Broker, NO_OPTIONS } from "./_broker.ts";
import { FILL_REASONS, Portfolio } from "./_portfolio.ts";
import {
  buyAndHold,
  IndicatorCache,
  marketSeries,
  prepare,
  type Prepared,
  type RunSettings,
} from "./_setup.ts";
import { type MarketMoments, marketMoments, type Stats, statsOf } from "./metrics.ts";
import type { Fill, Order, OrderOptions } from "./orders.ts";
import { Revealed } from "./revealed.ts";
import {
  applySignal,
  decidesBySignal,
  type OrderEntry,
  type SignalContext,
  SignalStrategy,
} from "./signals.ts";
import {
  type BarContext,
  type InitContext,
  type OutputOf,
  type Params,
  type RevealedOutput,
  Strategy,
  type StrategyClass,
} from "./strategy.ts";

/**
 * What the runs of one call (a `run()`, or all the rows of an `optimize()`)
 * share: the prepared bars, the settings, the indicator cache, the market and
 * the date strings. Made per call, never kept.
 */
export class Session {
  /** The bars split per symbol on their calendar. */
  readonly p: Prepared;
  /** Validated settings. */
  readonly settings: RunSettings;
  /** Indicator outputs by function and arguments. */
  readonly cache: IndicatorCache = new IndicatorCache();
  /** The market series for Beta. */
  readonly market: Float64Array;
  /** Its log returns and their sums. */
  readonly moments: MarketMoments;
  /** Signal buffers per symbol, reused by the runs of the call. */
  readonly #signals: (Float64Array | undefined)[] = [];
  readonly #dates: (string | undefined)[];

  /**
   * @param bars The bars (read now; a later edit needs a new session).
   * @param settings Validated settings.
   * @throws {ConfigError} On empty bars, unsorted dates, or a benchmark without data in range.
   */
  constructor(bars: BarsLike, settings: RunSettings) {
    this.p = prepare(bars);
    this.settings = settings;
    this.market = marketSeries(this.p, settings.benchmark);
    this.moments = marketMoments(this.market);
    this.#dates = new Array(this.p.calendar.length);
  }

  /**
   * A calendar bar's date as `YYYY-MM-DD` (formatted once per session).
   *
   * @param bar Calendar bar index.
   * @returns The date.
   */
  dateOf(bar: number): string {
    return this.#dates[bar] ??= formatDate(this.p.calendar[bar]!);
  }

  /**
   * A zeroed signal buffer for symbol `s`, reused from run to run.
   *
   * @param s Symbol index.
   * @returns A buffer as long as the symbol's bars.
   */
  signalBuffer(s: number): Float64Array {
    const buf = this.#signals[s] ??= new Float64Array(this.p.close[s]!.length);
    return buf.fill(0);
  }
}

/** What one run leaves behind: the account with its logs, the orders, and each symbol's warm-up. */
export interface RunRecord {
  /** The strategy's parameters. */
  readonly params: Params;
  /** Cash, positions, lots, fill and trade logs, equity. */
  readonly portfolio: Portfolio;
  /** Every order placed (the event loop's); a stats-only run keeps none. */
  readonly orders: Order[];
  /** Index of each symbol's first bar with every indicator defined. */
  readonly warm: Int32Array;
}

/** Per-symbol state of a run: the context objects the strategy sees. */
class SymbolContext implements BarContext {
  readonly symbol: string;
  readonly s: number;
  i = 0;
  bar = 0;
  readonly full: {
    open: Float64Array;
    high: Float64Array;
    low: Float64Array;
    close: Float64Array;
    volume: Float64Array;
  };
  readonly dates: Int32Array;
  /** Revealed revealed bar by bar: sources and their revealed copies, in step. */
  readonly revealSrc: Float64Array[] = [];
  readonly revealDst: Revealed[] = [];
  warm = 0;
  inInit = true;
  /** Whether `indicator()` returns revealed series (false for signal strategies: whole series). */
  reveal = true;
  readonly #revealed = new Map<Float64Array, Revealed>();
  readonly #session: Session;
  readonly broker: Broker;

  constructor(session: Session, s: number, broker: Broker) {
    const p = session.p;
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
    this.#session = session;
  }

  #reveal(src: Float64Array): Revealed {
    let dst = this.#revealed.get(src);
    if (!dst) {
      dst = new Revealed(src.length, this);
      // Reveal what is already known (bars up to the current one).
      if (!this.inInit) dst.set(src.subarray(0, this.i + 1));
      this.#revealed.set(src, dst);
      this.revealSrc.push(src);
      this.revealDst.push(dst);
    }
    return dst;
  }

  get open(): Revealed {
    return this.inInit ? this.full.open as Revealed : this.#reveal(this.full.open);
  }
  get high(): Revealed {
    return this.inInit ? this.full.high as Revealed : this.#reveal(this.full.high);
  }
  get low(): Revealed {
    return this.inInit ? this.full.low as Revealed : this.#reveal(this.full.low);
  }
  get close(): Revealed {
    return this.inInit ? this.full.close as Revealed : this.#reveal(this.full.close);
  }
  get volume(): Revealed {
    return this.inInit ? this.full.volume as Revealed : this.#reveal(this.full.volume);
  }

  indicator<A extends unknown[], R extends OutputOf<R>>(
    fn: (...args: A) => R,
    ...args: A
  ): RevealedOutput<R> {
    if (!this.inInit) throw new TypeError("ctx.indicator() may only be called in init()");
    const { value, warm } = this.#session.cache.get(fn as never, args);
    if (warm > this.warm) this.warm = warm;
    if (!this.reveal) return value as RevealedOutput<R>;
    if (value instanceof Float64Array) return this.#reveal(value) as RevealedOutput<R>;
    const out: Record<string, Revealed> = {};
    for (const [k, v] of Object.entries(value as Record<string, Float64Array>)) {
      out[k] = this.#reveal(v);
    }
    return out as RevealedOutput<R>;
  }

  get date(): string {
    return formatDate(this.dates[this.i]!);
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

/** Makes a strategy instance with the run's parameters. */
function instantiate<P extends Params>(Strat: StrategyClass<P>, params: P): Strategy<P> {
  const strat = new Strat();
  strat.params = { ...params };
  return strat;
}

/**
 * Runs a strategy through the event-driven loop.
 *
 * @param session The call's shared state.
 * @param Strat The strategy class.
 * @param params Complete, admissible parameters (merged and validated by the caller).
 * @returns The run's record.
 * @throws {TypeError} When a signal strategy returns a bad mode, or an indicator a bad output.
 */
export function runEvents<P extends Params>(
  session: Session,
  Strat: StrategyClass<P>,
  params: P,
): RunRecord {
  const p = session.p, settings = session.settings;
  const S = p.symbols.length;
  const calendar = p.calendar;
  const T = calendar.length;
  const portfolio = new Portfolio(S, T, settings.cash);
  const fillOnClose = settings.fillOnClose;
  const broker = new Broker(portfolio, settings);
  const strategies: Strategy<P>[] = [];
  const ctxs: SymbolContext[] = [];
  for (let s = 0; s < S; s++) {
    const strat = instantiate(Strat, params);
    const ctx = new SymbolContext(session, s, broker);
    // A signal strategy's indicators are whole series: it writes its signal vectorised.
    if (strat instanceof SignalStrategy) ctx.reveal = false;
    if (decidesBySignal(strat)) {
      strat.computeSignals(ctx as unknown as SignalContext, session.signalBuffer(s));
    } else strat.init(ctx as unknown as InitContext);
    ctx.inInit = false;
    strategies.push(strat);
    ctxs.push(ctx);
  }
  // Report fills to the strategy that owns the symbol, when it listens.
  if (strategies.some((st) => st.onOrderFilled !== Strategy.prototype.onOrderFilled)) {
    const f = portfolio.fills;
    broker.onFill = (s: number, k: number, order: Order | undefined) => {
      const fill: Fill = {
        bar: f.bar[k]!,
        date: session.dateOf(f.bar[k]!),
        symbol: p.symbols[s]!,
        size: f.size[k]!,
        price: f.price[k]!,
        fee: f.fee[k]!,
        reason: FILL_REASONS[f.reason[k]!]!,
        order,
      };
      strategies[s]!.onOrderFilled(fill, ctxs[s]!);
    };
  }

  const start = Int32Array.from(ctxs, (c) => c.warm + 1);
  const ptr = new Int32Array(S);
  const active = new Int32Array(S);
  const pendingCount = broker.pendingCount;
  const stopLots = portfolio.stopLots;
  const lastPrice = portfolio.lastPrice;
  const equity = portfolio.equity;
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
  end(session, broker);
  return {
    params,
    portfolio,
    orders: broker.placed,
    warm: Int32Array.from(ctxs, (c) => c.warm),
  };
}

/** Order entry of the stats-only loop: the market orders a signal places on symbol 0 at bar `at`. */
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
 * Whether {@link runSignals} can run this strategy over the session's bars:
 * one symbol, and a signal strategy whose signal alone decides.
 *
 * @param session The call's shared state.
 * @param Strat The strategy class.
 * @returns True when the stats-only loop applies.
 */
export function signalsOnlyApply(session: Session, Strat: StrategyClass): boolean {
  return session.p.symbols.length === 1 && decidesBySignal(Strat.prototype as Strategy);
}

/**
 * Runs a one-symbol signal strategy through the stats-only loop: the strategy's
 * signal is computed once, and on each bar whose signal acts the orders its
 * `onBar` would place go through the same broker (they carry no stops, so only
 * pending orders need the open).
 *
 * @param session The call's shared state (one symbol; see {@link signalsOnlyApply}).
 * @param Strat The strategy class.
 * @param params Complete, admissible parameters.
 * @returns The run's record (no orders kept).
 * @throws {TypeError} When the strategy's `signals()` returns a bad mode.
 */
export function runSignals<P extends Params>(
  session: Session,
  Strat: StrategyClass<P>,
  params: P,
): RunRecord {
  const p = session.p, settings = session.settings;
  const T = p.calendar.length;
  const portfolio = new Portfolio(1, T, settings.cash);
  const broker = new Broker(portfolio, settings);
  const strat = instantiate(Strat, params) as unknown as SignalStrategy<P>;
  const ctx = new SymbolContext(session, 0, broker);
  ctx.reveal = false;
  strat.computeSignals(ctx as unknown as SignalContext, session.signalBuffer(0));
  const st = ctx.warm + 1;
  const o = p.open[0]!, h = p.high[0]!, l = p.low[0]!, c = p.close[0]!;
  const { signal, mode } = strat;
  const entry = new SignalEntry(broker);
  const fillOnClose = settings.fillOnClose;
  const pendingCount = broker.pendingCount;
  const positions = portfolio.positions;
  const lastPrice = portfolio.lastPrice;
  const equity = portfolio.equity;
  for (let t = 0; t < T; t++) {
    if (pendingCount[0]! > 0) broker.atOpen(0, t, t, o[t]!, h[t]!, l[t]!);
    const close = c[t]!;
    lastPrice[0] = close;
    const g = signal[t]!;
    if ((g > 0 || g < 0) && t >= st) {
      entry.at = t;
      applySignal(mode, g, positions[0]!, entry);
      if (fillOnClose && pendingCount[0]! > 0) broker.atClose(0, t, t, close);
    }
    equity[t] = portfolio.value();
  }
  end(session, broker);
  return { params, portfolio, orders: [], warm: Int32Array.of(ctx.warm) };
}

/** End of data: what is open closes at each symbol's last close, unless trades stay open. */
function end(session: Session, broker: Broker): void {
  const portfolio = broker.portfolio, p = session.p;
  if (session.settings.keepOpen || portfolio.held === 0) return;
  for (let s = 0; s < p.symbols.length; s++) {
    if (portfolio.positions[s] === 0) continue;
    const j = p.dates[s]!.length - 1;
    portfolio.lastPrice[s] = p.close[s]![j]!;
    broker.closeAtEnd(s, j, p.barOf[s]![j]!, p.close[s]![j]!);
  }
  portfolio.equity[p.calendar.length - 1] = portfolio.value();
}

/**
 * The stats of a run.
 *
 * @param session The call's shared state.
 * @param run The run's record.
 * @returns The stats record.
 */
export function runStats(session: Session, run: RunRecord): Stats {
  const s = session.settings;
  const { bh, marketReturn } = buyAndHold(session.p, run.warm, session.market, !!s.benchmark);
  return statsOf({
    dates: session.p.calendar,
    equity: run.portfolio.equity,
    buyHoldReturn: bh,
    market: session.moments,
    marketReturn,
    annualization: s.annualization,
  }, run.portfolio.trades);
}

/**
 * The stats of one combination: the stats-only loop when it applies (a
 * one-symbol signal strategy whose signal alone decides), else the event loop.
 *
 * @param session The call's shared state.
 * @param Strat The strategy class.
 * @param params Complete, admissible parameters.
 * @returns The stats.
 */
export function rowStats(session: Session, Strat: StrategyClass, params: Params): Stats {
  const run = signalsOnlyApply(session, Strat)
    ? runSignals(session, Strat, params)
    : runEvents(session, Strat, params);
  return runStats(session, run);
}
