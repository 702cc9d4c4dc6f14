/**
 * Golden cross: the 50/200-day moving-average crossover.
 *
 * @module
 */
import { MovingAverageCrossover, type MovingAverageCrossoverParams } from "./ma_crossover.ts";

/**
 * The golden cross: {@link MovingAverageCrossover} with `fast` 50 and `slow` 200
 * (buy when the 50-day SMA crosses above the 200-day, close on the death cross).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GoldenCross } from "./golden_cross.ts";
 * assert.ok(new GoldenCross().params.slow === 200);
 * ```
 */
export class GoldenCross extends MovingAverageCrossover {
  /** CLI name. */
  static override readonly id: string = "golden-cross";
  override params: MovingAverageCrossoverParams = { fast: 50, slow: 200, short: false };
}
