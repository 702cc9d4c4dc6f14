/**
 * RSI mean reversion.
 *
 * @module
 */
import { rsi } from "../../indicators/rsi.ts";
import { type SignalContext, type SignalMode, SignalStrategy } from "../signals.ts";

/** Parameters of {@link RSIMeanReversion}. */
export interface RSIMeanReversionParams extends Record<string, number> {
  /** RSI period (Wilder). @default {14} */
  period: number;
  /** Buy below this RSI when flat. @default {30} */
  oversold: number;
  /** Close above this RSI when long. @default {70} */
  overbought: number;
}

/**
 * RSI mean reversion: when flat, buy if RSI < `oversold`; when long, close if
 * RSI > `overbought`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RSIMeanReversion } from "./rsi_mean_reversion.ts";
 * const s = new RSIMeanReversion();
 * assert.ok(s.validate({ period: 14, oversold: 70, overbought: 30 }) !== undefined);
 * ```
 */
export class RSIMeanReversion extends SignalStrategy<RSIMeanReversionParams> {
  /** CLI name. */
  static readonly id = "rsi-mean-reversion";
  params: RSIMeanReversionParams = { period: 14, oversold: 30, overbought: 70 };
  /**
   * Requires a whole period ≥ 1 and 0 ≤ oversold < overbought ≤ 100.
   *
   * @param p The parameters.
   * @returns A message, or undefined when admissible.
   */
  override validate(p: RSIMeanReversionParams): string | undefined {
    if (!Number.isInteger(p.period) || p.period < 1) {
      return `period must be a whole number ≥ 1, got ${p.period}`;
    }
    if (!(p.oversold >= 0 && p.overbought <= 100 && p.oversold < p.overbought)) {
      return `need 0 ≤ oversold < overbought ≤ 100, got oversold ${p.oversold}, overbought ${p.overbought}`;
    }
    return undefined;
  }

  /**
   * `+1` while RSI < `oversold`, `−1` while RSI > `overbought` (long-only).
   *
   * @param ctx Whole series and indicators.
   * @param signal Where to write the signal.
   * @returns The position rule.
   */
  signals(ctx: SignalContext, signal: Float64Array): SignalMode {
    const r = ctx.indicator(rsi, ctx.close, this.params.period);
    const { oversold, overbought } = this.params;
    for (let i = 0; i < r.length; i++) {
      const v = r[i]!;
      signal[i] = v < oversold ? 1 : v > overbought ? -1 : 0;
    }
    return "long";
  }
}
