/**
 * Moving-average crossover.
 *
 * @module
 */
import { crosses } from "../../indicators/crossover.ts";
import { sma } from "../../indicators/sma.ts";
import { type SignalContext, type SignalMode, SignalStrategy } from "../signals.ts";

/** Parameters of {@link MovingAverageCrossover}. */
export interface MovingAverageCrossoverParams extends Record<string, number | boolean> {
  /** Fast SMA period. @default {20} */
  fast: number;
  /** Slow SMA period (must exceed `fast`). @default {50} */
  slow: number;
  /** Trade both ways: close and reverse on each cross. @default {false} */
  short: boolean;
}

/**
 * Moving-average crossover on simple moving averages of the close. A cross up
 * is `fast < slow` on the previous bar and `fast > slow` on this one; a cross
 * down the mirror. Long-only (`short: false`): buy on a cross up when flat, close
 * on a cross down. With `short: true`: close and reverse on each cross.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MovingAverageCrossover } from "./ma_crossover.ts";
 * const s = new MovingAverageCrossover();
 * assert.ok(s.validate({ fast: 50, slow: 20, short: false }) !== undefined);
 * ```
 */
export class MovingAverageCrossover extends SignalStrategy<MovingAverageCrossoverParams> {
  /** CLI name. */
  static readonly id: string = "ma-crossover";
  params: MovingAverageCrossoverParams = { fast: 20, slow: 50, short: false };
  /**
   * Requires whole periods ≥ 1 with `fast < slow`.
   *
   * @param p The parameters.
   * @returns A message, or undefined when admissible.
   */
  override validate(p: MovingAverageCrossoverParams): string | undefined {
    if (!Number.isInteger(p.fast) || p.fast < 1) {
      return `fast must be a whole number ≥ 1, got ${p.fast}`;
    }
    if (!Number.isInteger(p.slow) || p.slow < 1) {
      return `slow must be a whole number ≥ 1, got ${p.slow}`;
    }
    if (p.fast >= p.slow) return `fast (${p.fast}) must be less than slow (${p.slow})`;
    return undefined;
  }

  /**
   * The crosses of the two SMAs: `+1` up, `−1` down; long-only, or reversing with `short`.
   *
   * @param ctx Whole series and indicators.
   * @param signal Where to write the signal.
   * @returns The position rule.
   */
  signals(ctx: SignalContext, signal: Float64Array): SignalMode {
    const fast = ctx.indicator(sma, ctx.close, this.params.fast);
    const slow = ctx.indicator(sma, ctx.close, this.params.slow);
    crosses(fast, slow, signal);
    return this.params.short ? "reverse" : "long";
  }
}
