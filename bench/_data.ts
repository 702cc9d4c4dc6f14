/**
 * Deterministic synthetic daily bars for the benchmarks: a geometric random walk from a
 * seeded xorshift generator, with highs ≥ max(open, close), lows ≤ min(open, close) and
 * whole-share volumes. The same seed gives the same bytes on every machine.
 *
 * @module
 */

/** Synthetic OHLCV columns. */
export interface SyntheticBars {
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

/**
 * Generates `n` bars.
 *
 * @param n Number of bars.
 * @param seed Generator seed. @default {42}
 * @returns The columns.
 */
export function syntheticBars(n: number, seed = 42): SyntheticBars {
  let s = (seed >>> 0) || 1;
  const rand = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
  const open = new Float64Array(n), high = new Float64Array(n), low = new Float64Array(n);
  const close = new Float64Array(n), volume = new Float64Array(n);
  let price = 50;
  for (let i = 0; i < n; i++) {
    const o = price;
    price = Math.max(0.01, price * (1 + (rand() - 0.5) * 0.04));
    const c = price;
    open[i] = Math.round(o * 1000) / 1000;
    close[i] = Math.round(c * 1000) / 1000;
    high[i] = Math.round(Math.max(o, c) * (1 + rand() * 0.01) * 1000) / 1000;
    low[i] = Math.round(Math.min(o, c) * (1 - rand() * 0.01) * 1000) / 1000;
    volume[i] = Math.floor(rand() * 1_000_000);
  }
  return { open, high, low, close, volume };
}

/**
 * Writes the harness input file: int64 n, then n doubles each of high, low, close, volume.
 *
 * @param path Where to write.
 * @param bars The bars.
 */
export function writeHarnessInput(path: string, bars: SyntheticBars): void {
  const n = bars.close.length;
  const buf = new ArrayBuffer(8 + 32 * n);
  new DataView(buf).setBigInt64(0, BigInt(n), true);
  const f = new Float64Array(buf, 8);
  f.set(bars.high, 0);
  f.set(bars.low, n);
  f.set(bars.close, 2 * n);
  f.set(bars.volume, 3 * n);
  Deno.writeFileSync(path, new Uint8Array(buf));
}
