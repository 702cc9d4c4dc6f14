/**
 * Row validation for daily bars: the one gate every row passes before it
 * enters `ohlcv/` (the sample build and the pipeline's AggregateResults use
 * the same rules). Rows that fail go to quarantine with a reason.
 *
 * @module
 */

import { isTradingDay as asxIsTradingDay } from "../core/calendar.ts";
import { formatDate } from "../core/dates.ts";
import { allocOhlcv, type OhlcvColumns, ohlcvLength, takeOhlcv } from "../core/ohlcv_columns.ts";
import { SYMBOL_PATTERN } from "../core/symbol.ts";

/**
 * Why a row was quarantined, in order of precedence: a row carries the first
 * reason that applies.
 *
 * - `invalid symbol`: the symbol does not match `SYMBOL_PATTERN`.
 * - `non-trading day`: a weekend, or an ASX holiday where the calendar covers the date
 *   (flat zero-volume bars that Yahoo emits on holidays end up here).
 * - `null prices`: open, high, low, close or adjusted_close is NaN (Yahoo's `null`).
 * - `null volume`: volume is NaN.
 * - `non-positive price`: a price ≤ 0.
 * - `inconsistent OHLC`: high < max(open, close), low > min(open, close) or low > high.
 * - `negative volume`: volume < 0.
 * - `duplicate`: another valid row has the same (symbol, date); see {@link ValidateOptions.keepDuplicate}.
 * - `monthly row`: part of a run of month-end-spaced rows (Yahoo's pre-daily era).
 * - `stale bar`: (opt-in) a flat zero-volume bar repeating the previous kept close: no trade happened.
 */
export const QUARANTINE_REASONS = [
  "invalid symbol",
  "non-trading day",
  "null prices",
  "null volume",
  "non-positive price",
  "inconsistent OHLC",
  "negative volume",
  "duplicate",
  "monthly row",
  "stale bar",
] as const;

/** One of {@link QUARANTINE_REASONS}. */
export type QuarantineReason = typeof QUARANTINE_REASONS[number];

/** Options of {@link validateBars}. */
export interface ValidateOptions {
  /**
   * Which of several valid rows for one (symbol, date) is kept, by input order.
   * The pipeline passes rows ordered by fetch time, so the latest fetch wins.
   * @default {"last"}
   */
  keepDuplicate?: "first" | "last";
  /**
   * Quarantine flat bars (open = high = low = close = previous kept close) with
   * zero volume as `stale bar`. Off by default: thinly traded stocks have real
   * no-trade days. The sample build turns it on to drop trading halts and the
   * flat holiday bars before 2015, where the calendar cannot name holidays.
   * @default {false}
   */
  staleBars?: boolean;
  /**
   * Monthly-run detection: gaps of `minDays..maxDays` calendar days between
   * consecutive kept rows count as monthly spacing; `minGaps` such gaps in a
   * row make every row they join a `monthly row`. `false` disables the rule.
   * @default {{ minDays: 25, maxDays: 35, minGaps: 2 }}
   */
  monthly?: false | { minDays?: number; maxDays?: number; minGaps?: number };
  /**
   * The trading calendar.
   * @default {isTradingDay from core/calendar.ts (ASX, holidays known 2015-2026)}
   */
  isTradingDay?: (day: number) => boolean;
}

/** What {@link validateBars} hands back. Both parts are sorted by symbol, then date. */
export interface ValidationResult {
  /** Rows that passed every rule. */
  kept: OhlcvColumns;
  /** Input row number of each kept row. */
  keptIndex: Int32Array;
  /** Rows that failed, with `reason[i]` for row i. */
  quarantined: OhlcvColumns & { reason: QuarantineReason[] };
  /** Input row number of each quarantined row. */
  quarantinedIndex: Int32Array;
  /** Quarantined rows per reason (every reason present, zero when unused). */
  counts: Record<QuarantineReason, number>;
}

const REASON_CODE: Record<QuarantineReason, number> = Object.fromEntries(
  QUARANTINE_REASONS.map((r, i) => [r, i + 1]),
) as Record<QuarantineReason, number>;

