/**
 * The stats record of a backtest: one flat object whose keys are the ones
 * backtesting.py users read, computed with backtesting.py's definitions (see
 * DESIGN.md "Numbers we promise"), so results can be compared.
 *
 * Notation: E₀ … E_{N−1} the equity at each bar's close; A the bars per year
 * (252 for daily bars); dates in calendar days.
 *
 * | key | formula |
 * |---|---|
 * | `Start`, `End` | first and last date (`YYYY-MM-DD`) |
 * | `Duration` | End − Start in calendar days |
 * | `Exposure Time [%]` | 100 · (bars inside [entry bar, exit bar] of some trade in the statistics) / N |
 * | `Equity Final [$]`, `Equity Peak [$]` | E_{N−1}, max E |
 * | `Commissions [$]` | sum of the fees of the trades in the statistics (entry and exit) |
 * | `Return [%]` | 100 · (E_{N−1} − E₀) / E₀ |
 * | `Buy & Hold Return [%]` | 100 · (C_last / C_w − 1), C_w the close of the first bar on which every indicator is defined (mean over symbols for a universe) |
 * | `Return (Ann.) [%]` | r_t = E_t/E_{t−1} − 1 for all N−1 bars; g = exp(mean ln(1+r)) − 1 (0 when some 1+r ≤ 0); 100 · ((1+g)^A − 1) |
 * | `Volatility (Ann.) [%]` | 100 · sqrt((var(r, ddof 1) + (1+g)²)^A − (1+g)^(2A)) |
 * | `CAGR [%]` | 100 · ((E_{N−1}/E₀)^(365.25/Duration) − 1) |
 * | `Sharpe Ratio` | Return (Ann.) / Volatility (Ann.), risk-free 0 (NaN when the volatility is 0) |
 * | `Sortino Ratio` | Return (Ann.) / (sqrt(mean(min(r, 0)²)) · sqrt(A)), mean over all r (NaN when no r < 0) |
 * | `Calmar Ratio` | Return (Ann.) / abs(Max. Drawdown) (NaN without drawdown) |
 * | `Alpha [%]`, `Beta` | β = cov(ln E_t/E_{t−1}, ln M_t/M_{t−1}) / var(ln M_t/M_{t−1}), ddof 1, M the market (the traded symbol's closes, the universe's equal-weight index, or the benchmark); α = Return − β · market return (the Buy & Hold Return, or the benchmark's return over the same span) |
 * | `Max. Drawdown [%]` | dd_t = 1 − E_t / max_{u≤t} E_u; −100 · max dd (negative) |
 * | `Avg. Drawdown [%]` | −100 · mean of each episode's peak dd; episodes run between consecutive bars where dd = 0 (the last bar closes the last episode), counted when they hold at least one bar with dd > 0 between those two bars |
 * | `Max. Drawdown Duration`, `Avg. Drawdown Duration` | max and mean of the episodes' lengths in calendar days (date of the episode's end bar − date of its starting peak) |
 * | `# Trades` | number of trades in the statistics |
 * | `Win Rate [%]` | 100 · share of trades with PnL > 0 |
 * | `Best Trade [%]`, `Worst Trade [%]` | 100 · max / min trade return |
 * | `Avg. Trade [%]` | 100 · geometric mean of trade returns: exp(mean ln(1+R)) − 1 (0 when some 1+R ≤ 0) |
 * | `Max. Trade Duration`, `Avg. Trade Duration` | max / mean of exit date − entry date, calendar days |
 * | `Profit Factor` | Σ positive trade returns / abs(Σ negative trade returns) (NaN without losses) |
 * | `Expectancy [%]` | 100 · arithmetic mean of trade returns |
 * | `SQN` | sqrt(n) · mean(PnL) / std(PnL, ddof 1) (NaN when the std is 0 or n < 2) |
 * | `Kelly Criterion` | W − (1 − W) / (mean PnL of winners / abs(mean PnL of losers)), W the win rate |
 * | `Avg. Win [$]`, `Avg. Loss [$]` | mean PnL of winning / losing trades (the loss is negative) |
 *
 * The trades in the statistics are the closed ones: with `keepOpen`, a trade still
 * open at the end counts in the equity only (as backtesting.py's
 * `finalize_trades=False`), not in `# Trades`, the trade figures, the exposure
 * or the commissions.
 *
 * Undefined values (no trades, a zero denominator) are `NaN` (`null` in JSON).
 *
 * @module
 */

