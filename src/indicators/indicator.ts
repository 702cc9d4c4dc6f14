/**
 * The streaming indicator interface shared by every indicator, and the helpers
 * the batch functions share (parameter checks, output buffers).
 *
 * Every indicator comes in two forms that agree bit for bit:
 *
 * - a **batch function** over `Float64Array | number[]` (e.g. `sma(values, 20)`), whose
 *   output is aligned with the input and holds `NaN` during the warm-up; it takes an
 *   optional last `out` buffer so that sweeps can reuse memory;
 * - a **streaming class** of the same name in PascalCase (e.g. `new SMA(20)`) that
 *   implements {@link Indicator}: `add` a value or a bar, `replace` to revise the
 *   current bar, `isStable`, `warmup`, `getResult()` (`null` until stable).
 *
 * **NaN inputs (one convention for every indicator).** TA-Lib does not handle NaN. Here a
 * NaN input (for bar indicators: a NaN in any field the indicator reads) yields a NaN
 * output and **restarts** the indicator: the outputs that follow are exactly those of
 * the same indicator run on the series that begins after the NaN, so a new warm-up
 * follows every gap. For windowed indicators (SMA, rolling max, Bollinger…) this is
 * "NaN propagates until the window clears it"; recursive ones (EMA, Wilder, MACD, OBV,
 * cumulative VWAP) are re-seeded. The streaming form does the same: `add(NaN)` returns
 * `null` and the indicator is no longer stable until it has warmed up again.
 *
 * A user-defined indicator is any object that implements {@link Indicator}; the
 * backtest and plot modules take it like a built-in one. See `keltner` in the
 * module docs of `mod.ts` for an example composed from `EMA` and `ATR`.
 *
 * @module
 */

/** One bar as the bar-based indicators read it (extra fields are ignored). */
export interface BarInput {
  /** The bar's high. */
  high: number;
  /** The bar's low. */
  low: number;
  /** The bar's close. */
  close: number;
  /** Traded volume (needed by OBV and VWAP). */
  volume?: number;
}

/** A numeric series the batch functions accept. */
export type Series = Float64Array | ArrayLike<number>;

/**
 * The streaming form of an indicator: feed one input per bar.
 *
 * @typeParam In What `add` takes: a number (a close) or a {@link BarInput}.
 * @typeParam Out What `getResult` gives once stable: a number or a record of numbers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SMA } from "./sma.ts";
 * const s = new SMA(2);
 * s.add(1);                  // null: warming up
 * assert.ok(s.add(3) === 2 && s.isStable);
 * assert.ok(s.replace(5) === 3); // the current bar revised from 3 to 5
 * ```
 */
export interface Indicator<In = number, Out = number> {
  /** Valid inputs needed before the first result (the TA-Lib lookback + 1). */
  readonly warmup: number;
  /** True once `getResult()` is not null. */
  readonly isStable: boolean;
  /**
   * Feeds the next bar.
   *
   * @param input The bar's value (or bar).
   * @returns The result after this bar, `null` during the warm-up.
   */
  add(input: In): Out | null;
  /**
   * Revises the most recent bar (e.g. an intraday update of today's close): the
   * state becomes what it would be had `add(input)` been called instead of the last `add`.
   * With no previous `add` it behaves like `add`.
   *
   * @param input The revised value (or bar).
   * @returns The result after the revised bar.
   */
  replace(input: In): Out | null;
  /** The latest result, `null` until stable. */
  getResult(): Out | null;
  /** Forgets every input. */
  reset(): void;
}

/**
 * Base class for the built-in streaming indicators: implements `add`/`replace` on top
 * of `step` plus a one-level snapshot of the state (`save`/`restore`).
 *
 * Subclasses keep their state in fields, write `save()` (copy the fields that `step`
 * changes), `restore()` (copy them back) and `step(input)` (advance by one bar).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { StreamingIndicator } from "./indicator.ts";
 * // the running sum of every value: a minimal subclass
 * class Total extends StreamingIndicator<number, number> {
 *   readonly warmup = 1;
 *   #sum = 0;
 *   #saved = 0;
 *   protected step(v: number) { return this.#sum += v; }
 *   protected save() { this.#saved = this.#sum; }
 *   protected restore() { this.#sum = this.#saved; }
 *   protected clear() { this.#sum = 0; }
 * }
 * const t = new Total();
 * t.add(1);
 * t.add(2);
 * assert.ok(t.replace(5) === 6); // 1 + 5
 * ```
 */
export abstract class StreamingIndicator<In, Out> implements Indicator<In, Out> {
  /** Valid inputs needed before the first result. */
  abstract readonly warmup: number;
  #result: Out | null = null;
  #hasPrevious = false;

  /** True once `getResult()` is not null. */
  get isStable(): boolean {
    return this.#result !== null;
  }

  /**
   * Feeds the next bar.
   *
   * @param input The bar's value (or bar).
   * @returns The result, `null` during the warm-up.
   */
  add(input: In): Out | null {
    this.save();
    this.#hasPrevious = true;
    return this.#result = this.step(input);
  }

