/**
 * Stats-only runs of a one-symbol {@link SignalStrategy}: what each row of a
 * sweep needs, without the objects of a full result (orders, transactions,
 * trades). A sweep uses it for its rows and re-runs only the best combination
 * through {@link runBacktest} for the full result.
 *
 * It replays the broker's rules for the orders a signal strategy places —
 * market orders and position closes, filled at the next open (or this close
 * with `fillOn: "close"`), priced with spread and slippage, sized all-in (or by
 * `size`) as the largest whole number of shares whose cost plus fee fits — and
 * the portfolio's accounting of the one lot such a strategy holds at a time, in
 * the same floating-point operations in the same order, so every stat is
 * bit-identical to `runBacktest`'s (a property test compares them on random
 * series, costs and settings). Equity and trades go into buffers reused from
 * run to run.
 *
 * @module
 */

import type { BarsLike } from "../core/csv_bars.ts";
import {
  type Benchmark,
  type IndicatorCache,
  marketOf,
  prepare,
  type Prepared,
  type RunSettings,
  runSettings,
  type SettingsOptions,
} from "./_setup.ts";
import { affordableShares, feeFor } from "./broker.ts";
import { coveredBars, type Stats, statsOf, type TradeColumns } from "./metrics.ts";
import { applySignal, decidesBySignal, type OrderEntry, type SignalStrategy } from "./signals.ts";
import type { IndicatorOutput, InitContext, Params, Strategy, StrategyClass } from "./strategy.ts";

/** Options of a stats-only run: those of `runBacktest` that shape the stats. */
export interface SignalRunOptions extends SettingsOptions {
  /** Leave a trade open at the end (exposure only, not in the trade stats). @default {false} */
  keepOpen?: boolean;
  /** Benchmark for Alpha/Beta. @default {the symbol's own closes} */
  benchmark?: Benchmark;
}

/** The whole-series init context of one symbol (signal strategies read whole series). */
class WholeSeries implements InitContext {
  readonly symbol: string;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
  readonly dates: Int32Array;
  warm = 0;
  readonly #cache: IndicatorCache;

  constructor(p: Prepared, cache: IndicatorCache) {
    this.symbol = p.symbols[0]!;
    this.open = p.open[0]!;
    this.high = p.high[0]!;
    this.low = p.low[0]!;
    this.close = p.close[0]!;
    this.volume = p.volume[0]!;
    this.dates = p.dates[0]!;
    this.#cache = cache;
  }

  indicator<A extends unknown[], R extends IndicatorOutput>(fn: (...args: A) => R, ...args: A): R {
    const { value, warm } = this.#cache.get(fn as never, args);
    if (warm > this.warm) this.warm = warm;
    return value as R;
  }
}

/**
 * The account of one run: cash, the position and its one lot, fees, and the
 * closed trades as columns. Its `buy`/`sell`/`closePosition` record the orders
 * a bar's signal places (see {@link applySignal}); `execute` fills them.
 */
class Account implements OrderEntry {
  cash = 0;
  pos = 0;
  commissions = 0;
  lotBar = 0;
  lotPrice = 0;
  lotFee = 0;
  /** Closed trades so far. */
  count = 0;
  /** Orders placed on the current bar: a close, then a market order of this side (0: none). */
  wantClose = false;
  wantSide = 0;
  readonly pnl: Float64Array;
  readonly ret: Float64Array;
  readonly duration: Float64Array;
  readonly entry: Int32Array;
  readonly exit: Int32Array;
  readonly #s: RunSettings;
  readonly #dates: Int32Array;

  constructor(settings: RunSettings, dates: Int32Array) {
    this.#s = settings;
    this.#dates = dates;
    // A fill closes at most one trade, and a bar makes at most two fills.
    const cap = 2 * dates.length + 1;
    this.pnl = new Float64Array(cap);
    this.ret = new Float64Array(cap);
    this.duration = new Float64Array(cap);
    this.entry = new Int32Array(cap);
    this.exit = new Int32Array(cap);
  }

  reset(): void {
    this.cash = this.#s.cash;
    this.pos = 0;
    this.commissions = 0;
    this.count = 0;
    this.wantClose = false;
    this.wantSide = 0;
  }

  buy(): void {
    this.wantSide = 1;
  }
  sell(): void {
    this.wantSide = -1;
  }
  closePosition(): void {
    this.wantClose = true;
  }

