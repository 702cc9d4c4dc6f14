/**
 * The checks only the pipeline can make on fetched rows, because they need the
 * ASX calendar, the symbol's watermark, its fetch window and Yahoo's split
 * events. The generic row checks (types, finite positive prices, OHLC order,
 * volume) are the lake's, at the door of `mergeDailyBatches`.
 *
 * - `non-trading day`: the date is not an ASX session per `core/calendar.ts`
 *   (e.g. a flat bar Yahoo emits on a holiday).
 * - `gap since watermark`: the symbol's fetch window started after the day
 *   following its watermark, so trading days between the two were never
 *   fetched; merging would move the watermark past them for good. Every row
 *   after the watermark is held back (the watermark stays, and the next run
 *   fetches from it).
 * - `absurd jump`: the close moved more than `maxJump` (50 %) day on day with
 *   no split in between — against the previous fetched close and against the
 *   last kept close alike. Requiring both means a one-day spike quarantines the
 *   spike only (the next close matches the last kept one), and a real level
 *   shift quarantines its first day only (the next close matches the previous
 *   fetched one).
 *
 * Days a successful fetch asked for but Yahoo sent no bar for (suspensions,
 * holes in Yahoo's data) are not errors; they are reported as `holes`.
 *
 * @module
 */

import { isTradingDay } from "../core/calendar.ts";
import { formatDate } from "../core/dates.ts";
import type { FetchWindow } from "./windows.ts";
import type { Watermark } from "./watermarks.ts";

/** The kinds of rows the pipeline's checks quarantine. */
export const PIPELINE_CHECKS = ["non-trading day", "gap since watermark", "absurd jump"] as const;

/** One of {@link PIPELINE_CHECKS}. */
export type PipelineCheck = typeof PIPELINE_CHECKS[number];

/** A quarantined row's check and a sentence saying why. */
export interface CheckFailure {
  /** Which check. */
  check: PipelineCheck;
  /** e.g. `"absurd jump: close 9.1 after 4.02 on 2024-07-30 (+126 %), no split"`. */
  reason: string;
}

/** Trading days a fetch asked for and got no bar for. */
export interface Hole {
  /** The ticker. */
  symbol: string;
  /** First missing trading day, `YYYY-MM-DD`. */
  from: string;
  /** Last missing trading day. */
  to: string;
  /** Missing trading days. */
  days: number;
}

/** What the checks are given. */
export interface CheckInput {
  /** The fetched rows, in any order (`date` in epoch days). */
  rows: { symbol: ArrayLike<string>; date: ArrayLike<number>; close: ArrayLike<number> };
  /** Watermarks before this run. */
  watermarks: ReadonlyMap<string, Watermark>;
  /** Each fetched symbol's window; a symbol without one is taken to have asked for the span of its rows. */
  windows: ReadonlyMap<string, FetchWindow>;
  /** Split dates (epoch days) per symbol. */
  splits: ReadonlyMap<string, readonly number[]>;
  /** Largest day-on-day move, as a share, that needs no split. @default {0.5} */
  maxJump?: number;
}

/** What the checks found. */
export interface CheckResult {
  /** Per input row: why it is quarantined, or `undefined` when it passes. */
  failures: (CheckFailure | undefined)[];
  /** Quarantined rows per check. */
  counts: Record<PipelineCheck, number>;
  /** Missing trading days inside successful fetches, by symbol and date. */
  holes: Hole[];
}

const pct = (x: number) => `${x >= 0 ? "+" : ""}${Math.round(x * 100)} %`;

/**
 * The trading days in [from, to] that `present` lacks, as runs of consecutive
 * sessions: the one rule for a hole, used by the run's checks and by the
 * pipeline's health report.
 *
 * @param symbol The ticker the holes are of.
 * @param from First epoch day to check.
 * @param to Last epoch day to check.
 * @param present Epoch days that have a bar.
 * @returns The holes, oldest first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseDate } from "../core/dates.ts";
 * import { missingRuns } from "./checks.ts";
 * // Mon 3 to Fri 7 June 2024 with bars on Monday and Friday only.
 * const present = new Set([parseDate("2024-06-03"), parseDate("2024-06-07")]);
 * assert.deepEqual(missingRuns("BHP.AX", parseDate("2024-06-03"), parseDate("2024-06-07"), present), [
 *   { symbol: "BHP.AX", from: "2024-06-04", to: "2024-06-06", days: 3 },
 * ]);
 * ```
 */
export function missingRuns(
  symbol: string,
  from: number,
  to: number,
  present: ReadonlySet<number>,
): Hole[] {
  const out: Hole[] = [];
  let start = -1, last = -1, days = 0;
  for (let d = from; d <= to; d++) {
    if (!isTradingDay(d)) continue;
    if (present.has(d)) {
      if (days > 0) out.push({ symbol, from: formatDate(start), to: formatDate(last), days });
      days = 0;
      continue;
    }
    if (days === 0) start = d;
    last = d;
    days++;
  }
  if (days > 0) out.push({ symbol, from: formatDate(start), to: formatDate(last), days });
  return out;
}