  /**
   * Revises the most recent bar.
   *
   * @param input The revised value (or bar).
   * @returns The result after the revised bar.
   */
  replace(input: In): Out | null {
    if (!this.#hasPrevious) return this.add(input);
    this.restore();
    this.save();
    return this.#result = this.step(input);
  }

  /** The latest result, `null` until stable. */
  getResult(): Out | null {
    return this.#result;
  }

  /** Forgets every input. */
  reset(): void {
    this.#result = null;
    this.#hasPrevious = false;
    this.clear();
  }

  /** Advances the state by one bar and returns the result (null while warming up). */
  protected abstract step(input: In): Out | null;
  /** Snapshots the state that `step` changes. */
  protected abstract save(): void;
  /** Restores the snapshot taken by `save`. */
  protected abstract restore(): void;
  /** Clears the state (called by `reset`). */
  protected abstract clear(): void;
}

/**
 * Checks an integer period.
 *
 * @param name The parameter's name for the message, e.g. `"period"`.
 * @param value The value.
 * @param min The smallest value allowed.
 * @returns The value.
 * @throws {RangeError} When the value is not an integer ≥ `min`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkPeriod } from "./indicator.ts";
 * assert.ok(checkPeriod("period", 14) === 14);
 * ```
 */
export function checkPeriod(name: string, value: number, min = 1): number {
  if (!Number.isInteger(value) || value < min || value > 0x7fffffff) {
    throw new RangeError(`Invalid ${name} ${value}: expected an integer ≥ ${min}`);
  }
  return value;
}

/**
 * Returns `out` when given (checking its length) or a new `Float64Array(n)`.
 *
 * @param n The length required.
 * @param out A buffer to reuse.
 * @returns The buffer to write.
 * @throws {RangeError} When `out` is shorter or longer than `n`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { outputBuffer } from "./indicator.ts";
 * assert.ok(outputBuffer(3).length === 3);
 * ```
 */
export function outputBuffer(n: number, out?: Float64Array): Float64Array {
  if (out === undefined) return new Float64Array(n);
  if (out.length !== n) {
    throw new RangeError(`Invalid out buffer of length ${out.length}: the input has ${n} values`);
  }
  return out;
}

/**
 * Checks that several input series have the same length.
 *
 * @param names The names of the series, for the message.
 * @param series The series.
 * @returns Their common length.
 * @throws {RangeError} When the lengths differ.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sameLength } from "./indicator.ts";
 * assert.ok(sameLength(["high", "low"], [[1, 2], [0, 1]]) === 2);
 * ```
 */
export function sameLength(names: readonly string[], series: readonly Series[]): number {
  const n = series[0]!.length;
  for (let s = 1; s < series.length; s++) {
    if (series[s]!.length !== n) {
      throw new RangeError(
        `Series "${names[s]}" has ${series[s]!.length} values but "${names[0]}" has ${n}`,
      );
    }
  }
  return n;
}

/**
 * Runs a streaming indicator over a whole series and returns the batch form of its
 * output: one Float64Array (NaN while `getResult()` is null) for a numeric indicator,
 * or, given the names of its `fields`, one Float64Array per field for an indicator whose
 * results are records. This is how a user-defined {@link Indicator} plugs into code that
 * takes batch outputs (e.g. the backtest's `ctx.indicator`).
 *
 * @param indicator A fresh indicator (it is fed every input).
 * @param inputs One input per bar (numbers or {@link BarInput}s).
 * @param fields For record results: the fields to collect.
 * @returns The outputs aligned with `inputs`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runIndicator } from "./indicator.ts";
 * import { SMA, sma } from "./sma.ts";
 * import { MACD, macd } from "./macd.ts";
 * const closes = Array.from({ length: 50 }, (_, i) => 10 + Math.sin(i));
 * assert.ok(runIndicator(new SMA(2), closes).join() === sma(closes, 2).join());
 * const m = runIndicator(new MACD(), closes, ["macd", "signal"]);
 * assert.ok(m.signal.join() === macd(closes).signal.join());
 * ```
 */
export function runIndicator<In>(
  indicator: Indicator<In, number>,
  inputs: ArrayLike<In>,
): Float64Array;
export function runIndicator<In, K extends string>(
  indicator: Indicator<In, Record<K, number>>,
  inputs: ArrayLike<In>,
  fields: readonly K[],
): Record<K, Float64Array>;
export function runIndicator<In>(
  indicator: Indicator<In, number | Record<string, number>>,
  inputs: ArrayLike<In>,
  fields?: readonly string[],
): Float64Array | Record<string, Float64Array> {
  const n = inputs.length;
  if (fields === undefined) {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const r = indicator.add(inputs[i]!);
      out[i] = r === null ? NaN : r as number;
    }
    return out;
  }
  const out = Object.fromEntries(fields.map((k) => [k, new Float64Array(n)]));
  for (let i = 0; i < n; i++) {
    const r = indicator.add(inputs[i]!) as Record<string, number> | null;
    for (const k of fields) out[k]![i] = r === null ? NaN : r[k]!;
  }
  return out;
}
