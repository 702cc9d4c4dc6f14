/**
 * Timing and memory helpers for the lake bench (private): wall-clock time,
 * peak RSS both sampled (`Deno.memoryUsage().rss` every 20 ms, which misses
 * peaks inside synchronous wasm calls) and from the kernel's high-water mark
 * (`VmHWM`, reset through `/proc/self/clear_refs` where Linux allows it).
 *
 * @module
 */

/** One timed call. */
export interface Timed<T> {
  /** The call's value, or undefined when it threw. */
  value?: T;
  /** What it threw. */
  error?: unknown;
  /** Wall-clock milliseconds. */
  ms: number;
  /** Highest sampled RSS during the call, bytes. */
  peakRssSampled: number;
  /** Kernel high-water mark of RSS during the call (bytes), when it could be reset first. */
  peakRssHwm?: number;
}

function hwm(): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(Deno.readTextFileSync("/proc/self/status"));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

function resetHwm(): boolean {
  try {
    Deno.writeTextFileSync("/proc/self/clear_refs", "5");
    return true;
  } catch {
    return false;
  }
}

/**
 * Times `fn`, sampling RSS, and catching what it throws.
 *
 * @param fn The work.
 * @returns Time, peaks, value or error.
 */
export async function timed<T>(fn: () => Promise<T>): Promise<Timed<T>> {
  const canReset = resetHwm();
  let peak = Deno.memoryUsage().rss;
  // Typed as a number: two @types/node versions (apache-arrow 13 and 21 each bring one)
  // disagree on the timer type.
  const timer = setInterval(() => {
    const r = Deno.memoryUsage().rss;
    if (r > peak) peak = r;
  }, 20) as unknown as number;
  const t0 = performance.now();
  const out: Timed<T> = { ms: 0, peakRssSampled: 0 };
  try {
    out.value = await fn();
  } catch (err) {
    out.error = err;
  }
  out.ms = performance.now() - t0;
  clearInterval(timer);
  peak = Math.max(peak, Deno.memoryUsage().rss);
  out.peakRssSampled = peak;
  const h = canReset ? hwm() : undefined;
  if (h !== undefined) out.peakRssHwm = h;
  return out;
}

/**
 * Best (minimum) time of `n` runs of `fn`, after none (the caller warms up).
 *
 * @param n Runs.
 * @param fn The work; its value's row count is taken by `rows`.
 * @param rows How many rows a value holds.
 * @returns Best and all times, and the rows of the last run.
 */
export async function bestOf<T>(
  n: number,
  fn: () => Promise<T>,
  rows: (v: T) => number,
): Promise<{ bestMs: number; runsMs: number[]; rows: number }> {
  const runs: number[] = [];
  let last = 0;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const v = await fn();
    runs.push(performance.now() - t0);
    last = rows(v);
  }
  return { bestMs: Math.min(...runs), runsMs: runs.map(round1), rows: last };
}

/**
 * Rounds to 0.1.
 *
 * @param x A number.
 * @returns It, to one decimal.
 */
export function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

/**
 * Formats bytes as MiB/GiB.
 *
 * @param n Bytes.
 * @returns e.g. `"1.4 GiB"`.
 */
export function mib(n: number | undefined): string {
  if (n === undefined) return "–";
  return n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(2)} GiB` : `${(n / 2 ** 20).toFixed(0)} MiB`;
}