/**
 * Runs the pipeline's checks over one run's fetched rows.
 *
 * @param input Rows, watermarks, fetch windows, split dates, jump threshold.
 * @returns A verdict per row, counts per check, and the holes found.
 * @throws {RangeError} When the row columns differ in length or `maxJump` is not positive.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseDate } from "../core/dates.ts";
 * import { checkFetchedRows } from "./checks.ts";
 * const d = parseDate;
 * const { failures } = checkFetchedRows({
 *   rows: {
 *     symbol: ["BHP.AX", "BHP.AX", "BHP.AX"],
 *     date: [d("2024-07-30"), d("2024-07-31"), d("2024-08-01")],
 *     close: [44, 95, 44.5], // a one-day spike
 *   },
 *   watermarks: new Map([["BHP.AX", { date: d("2024-07-29"), close: 43.8 }]]),
 *   windows: new Map([["BHP.AX", { start: d("2024-07-30"), end: d("2024-08-01") }]]),
 *   splits: new Map(),
 * });
 * assert.deepEqual(failures.map((f) => f?.check), [undefined, "absurd jump", undefined]);
 * ```
 */
export function checkFetchedRows(input: CheckInput): CheckResult {
  const { rows, watermarks, windows, splits } = input;
  const maxJump = input.maxJump ?? 0.5;
  if (!(maxJump > 0)) throw new RangeError(`Invalid maxJump ${maxJump}: expected a share > 0`);
  const n = rows.symbol.length;
  if (rows.date.length !== n || rows.close.length !== n) {
    throw new RangeError(
      `Rows have ${n} symbols, ${rows.date.length} dates and ${rows.close.length} closes`,
    );
  }
  const failures: (CheckFailure | undefined)[] = new Array(n).fill(undefined);
  const counts = { "non-trading day": 0, "gap since watermark": 0, "absurd jump": 0 };
  const fail = (i: number, check: PipelineCheck, reason: string) => {
    failures[i] = { check, reason: `${check}: ${reason}` };
    counts[check]++;
  };
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => {
    const sa = rows.symbol[a]!, sb = rows.symbol[b]!;
    return sa < sb ? -1 : sa > sb ? 1 : rows.date[a]! - rows.date[b]! || a - b;
  });
  const holes: Hole[] = [];
  for (let k = 0; k < n;) {
    const symbol = rows.symbol[order[k]!]!;
    let end = k;
    while (end < n && rows.symbol[order[end]!] === symbol) end++;
    const mine = order.slice(k, end);
    k = end;
    const wm = watermarks.get(symbol);
    const window = windows.get(symbol) ??
      { start: rows.date[mine[0]!]!, end: rows.date[mine.at(-1)!]! };
    const splitDays = splits.get(symbol) ?? [];
    const splitBetween = (after: number, upTo: number) =>
      splitDays.some((s) => s > after && s <= upTo);

    // Gap: trading days after the watermark that the window never asked for.
    let gap: string | undefined;
    if (wm !== undefined && window.start > wm.date + 1) {
      const missing = missingRuns(symbol, wm.date + 1, window.start - 1, new Set());
      const days = missing.reduce((s, h) => s + h.days, 0);
      if (days > 0) {
        gap = `${days} trading day${days === 1 ? "" : "s"} (${missing[0]!.from}..${
          missing.at(-1)!.to
        }) after the watermark ${formatDate(wm.date)} were never fetched (window starts ${
          formatDate(window.start)
        })`;
      }
    }

    // References for the jump check: the previous fetched close and the last kept one.
    let prevClose = NaN, prevDate = -Infinity, keptClose = NaN, keptDate = -Infinity;
    if (wm !== undefined && rows.date[mine[0]!]! > wm.date) {
      prevClose = keptClose = wm.close;
      prevDate = keptDate = wm.date;
    }
    const present = new Set<number>();
    for (const i of mine) {
      const day = rows.date[i]!, close = rows.close[i]!;
      present.add(day);
      if (!isTradingDay(day)) {
        fail(i, "non-trading day", `${formatDate(day)} is not an ASX session`);
        continue;
      }
      if (gap !== undefined && day > wm!.date) {
        fail(i, "gap since watermark", gap);
        continue;
      }
      const jumps = (ref: number, refDate: number) =>
        ref === ref && !splitBetween(refDate, day) &&
        (close > ref * (1 + maxJump) || close < ref * (1 - maxJump));
      if (jumps(prevClose, prevDate) && jumps(keptClose, keptDate)) {
        fail(
          i,
          "absurd jump",
          `close ${close} after ${prevClose} on ${formatDate(prevDate)} (${
            pct(close / prevClose - 1)
          }), no split between`,
        );
      } else {
        keptClose = close;
        keptDate = day;
      }
      prevClose = close;
      prevDate = day;
    }

    // Holes: sessions a fetch covered with no bar, between what the lake holds and the window's end.
    if (!windows.has(symbol)) continue;
    // Before the first bar is "not listed yet", unless the lake already held the symbol then.
    const firstBar = Math.max(window.start, rows.date[mine[0]!]!);
    const from = wm === undefined
      ? firstBar
      : Math.max(window.start, Math.min(wm.date + 1, firstBar));
    holes.push(...missingRuns(symbol, from, window.end, present));
  }
  return { failures, counts, holes };
}

/**
 * Holes of symbols a fetch asked for and got no bar at all for (e.g. suspended
 * on the run date): every session of the part of the window after the watermark.
 *
 * @param symbol The ticker.
 * @param window Its fetch window.
 * @param watermark Its watermark, if any.
 * @returns The missing sessions, as runs.
 */
export function emptyFetchHoles(
  symbol: string,
  window: FetchWindow,
  watermark: Watermark | undefined,
): Hole[] {
  const from = watermark === undefined ? window.start : Math.max(window.start, watermark.date + 1);
  return missingRuns(symbol, from, window.end, new Set());
}
