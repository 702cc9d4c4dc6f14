/**
 * Calendar dates as integer epoch days (days since 1970-01-01), the same
 * representation as Arrow's `Date32` / Parquet's `DATE`. Trading dates are
 * Australia/Sydney calendar dates; they carry no time of day.
 *
 * @module
 */

import { ConfigError } from "./errors.ts";

const MS_PER_DAY = 86_400_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** An inclusive range of calendar dates, each `YYYY-MM-DD`; either end may be open. */
export interface DateRange {
  /** First date included, `YYYY-MM-DD`. Open when omitted. */
  start?: string;
  /** Last date included, `YYYY-MM-DD`. Open when omitted. */
  end?: string;
}

/**
 * Parses a `YYYY-MM-DD` date into epoch days.
 *
 * @param text The date, e.g. `"2020-03-16"`.
 * @returns Days since 1970-01-01.
 * @throws {ConfigError} When the text is not a real calendar date.
 *
 * @example
 * ```ts
 * import { parseDate } from "./dates.ts";
 * console.assert(parseDate("1970-01-02") === 1);
 * ```
 */
export function parseDate(text: string): number {
  const m = ISO_DATE.exec(text);
  if (m) {
    const y = Number(m[1]), mo = Number(m[2]), d = Number(m[3]);
    const ms = Date.UTC(y, mo - 1, d);
    const back = new Date(ms);
    if (back.getUTCFullYear() === y && back.getUTCMonth() === mo - 1 && back.getUTCDate() === d) {
      return ms / MS_PER_DAY;
    }
  }
  throw new ConfigError(`Invalid date "${text}": expected a calendar date as YYYY-MM-DD`);
}

/**
 * Formats epoch days as `YYYY-MM-DD`.
 *
 * @param day Days since 1970-01-01.
 * @returns The ISO date.
 *
 * @example
 * ```ts
 * import { formatDate } from "./dates.ts";
 * console.assert(formatDate(18_337) === "2020-03-16");
 * ```
 */
export function formatDate(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

/**
 * The calendar year of an epoch day.
 *
 * @param day Days since 1970-01-01.
 * @returns The year, e.g. 2020.
 *
 * @example
 * ```ts
 * import { yearOf } from "./dates.ts";
 * console.assert(yearOf(18_337) === 2020);
 * ```
 */
export function yearOf(day: number): number {
  return new Date(day * MS_PER_DAY).getUTCFullYear();
}

/**
 * The day of the week of an epoch day: 0 = Sunday … 6 = Saturday.
 *
 * @param day Days since 1970-01-01.
 * @returns 0-6.
 *
 * @example
 * ```ts
 * import { weekdayOf, parseDate } from "./dates.ts";
 * console.assert(weekdayOf(parseDate("2020-03-16")) === 1); // a Monday
 * ```
 */
export function weekdayOf(day: number): number {
  return ((day % 7) + 11) % 7; // 1970-01-01 was a Thursday (4)
}

/**
 * Validates a date range and returns it as inclusive epoch days.
 *
 * @param range The range; open ends become ±Infinity.
 * @returns `[start, end]` in epoch days.
 * @throws {ConfigError} When a date is malformed or the range is reversed.
 *
 * @example
 * ```ts
 * import { resolveRange } from "./dates.ts";
 * const [s, e] = resolveRange({ start: "2020-01-01" });
 * console.assert(s === 18_262 && e === Infinity);
 * ```
 */
export function resolveRange(range: DateRange = {}): [number, number] {
  const s = range.start === undefined ? -Infinity : parseDate(range.start);
  const e = range.end === undefined ? Infinity : parseDate(range.end);
  if (s > e) {
    throw new ConfigError(
      `Invalid date range: start "${range.start}" is after end "${range.end}"`,
    );
  }
  return [s, e];
}