import { formatDate } from "../core/dates.ts";
import type { Trade } from "./result.ts";

/** The stat keys, in display order (exactly backtesting.py's names, plus Avg. Win/Loss). */
export const STAT_KEYS = [
  "Start",
  "End",
  "Duration",
  "Exposure Time [%]",
  "Equity Final [$]",
  "Equity Peak [$]",
  "Commissions [$]",
  "Return [%]",
  "Buy & Hold Return [%]",
  "Return (Ann.) [%]",
  "Volatility (Ann.) [%]",
  "CAGR [%]",
  "Sharpe Ratio",
  "Sortino Ratio",
  "Calmar Ratio",
  "Alpha [%]",
  "Beta",
  "Max. Drawdown [%]",
  "Avg. Drawdown [%]",
  "Max. Drawdown Duration",
  "Avg. Drawdown Duration",
  "# Trades",
  "Win Rate [%]",
  "Best Trade [%]",
  "Worst Trade [%]",
  "Avg. Trade [%]",
  "Max. Trade Duration",
  "Avg. Trade Duration",
  "Profit Factor",
  "Expectancy [%]",
  "SQN",
  "Kelly Criterion",
  "Avg. Win [$]",
  "Avg. Loss [$]",
] as const;

/** One of {@link STAT_KEYS}. */
export type StatKey = typeof STAT_KEYS[number];

/** The stats record: dates as `YYYY-MM-DD` strings, everything else a number (durations in days). */
export type Stats = { [K in StatKey]: K extends "Start" | "End" ? string : number };

/** A numeric stat key (everything but `Start` and `End`). */
export type NumericStatKey = Exclude<StatKey, "Start" | "End">;

/**
 * Whether a name is a numeric stat (one a sweep can maximise or pivot).
 *
 * @param key Any name.
 * @returns `true` for every stat key but `Start` and `End`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isNumericStat } from "./metrics.ts";
 * assert.ok(isNumericStat("SQN") && !isNumericStat("Start") && !isNumericStat("Sharpe"));
 * ```
 */
export function isNumericStat(key: string): key is NumericStatKey {
  return key !== "Start" && key !== "End" && (STAT_KEYS as readonly string[]).includes(key);
}

/** Inputs of {@link computeStats}. */
export interface StatsInput {
  /** Calendar dates (epoch days), one per equity value. */
  dates: Int32Array;
  /** Equity at each bar's close. */
  equity: Float64Array;
  /** Trades in the statistics (closed ones). */
  trades: readonly Trade[];
  /** Buy & hold return as a fraction. */
  buyHoldReturn: number;
  /** Market series for Beta, aligned with `dates`. */
  market: ArrayLike<number>;
  /** Market return (fraction) for Alpha. @default {buyHoldReturn} */
  marketReturn?: number;
  /** Bars per year. @default {252} */
  annualization?: number;
}

/**
 * The market's side of Beta, the same for every run over one market (a sweep
 * computes it once): its log returns and their sums.
 */
export interface MarketMoments {
  /** ln(M_t / M_{t−1}) for t ≥ 1. */
  readonly logReturns: Float64Array;
  /** Σ of the log returns. */
  readonly sum: number;
  /** Σ of their squares. */
  readonly sumSquares: number;
}

/**
 * A market series' log returns and their sums, for {@link statsOf}.
 *
 * @param market The market closes (or index), one per bar.
 * @returns Its moments.
 */
export function marketMoments(market: ArrayLike<number>): MarketMoments {
  const n = market.length;
  const logReturns = new Float64Array(Math.max(0, n - 1));
  let sum = 0, sumSquares = 0;
  for (let i = 1; i < n; i++) {
    const m = logReturns[i - 1] = logRatio(market[i]!, market[i - 1]!);
    sum += m;
    sumSquares += m * m;
  }
  return { logReturns, sum, sumSquares };
}

/** Inputs of {@link statsOf}: the run's curve and market, without its trades. */
export interface CurveInput {
  /** Calendar dates (epoch days), one per equity value. */
  dates: Int32Array;
  /** Equity at each bar's close. */
  equity: Float64Array;
  /** Buy & hold return as a fraction. */
  buyHoldReturn: number;
  /** The market's moments (see {@link marketMoments}). */
  market: MarketMoments;
  /** Market return (fraction) for Alpha. */
  marketReturn: number;
  /** Bars per year. */
  annualization: number;
}

