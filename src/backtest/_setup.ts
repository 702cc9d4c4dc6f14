/**
 * What the runs of one `Backtest` call share: the per-symbol split of the bars
 * on their calendar, validated settings, the indicator cache, and the market
 * series of the stats. Internal to the backtest modules. Nothing here is kept
 * between calls: each `run()` (and each `optimize()`, for all of its rows)
 * prepares the bars afresh, so bars edited in place are never read stale.
 *
 * @module
 */

import type { BarsLike } from "../core/plain_bars.ts";
import { ConfigError } from "../core/errors.ts";
import type { BrokerSettings } from "./_broker.ts";
import type { BacktestOptions } from "./backtest.ts";
import type { IndicatorOutput } from "./strategy.ts";

/** A benchmark series for Alpha and Beta: closes on dates (epoch days, ascending). */
export interface Benchmark {
  /** Its name, e.g. `"^AXJO"`. */
  symbol: string;
  /** Dates (epoch days), ascending. */
  dates: Int32Array;
  /** Closes. */
  close: Float64Array;
}

/** Validated settings of a run: the broker's, plus cash, annualisation and the end rule. */
export interface RunSettings extends BrokerSettings {
  /** Initial cash. */
  readonly cash: number;
  /** Bars per year. */
  readonly annualization: number;
  /** Leave trades open at the end. */
  readonly keepOpen: boolean;
  /** The benchmark, if any. */
  readonly benchmark: Benchmark | undefined;
}

/**
 * Cache of indicator outputs keyed by function and arguments (arrays by
 * identity), for the runs of one call: never kept beyond it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { IndicatorCache } from "./_setup.ts";
 * const cache = new IndicatorCache();
 * const xs = new Float64Array([1, 2, 3]);
 * let calls = 0;
 * const double = (v: Float64Array) => (calls++, v.map((x) => 2 * x));
 * cache.get(double, [xs]);
 * cache.get(double, [xs]);
 * assert.equal(calls, 1);
 * ```
 */
export class IndicatorCache {
  /** A trie keyed by the function, then each argument (objects by identity, the rest by value). */
  #root: CacheNode = { next: new Map(), hit: undefined };
  #size = 0;

  /** Number of cached outputs. */
  get size(): number {
    return this.#size;
  }