/**
 * Validates daily bars and splits them into kept and quarantined rows.
 *
 * Input may be in any order; output is sorted by symbol (code-unit order),
 * then date. Row rules apply first, then duplicates among the rows that passed,
 * then the monthly-run and stale-bar rules per symbol. See
 * {@link QUARANTINE_REASONS} for the rules and their precedence.
 *
 * @param columns Bars as typed columns (`date` in epoch days, `NaN` for nulls).
 * @param options Duplicate policy, opt-in stale-bar rule, monthly-run thresholds, calendar.
 * @returns Kept rows, quarantined rows with reasons, and counts per reason. When the
 *   input is sorted and every row passes, `kept` is the input object itself (no copy).
 * @throws {RangeError} When the columns differ in length or an option is out of range.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateBars } from "./validate.ts";
 * import { parseDate } from "../core/dates.ts";
 * const day = (s: string) => parseDate(s);
 * const r = validateBars({
 *   symbol: ["BHP.AX", "BHP.AX", "BHP.AX"],
 *   date: Int32Array.of(day("2016-03-24"), day("2016-03-25"), day("2016-03-29")),
 *   open: Float64Array.of(20, 20.5, 20.5), high: Float64Array.of(21, 20.5, 21),
 *   low: Float64Array.of(19.5, 20.5, 20), close: Float64Array.of(20.5, 20.5, 20.8),
 *   volume: Float64Array.of(1e6, 0, 2e6), adjusted_close: Float64Array.of(20.5, 20.5, 20.8),
 * });
 * assert.equal(r.kept.date.length, 2);
 * assert.equal(r.quarantined.reason[0], "non-trading day"); // Good Friday
 * ```
 */
