/**
 * A deterministic synthetic ASX market for tests and benchmarks: one seed gives
 * the same bytes on every machine (xoshiro128** seeded per symbol through
 * splitmix32; no `Math.random`).
 *
 * Each symbol follows a geometric random walk whose daily variance follows a
 * GARCH(1,1) recursion (volatility clusters), split into an overnight gap
 * (open ≠ previous close) and an intraday move, with wicks around the body so
 * that low ≤ open, close ≤ high, prices on the ASX tick grid (0.001 below
 * $0.10, 0.005 to $2, 0.01 above), whole-share volumes that cluster with
 * volatility, occasional suspensions (runs of trading days with no row; the
 * price keeps moving underneath, so the first bar back gaps) and occasional
 * splits or consolidations (the price level jumps by the ratio, volume scales
 * inversely, and `adjusted_close` is back-adjusted for every later split).
 * There are no dividends: `adjusted_close` reflects splits only.
 *
 * A symbol's series depends only on the seed, its name, `start` and `days` — not
 * on which other symbols are generated — so one symbol can be regenerated alone.
 *
 * @module
 */

import { isTradingDay } from "./calendar.ts";
import { ConfigError } from "./errors.ts";
import { parseDate } from "./dates.ts";
import { allocOhlcv, concatOhlcv, type OhlcvColumns, PRICE_COLUMNS } from "./ohlcv_columns.ts";
import { validateSymbol } from "./symbol.ts";

/** Options of {@link syntheticBars} and {@link syntheticSymbolChunks}. */
export interface SyntheticOptions {
  /** How many symbols (named `S0001.AX`, `S0002.AX`, …) or the tickers themselves. */
  symbols: number | readonly string[];
  /** First date, `YYYY-MM-DD`; the first bar falls on the first trading day on or after it. */
  start: string;
  /** Trading days to span (ASX calendar: weekdays, minus holidays where the calendar covers them). */
  days: number;
  /** The seed: any safe integer. */
  seed: number;
  /** Chance per symbol and trading day that a suspension begins. @default {0.0005} */
  suspensionRate?: number;
  /** Mean suspension length in trading days (geometric). @default {15} */
  suspensionMeanDays?: number;
  /** Chance per symbol and trading day of a split or consolidation. @default {0.0002} */
  splitRate?: number;
}

/** A split (ratio > 1, e.g. 2 for 2-for-1) or consolidation (ratio < 1, e.g. 0.1 for 1-for-10). */
export interface SyntheticSplit {
  /** The ticker. */
  symbol: string;
  /** Epoch day of the first bar on the new basis. */
  date: number;
  /** New shares per old share; prices divide by it from `date` on. */
  ratio: number;
}

/** A run of trading days on which a symbol has no bar. */
export interface SyntheticSuspension {
  /** The ticker. */
  symbol: string;
  /** First missing trading day, epoch day. */
  start: number;
  /** Last missing trading day, epoch day. */
  end: number;
  /** Missing trading days. */
  days: number;
}

/** One symbol's bars and events, as yielded by {@link syntheticSymbolChunks}. */
export interface SyntheticSymbolChunk {
  /** The ticker. */
  symbol: string;
  /** Its bars, ascending by date. */
  columns: OhlcvColumns;
  /** Its splits, ascending. */
  splits: SyntheticSplit[];
  /** Its suspensions, ascending. */
  suspensions: SyntheticSuspension[];
}

/** A whole synthetic market, as returned by {@link syntheticBars}. */
export interface SyntheticMarket {
  /** Bars sorted by symbol, then date. */
  columns: OhlcvColumns;
  /** Every split, by symbol then date. */
  splits: SyntheticSplit[];
  /** Every suspension, by symbol then start. */
  suspensions: SyntheticSuspension[];
}

/**
 * The default ticker names: `S0001.AX` … zero-padded to at least four digits.
 *
 * @param count How many.
 * @returns The names, in sorted order.
 * @throws {ConfigError} When `count` is not a positive integer up to 1,000,000.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { syntheticSymbolNames } from "./synthetic.ts";
 * assert.ok(syntheticSymbolNames(2).join() === "S0001.AX,S0002.AX");
 * ```
 */
