/**
 * True range, TA-Lib `TRANGE`.
 *
 * @module
 */
import {
  type BarInput,
  outputBuffer,
  sameLength,
  type Series,
  StreamingIndicator,
} from "./indicator.ts";

/**
 * True range: `max(high - low, |high - prevClose|, |low - prevClose|)`.
 *
 * Conventions (TA-Lib `TRANGE`): it needs the previous close, so it starts at bar 1
 * (NaN at bar 0). A NaN in high, low or close gives NaN and restarts (the next bar has
 * no previous close, so it is NaN too).
 *
 * @param high Highs.
 * @param low Lows.
 * @param close Closes.
 * @param out Optional buffer of `close.length` to write into.
 * @returns True ranges aligned with the input.
 * @throws {RangeError} When the series differ in length or `out` has the wrong length.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { trueRange } from "./true_range.ts";
 * // bar 1 gaps up: |high 12 - prev close 9| = 3 beats high - low = 1
 * const tr = trueRange([10, 12], [8, 11], [9, 11.5]);
 * assert.ok(Number.isNaN(tr[0]) && tr[1] === 3);
 * ```
 */
export function trueRange(
  high: Series,
  low: Series,
  close: Series,
  out?: Float64Array,
): Float64Array {
  const n = sameLength(["high", "low", "close"], [high, low, close]);
  const o = outputBuffer(n, out);
  let prevClose = NaN;
  for (let i = 0; i < n; i++) {
    const h = high[i]!, l = low[i]!, c = close[i]!;
    let greatest = h - l;
    const a = Math.abs(prevClose - h);
    if (a > greatest) greatest = a;
    const b = Math.abs(prevClose - l);
    if (b > greatest) greatest = b;
    // NaN when prevClose is NaN (bar 0, after a gap) or any input is NaN
    o[i] = prevClose === prevClose && c === c ? greatest : NaN;
    prevClose = h === h && l === l ? c : NaN;
  }
  return o;
}

/**
 * The true range of one bar given the previous close (TA-Lib's operation order).
 *
 * @param h High.
 * @param l Low.
 * @param prevClose The previous bar's close.
 * @returns The true range.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { trueRangeOf } from "./true_range.ts";
 * assert.ok(trueRangeOf(12, 11, 9) === 3); // a gap up from 9
 * ```
 */
export function trueRangeOf(h: number, l: number, prevClose: number): number {
  let greatest = h - l;
  const a = Math.abs(prevClose - h);
  if (a > greatest) greatest = a;
  const b = Math.abs(prevClose - l);
  if (b > greatest) greatest = b;
  return greatest;
}

/**
 * Streaming true range; agrees bit for bit with {@link trueRange}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TrueRange } from "./true_range.ts";
 * const tr = new TrueRange();
 * tr.add({ high: 10, low: 8, close: 9 });
 * assert.ok(tr.add({ high: 12, low: 11, close: 11.5 }) === 3);
 * ```
 */
export class TrueRange extends StreamingIndicator<BarInput, number> {
  /** Inputs needed before the first result: 2. */
  readonly warmup = 2;
  #prevClose = NaN;
  #saved = NaN;

  protected step(bar: BarInput): number | null {
    const { high: h, low: l, close: c } = bar;
    const prev = this.#prevClose;
    this.#prevClose = h === h && l === l ? c : NaN;
    if (prev !== prev || h !== h || l !== l || c !== c) return null;
    return trueRangeOf(h, l, prev);
  }
  protected save(): void {
    this.#saved = this.#prevClose;
  }
  protected restore(): void {
    this.#prevClose = this.#saved;
  }
  protected clear(): void {
    this.#prevClose = NaN;
  }
}
