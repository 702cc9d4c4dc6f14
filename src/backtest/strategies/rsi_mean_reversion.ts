/**
 * RSI mean reversion.
 *
 * @module
 */
import { rsi } from "../../indicators/rsi.ts";
import { type BarContext, type InitContext, Strategy } from "../strategy.ts";

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
 * import { RSIMeanReversion } from "./rsi_mean_reversion.ts";
 * const s = new RSIMeanReversion();
 * console.assert(s.validate({ period: 14, oversold: 70, overbought: 30 }) !== undefined);
 * ```
 */
export class RSIMeanReversion extends Strategy<RSIMeanReversionParams> {
  /** CLI name. */
  static readonly id = "rsi-mean-reversion";
  params: RSIMeanReversionParams = { period: 14, oversold: 30, overbought: 70 };
  /** The RSI, revealed bar by bar. */
  rsi: Float64Array = new Float64Array();

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
   * Declares the RSI.
   *
   * @param ctx The init context.
   */
  override init(ctx: InitContext): void {
    this.rsi = ctx.indicator(rsi, ctx.close, this.params.period);
  }

  /**
   * Buys oversold, sells overbought.
   *
   * @param ctx The bar context.
   */
  onBar(ctx: BarContext): void {
    const v = this.rsi[ctx.i]!;
    if (ctx.position === 0) {
      if (v < this.params.oversold) ctx.buy();
    } else if (ctx.position > 0 && v > this.params.overbought) ctx.closePosition();
  }
}
