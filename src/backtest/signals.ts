/**
 * Signal strategies: a strategy whose decisions are one vectorised signal
 * series — `+1` buy, `−1` sell, `0` (or NaN) nothing per bar — written once by
 * {@link SignalStrategy.signals} over the whole series into a buffer the engine
 * provides (reused from run to run), plus a position rule (`"long"`, `"short"`
 * or `"reverse"`). The shipped MA crossover, golden cross,
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

import type { SeriesColumns } from "../core/plain_bars.ts";
import {
  type BarContext,
  type InitContext,
  type OutputOf,
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

/**
 * What {@link SignalStrategy.signals} receives: the whole series of one symbol,
 * and `indicator()`, which returns whole-series outputs (computed once per
 * function and arguments, shared by the runs of a sweep: read them, never write
 * to them).
 */
export interface SignalContext extends SeriesColumns {
  /** The symbol these bars belong to. */
  readonly symbol: string;
  /** Declares an indicator and returns its whole output. */
  indicator<A extends unknown[], R extends OutputOf<R>>(fn: (...args: A) => R, ...args: A): R;
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
 * import assert from "node:assert/strict";
 * import { applySignal } from "./signals.ts";
 * const placed: string[] = [];
 * const entry = {
 *   buy: () => (placed.push("buy"), undefined as never),
 *   sell: () => (placed.push("sell"), undefined as never),
 *   closePosition: () => (placed.push("close"), undefined as never),
 * };
 * applySignal("reverse", -1, 100, entry);
 * applySignal("long", -1, 0, entry); // nothing to close
 * assert.ok(placed.join() === "close,sell");
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
 * Whether a strategy's decisions are exactly its signal: a {@link SignalStrategy}
 * that overrides none of `init`, `onBar` and `onOrderFilled`. Only then may a
 * run act on the signal without calling the strategy per bar: an override (a
 * stop-loss added in `onBar`, say) must run.
 *
 * @param strategy A strategy instance.
 * @returns True when the signal alone decides.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decidesBySignal } from "./signals.ts";
 * import { MovingAverageCrossover } from "./strategies/ma_crossover.ts";
 * class WithStop extends MovingAverageCrossover {
 *   override onBar(): void {}
 * }
 * assert.ok(decidesBySignal(new MovingAverageCrossover()));
 * assert.ok(!decidesBySignal(new WithStop()));
 * ```
 */
export function decidesBySignal(strategy: Strategy): strategy is SignalStrategy {
  return strategy instanceof SignalStrategy &&
    strategy.init === SignalStrategy.prototype.init &&
    strategy.onBar === SignalStrategy.prototype.onBar &&
    strategy.onOrderFilled === Strategy.prototype.onOrderFilled;
}

/** The modes a signal strategy may return. */
const MODES: readonly string[] = ["long", "short", "reverse"];
const NO_SIGNAL = new Float64Array(0);

/**
 * Base class of signal strategies: implement {@link SignalStrategy.signals}
 * (and `params`, optionally `validate`); `init` and `onBar` are provided. With
 * one symbol the engine runs them in its signal loop; with several, `onBar`
 * applies the same rule bar by bar.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SignalStrategy, type SignalContext, type SignalMode } from "./signals.ts";
 * import { runBacktest } from "./backtest.ts";
 * import { sma } from "../indicators/sma.ts";
 * import { PlainBars } from "../core/plain_bars.ts";
 *
 * class AboveSma extends SignalStrategy<{ period: number }> {
 *   params = { period: 20 };
 *   signals(ctx: SignalContext, signal: Float64Array): SignalMode {
 *     const avg = ctx.indicator(sma, ctx.close, this.params.period);
 *     for (let i = 0; i < signal.length; i++) {
 *       signal[i] = ctx.close[i]! > avg[i]! ? 1 : ctx.close[i]! < avg[i]! ? -1 : 0;
 *     }
 *     return "long";
 *   }
 * }
 * const c = Float64Array.from({ length: 200 }, (_, i) => 100 + 10 * Math.sin(i / 9));
 * const bars = new PlainBars({ symbol: "X", dates: Int32Array.from(c, (_, i) => i),
 *   open: c, high: c, low: c, close: c, volume: c });
 * const r = runBacktest(bars, AboveSma);
 * assert.ok(r.trades.length > 0);
 * ```
 */
export abstract class SignalStrategy<P extends Params = Params> extends Strategy<P> {
  /** The signal of the symbol this instance trades (set before its first bar). */
  signal: Float64Array = NO_SIGNAL;
  /** Its position rule. */
  mode: SignalMode = "long";

  /**
   * Writes the decisions over the whole series: `signal[i]` may use bars `≤ i` only.
   *
   * @param ctx Whole series and whole-series indicators.
   * @param signal Where to write: as long as the series, all zeros (no signal).
   * @returns The position rule.
   */
  abstract signals(ctx: SignalContext, signal: Float64Array): SignalMode;

  /**
   * Computes the signal into `buffer` (what the engine calls, with a buffer it reuses).
   *
   * @param ctx Whole series and whole-series indicators.
   * @param buffer As long as the series. @default {a new buffer}
   * @throws {TypeError} When `signals()` returns an unknown mode.
   */
  computeSignals(ctx: SignalContext, buffer?: Float64Array): void {
    const signal = buffer ?? new Float64Array(ctx.close.length);
    if (buffer) signal.fill(0);
    const mode = this.signals(ctx, signal);
    if (!MODES.includes(mode)) {
      throw new TypeError(
        `${this.constructor.name}.signals() returned mode ${
          JSON.stringify(mode)
        }; expected "long", "short" or "reverse"`,
      );
    }
    this.signal = signal;
    this.mode = mode;
  }

  /**
   * Computes the signal into a new buffer (the engine calls {@link computeSignals} instead).
   *
   * @param ctx The init context (whole series).
   * @throws {TypeError} When `signals()` returns an unknown mode.
   */
  override init(ctx: InitContext): void {
    // The engine gives a signal strategy whole-series indicators, even through init.
    this.computeSignals(ctx as unknown as SignalContext);
  }

  /**
   * Applies this bar's signal ({@link applySignal}).
   *
   * @param ctx The bar context.
   */
  onBar(ctx: BarContext): void {
    const g = this.signal[ctx.i]!;
    if (g > 0 || g < 0) applySignal(this.mode, g, ctx.position, ctx);
  }
}
