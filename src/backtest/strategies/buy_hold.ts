/**
 * Buy and hold.
 *
 * @module
 */
import { type BarContext, Strategy } from "../strategy.ts";

/**
 * Buys on the first bar it sees (all-in by default) and holds to the end.
 *
 * @example
 * ```ts
 * import { BuyAndHold } from "./buy_hold.ts";
 * console.assert(Object.keys(new BuyAndHold().params).length === 0);
 * ```
 */
export class BuyAndHold extends Strategy<Record<string, never>> {
  /** CLI name. */
  static readonly id = "buy-hold";
  params: Record<string, never> = {};

  /**
   * Buys when flat and nothing is pending.
   *
   * @param ctx The bar context.
   */
  onBar(ctx: BarContext): void {
    if (ctx.position === 0 && ctx.orders.length === 0) ctx.buy();
  }
}
