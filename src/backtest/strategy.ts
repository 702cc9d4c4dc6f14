/**
 * The Strategy API: two hooks, as in backtesting.py. `init(ctx)` declares
 * indicators once over the whole series (vectorised); `onBar(ctx)` decides on
 * each bar and sees prices and indicators only up to the current bar: the arrays
 * it reads are filled bar by bar, so a value from the future is still `NaN` —
 * look-ahead is impossible by construction. Parameters are plain fields with
 * defaults (`params = { fast: 20, slow: 50 }`) that runs and sweeps override.
 *
 * A strategy whose decisions are one signal per bar can instead extend
 * `SignalStrategy` (signals.ts) and write that signal vectorised over whole
 * series: faster, especially in sweeps, but there causality is the author's
 * duty rather than the engine's.
 *
 * @module
 */

import type { SeriesColumns } from "../core/plain_bars.ts";
import { didYouMean } from "../core/_did_you_mean.ts";
import { ConfigError } from "../core/errors.ts";
import type { Fill, Order, OrderOptions } from "./orders.ts";
import type { Revealed } from "./revealed.ts";

/** A parameter value: numbers, booleans or strings. */
export type ParamValue = number | boolean | string;
/** A strategy's parameters. */
export type Params = Record<string, ParamValue>;

/** What an indicator function may return: one series or named series (e.g. MACD's lines). */
export type IndicatorOutput = Float64Array | Record<string, Float64Array>;

/**
 * The output type `R` an indicator function may have: one series, or an object
 * whose every property is a series (an interface such as MACD's result included).
 */
export type OutputOf<R> = Float64Array | { [K in keyof R]: Float64Array };

/** An indicator's output as `onBar` sees it: each series revealed up to the current bar. */
export type RevealedOutput<R> = R extends Float64Array ? Revealed : { [K in keyof R]: Revealed };

/**
 * The context `init` receives: the whole series of one symbol (its columns from
 * the first bar to the last), and `indicator()` to declare one.
 */
export interface InitContext extends SeriesColumns {
  /** The symbol these bars belong to. */
  readonly symbol: string;
  /**
   * Declares an indicator: computes `fn(...args)` once (shared by the runs of an
   * `optimize()` with the same function and arguments) and returns series that
   * `onBar` sees revealed up to the current bar (`this.sma.at(-1)` is the current
   * bar's value). Trading starts one bar after the first bar on which every
   * declared indicator is defined.
   */
  indicator<A extends unknown[], R extends OutputOf<R>>(
    fn: (...args: A) => R,
    ...args: A
  ): RevealedOutput<R>;
}

/** The context `onBar` receives: the current bar, the position, and order entry. */
export interface BarContext {
  /** The symbol of this bar. */
  readonly symbol: string;
  /** Index of this bar in the symbol's own series (the index into indicator arrays). */
  readonly i: number;
  /** Index of this bar on the shared calendar (the index into `result.equity`). */
  readonly bar: number;
  /** This bar's date, `YYYY-MM-DD`. */
  readonly date: string;
  /** Opening prices revealed up to this bar: `ctx.open.at(-1)` is this bar's open. */
  readonly open: Revealed;
  /** Highs revealed up to this bar. */
  readonly high: Revealed;
  /** Lows revealed up to this bar. */
  readonly low: Revealed;
  /** Closes revealed up to this bar: `ctx.close.at(-1)` now, `ctx.close.at(-2)` a bar ago. */
  readonly close: Revealed;
  /** Volume revealed up to this bar. */
  readonly volume: Revealed;
  /** This bar's close. */
  readonly price: number;
  /** Signed shares held in this symbol (negative when short). */
  readonly position: number;
  /** Cash in the shared account. */
  readonly cash: number;
  /** Account equity: cash plus all positions marked at their last price. */
  readonly equity: number;
  /** Orders of this symbol still pending. */
  readonly orders: readonly Order[];
  /**
   * Places a buy order (market unless `limit`/`stop`), sized by `options` or the
   * run's default fraction of equity.
   */
  buy(options?: OrderOptions): Order;
  /** Places a sell order: closes a long, or opens/extends a short. */
  sell(options?: OrderOptions): Order;
  /** Places a market order that closes the whole position of this symbol when it fills. */
  closePosition(): Order;
  /** Cancels a pending order; returns whether it was pending. */
  cancel(order: Order): boolean;
}