/**
 * The trades in the statistics as columns (the portfolio's trade log is one):
 * the first `count` entries of each.
 */
export interface TradeColumns {
  /** Number of trades. */
  readonly count: number;
  /** PnL (cash). */
  readonly pnl: ArrayLike<number>;
  /** Return (fraction). */
  readonly ret: ArrayLike<number>;
  /** Fees (entry share and exit). */
  readonly commission: ArrayLike<number>;
  /** Calendar bar of the entry. */
  readonly entryBar: ArrayLike<number>;
  /** Calendar bar of the exit. */
  readonly exitBar: ArrayLike<number>;
}

/**
 * Geometric mean of returns: exp(mean ln(1+r)) − 1, 0 when some 1+r ≤ 0 (as backtesting.py).
 *
 * @param r Returns as fractions.
 * @returns The geometric mean (NaN for no returns).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { geometricMean } from "./metrics.ts";
 * assert.ok(Math.abs(geometricMean([0.1, -0.1]) - (Math.sqrt(0.99) - 1)) < 1e-15);
 * ```
 */
export function geometricMean(r: ArrayLike<number>): number {
  if (r.length === 0) return NaN;
  let s = 0;
  for (let i = 0; i < r.length; i++) {
    const x = 1 + r[i]!;
    if (!(x > 0)) return 0;
    s += Math.log(x);
  }
  return Math.exp(s / r.length) - 1;
}

function mean(xs: ArrayLike<number>): number {
  if (xs.length === 0) return NaN;
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return s / xs.length;
}

function maxOf(xs: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < xs.length; i++) if (xs[i]! > m) m = xs[i]!;
  return xs.length ? m : NaN;
}

function variance(xs: ArrayLike<number>): number {
  const n = xs.length;
  if (n < 2) return NaN;
  const m = mean(xs);
  let s = 0;
  for (let i = 0; i < n; i++) s += (xs[i]! - m) ** 2;
  return s / (n - 1);
}

/** `a / b`, NaN when b is 0 or NaN (backtesting.py's `x / (y or np.nan)`). */
function div(a: number, b: number): number {
  return b === 0 || b !== b ? NaN : a / b;
}

/**
 * Drawdown episodes as backtesting.py computes them.
 *
 * @param equity The equity curve.
 * @param dates Its dates (epoch days).
 * @returns Per-bar drawdown `dd`, and each episode's peak dd and duration in days.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { drawdowns } from "./metrics.ts";
 * const d = drawdowns(new Float64Array([100, 90, 100, 80, 90]), new Int32Array([0, 1, 2, 3, 4]));
 * assert.ok(d.peaks.length === 2 && Math.abs(d.peaks[1]! - 0.2) < 1e-15 && d.durations[1] === 2);
 * ```
 */
export function drawdowns(
  equity: ArrayLike<number>,
  dates: ArrayLike<number>,
): { dd: Float64Array; peaks: number[]; durations: number[] } {
  const n = equity.length;
  const dd = new Float64Array(n);
  let peak = -Infinity;
  for (let i = 0; i < n; i++) {
    if (equity[i]! > peak) peak = equity[i]!;
    dd[i] = 1 - equity[i]! / peak;
  }
  // Boundaries: bars where dd == 0, plus the last bar.
  const marks: number[] = [];
  for (let i = 0; i < n; i++) if (dd[i] === 0 || i === n - 1) marks.push(i);
  const peaks: number[] = [], durations: number[] = [];
  for (let k = 1; k < marks.length; k++) {
    const prev = marks[k - 1]!, at = marks[k]!;
    if (at <= prev + 1) continue;
    let m = 0;
    for (let i = prev; i <= at; i++) if (dd[i]! > m) m = dd[i]!;
    peaks.push(m);
    durations.push(dates[at]! - dates[prev]!);
  }
  return { dd, peaks, durations };
}

/**
 * Bars inside [entry bar, exit bar] of some trade (the union of the intervals).
 *
 * @param t The trades.
 * @returns The number of bars covered.
 */
