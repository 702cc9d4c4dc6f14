/**
 * `Revealed`: a price or indicator series as `onBar` sees it, revealed up to the
 * current bar. It is a `Float64Array` as long as the whole series whose values
 * after the current bar are still `NaN`, and whose `at()` counts back from the
 * current bar, as backtesting.py's `self.data.Close[-1]` does:
 * `ctx.close.at(-1)` is this bar's close, `this.sma.at(-2)` the previous bar's
 * SMA. Indexing by the bar (`ctx.close[ctx.i]`) works too.
 *
 * @module
 */

/** Where a series' owner is: the index of the current bar. */
export interface Cursor {
  /** The current bar (symbol-local index). */
  readonly i: number;
}

/**
 * A series revealed up to the current bar.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Revealed } from "./revealed.ts";
 * const cursor = { i: 2 };
 * const s = new Revealed(5, cursor);
 * s.set([10, 11, 12]);
 * assert.equal(s.at(-1), 12); // the current bar
 * assert.equal(s.at(-2), 11); // the previous one
 * assert.ok(Number.isNaN(s.at(-4))); // before the first bar
 * assert.ok(Number.isNaN(s[3]!)); // not yet revealed
 * ```
 */
export class Revealed extends Float64Array {
  /** Derived arrays (`map`, `slice`, `subarray`…) are plain `Float64Array`s. */
  static get [Symbol.species](): Float64ArrayConstructor {
    return Float64Array;
  }

  readonly #cursor: Cursor;

  /**
   * @param length The whole series' length (all `NaN` until revealed).
   * @param cursor The owner whose current bar `at()` counts back from.
   */
  constructor(length: number, cursor: Cursor) {
    super(length);
    this.fill(NaN);
    this.#cursor = cursor;
  }

  /**
   * A value by position: `at(-1)` is the current bar's, `at(-2)` the previous
   * bar's; a position ≥ 0 is a bar index. `NaN` outside the bars revealed.
   *
   * @param index Negative: bars back from the current one (−1 is the current bar). Else a bar index.
   * @returns The value, or `NaN`.
   */
  override at(index: number): number {
    const i = this.#cursor.i;
    const k = index < 0 ? i + 1 + index : index;
    return k >= 0 && k <= i ? this[k]! : NaN;
  }
}