  /** Fills this bar's orders at `raw` (Broker#execute for a close, then a market order). */
  execute(raw: number, bar: number): void {
    if (this.wantClose) {
      this.wantClose = false;
      if (this.pos !== 0) this.fill(-this.pos, raw, bar);
    }
    const side = this.wantSide;
    if (side === 0) return;
    this.wantSide = 0;
    const s = this.#s;
    // An opposite position is closed first (signal rules close before they reverse,
    // so this only guards the rule's invariant).
    if (this.pos !== 0 && Math.sign(this.pos) !== side) {
      this.fill(side * Math.abs(this.pos), raw, bar);
    }
    const price = raw * (1 + side * s.adverse);
    const equity = this.pos === 0 ? this.cash : this.cash + this.pos * raw;
    const available = equity - (this.pos === 0 ? 0 : Math.abs(this.pos) * raw);
    const n = affordableShares(Math.min(s.size * equity, available), price, s.commission, s.minFee);
    if (n > 0) this.fill(side * n, raw, bar);
  }

  /** Broker#fill and Portfolio#book for a fill that opens a flat position or closes it whole. */
  fill(size: number, raw: number, bar: number): void {
    const s = this.#s;
    const side = size > 0 ? 1 : -1;
    const price = raw * (1 + side * s.adverse);
    const fee = feeFor(Math.abs(size) * price, s.commission, s.minFee);
    const before = this.pos;
    this.cash -= size * price + fee;
    this.commissions += fee;
    this.pos = before + size;
    if (before === 0) {
      this.lotBar = bar;
      this.lotPrice = price;
      this.lotFee = fee;
      return;
    }
    const q = Math.min(Math.abs(size), Math.abs(before));
    const signed = Math.sign(before) * q;
    const commission = this.lotFee * (q / Math.abs(before)) + fee * (q / Math.abs(size));
    const k = this.count++;
    this.pnl[k] = signed * (price - this.lotPrice) - commission;
    this.ret[k] = Math.sign(before) * (price / this.lotPrice - 1) -
      commission / (q * this.lotPrice);
    this.duration[k] = this.#dates[bar]! - this.#dates[this.lotBar]!;
    this.entry[k] = this.lotBar;
    this.exit[k] = bar;
  }
}

/**
 * Whether {@link SignalRuns} can run this strategy over these bars: one symbol,
 * a signal strategy whose signal alone decides (see {@link decidesBySignal}).
 *
 * @param bars The bars.
 * @param Strat The strategy class.
 * @returns True when the stats-only path applies.
 *
 * @example
 * ```ts
 * import { signalRunsApply } from "./signal_runs.ts";
 * import { MovingAverageCrossover } from "./strategies/ma_crossover.ts";
 * import { PlainBars } from "../core/csv_bars.ts";
 * const c = new Float64Array([1, 2, 3]);
 * const bars = new PlainBars({ symbol: "X", dates: new Int32Array([0, 1, 2]),
 *   open: c, high: c, low: c, close: c, volume: c });
 * console.assert(signalRunsApply(bars, MovingAverageCrossover as never));
 * ```
 */
export function signalRunsApply(bars: BarsLike, Strat: StrategyClass): boolean {
  return decidesBySignal(Strat.prototype as Strategy) && bars.ranges().size === 1 &&
    bars.length > 0;
}

/**
 * Stats-only runs of one signal strategy over one symbol, for many parameter sets.
 *
 * @example
 * ```ts
 * import { SignalRuns } from "./signal_runs.ts";
 * import { runBacktest } from "./engine.ts";
 * import { IndicatorCache } from "./_setup.ts";
 * import { MovingAverageCrossover } from "./strategies/ma_crossover.ts";
 * import { PlainBars } from "../core/csv_bars.ts";
 * const c = Float64Array.from({ length: 300 }, (_, i) => 100 + 10 * Math.sin(i / 15));
 * const bars = new PlainBars({ symbol: "X", dates: Int32Array.from(c, (_, i) => i),
 *   open: c, high: c, low: c, close: c, volume: c });
 * const runs = new SignalRuns(bars, MovingAverageCrossover as never, { commission: 0.001 }, new IndicatorCache());
 * const params = { fast: 10, slow: 30, short: false };
 * const full = runBacktest(bars, MovingAverageCrossover, { commission: 0.001, params });
 * console.assert(JSON.stringify(runs.stats(params)) === JSON.stringify(full.stats));
 * ```
 */
