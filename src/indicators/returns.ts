/**
 * Simple and log returns.
 *
 * @module
 */
import { outputBuffer, type Series, StreamingIndicator } from "./indicator.ts";

/**
 * Bar-to-bar simple returns: `values[i] / values[i-1] - 1` (NaN at bar 0, and at a bar
 * where either value is NaN).
 *
 * @param values Prices, e.g. adjusted closes.
 * @param out Optional buffer of `values.length` to write into.
 * @returns The returns aligned with `values`.
 * @throws {RangeError} When `out` has the wrong length.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { returns } from "./returns.ts";
 * const r = returns([100, 110, 99]);
 * assert.ok(Number.isNaN(r[0]) && Math.abs(r[1]! - 0.1) < 1e-15 && Math.abs(r[2]! + 0.1) < 1e-15);
 * ```
 */
export function returns(values: Series, out?: Float64Array): Float64Array {
  const n = values.length;
  const o = outputBuffer(n, out);
  let prev = NaN;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    o[i] = v / prev - 1;
    prev = v;
  }
  return o;
}

/**
 * Bar-to-bar log returns: `ln(values[i] / values[i-1])` (NaN at bar 0 and around NaNs).
 *
 * @param values Prices.
 * @param out Optional buffer of `values.length` to write into.
 * @returns The log returns aligned with `values`.
 * @throws {RangeError} When `out` has the wrong length.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { logReturns } from "./returns.ts";
 * assert.ok(logReturns([1, Math.E])[1] === 1);
 * ```
 */
export function logReturns(values: Series, out?: Float64Array): Float64Array {
  const n = values.length;
  const o = outputBuffer(n, out);
  let prev = NaN;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    o[i] = Math.log(v / prev);
    prev = v;
  }
  return o;
}

/**
 * Streaming simple (or log) returns; agrees bit for bit with {@link returns} /
 * {@link logReturns}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Returns } from "./returns.ts";
 * const r = new Returns();
 * r.add(100);
 * assert.ok(r.add(125) === 0.25);
 * ```
 */
export class Returns extends StreamingIndicator<number, number> {
  /** Inputs needed before the first result: 2. */
  readonly warmup = 2;
  /** True for log returns. */
  readonly log: boolean;
  #prev = NaN;
  #saved = NaN;

  /** @param log Log returns instead of simple ones. @default {false} */
  constructor(log = false) {
    super();
    this.log = log;
  }

  protected step(v: number): number | null {
    const prev = this.#prev;
    this.#prev = v;
    if (prev !== prev || v !== v) return null;
    return this.log ? Math.log(v / prev) : v / prev - 1;
  }
  protected save(): void {
    this.#saved = this.#prev;
  }
  protected restore(): void {
    this.#prev = this.#saved;
  }
  protected clear(): void {
    this.#prev = NaN;
  }
}

/**
 * Streaming log returns (`new Returns(true)`); agrees bit for bit with {@link logReturns}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LogReturns } from "./returns.ts";
 * const r = new LogReturns();
 * r.add(1);
 * assert.ok(r.add(Math.E) === 1);
 * ```
 */
export class LogReturns extends Returns {
  constructor() {
    super(true);
  }
}
