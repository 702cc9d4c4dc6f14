/**
 * The ASX trading calendar: which calendar dates the cash market opens.
 *
 * Dates are epoch days (see `dates.ts`). Inside {@link CALENDAR_COVERAGE}
 * (2015-01-01..2026-12-31) a trading day is a weekday that is not a listed
 * full-day closure; outside it only weekends are known, so every weekday counts
 * as a trading day there. Early closes (14:10 Sydney) are still trading days.
 *
 * @module
 */

import { ASX_HOLIDAYS } from "./_asx_holidays.ts";
import { formatDate, parseDate, weekdayOf } from "./dates.ts";

const HOLIDAYS: ReadonlyMap<number, string> = new Map(
  ASX_HOLIDAYS.map(([date, name]) => [parseDate(date), name]),
);

/** The span in which holidays are known, inclusive, as ISO dates and as epoch days. */
export interface CalendarCoverage {
  /** First covered date, `YYYY-MM-DD`. */
  readonly start: string;
  /** Last covered date, `YYYY-MM-DD`. */
  readonly end: string;
  /** First covered date in epoch days. */
  readonly startDay: number;
  /** Last covered date in epoch days. */
  readonly endDay: number;
}

/**
 * The dates whose ASX holidays are known: 2015-01-01..2026-12-31. Before and
 * after, {@link isTradingDay} knows only weekends.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CALENDAR_COVERAGE } from "./calendar.ts";
 * assert.ok(CALENDAR_COVERAGE.start === "2015-01-01");
 * ```
 */
export const CALENDAR_COVERAGE: CalendarCoverage = Object.freeze({
  start: "2015-01-01",
  end: "2026-12-31",
  startDay: parseDate("2015-01-01"),
  endDay: parseDate("2026-12-31"),
});

function toDay(day: number | string, what: string): number {
  if (typeof day === "string") return parseDate(day);
  if (!Number.isInteger(day)) {
    throw new TypeError(`Invalid ${what} ${day}: expected an integer epoch day or "YYYY-MM-DD"`);
  }
  return day;
}

/**
 * Whether the ASX holiday list covers a date.
 *
 * @param day Epoch day.
 * @returns `true` inside {@link CALENDAR_COVERAGE}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isCalendarCovered } from "./calendar.ts";
 * import { parseDate } from "./dates.ts";
 * assert.ok(!isCalendarCovered(parseDate("2010-06-14")));
 * ```
 */
export function isCalendarCovered(day: number): boolean {
  return day >= CALENDAR_COVERAGE.startDay && day <= CALENDAR_COVERAGE.endDay;
}

/**
 * Whether the ASX cash market opens on a date: a weekday that is not a listed
 * full-day closure. Before 2015 and after 2026 (outside
 * {@link CALENDAR_COVERAGE}) holidays are unknown and only weekends return
 * `false`.
 *
 * @param day Epoch day (integer).
 * @returns `true` on a trading day.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isTradingDay } from "./calendar.ts";
 * import { parseDate } from "./dates.ts";
 * assert.ok(!isTradingDay(parseDate("2022-09-22"))); // National Day of Mourning
 * assert.ok(isTradingDay(parseDate("2022-09-23")));
 * ```
 */
export function isTradingDay(day: number): boolean {
  const wd = weekdayOf(day);
  return wd !== 0 && wd !== 6 && !HOLIDAYS.has(day);
}

/**
 * The name of the ASX holiday on a date, if it is a listed full-day closure.
 * Weekends and dates outside {@link CALENDAR_COVERAGE} have no name.
 *
 * @param day Epoch day.
 * @returns e.g. `"Good Friday"`, `"Christmas Day (observed)"`, or `undefined`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { holidayName } from "./calendar.ts";
 * import { parseDate } from "./dates.ts";
 * assert.ok(holidayName(parseDate("2016-03-25")) === "Good Friday");
 * assert.ok(holidayName(parseDate("2016-03-24")) === undefined);
 * ```
 */
export function holidayName(day: number): string | undefined {
  return HOLIDAYS.get(day);
}

/**
 * The trading days in an inclusive range, ascending.
 *
 * @param start First date, epoch day or `YYYY-MM-DD`.
 * @param end Last date, epoch day or `YYYY-MM-DD` (inclusive).
 * @returns The epoch days on which {@link isTradingDay} holds; empty when `end < start`.
 * @throws {ConfigError} When a string date is malformed.
 * @throws {TypeError} When a numeric day is not an integer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tradingDays } from "./calendar.ts";
 * // Easter 2016: Good Friday 25 Mar and Easter Monday 28 Mar are closed.
 * assert.ok(tradingDays("2016-03-24", "2016-03-29").length === 2);
 * ```
 */
export function tradingDays(start: number | string, end: number | string): Int32Array {
  const s = toDay(start, "start"), e = toDay(end, "end");
  if (e < s) return new Int32Array(0);
  const out = new Int32Array(e - s + 1);
  let n = 0;
  for (let d = s; d <= e; d++) if (isTradingDay(d)) out[n++] = d;
  return out.slice(0, n);
}

/**
 * The first trading day on or after a date.
 *
 * @param day Epoch day or `YYYY-MM-DD`.
 * @returns The epoch day itself if it trades, else the next one that does.
 * @throws {ConfigError} When a string date is malformed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nextTradingDay } from "./calendar.ts";
 * import { formatDate } from "./dates.ts";
 * assert.ok(formatDate(nextTradingDay("2016-03-25")) === "2016-03-29");
 * ```
 */
export function nextTradingDay(day: number | string): number {
  let d = toDay(day, "day");
  while (!isTradingDay(d)) d++;
  return d;
}

/**
 * Lists the ASX holidays in a range, for reports and tests.
 *
 * @param start First date, epoch day or `YYYY-MM-DD`.
 * @param end Last date (inclusive).
 * @returns `{date, name}` pairs, ascending, `date` as `YYYY-MM-DD`.
 * @throws {ConfigError} When a string date is malformed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { holidaysBetween } from "./calendar.ts";
 * assert.ok(holidaysBetween("2022-01-01", "2022-12-31").length === 9);
 * ```
 */
export function holidaysBetween(
  start: number | string,
  end: number | string,
): { date: string; name: string }[] {
  const s = toDay(start, "start"), e = toDay(end, "end");
  const out: { date: string; name: string }[] = [];
  for (const [day, name] of HOLIDAYS) {
    if (day >= s && day <= e) out.push({ date: formatDate(day), name });
  }
  return out;
}
