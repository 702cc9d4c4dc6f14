/**
 * Row validation for daily bars: the one rulebook every row passes before it
 * enters the lake. {@link rowReason} is the rule for one bar; {@link validateBars}
 * applies it with the sequence rules (duplicates, monthly runs, stale bars) for
 * the sample build; {@link checkLakeRows} applies it with the provenance rules
 * (fetch time, batch number) at the lake's door (`writeRawBatch`,
 * `mergeDailyBatches`). Rows that fail go to quarantine with the reason.
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
 * - `invalid symbol`: missing, or not a Yahoo-style code (`SYMBOL_PATTERN`: at most
 *   12 of A-Z, 0-9, `.`, `-`, optionally after `^`).
 * - `invalid date`: missing, or not a day in 1900-01-01 .. tomorrow (UTC).
 * - `non-trading day`: a weekend, or an ASX holiday where the calendar covers the date
 *   (flat zero-volume bars that Yahoo emits on holidays end up here).
 * - `null prices`: open, high, low, close or adjusted_close is missing (NaN, Yahoo's `null`).
 * - `non-finite price`: a price is ±Infinity.
 * - `null volume`: volume is missing.
 * - `invalid volume`: volume is not a whole number of shares (or beyond 2^53).
 * - `non-positive price`: a price ≤ 0.
 * - `inconsistent OHLC`: high < max(open, close), low > min(open, close) or low > high.
 * - `negative volume`: volume < 0.
 * - `invalid fetch time`: (lake door) `fetch_timestamp` is not ISO 8601 UTC
 *   (`YYYY-MM-DDTHH:MM:SS[.ffffff]Z`, a real instant), or later than tomorrow.
 * - `invalid batch number`: (lake door) `batch_number` is missing or negative.
 * - `duplicate`: another valid row has the same (symbol, date); see {@link ValidateOptions.keepDuplicate}.
 * - `monthly row`: part of a run of month-end-spaced rows (Yahoo's pre-daily era).
 * - `stale bar`: (opt-in) a flat zero-volume bar repeating the previous kept close: no trade happened.
 */
