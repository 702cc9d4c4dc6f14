/**
 * Signal strategies: a strategy whose decisions are one vectorised signal
 * series — `+1` buy, `−1` sell, `0` (or NaN) nothing per bar — computed once in
 * {@link SignalStrategy.signals} over the whole series, plus a position rule
 * (`"long"`, `"short"` or `"reverse"`). The shipped MA crossover, golden cross,
 * RSI mean reversion and buy-and-hold are signal strategies.
 *
 * Why: the engine can then run a one-symbol backtest without an `onBar` call per
 * bar. Its bar loop reads the signal, and on the few bars that trade it places
 * the same orders through the same broker and portfolio that `onBar` would, so
 * both paths give identical fills, trades, equity and stats (a property test
 * holds them equal on random series, costs and settings). Sweeps gain most:
 * 810 MA-crossover runs over 2,148 bars take a few tens of milliseconds.
 *
 * **Causality is the strategy's duty here:** `signals()` sees whole series (and
 * indicators over them), so `signal[i]` must depend on bars `≤ i` only — true of
 * anything built from the shipped indicators at index `i` and earlier. The
 * signal of bar `i` is acted on at bar `i`'s close (orders fill at the next open,
 * or at that close with `fillOn: "close"`), exactly as an `onBar` decision.
 *
 * @module
 */

import {
  type BarContext,
  type IndicatorOutput,
  type InitContext,
  type Params,
  Strategy,
} from "./strategy.ts";

/**
 * What a signal does, by position:
 * - `"long"`: `+1` buys when flat; `−1` closes a long.
 * - `"short"`: `−1` sells short when flat; `+1` covers a short.
 * - `"reverse"`: `+1` closes any position and buys; `−1` closes any position and sells short.
 */
export type SignalMode = "long" | "short" | "reverse";

/** The whole-series decisions of a {@link SignalStrategy}. */
export interface Signals {
  /**
   * Per bar of the symbol: `+1` buy, `−1` sell, `0` or NaN nothing; as long as the
   * symbol's bars (e.g. `crosses(fast, slow)` from the indicators).
   */
  signal: Float64Array;
  /** How a signal turns into orders, by position. */
  mode: SignalMode;
}

/** What {@link SignalStrategy.signals} receives: whole series and whole-series indicators. */
export interface SignalContext {
  /** The symbol. */
  readonly symbol: string;
  /** Whole-series opens. */
  readonly open: Float64Array;
  /** Whole-series highs. */
  readonly high: Float64Array;
  /** Whole-series lows. */
  readonly low: Float64Array;
  /** Whole-series closes. */
  readonly close: Float64Array;
  /** Whole-series volume. */
  readonly volume: Float64Array;
  /** Whole-series dates (epoch days). */
  readonly dates: Int32Array;
  /**
   * An indicator over the whole series, computed once per (function, arguments)
   * and shared by the runs of a sweep: **read it, never write to it**. Trading
   * starts one bar after the first bar on which every declared indicator is defined.
   */
  indicator<A extends unknown[], R extends IndicatorOutput>(fn: (...args: A) => R, ...args: A): R;
}

/** Order entry as the `onBar` context, the engine's signal loop and a sweep's fast path offer it. */
export interface OrderEntry {
  /** Places a market buy. */
  buy(): unknown;
  /** Places a market sell. */
  sell(): unknown;
  /** Places a market order closing the whole position. */
  closePosition(): unknown;
}

/**
 * Turns one bar's signal into orders (the rule of {@link SignalMode}); the one
 * rule both `SignalStrategy.onBar` and the engine's signal loop apply.
 *
 * @param mode The position rule.
 * @param signal The bar's signal: `+1`, `−1`, or `0`/NaN for none.
 * @param position Signed shares held now.
 * @param entry Where to place the orders.
 *
 * @example
 * ```ts
 * import { applySignal } from "./signals.ts";
 * const placed: string[] = [];
 * const entry = {
 *   buy: () => (placed.push("buy"), undefined as never),
 *   sell: () => (placed.push("sell"), undefined as never),
 *   closePosition: () => (placed.push("close"), undefined as never),
 * };
 * applySignal("reverse", -1, 100, entry);
 * applySignal("long", -1, 0, entry); // nothing to close
 * console.assert(placed.join() === "close,sell");
 * ```
 */