function coveredBars(t: TradeColumns): number {
  const n = t.count;
  let order: number[] | undefined;
  for (let k = 1; k < n; k++) {
    if (t.entryBar[k]! < t.entryBar[k - 1]!) {
      order = Array.from({ length: n }, (_, i) => i).sort((a, b) =>
        t.entryBar[a]! - t.entryBar[b]!
      );
      break;
    }
  }
  let total = 0, lo = -1, hi = -2;
  for (let i = 0; i < n; i++) {
    const k = order ? order[i]! : i;
    const s = t.entryBar[k]!, e = t.exitBar[k]!;
    if (s > hi) {
      total += hi - lo + 1;
      lo = s;
      hi = e;
    } else if (e > hi) hi = e;
  }
  return total + hi - lo + 1;
}

/**
 * ln(b / a) for positive a, b: 2·atanh(u), u = (b − a)/(b + a), by its series
 * u + u³/3 + … + u¹³/13 when |u| < 0.05 (a move under ~10 %; truncation below
 * 1e-19 relative), `Math.log` otherwise. Several times faster than `Math.log`
 * for daily moves, and as accurate.
 */
function logRatio(b: number, a: number): number {
  const u = (b - a) / (b + a);
  if (u > -0.05 && u < 0.05) {
    const u2 = u * u;
    return 2 * u *
      (1 + u2 * (1 / 3 + u2 * (1 / 5 + u2 * (1 / 7 + u2 * (1 / 9 + u2 * (1 / 11 + u2 / 13))))));
  }
  return Math.log(b / a);
}

/** Everything the stats need from one pass over the equity curve. */
interface CurveMoments {
  /** Geometric mean bar return. */
  g: number;
  /** var(r, ddof 1). */
  varR: number;
  /** sqrt(mean(min(r, 0)²)). */
  downside: number;
  /** β of log returns on the market's. */
  beta: number;
  /** max E. */
  peak: number;
  /** max dd. */
  maxDd: number;
  /** Drawdown episodes (between bars at a peak, and to the last bar). */
  ddCount: number;
  /** Σ of the episodes' deepest dd, summed in episode order (as mean() would). */
  ddPeakSum: number;
  /** Σ of the episodes' durations (days), in episode order. */
  ddDurationSum: number;
  /** The longest episode (days). */
  ddDurationMax: number;
}

/**
 * One pass over the equity curve: the bar returns r_t = E_t/E_{t−1} − 1 (sums of
 * r and r², downside squares), log returns ln(E_t/E_{t−1}) = ln(1 + r_t) against
 * the market's (sums for the covariance; the logarithm is skipped on flat bars),
 * and the drawdown episodes. Variance and covariance use the one-pass sums
 * (Σx² − (Σx)²/k)/(k − 1): bar returns are small and centred near 0, so the
 * cancellation costs far less than the 1e-12 the golden test allows.
 */
