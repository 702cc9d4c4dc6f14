/**
 * The shipped strategies and their CLI names.
 *
 * @module
 */
import type { StrategyClass } from "../strategy.ts";
import { Breakout } from "./breakout.ts";
import { BuyAndHold } from "./buy_hold.ts";
import { GoldenCross } from "./golden_cross.ts";
import { MovingAverageCrossover } from "./ma_crossover.ts";
import { RSIMeanReversion } from "./rsi_mean_reversion.ts";

export * from "./breakout.ts";
export * from "./buy_hold.ts";
export * from "./golden_cross.ts";
export * from "./ma_crossover.ts";
export * from "./rsi_mean_reversion.ts";

/**
 * The shipped strategies by CLI name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { STRATEGIES } from "./mod.ts";
 * assert.ok(STRATEGIES["ma-crossover"]!.name === "MovingAverageCrossover");
 * ```
 */
export const STRATEGIES: Readonly<Record<string, StrategyClass>> = {
  "ma-crossover": MovingAverageCrossover as unknown as StrategyClass,
  "rsi-mean-reversion": RSIMeanReversion as unknown as StrategyClass,
  "golden-cross": GoldenCross as unknown as StrategyClass,
  "buy-hold": BuyAndHold as unknown as StrategyClass,
  breakout: Breakout as unknown as StrategyClass,
};
