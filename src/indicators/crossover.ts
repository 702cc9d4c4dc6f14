/**
 * Crossover and crossunder helpers for strategies.
 *
 * @module
 */
import { outputBuffer, sameLength, type Series, StreamingIndicator } from "./indicator.ts";

/**
 * True when `a` crosses above `b` at bar `i`: `a[i-1] < b[i-1] && a[i] > b[i]`
 * (the backtest's definition: fast below slow on the previous bar, above on this one).
 * Touching (`a == b`) is not a cross; any NaN involved gives false.
 *
 * @param a The crossing series, e.g. a fast moving average.
 * @param b The series or level crossed, e.g. a slow moving average or `30`.
 * @param i The bar index; false when `i < 1` or `i` is past the end.
 * @returns Whether a crossover happens at `i`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { crossover } from "./crossover.ts";
 * assert.ok(crossover([1, 3], [2, 2], 1) && !crossover([1, 3], [2, 2], 0));
 * assert.ok(crossover([25, 35], 30, 1));
 * ```
 */
export function crossover(a: Series, b: Series | number, i: number): boolean {
  if (i < 1 || i >= a.length) return false;
  const b0 = typeof b === "number" ? b : b[i - 1]!;
  const b1 = typeof b === "number" ? b : b[i]!;
  return a[i - 1]! < b0 && a[i]! > b1;
}

/**
 * True when `a` crosses below `b` at bar `i`: `a[i-1] > b[i-1] && a[i] < b[i]`.
 *
 * @param a The crossing series.
 * @param b The series or level crossed.
 * @param i The bar index; false when `i < 1` or `i` is past the end.
 * @returns Whether a crossunder happens at `i`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { crossunder } from "./crossover.ts";
 * assert.ok(crossunder([3, 1], [2, 2], 1));
 * ```
 */
export function crossunder(a: Series, b: Series | number, i: number): boolean {
  if (i < 1 || i >= a.length) return false;
  const b0 = typeof b === "number" ? b : b[i - 1]!;
  const b1 = typeof b === "number" ? b : b[i]!;
  return a[i - 1]! > b0 && a[i]! < b1;
}

/**
 * Crosses as a series: `+1` where `a` crosses above `b`, `-1` where it crosses below,
 * `0` elsewhere (including wherever a NaN is involved); NaN at bar 0, which has no
 * previous bar.
 *
 * @param a The crossing series.
 * @param b The series or level crossed.
 * @param out Optional buffer of `a.length` to write into.
 * @returns The signals aligned with `a`.
 * @throws {RangeError} When `b` is a series of another length or `out` has the wrong length.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { crosses } from "./crossover.ts";
 * assert.ok(crosses([1, 3, 1], 2).join() === "NaN,1,-1");
 * ```
 */
export function crosses(a: Series, b: Series | number, out?: Float64Array): Float64Array {
  const n = typeof b === "number" ? a.length : sameLength(["a", "b"], [a, b]);
  const o = outputBuffer(n, out);
  if (n === 0) return o;
  o[0] = NaN;
  // crossover() − crossunder() per bar, with the previous values carried in locals
  // (one loop per kind of `b`, so each stays monomorphic in a sweep's hot path). The
  // comparisons are combined as 0/1 integers rather than branched on: crosses come at
  // random bars, and mispredicted branches made this loop ~2× slower.
  let pa = a[0]!;
  if (typeof b === "number") {
    for (let i = 1; i < n; i++) {
      const x = a[i]!;
      o[i] = (+(pa < b) & +(x > b)) - (+(pa > b) & +(x < b));
      pa = x;
    }
  } else {
    let pb = b[0]!;
    for (let i = 1; i < n; i++) {
      const x = a[i]!, y = b[i]!;
      o[i] = (+(pa < pb) & +(x > y)) - (+(pa > pb) & +(x < y));
      pa = x;
      pb = y;
    }
  }
  return o;
}

/** One bar of the two series a {@link Cross} compares. */
export interface CrossInput {
  /** The crossing series' value, e.g. the fast MA. */
  a: number;
  /** The crossed series' value or level, e.g. the slow MA or 30. */
  b: number;
}

/**
 * Streaming form of {@link crosses}: `+1` when `a` crosses above `b` on this bar, `-1`
 * below, `0` otherwise; `null` on the first bar. Agrees with {@link crosses}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Cross } from "./crossover.ts";
 * const c = new Cross();
 * c.add({ a: 1, b: 2 });
 * assert.ok(c.add({ a: 3, b: 2 }) === 1);
 * ```
 */
export class Cross extends StreamingIndicator<CrossInput, number> {
  /** Inputs needed before the first result: 2. */
  readonly warmup = 2;
  #a = NaN;
  #b = NaN;
  #seen = false;
  #saved: [number, number, boolean] = [NaN, NaN, false];

  protected step({ a, b }: CrossInput): number | null {
    const a0 = this.#a, b0 = this.#b, seen = this.#seen;
    this.#a = a, this.#b = b, this.#seen = true;
    if (!seen) return null;
    return a0 < b0 && a > b ? 1 : a0 > b0 && a < b ? -1 : 0;
  }
  protected save(): void {
    this.#saved = [this.#a, this.#b, this.#seen];
  }
  protected restore(): void {
    [this.#a, this.#b, this.#seen] = this.#saved;
  }
  protected clear(): void {
    this.#a = NaN, this.#b = NaN, this.#seen = false;
  }
}
