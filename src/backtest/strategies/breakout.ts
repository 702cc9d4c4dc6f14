/**
 * Donchian breakout with an ATR trailing stop: an event strategy, written with
 * the two hooks (`init` declares the channel and the ATR, `onBar` manages stop
 * orders bar by bar).
 *
 * @module
 */
import { atr } from "../../indicators/atr.ts";
import { rollingMax } from "../../indicators/rolling_max.ts";
import type { Order } from "../orders.ts";
import type { Revealed } from "../revealed.ts";
import { type BarContext, type InitContext, Strategy } from "../strategy.ts";

/** Parameters of {@link Breakout}. */
export interface BreakoutParams extends Record<string, number> {
  /** Bars of the Donchian channel whose high is broken to enter. @default {20} */
  channel: number;
  /** ATR period (Wilder). @default {14} */
  atr: number;
  /** How many ATRs the trailing stop stays below the close. @default {3} */
  mult: number;
}

/**
 * Donchian breakout, long only: while flat, a stop buy waits at the highest
 * high of the last `channel` bars, so the position opens on the bar that breaks
 * above the channel (at the channel high, or at the open on a gap). While long,
 * a stop sell trails `mult` ATRs below the close: it only ever rises, and closes
 * the position on the bar that falls to it.
 *
 * Orders are re-placed each bar from what `onBar` sees up to that bar (the
 * channel and ATR are revealed bar by bar), so the strategy cannot look ahead.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Breakout } from "./breakout.ts";
 * const s = new Breakout();
 * assert.deepEqual(s.params, { channel: 20, atr: 14, mult: 3 });
 * assert.match(s.validate({ channel: 1, atr: 14, mult: 3 })!, /channel/);
 * ```
 */
export class Breakout extends Strategy<BreakoutParams> {
  /** CLI name. */
  static readonly id = "breakout";
  params: BreakoutParams = { channel: 20, atr: 14, mult: 3 };
  /** The highest high of the last `channel` bars. */
  upper!: Revealed;
  /** Average true range. */
  range!: Revealed;
  #entry: Order | undefined;
  #exit: Order | undefined;
  #stop = -Infinity;

  /**
   * Requires whole periods (`channel` ≥ 2, `atr` ≥ 1) and `mult` > 0.
   *
   * @param p The parameters.
   * @returns A message, or undefined when admissible.
   */
  override validate(p: BreakoutParams): string | undefined {
    if (!Number.isInteger(p.channel) || p.channel < 2) {
      return `channel must be a whole number ≥ 2, got ${p.channel}`;
    }
    if (!Number.isInteger(p.atr) || p.atr < 1) {
      return `atr must be a whole number ≥ 1, got ${p.atr}`;
    }
    if (!(p.mult > 0)) return `mult must be > 0, got ${p.mult}`;
    return undefined;
  }

  /**
   * Declares the channel high and the ATR.
   *
   * @param ctx The whole series.
   */
  override init(ctx: InitContext): void {
    this.upper = ctx.indicator(rollingMax, ctx.high, this.params.channel);
    this.range = ctx.indicator(atr, ctx.high, ctx.low, ctx.close, this.params.atr);
  }

  /**
   * Waits at the channel high while flat; trails the stop while long.
   *
   * @param ctx This bar.
   */
  onBar(ctx: BarContext): void {
    if (ctx.position === 0) {
      this.#stop = -Infinity;
      this.#replace(ctx, undefined);
      if (this.#entry) ctx.cancel(this.#entry);
      this.#entry = ctx.buy({ stop: this.upper.at(-1) });
      return;
    }
    const trail = ctx.close.at(-1) - this.params.mult * this.range.at(-1);
    if (trail > this.#stop) {
      this.#stop = trail;
      this.#replace(ctx, ctx.sell({ stop: trail, shares: ctx.position }));
    }
  }

  /** Cancels the exit order still pending (if any) and keeps the new one. */
  #replace(ctx: BarContext, exit: Order | undefined): void {
    if (this.#exit) ctx.cancel(this.#exit);
    this.#exit = exit;
  }
}
