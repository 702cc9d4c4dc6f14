/**
 * Composite strategies defined in JSON, after TradLyte's Setup → Trigger → Exit:
 * when flat, enter on a bar where the setup holds and the trigger fires; when in
 * a position, exit when the exit condition holds, or at the stop-loss /
 * take-profit.
 *
 * ```json
 * {
 *   "name": "Trend pullback",
 *   "setup":   { "above": ["close", { "sma": 200 }] },
 *   "trigger": { "crossesAbove": [{ "rsi": 14 }, 30] },
 *   "exit":    { "when": { "above": [{ "rsi": 14 }, 70] }, "stopLoss": 0.08 }
 * }
 * ```
 *
 * Schema:
 * - `name` (string, optional); `side` `"long"` (default) or `"short"`; `size` fraction of equity in (0, 1].
 * - `setup` (optional) and `trigger` (required): a condition.
 * - `exit` (required): `when` (a condition), `stopLoss` (fraction in (0, 1)), `takeProfit`
 *   (fraction > 0); at least one of them.
 * - A condition is one of `{ "above": [a, b] }`, `{ "below": [a, b] }`,
 *   `{ "crossesAbove": [a, b] }`, `{ "crossesBelow": [a, b] }`, `{ "all": [conditions] }`,
 *   `{ "any": [conditions] }`, `{ "not": condition }`.
 * - An operand is a number, a price (`"open"`, `"high"`, `"low"`, `"close"`, `"volume"`), or an
 *   indicator `{ "sma": n }`, `{ "ema": n }`, `{ "rsi": n }`, `{ "highest": n }`, `{ "lowest": n }`
 *   (of the close unless `"of"` names another price), `{ "atr": n }`.
 *
 * Validation errors name the field path: `exit.stopLoss: expected a number between 0 and 1, got "8%"`.
 *
 * @module
 */

import { ConfigError } from "../core/errors.ts";
import { atr } from "../indicators/atr.ts";
import { crossover, crossunder } from "../indicators/crossover.ts";
import { ema } from "../indicators/ema.ts";
import { rollingMax } from "../indicators/rolling_max.ts";
import { rollingMin } from "../indicators/rolling_min.ts";
import { rsi } from "../indicators/rsi.ts";
import { sma } from "../indicators/sma.ts";
import { didYouMean } from "../core/_did_you_mean.ts";
import { type BarContext, type InitContext, Strategy, type StrategyClass } from "./strategy.ts";

/** A price field an operand may name. */
export type PriceField = "open" | "high" | "low" | "close" | "volume";

/** An operand: a constant, a price, or an indicator. */
export type Operand =
  | number
  | PriceField
  | { sma: number; of?: PriceField }
  | { ema: number; of?: PriceField }
  | { rsi: number; of?: PriceField }
  | { highest: number; of?: PriceField }
  | { lowest: number; of?: PriceField }
  | { atr: number };

/** A condition over operands. */
export type Condition =
  | { above: [Operand, Operand] }
  | { below: [Operand, Operand] }
  | { crossesAbove: [Operand, Operand] }
  | { crossesBelow: [Operand, Operand] }
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition };

/** A composite strategy. */
export interface CompositeSpec {
  /** Display name. @default {"Composite"} */
  name?: string;
  /** Direction of the entries. @default {"long"} */
  side?: "long" | "short";
  /** Fraction of equity per entry. @default {the run's size} */
  size?: number;
  /** Must hold on the entry bar. */
  setup?: Condition;
  /** Fires the entry. */
  trigger: Condition;
  /** How positions end. */
  exit: { when?: Condition; stopLoss?: number; takeProfit?: number };
}

const PRICES = ["open", "high", "low", "close", "volume"];
const INDICATORS = ["sma", "ema", "rsi", "highest", "lowest", "atr"];
const COMPARISONS = ["above", "below", "crossesAbove", "crossesBelow"];
const CONDITIONS = [...COMPARISONS, "all", "any", "not"];