/**
 * Base class of strategies. Subclasses set `params` defaults, optionally
 * `validate` (the constraint a sweep uses to skip combinations), `init` and
 * `onOrderFilled`, and must implement `onBar`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type BarContext, type InitContext, Strategy } from "./strategy.ts";
 * import type { Revealed } from "./revealed.ts";
 * import { sma } from "../indicators/sma.ts";
 * class AboveSma extends Strategy<{ period: number }> {
 *   params = { period: 20 };
 *   avg!: Revealed;
 *   override init(ctx: InitContext) {
 *     this.avg = ctx.indicator(sma, ctx.close, this.params.period);
 *   }
 *   onBar(ctx: BarContext) {
 *     const above = ctx.close.at(-1) > this.avg.at(-1);
 *     if (above && ctx.position === 0) ctx.buy();
 *     else if (!above && ctx.position > 0) ctx.closePosition();
 *   }
 * }
 * assert.equal(new AboveSma().params.period, 20);
 * ```
 */
export abstract class Strategy<P extends Params = Params> {
  /** Parameter defaults; a run's or sweep's `params` override them. */
  abstract params: P;

  /**
   * The parameters' constraint.
   *
   * @param _params The parameters about to be used.
   * @returns A message saying what is wrong, or `undefined` when they are admissible.
   */
  validate(_params: P): string | undefined {
    return undefined;
  }

  /**
   * Declares indicators over the whole series of one symbol.
   *
   * @param _ctx The symbol's whole series and `indicator()`.
   */
  init(_ctx: InitContext): void {}

  /**
   * Decides on one bar (called from the first bar after the warm-up, once per
   * symbol per trading day).
   *
   * @param ctx The bar, the position and order entry.
   */
  abstract onBar(ctx: BarContext): void;

  /**
   * Called after each fill of this symbol (orders, stop-loss, take-profit).
   *
   * @param _fill What was filled.
   * @param _ctx The context of the symbol.
   */
  onOrderFilled(_fill: Fill, _ctx: BarContext): void {}
}

/** A strategy class with a no-argument constructor. */
export type StrategyClass<P extends Params = Params> = new () => Strategy<P>;

/**
 * Merges overrides into a strategy's parameter defaults, checking names and types.
 *
 * @param name The strategy's name, for messages.
 * @param defaults The strategy's `params`.
 * @param overrides The values to apply (from options, a sweep or the CLI).
 * @returns The merged parameters (a new object).
 * @throws {ConfigError} On an unknown name (with a "did you mean" hint), a value of the
 *   wrong type, or parameters that break the strategy's constraint (when `validate` is given).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mergeParams } from "./strategy.ts";
 * const p = mergeParams("X", { fast: 20, slow: 50 }, { fast: 10 });
 * assert.ok(p.fast === 10 && p.slow === 50);
 * ```
 */
export function mergeParams<P extends Params>(
  name: string,
  defaults: P,
  overrides: Partial<Record<string, ParamValue>> = {},
  validate?: (p: P) => string | undefined,
): P {
  const out: Params = { ...defaults };
  const keys = Object.keys(defaults);
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    if (!Object.hasOwn(defaults, key)) {
      const known = keys.length ? keys.map((k) => `"${k}"`).join(", ") : "none";
      throw new ConfigError(
        `Unknown parameter "${key}" for ${name}${didYouMean(key, keys)}; its parameters: ${known}`,
      );
    }
    const want = typeof defaults[key];
    if (typeof value !== want || (want === "number" && !Number.isFinite(value))) {
      throw new ConfigError(
        `Parameter "${key}" of ${name} must be a ${
          want === "number" ? "finite number" : want
        }, got ${JSON.stringify(value)}`,
      );
    }
    out[key] = value;
  }
  const merged = out as P;
  const problem = validate?.(merged);
  if (problem) throw new ConfigError(`Parameters of ${name} are not admissible: ${problem}`);
  return merged;
}

/**
 * A strategy's display name: its static `strategyName` or its class name.
 *
 * @param cls The strategy class.
 * @returns e.g. `"MovingAverageCrossover"`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { strategyName } from "./strategy.ts";
 * class Foo {}
 * assert.ok(strategyName(Foo as never) === "Foo");
 * ```
 */
export function strategyName(cls: StrategyClass): string {
  const s = (cls as unknown as { strategyName?: string }).strategyName;
  return typeof s === "string" ? s : cls.name || "Strategy";
}