export function applySignal(
  mode: SignalMode,
  signal: number,
  position: number,
  entry: OrderEntry,
): void {
  if (!(signal > 0 || signal < 0)) return;
  if (mode === "reverse") {
    if (position !== 0) entry.closePosition();
    if (signal > 0) entry.buy();
    else entry.sell();
  } else if (mode === "long") {
    if (position === 0) {
      if (signal > 0) entry.buy();
    } else if (position > 0 && signal < 0) entry.closePosition();
  } else if (position === 0) {
    if (signal < 0) entry.sell();
  } else if (position < 0 && signal > 0) entry.closePosition();
}

/**
 * Base class of signal strategies: implement {@link SignalStrategy.signals}
 * (and `params`, optionally `validate`); `init` and `onBar` are provided. With
 * one symbol the engine runs them in its signal loop; with several, `onBar`
 * applies the same rule bar by bar.
 *
 * @example
 * ```ts
 * import { SignalStrategy, type SignalContext, type Signals } from "./signals.ts";
 * import { runBacktest } from "./engine.ts";
 * import { sma } from "../indicators/sma.ts";
 * import { PlainBars } from "../core/csv_bars.ts";
 *
 * class AboveSma extends SignalStrategy<{ period: number }> {
 *   params = { period: 20 };
 *   signals(ctx: SignalContext): Signals {
 *     const avg = ctx.indicator(sma, ctx.close, this.params.period);
 *     const signal = new Float64Array(ctx.close.length);
 *     for (let i = 0; i < signal.length; i++) {
 *       signal[i] = ctx.close[i]! > avg[i]! ? 1 : ctx.close[i]! < avg[i]! ? -1 : 0;
 *     }
 *     return { signal, mode: "long" };
 *   }
 * }
 * const c = Float64Array.from({ length: 200 }, (_, i) => 100 + 10 * Math.sin(i / 9));
 * const bars = new PlainBars({ symbol: "X", dates: Int32Array.from(c, (_, i) => i),
 *   open: c, high: c, low: c, close: c, volume: c });
 * const r = runBacktest(bars, AboveSma);
 * console.assert(r.trades.length > 0);
 * ```
 */
export abstract class SignalStrategy<P extends Params = Params> extends Strategy<P> {
  /** The signals of the symbol this instance trades (set by `init`). */
  computed: Signals = { signal: new Float64Array(), mode: "long" };

  /**
   * The decisions over the whole series: `signal[i]` may use bars `≤ i` only.
   *
   * @param ctx Whole series and whole-series indicators.
   * @returns The signal per bar (as long as the series) and the position rule.
   */
  abstract signals(ctx: SignalContext): Signals;

  /**
   * Computes the signals (the engine passes whole-series indicators to a signal strategy).
   *
   * @param ctx The init context.
   * @throws {TypeError} When `signals()` returns something else than a `Float64Array` as long as the bars, or an unknown mode.
   */
  override init(ctx: InitContext): void {
    const s = this.signals(ctx);
    if (!(s?.signal instanceof Float64Array) || s.signal.length !== ctx.close.length) {
      throw new TypeError(
        `${this.constructor.name}.signals() must return { signal: Float64Array } as long as the bars (${ctx.close.length})`,
      );
    }
    if (s.mode !== "long" && s.mode !== "short" && s.mode !== "reverse") {
      throw new TypeError(
        `${this.constructor.name}.signals() returned mode ${
          JSON.stringify(s.mode)
        }; expected "long", "short" or "reverse"`,
      );
    }
    this.computed = s;
  }

  /**
   * Applies this bar's signal ({@link applySignal}).
   *
   * @param ctx The bar context.
   */
  onBar(ctx: BarContext): void {
    applySignal(this.computed.mode, this.computed.signal[ctx.i]!, ctx.position, ctx);
  }
}
