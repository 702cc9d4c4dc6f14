/**
 * On-balance volume, TA-Lib `OBV`.
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
 * On-balance volume: a running total that adds the bar's volume when the close rises,
 * subtracts it when the close falls, and keeps it when the close is unchanged.
 *
 * Conventions (TA-Lib `OBV`): OBV starts at the first bar's volume (no warm-up). A NaN
 * close or volume gives NaN and restarts: the next bar's OBV is its own volume.
 *
 * @param close Closes.
 * @param volume Volumes (zero is fine: the total does not move).
 * @param out Optional buffer of `close.length` to write into.
 * @returns The OBV aligned with the input.
 * @throws {RangeError} When the series differ in length or `out` has the wrong length.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { obv } from "./obv.ts";
 * assert.ok(obv([10, 11, 10.5, 10.5], [100, 50, 30, 20]).join() === "100,150,120,120");
 * ```
 */
export function obv(close: Series, volume: Series, out?: Float64Array): Float64Array {
  const n = sameLength(["close", "volume"], [close, volume]);
  const o = outputBuffer(n, out);
  let i = 0;
  while (i < n) {
    const c0 = close[i]!, v0 = volume[i]!;
    if (c0 !== c0 || v0 !== v0) {
      o[i++] = NaN;
      continue;
    }
    let total = v0, prev = c0;
    o[i++] = total;
    for (; i < n; i++) {
      const c = close[i]!, v = volume[i]!;
      if (c !== c || v !== v) break;
      // branch-free ±v or 0 (exact: v·±1 is ±v, and total + 0 is total)
      total += v * (Number(c > prev) - Number(c < prev));
      prev = c;
      o[i] = total;
    }
    if (i < n) o[i++] = NaN;
  }
  return o;
}

/**
 * Streaming OBV; agrees bit for bit with {@link obv}. Reads `close` and `volume`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { OBV } from "./obv.ts";
 * const o = new OBV();
 * o.add({ high: 10, low: 10, close: 10, volume: 100 });
 * assert.ok(o.add({ high: 11, low: 11, close: 11, volume: 50 }) === 150);
 * ```
 */
export class OBV extends StreamingIndicator<BarInput, number> {
  /** Inputs needed before the first result: 1. */
  readonly warmup = 1;
  #total = NaN;
  #prev = NaN;
  #saved = [NaN, NaN];

  protected step(bar: BarInput): number | null {
    const c = bar.close, v = bar.volume ?? NaN;
    if (c !== c || v !== v) {
      this.#total = NaN, this.#prev = NaN;
      return null;
    }
    if (this.#prev !== this.#prev) this.#total = v;
    else if (c > this.#prev) this.#total += v;
    else if (c < this.#prev) this.#total -= v;
    this.#prev = c;
    return this.#total;
  }
  protected save(): void {
    this.#saved[0] = this.#total, this.#saved[1] = this.#prev;
  }
  protected restore(): void {
    this.#total = this.#saved[0]!, this.#prev = this.#saved[1]!;
  }
  protected clear(): void {
    this.#total = NaN, this.#prev = NaN;
  }
}
