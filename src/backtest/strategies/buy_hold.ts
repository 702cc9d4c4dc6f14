/**
 * Buy and hold.
 *
 * @module
 */
import { type SignalContext, type Signals, SignalStrategy } from "../signals.ts";

/**
 * Buys on the first bar it sees (all-in by default) and holds to the end.
 *
 * @example
 * ```ts
 * import { BuyAndHold } from "./buy_hold.ts";
 * console.assert(Object.keys(new BuyAndHold().params).length === 0);
 * ```
 */
export class BuyAndHold extends SignalStrategy<Record<string, never>> {
  /** CLI name. */
  static readonly id = "buy-hold";
  params: Record<string, never> = {};

  /**
   * A buy signal on every bar (long-only): it buys when flat, so an order the cash
   * cannot fill is tried again on the next bar.
   *
   * @param ctx Whole series.
   * @returns The signal and its position rule.
   */
  signals(ctx: SignalContext): Signals {
    return { signal: new Float64Array(ctx.close.length).fill(1), mode: "long" };
  }
}