export const QUARANTINE_REASONS = [
  "invalid symbol",
  "invalid date",
  "non-trading day",
  "null prices",
  "non-finite price",
  "null volume",
  "invalid volume",
  "non-positive price",
  "inconsistent OHLC",
  "negative volume",
  "invalid fetch time",
  "invalid batch number",
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

/** The first day a bar may have: 1900-01-01. */
export const FIRST_DAY = -25_567;

/** The last day a bar may have: tomorrow (UTC), so a Sydney-evening fetch of today fits. */
export function lastDay(now: Date = new Date()): number {
  return Math.floor(now.getTime() / 86_400_000) + 1;
}

/**
 * The rule for one bar: the first reason it fails, or `undefined` when it passes.
 * Every check of a single row in the lake is this function (the sample build,
 * the lake's door); missing values are `null` (symbol) or `NaN` (numbers).
 *
 * @param symbol The ticker, or `null`.
 * @param day Epoch day, or `NaN` when missing or unparseable.
 * @param o Open.
 * @param h High.
 * @param l Low.
 * @param c Close.
 * @param v Volume (shares).
 * @param a Adjusted close.
 * @param trading The trading calendar.
 * @param last The last day allowed ({@link lastDay}).
 * @returns The reason, or `undefined`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lastDay, rowReason } from "./validate.ts";
 * import { isTradingDay } from "../core/calendar.ts";
 * import { parseDate } from "../core/dates.ts";
 * const day = parseDate("2024-07-31");
 * assert.equal(rowReason("BHP.AX", day, 44, 45, 43, 44.5, 1e6, 44.5, isTradingDay, lastDay()), undefined);
 * assert.equal(rowReason("BHP.AX", day, 44, 43, 45, 44.5, 1e6, 44.5, isTradingDay, lastDay()), "inconsistent OHLC");
 * ```
 */
export function rowReason(
  symbol: string | null | undefined,
  day: number,
  o: number,
  h: number,
  l: number,
  c: number,
  v: number,
  a: number,
  trading: (day: number) => boolean,
  last: number,
): QuarantineReason | undefined {
  if (typeof symbol !== "string" || !validSymbol(symbol)) return "invalid symbol";
  if (!(day >= FIRST_DAY && day <= last) || !Number.isInteger(day)) return "invalid date";
  if (!trading(day)) return "non-trading day";
  if (o !== o || h !== h || l !== l || c !== c || a !== a) return "null prices";
  if (!isFinite(o) || !isFinite(h) || !isFinite(l) || !isFinite(c) || !isFinite(a)) {
    return "non-finite price";
  }
  if (v !== v) return "null volume";
  if (!Number.isSafeInteger(v)) return "invalid volume";
  if (o <= 0 || h <= 0 || l <= 0 || c <= 0 || a <= 0) return "non-positive price";
  if (h < (o > c ? o : c) || l > (o < c ? o : c) || l > h) return "inconsistent OHLC";
  if (v < 0) return "negative volume";
  return undefined;
}

/** Verdicts on symbols seen: a batch repeats a few thousand tickers many times. */
const symbolVerdicts = new Map<string, boolean>();

function validSymbol(symbol: string): boolean {
  let ok = symbolVerdicts.get(symbol);
  if (ok === undefined) {
    if (symbolVerdicts.size >= 100_000) symbolVerdicts.clear();
    ok = SYMBOL_PATTERN.test(symbol);
    symbolVerdicts.set(symbol, ok);
  }
  return ok;
}

/** A bar's columns as the row rule reads them (`OhlcvColumns` is one), missing values `null`/`NaN`. */
export interface BarFields {
  /** Tickers (`null` when missing). */
  symbol: ArrayLike<string | null>;
  /** Epoch days (`NaN` when missing or unparseable). */
  date: ArrayLike<number>;
  /** Prices (`NaN` when missing). */
  open: ArrayLike<number>;
  /** High. */
  high: ArrayLike<number>;
  /** Low. */
  low: ArrayLike<number>;
  /** Close. */
  close: ArrayLike<number>;
  /** Shares (`NaN` when missing). */
  volume: ArrayLike<number>;
  /** Adjusted close. */
  adjusted_close: ArrayLike<number>;
}

/** {@link rowReason} of row `i`. */
function barReason(
  c: BarFields,
  i: number,
  trading: (day: number) => boolean,
  last: number,
): QuarantineReason | undefined {
  return rowReason(
    c.symbol[i],
    c.date[i]!,
    c.open[i]!,
    c.high[i]!,
    c.low[i]!,
    c.close[i]!,
    c.volume[i]!,
    c.adjusted_close[i]!,
    trading,
    last,
  );
}

/** ISO 8601 UTC as the lake stores fetch times: seconds, up to microseconds, `Z`. */
const ISO_UTC = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?Z$/;

/**
 * Whether a fetch time is ISO 8601 UTC (`YYYY-MM-DDTHH:MM:SS[.ffffff]Z`), a real
 * instant (no 30 February, no hour 24), and no later than `latest` (ms). The lake
 * deduplicates by it: a value such as "yesterday" or a far future would win for ever.
 *
 * @param text The `fetch_timestamp`.
 * @param latest The latest instant allowed, epoch ms.
 * @returns Whether it is valid.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isFetchTime } from "./validate.ts";
 * assert.ok(isFetchTime("2024-08-01T08:00:00.000Z", Date.now()));
 * assert.ok(!isFetchTime("yesterday", Date.now()));
 * assert.ok(!isFetchTime("2024-02-30T00:00:00Z", Date.now()));
 * ```
 */
export function isFetchTime(text: string | null | undefined, latest: number): boolean {
  if (typeof text !== "string") return false;
  const m = ISO_UTC.exec(text);
  if (!m) return false;
  const ms = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  const back = new Date(ms);
  return back.getUTCFullYear() === +m[1]! && back.getUTCMonth() === +m[2]! - 1 &&
    back.getUTCDate() === +m[3]! && back.getUTCHours() === +m[4]! &&
    back.getUTCMinutes() === +m[5]! && back.getUTCSeconds() === +m[6]! && ms <= latest &&
    +m[1]! >= 1900;
}

/** Rows at the lake's door: the lake schema's columns, with missing values as `null` / `NaN`. */
export interface LakeRows extends BarFields {
  /** ISO 8601 UTC fetch times (`null` when missing). */
  fetch_timestamp: ArrayLike<string | null>;
  /** Batch numbers (`NaN` when missing). */
  batch_number: ArrayLike<number>;
}

/** What {@link checkLakeRows} found. */
export interface LakeRowsCheck {
  /** The reason of each row that fails, `null` for rows that pass. */
  reason: (QuarantineReason | null)[];
  /** Failing rows per reason (only reasons that occur). */
  counts: Partial<Record<QuarantineReason, number>>;
  /** How many rows fail. */
  failed: number;
}

/**
 * The lake's door: checks every row of a raw batch or a merge against
 * {@link rowReason} plus the provenance rules (`invalid fetch time`, `invalid batch
 * number`). Rows are not reordered and duplicates are not a failure here (the
 * merge keeps the freshest row of each (symbol, date)).
 *
 * @param rows The columns, all of one length.
 * @param options The clock and the trading calendar.
 * @returns Each row's reason (or `null`) and the counts.
 * @throws {RangeError} When the columns differ in length.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkLakeRows } from "./validate.ts";
 * import { parseDate } from "../core/dates.ts";
 * const r = checkLakeRows({
 *   symbol: ["BHP.AX", "BHP.AX"], date: [parseDate("2024-07-31"), parseDate("2099-07-31")],
 *   open: [44, 44], high: [45, 45], low: [43, 43], close: [44.5, 44.5], volume: [1e6, 1e6],
 *   adjusted_close: [44.5, 44.5], fetch_timestamp: ["2024-08-01T08:00:00Z", "yesterday"],
 *   batch_number: [0, 0],
 * });
 * assert.deepEqual(r.reason, [null, "invalid date"]);
 * ```
 */
export function checkLakeRows(
  rows: LakeRows,
  options: { now?: Date; isTradingDay?: (day: number) => boolean } = {},
): LakeRowsCheck {
  const n = rows.symbol.length;
  for (const name of Object.keys(rows) as (keyof LakeRows)[]) {
    if (rows[name].length !== n) {
      throw new RangeError(
        `Column "${name}" has ${rows[name].length} values but "symbol" has ${n}`,
      );
    }
  }
  const now = options.now ?? new Date();
  const trading = options.isTradingDay ?? asxIsTradingDay;
  const last = lastDay(now);
  const latest = now.getTime() + 86_400_000;
  const reason: (QuarantineReason | null)[] = new Array(n).fill(null);
  const counts: Partial<Record<QuarantineReason, number>> = {};
  let failed = 0;
  const stamps = new Map<string | null | undefined, boolean>(); // a batch has a few fetch times
  const batch = rows.batch_number;
  for (let i = 0; i < n; i++) {
    let r = barReason(rows, i, trading, last);
    if (r === undefined) {
      const stamp = rows.fetch_timestamp[i];
      let ok = stamps.get(stamp);
      if (ok === undefined) stamps.set(stamp, ok = isFetchTime(stamp, latest));
      if (!ok) r = "invalid fetch time";
    }
    if (r === undefined && !(Number.isInteger(batch[i]) && batch[i]! >= 0)) {
      r = "invalid batch number";
    }
    if (r !== undefined) {
      reason[i] = r;
      counts[r] = (counts[r] ?? 0) + 1;
      failed++;
    }
  }
  return { reason, counts, failed };
}

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
  const { symbol, date, open, high, low, close, volume } = columns;

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
  const last = lastDay();
  for (let i = 0; i < n; i++) {
    const r = barReason(columns, i, trading, last);
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