export function syntheticSymbolNames(count: number): string[] {
  if (!Number.isInteger(count) || count < 1 || count > 1_000_000) {
    throw new ConfigError(
      `Invalid symbol count ${count}: expected an integer from 1 to 1000000`,
    );
  }
  const width = Math.max(4, String(count).length);
  return Array.from({ length: count }, (_, i) => `S${String(i + 1).padStart(width, "0")}.AX`);
}

/**
 * The first `days` ASX trading days on or after `start`.
 *
 * @param start `YYYY-MM-DD`.
 * @param days How many.
 * @returns Epoch days, ascending.
 * @throws {ConfigError} When `start` is malformed or `days` is not a positive integer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { syntheticDates } from "./synthetic.ts";
 * assert.ok(syntheticDates("2016-03-25", 1)[0] === 16_889); // 2016-03-29, after Easter
 * ```
 */
export function syntheticDates(start: string, days: number): Int32Array {
  if (!Number.isInteger(days) || days < 1 || days > 100_000) {
    throw new ConfigError(
      `Invalid days ${days}: expected an integer from 1 to 100000 trading days`,
    );
  }
  const out = new Int32Array(days);
  let d = parseDate(start), n = 0;
  while (n < days) {
    if (isTradingDay(d)) out[n++] = d;
    d++;
  }
  return out;
}

// ---- PRNG: splitmix32 to seed, xoshiro128** to draw ----------------------------------------

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** xoshiro128** state (one generator at a time: each symbol is generated in one synchronous call). */
const X = new Int32Array(4);
/** Spare normal of the polar method, and whether it is valid. */
let spare = 0, hasSpare = false;

function seedRng(seed: number): void {
  const st = { s: seed | 0 };
  for (let i = 0; i < 4; i++) X[i] = splitmix32(st);
  if ((X[0]! | X[1]! | X[2]! | X[3]!) === 0) X[0] = 1;
  hasSpare = false;
}

/** Uniform in [0, 1) from xoshiro128**. */
function uniform(): number {
  const s0 = X[0]!, s1 = X[1]!, s2 = X[2]!, s3 = X[3]!;
  const r = Math.imul(s1, 5);
  const result = Math.imul((r << 7) | (r >>> 25), 9) >>> 0;
  const t = s1 << 9;
  const n2 = s2 ^ s0, n3 = s3 ^ s1;
  X[1] = s1 ^ n2;
  X[0] = s0 ^ n3;
  X[2] = n2 ^ t;
  X[3] = (n3 << 11) | (n3 >>> 21);
  return result / 4294967296;
}

/** Standard normal (Marsaglia polar, spare cached). */
function normal(): number {
  if (hasSpare) {
    hasSpare = false;
    return spare;
  }
  let u: number, v: number, q: number;
  do {
    u = 2 * uniform() - 1;
    v = 2 * uniform() - 1;
    q = u * u + v * v;
  } while (q >= 1 || q === 0);
  const m = Math.sqrt(-2 * Math.log(q) / q);
  spare = v * m;
  hasSpare = true;
  return u * m;
}

function symbolSeed(seed: number, symbol: string): number {
  // FNV-1a over the name, mixed with both halves of the seed.
  let h = 0x811c9dc5;
  for (let i = 0; i < symbol.length; i++) h = Math.imul(h ^ symbol.charCodeAt(i), 0x01000193);
  const st = { s: (h ^ (seed | 0)) | 0 };
  splitmix32(st);
  st.s = (st.s ^ Math.floor(seed / 4294967296)) | 0;
  return splitmix32(st);
}

/** Rounds to the ASX tick grid for the price level; monotone, so order is preserved. */
function tick(p: number): number {
  if (p < 0.1) return Math.max(0.001, Math.round(p * 1000) / 1000);
  if (p < 2) return Math.round(p * 200) / 200;
  return Math.round(p * 100) / 100;
}

const SPLITS_UP = [2, 3, 4, 5, 10];
const SPLITS_MID = [2, 3, 4, 5, 10, 0.5];
const CONSOLIDATIONS = [0.1, 0.2, 0.05, 0.5];

/**
 * e^x: a degree-8 Taylor polynomial for |x| ≤ 0.25 (relative error < 1e-11, and
 * plain + and × give the same bits everywhere), `Math.exp` beyond.
 */