  /**
   * The output of `fn(...args)`, computed once.
   *
   * @param fn The indicator function.
   * @param args Its arguments (arrays and objects are keyed by identity, the rest by value).
   * @returns The output and its warm-up (index of the first bar where every series is defined).
   * @throws {TypeError} When the function returns something other than a Float64Array or a record of them.
   */
  get(
    fn: (...args: never[]) => IndicatorOutput,
    args: unknown[],
  ): { value: IndicatorOutput; warm: number } {
    let node = child(this.#root, fn);
    for (let k = 0; k < args.length; k++) node = child(node, args[k]);
    let hit = node.hit;
    if (!hit) {
      const value = (fn as (...a: unknown[]) => IndicatorOutput)(...args);
      hit = node.hit = { value, warm: warmupOf(value, fn.name) };
      this.#size++;
    }
    return hit;
  }
}

/** One level of the {@link IndicatorCache} trie: the output for the key so far, and longer keys. */
interface CacheNode {
  next: Map<unknown, CacheNode>;
  hit: { value: IndicatorOutput; warm: number } | undefined;
}

function child(node: CacheNode, key: unknown): CacheNode {
  let c = node.next.get(key);
  if (!c) node.next.set(key, c = { next: new Map(), hit: undefined });
  return c;
}

function warmupOf(value: IndicatorOutput, name: string): number {
  const series = value instanceof Float64Array ? [value] : Object.values(value);
  let warm = 0;
  for (const s of series) {
    if (!(s instanceof Float64Array)) {
      throw new TypeError(
        `Indicator "${name || "anonymous"}" must return a Float64Array or a record of them`,
      );
    }
    let k = 0;
    while (k < s.length && s[k] !== s[k]) k++;
    if (k > warm) warm = k;
  }
  return warm;
}

/** Bars split per symbol on a shared calendar, prepared once per bars object. */
export interface Prepared {
  symbols: string[];
  open: Float64Array[];
  high: Float64Array[];
  low: Float64Array[];
  close: Float64Array[];
  volume: Float64Array[];
  dates: Int32Array[];
  calendar: Int32Array;
  /** Calendar index of each symbol's bars. */
  barOf: Int32Array[];
}

/**
 * Splits bars per symbol on their shared calendar. Called per run (or per sweep):
 * nothing is kept between calls, so bars edited in place are read afresh.
 */
export function prepare(bars: BarsLike): Prepared {
  const ranges = bars.ranges();
  if (ranges.size === 0) throw new ConfigError("Cannot backtest: the bars are empty");
  const all = {
    open: bars.open,
    high: bars.high,
    low: bars.low,
    close: bars.close,
    volume: bars.volume,
  };
  const dates = bars.dates;
  const p: Prepared = {
    symbols: [],
    open: [],
    high: [],
    low: [],
    close: [],
    volume: [],
    dates: [],
    calendar: new Int32Array(),
    barOf: [],
  };
  for (const [symbol, [s, e]] of ranges) {
    if (e <= s) continue;
    p.symbols.push(symbol);
    // The whole columns when one symbol fills them (the same arrays from run to run, so
    // an indicator cache shared by the runs of a sweep keys on them); else views.
    const whole = s === 0 && e === bars.length;
    const cut = <T extends Float64Array | Int32Array>(a: T) => whole ? a : a.subarray(s, e) as T;
    p.open.push(cut(all.open));
    p.high.push(cut(all.high));
    p.low.push(cut(all.low));
    p.close.push(cut(all.close));
    p.volume.push(cut(all.volume));
    const d = cut(dates);
    for (let i = 1; i < d.length; i++) {
      if (d[i]! <= d[i - 1]!) {
        throw new ConfigError(
          `Cannot backtest "${symbol}": its dates are not strictly ascending at row ${s + i}`,
        );
      }
    }
    p.dates.push(d);
  }
  if (p.symbols.length === 1) {
    p.calendar = p.dates[0]!;
    const at = new Int32Array(p.calendar.length);
    for (let i = 0; i < at.length; i++) at[i] = i;
    p.barOf = [at];
  } else {
    const days = new Set<number>();
    for (const d of p.dates) for (const x of d) days.add(x);
    p.calendar = Int32Array.from(days).sort();
    const index = new Map<number, number>();
    p.calendar.forEach((d, i) => index.set(d, i));
    p.barOf = p.dates.map((d) => Int32Array.from(d, (x) => index.get(x)!));
  }
  return p;
}

function checkNumber(
  name: string,
  v: number | undefined,
  lo: number,
  hi: number,
  loOpen = false,
): void {
  if (v === undefined) return;
  if (!(typeof v === "number" && (loOpen ? v > lo : v >= lo) && v <= hi)) {
    throw new ConfigError(
      `Option "${name}" must be a number ${loOpen ? ">" : "≥"} ${lo}${
        hi < Infinity ? ` and ≤ ${hi}` : ""
      }, got ${JSON.stringify(v)}`,
    );
  }
}

/**
 * Validates a run's options and resolves their defaults.
 *
 * @param options The run's options.
 * @returns The settings.
 * @throws {ConfigError} On an out-of-range number or an unknown `fillOn`.
 */
export function runSettings(options: BacktestOptions): RunSettings {
  checkNumber("cash", options.cash, 0, Infinity, true);
  checkNumber("commission", options.commission, 0, 1);
  checkNumber("minFee", options.minFee, 0, Infinity);
  checkNumber("slippage", options.slippage, 0, 1);
  checkNumber("spread", options.spread, 0, 1);
  checkNumber("size", options.size, 0, 1, true);
  checkNumber("annualization", options.annualization, 0, Infinity, true);
  if (options.fillOn !== undefined && options.fillOn !== "open" && options.fillOn !== "close") {
    throw new ConfigError(
      `Option "fillOn" must be "open" or "close", got ${JSON.stringify(options.fillOn)}`,
    );
  }
  if (options.keepOpen !== undefined && typeof options.keepOpen !== "boolean") {
    throw new ConfigError(
      `Option "keepOpen" must be true or false, got ${JSON.stringify(options.keepOpen)}`,
    );
  }
  const b = options.benchmark;
  if (
    b !== undefined &&
    !(b && typeof b.symbol === "string" && b.dates instanceof Int32Array &&
      b.close instanceof Float64Array && b.dates.length === b.close.length)
  ) {
    throw new ConfigError(
      `Option "benchmark" must be { symbol, dates: Int32Array, close: Float64Array } of equal lengths`,
    );
  }
  return {
    cash: options.cash ?? 100_000,
    commission: options.commission ?? 0,
    minFee: options.minFee ?? 0,
    spread: options.spread ?? 0,
    slippage: options.slippage ?? 0,
    size: options.size ?? 1,
    fillOnClose: options.fillOn === "close",
    annualization: options.annualization ?? 252,
    keepOpen: options.keepOpen ?? false,
    benchmark: b,
  };
}

/**
 * The market series for Beta: the benchmark's closes on the calendar, else the
 * symbol's own closes (one symbol) or an equal-weight index (a universe). The
 * same for every run of a call.
 *
 * @param p The prepared bars.
 * @param benchmark A benchmark, if any.
 * @returns The series, one value per calendar bar.
 * @throws {ConfigError} When the benchmark has no data within the calendar.
 */
export function marketSeries(p: Prepared, benchmark: Benchmark | undefined): Float64Array {
  const T = p.calendar.length;
  if (benchmark) return alignBenchmark(benchmark, p.calendar);
  return p.symbols.length === 1 ? p.close[0]! : equalWeightIndex(p, T);
}

/**
 * Buy & hold (per symbol from the close of its first warm bar, averaged) and the
 * market's return over the same span for Alpha.
 *
 * @param p The prepared bars.
 * @param warm Each symbol's warm-up (index of its first bar with every indicator defined).
 * @param market The market series.
 * @param benchmark Whether the market is a benchmark (else its return is the buy & hold's).
 * @returns Buy & hold return and market return (fractions).
 */
export function buyAndHold(
  p: Prepared,
  warm: Int32Array,
  market: Float64Array,
  benchmark: boolean,
): { bh: number; marketReturn: number } {
  const S = p.symbols.length, T = p.calendar.length;
  let bh = 0;
  let startBar = T - 1;
  for (let s = 0; s < S; s++) {
    const c = p.close[s]!;
    const w = Math.min(warm[s]!, c.length - 1);
    bh += c[c.length - 1]! / c[w]! - 1;
    startBar = Math.min(startBar, p.barOf[s]![w]!);
  }
  bh /= S;
  return { bh, marketReturn: benchmark ? market[T - 1]! / market[startBar]! - 1 : bh };
}

/** Benchmark closes on the calendar, carried forward over its missing days. */
function alignBenchmark(b: Benchmark, calendar: Int32Array): Float64Array {
  const out = new Float64Array(calendar.length);
  let k = 0;
  let last = NaN;
  for (let t = 0; t < calendar.length; t++) {
    while (k < b.dates.length && b.dates[k]! <= calendar[t]!) last = b.close[k++]!;
    out[t] = last;
  }
  // Before the benchmark starts: use its first value (flat).
  const first = out.findIndex((v) => v === v);
  if (first < 0) {
    throw new ConfigError(`Benchmark "${b.symbol}" has no data within the backtest's dates`);
  }
  out.fill(out[first]!, 0, first);
  return out;
}

/** An equal-weight index of the symbols' daily close returns (those trading that day). */
function equalWeightIndex(p: Prepared, T: number): Float64Array {
  const sum = new Float64Array(T), count = new Float64Array(T);
  for (let s = 0; s < p.symbols.length; s++) {
    const c = p.close[s]!, at = p.barOf[s]!;
    for (let j = 1; j < c.length; j++) {
      sum[at[j]!]! += c[j]! / c[j - 1]! - 1;
      count[at[j]!]!++;
    }
  }
  const out = new Float64Array(T);
  out[0] = 1;
  for (let t = 1; t < T; t++) {
    out[t] = out[t - 1]! * (1 + (count[t]! > 0 ? sum[t]! / count[t]! : 0));
  }
  return out;
}