export class SignalRuns {
  readonly #p: Prepared;
  readonly #Strat: StrategyClass;
  readonly #settings: RunSettings;
  readonly #keepOpen: boolean;
  readonly #benchmark: Benchmark | undefined;
  readonly #ctx: WholeSeries;
  readonly #account: Account;
  readonly #equity: Float64Array;
  readonly #signal: Float64Array;

  /**
   * @param bars One symbol's bars.
   * @param Strat A signal strategy class (see {@link signalRunsApply}).
   * @param options Cash, costs, sizing, `fillOn`, `keepOpen`, benchmark.
   * @param cache The indicator cache the runs share.
   * @throws {ConfigError} On bad options (as `runBacktest`).
   * @throws {TypeError} When the strategy or the bars do not qualify.
   */
  constructor(
    bars: BarsLike,
    Strat: StrategyClass,
    options: SignalRunOptions,
    cache: IndicatorCache,
  ) {
    if (!signalRunsApply(bars, Strat)) {
      throw new TypeError(
        `SignalRuns needs one symbol and a signal strategy that overrides none of init, onBar, onOrderFilled`,
      );
    }
    this.#settings = runSettings(options);
    this.#p = prepare(bars);
    this.#Strat = Strat;
    this.#keepOpen = options.keepOpen ?? false;
    this.#benchmark = options.benchmark;
    this.#ctx = new WholeSeries(this.#p, cache);
    this.#account = new Account(this.#settings, this.#p.calendar);
    this.#equity = new Float64Array(this.#p.calendar.length);
    this.#signal = new Float64Array(this.#p.calendar.length);
  }

  /**
   * The stats of one run, equal to `runBacktest(bars, Strat, { ...options, params }).stats`.
   *
   * @param params A complete, admissible parameter set (as `combinations()` yields).
   * @returns The stats.
   * @throws {TypeError} When the strategy's `signals()` returns a bad signal.
   */
  stats(params: Params): Stats {
    const p = this.#p, ctx = this.#ctx, a = this.#account, eq = this.#equity;
    const strat = new this.#Strat() as SignalStrategy;
    strat.params = { ...params };
    ctx.warm = 0;
    strat.computeSignals(ctx, this.#signal);
    const { signal, mode } = strat;
    const st = ctx.warm + 1;
    const o = p.open[0]!, c = p.close[0]!;
    const T = c.length;
    const onClose = this.#settings.fillOnClose;
    a.reset();
    let pending = false;
    // Cash and position change only in execute(): kept in locals between fills.
    let cash = a.cash, pos = 0;
    for (let t = 0; t < T; t++) {
      if (!pending) {
        // Quiet bars (no fill due, no signal acted on) only mark the equity: in bulk.
        let u = t;
        while (u < T && (u < st || !(signal[u]! > 0 || signal[u]! < 0))) u++;
        if (u > t) {
          if (pos === 0) eq.fill(cash, t, u);
          else for (let k = t; k < u; k++) eq[k] = cash + pos * c[k]!;
          if (u === T) break;
          t = u;
        }
      }
      if (pending) {
        a.execute(o[t]!, t);
        pending = false;
        cash = a.cash, pos = a.pos;
      }
      const close = c[t]!;
      const g = signal[t]!;
      if ((g > 0 || g < 0) && t >= st) {
        applySignal(mode, g, pos, a);
        if (a.wantClose || a.wantSide !== 0) {
          if (onClose) {
            a.execute(close, t);
            cash = a.cash, pos = a.pos;
          } else pending = true;
        }
      }
      eq[t] = pos === 0 ? cash : cash + pos * close;
    }
    // Orders placed on the last bar never fill. What is open closes at the last close.
    a.wantClose = false, a.wantSide = 0;
    let intervals = a.count;
    if (a.pos !== 0) {
      if (this.#keepOpen) {
        a.entry[intervals] = a.lotBar;
        a.exit[intervals++] = T - 1;
      } else {
        a.fill(-a.pos, c[T - 1]!, T - 1);
        eq[T - 1] = a.cash;
        intervals = a.count;
      }
    }
    const { bh, market, marketReturn } = marketOf(p, () => ctx.warm, this.#benchmark);
    const trades: TradeColumns = {
      count: a.count,
      pnl: a.pnl,
      ret: a.ret,
      duration: a.duration,
      covered: coveredBars(a.entry, a.exit, intervals),
    };
    return statsOf({
      dates: p.calendar,
      equity: eq,
      commissions: a.commissions,
      buyHoldReturn: bh,
      market,
      marketReturn,
      annualization: this.#settings.annualization,
    }, trades);
  }
}