function expm(x: number): number {
  if (x > 0.25 || x < -0.25) return Math.exp(x);
  return 1 +
    x *
      (1 +
        x *
          (1 / 2 +
            x *
              (1 / 6 + x * (1 / 24 + x * (1 / 120 + x * (1 / 720 + x * (1 / 5040 + x / 40320)))))));
}

function checkOptions(options: SyntheticOptions): { names: string[]; dates: Int32Array } {
  const { seed } = options;
  if (!Number.isSafeInteger(seed)) {
    throw new ConfigError(`Invalid seed ${seed}: expected a safe integer`);
  }
  for (
    const [key, value, max] of [
      ["suspensionRate", options.suspensionRate, 1],
      ["splitRate", options.splitRate, 1],
      ["suspensionMeanDays", options.suspensionMeanDays, 10_000],
    ] as const
  ) {
    if (value !== undefined && !(value >= 0 && value <= max)) {
      throw new ConfigError(`Invalid ${key} ${value}: expected a number from 0 to ${max}`);
    }
  }
  const names = typeof options.symbols === "number"
    ? syntheticSymbolNames(options.symbols)
    : [...options.symbols].map(validateSymbol).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (let i = 1; i < names.length; i++) {
    if (names[i] === names[i - 1]) throw new ConfigError(`Duplicate symbol "${names[i]}"`);
  }
  if (names.length === 0) {
    throw new ConfigError("No symbols: expected a count or at least one ticker");
  }
  return { names, dates: syntheticDates(options.start, options.days) };
}

function generateSymbol(
  symbol: string,
  dates: Int32Array,
  options: SyntheticOptions,
): SyntheticSymbolChunk {
  seedRng(symbolSeed(options.seed, symbol));
  const suspensionRate = options.suspensionRate ?? 0.0005;
  const suspensionMean = Math.max(1, options.suspensionMeanDays ?? 15);
  const splitRate = options.splitRate ?? 0.0002;
  const D = dates.length;
  const out = allocOhlcv(0);
  for (const k of PRICE_COLUMNS) out[k] = new Float64Array(D);
  out.date = new Int32Array(D);
  // Per-symbol parameters.
  const sigmaL = Math.exp(Math.log(0.008) + uniform() * Math.log(0.035 / 0.008)); // daily
  const alpha = 0.05 + 0.05 * uniform();
  const beta = 0.97 - alpha;
  const omega = sigmaL * sigmaL * (1 - alpha - beta);
  const mu = (0.04 + 0.08 * normal()) / 252;
  let price = Math.exp(Math.log(0.02) + uniform() * Math.log(150 / 0.02)); // last close (latent while suspended)
  let h = sigmaL * sigmaL;
  let volScale = Math.exp(Math.log(2e3) + uniform() * Math.log(2e7 / 2e3)) / sigmaL;
  let lv = 0;
  const gapShare = 0.2 + 0.15 * uniform();
  const gapSd = Math.sqrt(gapShare), daySd = Math.sqrt(1 - gapShare);
  const splits: SyntheticSplit[] = [];
  const suspensions: SyntheticSuspension[] = [];
  const splitAt: number[] = []; // output row of each split
  let suspendedLeft = 0, suspensionStart = -1;
  let n = 0;
  for (let t = 0; t < D; t++) {
    // Latent dynamics run every trading day, listed or not.
    const sd = Math.sqrt(h);
    const z = normal();
    const eps = sd * z;
    const gap = gapSd * eps;
    const intraday = daySd * eps + mu;
    h = omega + alpha * eps * eps + beta * h;
    // AR(1) log-volume noise; the sum of three uniforms stands in for a normal (variance 1).
    lv = 0.9 * lv + 0.25 * 2 * (uniform() + uniform() + uniform() - 1.5);
    if (suspendedLeft === 0 && t > 0 && uniform() < suspensionRate) {
      // Geometric length with the given mean, at least one day.
      suspendedLeft = 1 + Math.floor(Math.log(1 - uniform()) / Math.log(1 - 1 / suspensionMean));
      suspensionStart = t;
    }
    if (suspendedLeft > 0) {
      price *= expm(gap + intraday);
      if (--suspendedLeft === 0 || t === D - 1) {
        suspensions.push({
          symbol,
          start: dates[suspensionStart]!,
          end: dates[t]!,
          days: t - suspensionStart + 1,
        });
        suspendedLeft = 0;
      }
      continue;
    }
    const u = uniform();
    if (n > 0 && u < splitRate * (price < 0.01 ? 20 : 1)) { // penny stocks consolidate
      const table = price < 1 ? CONSOLIDATIONS : price > 20 ? SPLITS_UP : SPLITS_MID;
      const ratio = table[Math.floor(uniform() * table.length)]!;
      price /= ratio;
      volScale *= ratio;
      splits.push({ symbol, date: dates[t]!, ratio });
      splitAt.push(n);
    }
    const rawOpen = price * expm(gap);
    const open = tick(rawOpen);
    const close = tick(rawOpen * expm(intraday));
    const wick = 1.2 * sd; // u² has mean 1/3: mean wick 0.4 sd
    const w1 = uniform(), w2 = uniform();
    const hi = tick((open > close ? open : close) * (1 + w1 * w1 * wick));
    const lo = tick((open < close ? open : close) / (1 + w2 * w2 * wick));
    const shock = (z < 0 ? -z : z) - 0.8; // E|z| ≈ 0.8
    out.date[n] = dates[t]!;
    out.open[n] = open;
    out.high[n] = hi;
    out.low[n] = lo;
    out.close[n] = close;
    out.volume[n] = Math.round(volScale * sd * Math.exp(lv + 0.6 * shock));
    n++;
    price = close;
  }
  // Back-adjust for splits: before a split with ratio R, adjusted = close / R.
  let factor = 1, k = splitAt.length - 1;
  for (let i = n - 1; i >= 0; i--) {
    out.adjusted_close[i] = out.close[i]! * factor;
    while (k >= 0 && splitAt[k] === i) {
      factor /= splits[k]!.ratio;
      k--;
    }
  }
  const columns: OhlcvColumns = {
    symbol: new Array<string>(n).fill(symbol),
    date: out.date.slice(0, n),
    open: out.open.slice(0, n),
    high: out.high.slice(0, n),
    low: out.low.slice(0, n),
    close: out.close.slice(0, n),
    volume: out.volume.slice(0, n),
    adjusted_close: out.adjusted_close.slice(0, n),
  };
  return { symbol, columns, splits, suspensions };
}