function curveMoments(
  equity: Float64Array,
  dates: ArrayLike<number>,
  market: MarketMoments,
): CurveMoments {
  const n = equity.length;
  const k = n - 1;
  const lm = market.logReturns, sumLm = market.sum, sumLm2 = market.sumSquares;
  let sumR = 0, sumR2 = 0, downSq = 0, sumLe = 0, sumLeLm = 0;
  let nonPositive = false;
  let peak = equity[0]!, invPeak = 1 / peak, maxDd = 0;
  let prevZero = 0, episodeMax = 0;
  // Episode aggregates kept as running sums in episode order: the same additions
  // mean() and a max over collected episodes would make, without the arrays.
  let ddCount = 0, ddPeakSum = 0, ddDurationSum = 0, ddDurationMax = -Infinity;
  let prev = equity[0]!;
  for (let i = 1; i < n; i++) {
    const e = equity[i]!;
    if (e === prev) {
      // A flat bar changes no sum, and its drawdown equals the previous bar's: at a
      // peak it only moves the episode start; below one it can only end the last episode.
      if (e >= peak) prevZero = i;
      else if (i === n - 1 && i > prevZero + 1) {
        const d = dates[i]! - dates[prevZero]!;
        ddCount++, ddPeakSum += episodeMax, ddDurationSum += d;
        if (d > ddDurationMax) ddDurationMax = d;
      }
      continue;
    }
    const m = lm[i - 1]!;
    const x = e / prev - 1;
    sumR += x;
    sumR2 += x * x;
    if (x < 0) {
      downSq += x * x;
      if (!(x > -1)) nonPositive = true;
    }
    // ln(e/prev) as in logRatio(), inlined: a non-inlined call would box its double result.
    const u = (e - prev) / (e + prev);
    let le: number;
    if (u > -0.05 && u < 0.05) {
      const u2 = u * u;
      le = 2 * u *
        (1 + u2 * (1 / 3 + u2 * (1 / 5 + u2 * (1 / 7 + u2 * (1 / 9 + u2 * (1 / 11 + u2 / 13))))));
    } else le = Math.log(e / prev);
    sumLe += le;
    sumLeLm += le * m;
    prev = e;
    // Drawdown: dd = 1 − E/peak; episodes between bars with dd == 0 (and the last bar).
    if (e >= peak) {
      peak = e;
      invPeak = 1 / e;
      if (i > prevZero + 1) {
        const d = dates[i]! - dates[prevZero]!;
        ddCount++, ddPeakSum += episodeMax, ddDurationSum += d;
        if (d > ddDurationMax) ddDurationMax = d;
      }
      prevZero = i;
      episodeMax = 0;
    } else {
      const dd = 1 - e * invPeak;
      if (dd > episodeMax) episodeMax = dd;
      if (dd > maxDd) maxDd = dd;
      if (i === n - 1 && i > prevZero + 1) {
        const d = dates[i]! - dates[prevZero]!;
        ddCount++, ddPeakSum += episodeMax, ddDurationSum += d;
        if (d > ddDurationMax) ddDurationMax = d;
      }
    }
  }
  // Σ ln(E_t/E_{t−1}) telescopes to ln(E_{N−1}/E₀).
  const g = k <= 0 ? NaN : nonPositive ? 0 : Math.exp(Math.log(equity[k]! / equity[0]!) / k) - 1;
  const varR = k >= 2 ? (sumR2 - (sumR * sumR) / k) / (k - 1) : NaN;
  const cov = k >= 2 ? (sumLeLm - (sumLe * sumLm) / k) / (k - 1) : NaN;
  const varM = k >= 2 ? (sumLm2 - (sumLm * sumLm) / k) / (k - 1) : NaN;
  return {
    g,
    varR: varR < 0 ? 0 : varR,
    downside: k > 0 ? Math.sqrt(downSq / k) : NaN,
    beta: div(cov, varM),
    peak,
    maxDd,
    ddCount,
    ddPeakSum,
    ddDurationSum,
    ddDurationMax,
  };
}

/**
 * Computes the stats record from an equity curve and a list of trades
 * (formulas in this module's documentation); what a run does with its own
 * trade log through {@link statsOf}.
 *
 * @param input Equity, dates, trades, buy & hold and market series.
 * @returns The stats, keyed exactly as {@link STAT_KEYS}.
 * @throws {RangeError} When the equity is empty or its length differs from the dates'.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { computeStats } from "./metrics.ts";
 * const s = computeStats({
 *   dates: new Int32Array([0, 1, 2]), equity: new Float64Array([100, 110, 99]),
 *   trades: [], buyHoldReturn: 0, market: [1, 1.1, 0.99],
 * });
 * assert.ok(Math.abs(s["Return [%]"] + 1) < 1e-12);
 * assert.ok(Math.abs(s["Max. Drawdown [%]"] + 10) < 1e-12);
 * ```
 */
export function computeStats(input: StatsInput): Stats {
  const trades = input.trades;
  const col = (f: (t: Trade) => number) => Float64Array.from(trades, f);
  return statsOf({
    dates: input.dates,
    equity: input.equity,
    buyHoldReturn: input.buyHoldReturn,
    market: marketMoments(input.market),
    marketReturn: input.marketReturn ?? input.buyHoldReturn,
    annualization: input.annualization ?? 252,
  }, {
    count: trades.length,
    pnl: col((t) => t.pnl),
    ret: col((t) => t.return),
    commission: col((t) => t.commission),
    entryBar: col((t) => t.entryBar),
    exitBar: col((t) => t.exitBar),
  });
}

/**
 * The stats record of a run: its equity curve and market, and its trades as
 * columns (a portfolio's trade log). Every stats record is made here.
 *
 * @param input Equity, dates, buy & hold, market moments, annualisation.
 * @param trades The trades in the statistics.
 * @returns The stats, keyed exactly as {@link STAT_KEYS}.
 * @throws {RangeError} When the equity is empty or its length differs from the dates'.
 */