export function validateBars(
  columns: OhlcvColumns,
  options: ValidateOptions = {},
): ValidationResult {
  const n = ohlcvLength(columns);
  const keepLast = (options.keepDuplicate ?? "last") === "last";
  const trading = options.isTradingDay ?? asxIsTradingDay;
  const monthly = options.monthly === false ? undefined : {
    minDays: options.monthly?.minDays ?? 25,
    maxDays: options.monthly?.maxDays ?? 35,
    minGaps: options.monthly?.minGaps ?? 2,
  };
  if (
    monthly && !(monthly.minDays >= 1 && monthly.maxDays >= monthly.minDays && monthly.minGaps >= 1)
  ) {
    throw new RangeError(
      `Invalid monthly rule ${
        JSON.stringify(monthly)
      }: expected 1 <= minDays <= maxDays and minGaps >= 1`,
    );
  }
  const { symbol, date, open, high, low, close, volume, adjusted_close: adj } = columns;

  // Sort permutation by (symbol, date, input row); identity when already sorted.
  let order: Int32Array = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) {
    const a = symbol[i - 1]!, b = symbol[i]!;
    if (a > b || (a === b && date[i - 1]! > date[i]!)) sorted = false;
  }
  if (!sorted) {
    order = order.sort((i, j) => {
      const a = symbol[i]!, b = symbol[j]!;
      if (a !== b) return a < b ? -1 : 1;
      return date[i]! - date[j]! || i - j;
    });
  }

  // 1. Row rules. code[i] = 0 (kept) or 1 + index into QUARANTINE_REASONS, by input row.
  const code = new Uint8Array(n);
  const symbolOk = new Map<string, boolean>();
  for (let i = 0; i < n; i++) {
    const s = symbol[i]!;
    let ok = symbolOk.get(s);
    if (ok === undefined) symbolOk.set(s, ok = SYMBOL_PATTERN.test(s));
    const o = open[i]!, h = high[i]!, l = low[i]!, c = close[i]!, v = volume[i]!, a = adj[i]!;
    let r: QuarantineReason | undefined;
    if (!ok) r = "invalid symbol";
    else if (!trading(date[i]!)) r = "non-trading day";
    else if (o !== o || h !== h || l !== l || c !== c || a !== a) r = "null prices";
    else if (v !== v) r = "null volume";
    else if (o <= 0 || h <= 0 || l <= 0 || c <= 0 || a <= 0) r = "non-positive price";
    else if (h < (o > c ? o : c) || l > (o < c ? o : c) || l > h) r = "inconsistent OHLC";
    else if (v < 0) r = "negative volume";
    if (r !== undefined) code[i] = REASON_CODE[r];
  }

  // 2. Duplicates among valid rows: one survivor per (symbol, date).
  for (let k = 0; k < n;) {
    let end = k + 1;
    const s = symbol[order[k]!]!, d = date[order[k]!]!;
    while (end < n && date[order[end]!] === d && symbol[order[end]!] === s) end++;
    if (end - k > 1) {
      let survivor = -1;
      for (let m = k; m < end; m++) {
        const i = order[m]!;
        if (code[i] !== 0) continue;
        if (survivor < 0 || keepLast) {
          if (survivor >= 0) code[survivor] = REASON_CODE["duplicate"];
          survivor = i;
        } else code[i] = REASON_CODE["duplicate"];
      }
    }
    k = end;
  }

  // 3. Per-symbol sequence rules over the surviving rows.
  const staleBars = options.staleBars ?? false;
  const run: number[] = [];
  for (let k = 0; k < n;) {
    let end = k + 1;
    const s = symbol[order[k]!]!;
    while (end < n && symbol[order[end]!] === s) end++;
    if (monthly) {
      run.length = 0; // rows (input numbers) of the current chain of monthly gaps
      let prev = -1;
      const flush = () => {
        if (run.length - 1 >= monthly.minGaps) {
          for (const i of run) code[i] = REASON_CODE["monthly row"];
        }
        run.length = 0;
      };
      for (let m = k; m < end; m++) {
        const i = order[m]!;
        if (code[i] !== 0) continue;
        if (prev >= 0) {
          const gap = date[i]! - date[prev]!;
          if (gap >= monthly.minDays && gap <= monthly.maxDays) {
            if (run.length === 0) run.push(prev);
            run.push(i);
          } else flush();
        }
        prev = i;
      }
      flush();
    }
    if (staleBars) {
      let prevClose = NaN;
      for (let m = k; m < end; m++) {
        const i = order[m]!;
        if (code[i] !== 0) continue;
        const c = close[i]!;
        if (
          volume[i] === 0 && open[i] === c && high[i] === c && low[i] === c && c === prevClose
        ) code[i] = REASON_CODE["stale bar"];
        else prevClose = c;
      }
    }
    k = end;
  }

  let nk = 0;
  for (let i = 0; i < n; i++) if (code[i] === 0) nk++;
  const keptIndex = new Int32Array(nk), quarantinedIndex = new Int32Array(n - nk);
  const reason: QuarantineReason[] = new Array(n - nk);
  const counts = Object.fromEntries(QUARANTINE_REASONS.map((r) => [r, 0])) as Record<
    QuarantineReason,
    number
  >;
  let a = 0, b = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    const c = code[i]!;
    if (c === 0) keptIndex[a++] = i;
    else {
      const r = QUARANTINE_REASONS[c - 1]!;
      quarantinedIndex[b] = i;
      reason[b++] = r;
      counts[r]++;
    }
  }
  const kept = sorted && nk === n ? columns : takeOhlcv(columns, keptIndex);
  const quarantined = Object.assign(
    n - nk === 0 ? allocOhlcv(0) : takeOhlcv(columns, quarantinedIndex),
    { reason },
  );
  return { kept, keptIndex, quarantined, quarantinedIndex, counts };
}

/**
 * Describes one quarantined row for logs and reports.
 *
 * @param result A {@link validateBars} result.
 * @param i Row number within `result.quarantined`.
 * @returns e.g. `"BHP.AX 2016-03-25: non-trading day"`.
 * @throws {RangeError} When `i` is out of range.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeQuarantined, validateBars } from "./validate.ts";
 * const r = validateBars({
 *   symbol: ["X.AX"], date: Int32Array.of(0), open: Float64Array.of(NaN),
 *   high: Float64Array.of(NaN), low: Float64Array.of(NaN), close: Float64Array.of(NaN),
 *   volume: Float64Array.of(0), adjusted_close: Float64Array.of(NaN),
 * });
 * assert.equal(describeQuarantined(r, 0), "X.AX 1970-01-01: null prices");
 * ```
 */
export function describeQuarantined(result: ValidationResult, i: number): string {
  const q = result.quarantined;
  if (!(i >= 0 && i < q.reason.length)) {
    throw new RangeError(`Quarantined row ${i} is outside 0..${q.reason.length - 1}`);
  }
  return `${q.symbol[i]} ${formatDate(q.date[i]!)}: ${q.reason[i]}`;
}