function show(v: unknown): string {
  return v === undefined ? "nothing" : JSON.stringify(v);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function checkKeys(
  o: Record<string, unknown>,
  allowed: string[],
  path: string,
  errors: string[],
): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) {
      errors.push(
        `${path ? path + "." : ""}${k}: unknown field${didYouMean(k, allowed)}; expected one of ${
          allowed.join(", ")
        }`,
      );
    }
  }
}

function checkOperand(v: unknown, path: string, errors: string[]): void {
  if (typeof v === "number") {
    if (!Number.isFinite(v)) errors.push(`${path}: expected a finite number, got ${show(v)}`);
    return;
  }
  if (typeof v === "string") {
    if (!PRICES.includes(v)) {
      errors.push(
        `${path}: unknown price ${show(v)}${didYouMean(v, PRICES)}; expected one of ${
          PRICES.join(", ")
        }`,
      );
    }
    return;
  }
  if (!isObject(v)) {
    errors.push(
      `${path}: expected a number, a price name or an indicator like {"sma": 20}, got ${show(v)}`,
    );
    return;
  }
  const kinds = Object.keys(v).filter((k) => k !== "of");
  if (kinds.length !== 1 || !INDICATORS.includes(kinds[0]!)) {
    const bad = kinds.find((k) => !INDICATORS.includes(k));
    errors.push(
      `${path}: expected one indicator of ${INDICATORS.join(", ")}, got ${show(v)}${
        bad ? didYouMean(bad, INDICATORS) : ""
      }`,
    );
    return;
  }
  const kind = kinds[0]!;
  const n = v[kind];
  if (!(typeof n === "number" && Number.isInteger(n) && n >= 1)) {
    errors.push(`${path}.${kind}: expected a whole period ≥ 1, got ${show(n)}`);
  }
  if (v.of !== undefined) {
    if (kind === "atr") errors.push(`${path}.of: atr uses high, low and close; remove "of"`);
    else if (typeof v.of !== "string" || !PRICES.includes(v.of)) {
      errors.push(`${path}.of: expected one of ${PRICES.join(", ")}, got ${show(v.of)}`);
    }
  }
}

function checkCondition(v: unknown, path: string, errors: string[]): void {
  if (!isObject(v)) {
    errors.push(
      `${path}: expected a condition like {"above": ["close", {"sma": 200}]}, got ${show(v)}`,
    );
    return;
  }
  const keys = Object.keys(v);
  if (keys.length !== 1 || !CONDITIONS.includes(keys[0]!)) {
    const bad = keys.find((k) => !CONDITIONS.includes(k)) ?? keys[0] ?? "";
    errors.push(
      `${path}: expected exactly one of ${CONDITIONS.join(", ")}, got ${
        keys.length ? keys.map((k) => `"${k}"`).join(", ") : "{}"
      }${didYouMean(bad, CONDITIONS)}`,
    );
    return;
  }
  const kind = keys[0]!;
  const body = v[kind];
  const at = `${path}.${kind}`;
  if (COMPARISONS.includes(kind)) {
    if (!Array.isArray(body) || body.length !== 2) {
      errors.push(`${at}: expected two operands [a, b], got ${show(body)}`);
      return;
    }
    checkOperand(body[0], `${at}[0]`, errors);
    checkOperand(body[1], `${at}[1]`, errors);
    if ((kind === "crossesAbove" || kind === "crossesBelow") && typeof body[0] === "number") {
      errors.push(`${at}[0]: the first operand of a cross must be a series, got ${show(body[0])}`);
    }
  } else if (kind === "not") {
    checkCondition(body, at, errors);
  } else {
    if (!Array.isArray(body) || body.length === 0) {
      errors.push(`${at}: expected a non-empty array of conditions, got ${show(body)}`);
      return;
    }
    body.forEach((c, k) => checkCondition(c, `${at}[${k}]`, errors));
  }
}

