/**
 * Buy and hold.
 *
 * @module
 */
import { type SignalMode, SignalStrategy } from "../signals.ts";

/**
 * Buys on the first bar it sees (all-in by default) and holds to the end.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BuyAndHold } from "./buy_hold.ts";
 * assert.ok(Object.keys(new BuyAndHold().params).length === 0);
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
   * @param _ctx Whole series.
   * @param signal Where to write the signal.
   * @returns The position rule.
   */
  signals(_ctx: unknown, signal: Float64Array): SignalMode {
    signal.fill(1);
    return "long";
  }
}
