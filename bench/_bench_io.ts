/**
 * Shared definitions and binary I/O of the indicator bench: the indicator list, output
 * names, and the files exchanged with the peer subprocesses.
 *
 * Input file: int64 n, then n doubles each of high, low, close, volume.
 * Output file: for each indicator in order, each of its output series as n doubles,
 * aligned with the input (NaN where the peer gives no value).
 *
 * @module
 */

/** The ten benchmarked indicators, in file order. */
export const NAMES = [
  "sma",
  "ema",
  "wma",
  "rsi",
  "macd",
  "stochastic",
  "bollinger",
  "atr",
  "obv",
  "vwap",
] as const;
/** One of {@link NAMES}. */
export type Name = typeof NAMES[number];
/** Output series per indicator, in file order. */
export const OUTPUTS: Record<Name, string[]> = {
  sma: ["sma"],
  ema: ["ema"],
  wma: ["wma"],
  rsi: ["rsi"],
  macd: ["macd", "signal", "histogram"],
  stochastic: ["k", "d"],
  bollinger: ["upper", "middle", "lower"],
  atr: ["atr"],
  obv: ["obv"],
  vwap: ["vwap"],
};
/** Named output series of one indicator run. */
export type Outputs = Record<string, ArrayLike<number>>;

/** The columns the bench feeds to every peer. */
export interface BenchBars {
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

/**
 * Reads an input file written by `writeHarnessInput`.
 *
 * @param path The file.
 * @returns The columns.
 */
export function readBars(path: string): BenchBars {
  const bytes = Deno.readFileSync(path);
  const n = Number(new DataView(bytes.buffer).getBigInt64(0, true));
  const all = new Float64Array(bytes.buffer, 8, 4 * n);
  return {
    high: all.subarray(0, n),
    low: all.subarray(n, 2 * n),
    close: all.subarray(2 * n, 3 * n),
    volume: all.subarray(3 * n, 4 * n),
  };
}

/**
 * A peer's series as n doubles: a shorter series (trimmed warm-up) is aligned on its
 * last value; missing values become NaN.
 *
 * @param series The peer's values.
 * @param n The input length.
 * @returns The aligned series.
 */
export function alignRight(series: ArrayLike<number>, n: number): Float64Array {
  const out = new Float64Array(n).fill(NaN);
  const shift = n - series.length;
  for (let i = Math.max(0, shift); i < n; i++) {
    const v = series[i - shift];
    out[i] = typeof v === "number" ? v : NaN;
  }
  return out;
}

/**
 * Reads one output series from a peer's output file.
 *
 * @param path The file.
 * @param n The input length.
 * @param names The indicators the file holds, in order.
 * @param name The indicator.
 * @param output The output series' name.
 * @returns The series, or null when the file does not hold it.
 */
export function readSeries(
  path: string,
  n: number,
  names: readonly Name[],
  name: Name,
  output: string,
): Float64Array | null {
  let k = 0;
  for (const x of names) {
    for (const o of OUTPUTS[x]) {
      if (x === name && o === output) {
        const file = Deno.openSync(path, { read: true });
        try {
          file.seekSync(k * n * 8, Deno.SeekMode.Start);
          const buf = new Uint8Array(n * 8);
          for (let at = 0; at < buf.length;) {
            const got = file.readSync(buf.subarray(at));
            if (got === null) return null;
            at += got;
          }
          return new Float64Array(buf.buffer);
        } finally {
          file.close();
        }
      }
      k++;
    }
  }
  return null;
}

/**
 * The fastest of `reps` timed calls after `warm` untimed ones, in milliseconds.
 *
 * @param fn The work to time.
 * @param reps Timed calls.
 * @param warm Warm-up calls.
 * @returns The minimum wall time of one call.
 */
export function bestMs(fn: () => unknown, reps: number, warm: number): number {
  for (let i = 0; i < warm; i++) fn();
  let min = Infinity;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    min = Math.min(min, performance.now() - t0);
  }
  return min;
}