/**
 * Checks a composite strategy definition.
 *
 * @param spec The parsed JSON.
 * @returns The same value, typed.
 * @throws {ConfigError} Listing every problem, each with its field path
 *   (e.g. `exit.stopLoss: expected a number between 0 and 1, got "8%"`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateComposite } from "./composite.ts";
 * try {
 *   validateComposite({ trigger: { above: ["close", 10] }, exit: { stopLoss: "8%" } });
 * } catch (e) {
 *   assert.ok((e as Error).message.includes('exit.stopLoss: expected a number between 0 and 1, got "8%"'));
 * }
 * ```
 */
export function validateComposite(spec: unknown): CompositeSpec {
  const errors: string[] = [];
  if (!isObject(spec)) {
    throw new ConfigError(`Composite strategy: expected a JSON object, got ${show(spec)}`);
  }
  checkKeys(spec, ["name", "side", "size", "setup", "trigger", "exit", "description"], "", errors);
  if (spec.name !== undefined && typeof spec.name !== "string") {
    errors.push(`name: expected a string, got ${show(spec.name)}`);
  }
  if (spec.side !== undefined && spec.side !== "long" && spec.side !== "short") {
    errors.push(`side: expected "long" or "short", got ${show(spec.side)}`);
  }
  if (
    spec.size !== undefined && !(typeof spec.size === "number" && spec.size > 0 && spec.size <= 1)
  ) {
    errors.push(`size: expected a fraction of equity in (0, 1], got ${show(spec.size)}`);
  }
  if (spec.setup !== undefined) checkCondition(spec.setup, "setup", errors);
  if (spec.trigger === undefined) {
    errors.push(`trigger: required (the condition that fires an entry)`);
  } else checkCondition(spec.trigger, "trigger", errors);
  const exit = spec.exit;
  if (exit === undefined) errors.push(`exit: required (when, stopLoss and/or takeProfit)`);
  else if (!isObject(exit)) {
    errors.push(`exit: expected an object with when, stopLoss or takeProfit, got ${show(exit)}`);
  } else {
    checkKeys(exit, ["when", "stopLoss", "takeProfit"], "exit", errors);
    if (exit.when === undefined && exit.stopLoss === undefined && exit.takeProfit === undefined) {
      errors.push(`exit: needs at least one of when, stopLoss, takeProfit`);
    }
    if (exit.when !== undefined) checkCondition(exit.when, "exit.when", errors);
    if (
      exit.stopLoss !== undefined &&
      !(typeof exit.stopLoss === "number" && exit.stopLoss > 0 && exit.stopLoss < 1)
    ) {
      errors.push(`exit.stopLoss: expected a number between 0 and 1, got ${show(exit.stopLoss)}`);
    }
    if (
      exit.takeProfit !== undefined && !(typeof exit.takeProfit === "number" && exit.takeProfit > 0)
    ) {
      errors.push(
        `exit.takeProfit: expected a number > 0 (a fraction, e.g. 0.2), got ${
          show(exit.takeProfit)
        }`,
      );
    }
  }
  if (errors.length) throw new ConfigError(`Composite strategy: ${errors.join("; ")}`);
  return spec as unknown as CompositeSpec;
}

type Revealed = Float64Array | number;
type Test = (i: number) => boolean;

function compileOperand(op: Operand, ctx: InitContext): Revealed {
  if (typeof op === "number") return op;
  if (typeof op === "string") return ctx[op];
  const src = (o: { of?: PriceField }) => ctx[o.of ?? "close"];
  if ("sma" in op) return ctx.indicator(sma, src(op), op.sma);
  if ("ema" in op) return ctx.indicator(ema, src(op), op.ema);
  if ("rsi" in op) return ctx.indicator(rsi, src(op), op.rsi);
  if ("highest" in op) return ctx.indicator(rollingMax, src(op), op.highest);
  if ("lowest" in op) return ctx.indicator(rollingMin, src(op), op.lowest);
  return ctx.indicator(atr, ctx.high, ctx.low, ctx.close, op.atr);
}