/**
 * Generates the market one symbol at a time, in symbol order, so a large lake
 * (5,350 symbols × 4,100 days ≈ 22 M rows) can be written without holding it all.
 *
 * @param options Symbols, start, trading days, seed, event rates.
 * @returns A generator of per-symbol chunks (bars ascending by date, plus events).
 * @throws {ConfigError} When an option is invalid (bad count, date, seed, rate or duplicate ticker);
 *   thrown on the first `next()`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { syntheticSymbolChunks } from "./synthetic.ts";
 * let rows = 0;
 * for (const chunk of syntheticSymbolChunks({ symbols: 3, start: "2020-01-01", days: 50, seed: 7 })) {
 *   rows += chunk.columns.date.length;
 * }
 * assert.ok(rows > 0 && rows <= 150);
 * ```
 */
export function* syntheticSymbolChunks(
  options: SyntheticOptions,
): Generator<SyntheticSymbolChunk, void, undefined> {
  const { names, dates } = checkOptions(options);
  for (const symbol of names) yield generateSymbol(symbol, dates, options);
}

/**
 * Generates a whole synthetic market in memory.
 *
 * @param options Symbols, start, trading days, seed, event rates.
 * @returns Bars sorted by symbol then date, with the splits and suspensions.
 * @throws {ConfigError} When an option is invalid.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { syntheticBars } from "./synthetic.ts";
 * const a = syntheticBars({ symbols: 2, start: "2020-01-01", days: 20, seed: 1 });
 * const b = syntheticBars({ symbols: 2, start: "2020-01-01", days: 20, seed: 1 });
 * assert.ok(a.columns.close.every((x, i) => x === b.columns.close[i]));
 * assert.ok(a.columns.symbol[0] === "S0001.AX");
 * ```
 */
export function syntheticBars(options: SyntheticOptions): SyntheticMarket {
  const parts: OhlcvColumns[] = [];
  const splits: SyntheticSplit[] = [];
  const suspensions: SyntheticSuspension[] = [];
  for (const chunk of syntheticSymbolChunks(options)) {
    parts.push(chunk.columns);
    splits.push(...chunk.splits);
    suspensions.push(...chunk.suspensions);
  }
  return { columns: concatOhlcv(parts), splits, suspensions };
}