export function statsOf(input: CurveInput, trades: TradeColumns): Stats {
  const { dates, equity } = input;
  const n = equity.length;
  if (n === 0 || dates.length !== n) {
    throw new RangeError(`Cannot compute stats: ${n} equity values for ${dates.length} dates`);
  }
  const A = input.annualization;
  const e0 = equity[0]!, eN = equity[n - 1]!;
  const duration = dates[n - 1]! - dates[0]!;
  const nCovered = coveredBars(trades);
  const curve = curveMoments(equity, dates, input.market);
  const { g, varR, downside: down, beta, peak, maxDd, ddCount } = curve;
  const annReturn = (1 + g) ** A - 1;
  const annVol = Math.sqrt((varR + (1 + g) ** 2) ** A - (1 + g) ** (2 * A));
  const downside = down * Math.sqrt(A);
  const cagr = duration > 0 ? (eN / e0) ** (365.25 / duration) - 1 : NaN;
  const returnPct = ((eN - e0) / e0) * 100;
  const marketReturn = input.marketReturn;

  // Trades: each sum runs over the trades in order (as a filtered copy's would).
  const nt = trades.count;
  const pnl = new Float64Array(nt), rets = new Float64Array(nt), durs = new Float64Array(nt);
  let nWins = 0, nLosses = 0, winSum = 0, lossSum = 0, posSum = 0, negSum = 0;
  let best = -Infinity, worst = Infinity, commissions = 0;
  for (let k = 0; k < nt; k++) {
    const x = pnl[k] = trades.pnl[k]!;
    if (x > 0) (nWins++, winSum += x);
    else if (x < 0) (nLosses++, lossSum += x);
    const r = rets[k] = trades.ret[k]!;
    if (r > 0) posSum += r;
    else if (r < 0) negSum += r;
    if (r > best) best = r;
    if (-r > -worst) worst = r;
    commissions += trades.commission[k]!;
    durs[k] = dates[trades.exitBar[k]!]! - dates[trades.entryBar[k]!]!;
  }
  const winRate = nt ? nWins / nt : NaN;
  const sdPnl = Math.sqrt(variance(pnl));
  const avgWin = nWins ? winSum / nWins : NaN, avgLoss = nLosses ? lossSum / nLosses : NaN;

  return {
    "Start": formatDate(dates[0]!),
    "End": formatDate(dates[n - 1]!),
    "Duration": duration,
    "Exposure Time [%]": (nCovered / n) * 100,
    "Equity Final [$]": eN,
    "Equity Peak [$]": peak,
    "Commissions [$]": commissions,
    "Return [%]": returnPct,
    "Buy & Hold Return [%]": input.buyHoldReturn * 100,
    "Return (Ann.) [%]": annReturn * 100,
    "Volatility (Ann.) [%]": annVol * 100,
    "CAGR [%]": cagr * 100,
    "Sharpe Ratio": div(annReturn, annVol),
    "Sortino Ratio": div(annReturn, downside),
    "Calmar Ratio": div(annReturn, maxDd),
    "Alpha [%]": returnPct - beta * marketReturn * 100,
    "Beta": beta,
    "Max. Drawdown [%]": -maxDd * 100,
    "Avg. Drawdown [%]": ddCount ? -(curve.ddPeakSum / ddCount) * 100 : NaN,
    "Max. Drawdown Duration": ddCount ? curve.ddDurationMax : NaN,
    "Avg. Drawdown Duration": ddCount ? curve.ddDurationSum / ddCount : NaN,
    "# Trades": nt,
    "Win Rate [%]": winRate * 100,
    "Best Trade [%]": nt ? best * 100 : NaN,
    "Worst Trade [%]": nt ? worst * 100 : NaN,
    "Avg. Trade [%]": geometricMean(rets) * 100,
    "Max. Trade Duration": nt ? maxOf(durs) : NaN,
    "Avg. Trade Duration": mean(durs),
    "Profit Factor": div(posSum, Math.abs(negSum)),
    "Expectancy [%]": mean(rets) * 100,
    "SQN": Math.sqrt(nt) * div(mean(pnl), sdPnl),
    "Kelly Criterion": winRate - (1 - winRate) / (avgWin / -avgLoss),
    "Avg. Win [$]": avgWin,
    "Avg. Loss [$]": avgLoss,
  };
}