/** Prices are read through the bar context (revealed); indicators are already revealed arrays. */
function compileCondition(
  c: Condition,
  ctx: InitContext,
  prices: Map<string, () => Float64Array>,
): Test {
  const operand = (op: Operand): () => Revealed => {
    if (typeof op === "string") return prices.get(op)!;
    const s = compileOperand(op, ctx);
    return () => s;
  };
  if ("all" in c) {
    const parts = c.all.map((x) => compileCondition(x, ctx, prices));
    return (i) => parts.every((p) => p(i));
  }
  if ("any" in c) {
    const parts = c.any.map((x) => compileCondition(x, ctx, prices));
    return (i) => parts.some((p) => p(i));
  }
  if ("not" in c) {
    const inner = compileCondition(c.not, ctx, prices);
    return (i) => !inner(i);
  }
  const [kind, [a0, b0]] = Object.entries(c)[0] as [string, [Operand, Operand]];
  const a = operand(a0), b = operand(b0);
  const at = (s: Revealed, i: number) => typeof s === "number" ? s : s[i]!;
  switch (kind) {
    case "above":
      return (i) => at(a(), i) > at(b(), i);
    case "below":
      return (i) => at(a(), i) < at(b(), i);
    case "crossesAbove":
      return (i) => crossover(a() as Float64Array, b(), i);
    default:
      return (i) => crossunder(a() as Float64Array, b(), i);
  }
}

/**
 * Builds a strategy class from a composite definition (validated first).
 *
 * @param spec The definition (parsed JSON).
 * @returns A strategy class; its static `composite` holds the validated spec.
 * @throws {ConfigError} When the definition is invalid (see {@link validateComposite}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compositeStrategy } from "./composite.ts";
 * const Cls = compositeStrategy({
 *   name: "Trend pullback",
 *   setup: { above: ["close", { sma: 200 }] },
 *   trigger: { crossesAbove: [{ rsi: 14 }, 30] },
 *   exit: { when: { above: [{ rsi: 14 }, 70] }, stopLoss: 0.08 },
 * });
 * assert.ok(Cls.name === "Trend pullback");
 * ```
 */
export function compositeStrategy(spec: unknown): StrategyClass & { composite: CompositeSpec } {
  const s = validateComposite(spec);
  const name = s.name ?? "Composite";
  const short = s.side === "short";
  class Composite extends Strategy<Record<string, never>> {
    static composite: CompositeSpec = s;
    static strategyName = name;
    params: Record<string, never> = {};
    setup: Test = () => true;
    trigger: Test = () => false;
    exitWhen: Test = () => false;
    #bar: BarContext | undefined;

    override init(ctx: InitContext): void {
      const prices = new Map<string, () => Float64Array>(
        PRICES.map((p) => [p, () => this.#bar![p as PriceField]]),
      );
      if (s.setup) this.setup = compileCondition(s.setup, ctx, prices);
      this.trigger = compileCondition(s.trigger, ctx, prices);
      if (s.exit.when) this.exitWhen = compileCondition(s.exit.when, ctx, prices);
    }

    onBar(ctx: BarContext): void {
      this.#bar = ctx;
      const i = ctx.i;
      const pos = ctx.position;
      if (pos === 0) {
        if (ctx.orders.length === 0 && this.setup(i) && this.trigger(i)) {
          const opts = { size: s.size, slPct: s.exit.stopLoss, tpPct: s.exit.takeProfit };
          if (short) ctx.sell(opts);
          else ctx.buy(opts);
        }
      } else if (this.exitWhen(i)) ctx.closePosition();
    }
  }
  Object.defineProperty(Composite, "name", { value: name });
  return Composite as unknown as StrategyClass & { composite: CompositeSpec };
}
