/**
 * Which dates a run is about: the default run date (the last ASX session that
 * has closed, in Sydney), and each symbol's fetch window.
 *
 * @module
 */

import { formatDate, parseDate } from "../core/dates.ts";
import { ConfigError } from "../core/errors.ts";
import type { Watermark } from "./watermarks.ts";

const sydney = new Intl.DateTimeFormat("en-CA", {
  timeZone: "Australia/Sydney",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  hourCycle: "h23",
});

/**
 * The run date for an instant: today in Sydney from 18:00 (the 16:10 close,
 * auction and Yahoo's settling done), else yesterday. The daily schedule (20:00
 * UTC, 06:00-07:00 Sydney) therefore fetches the session that closed the
 * evening before.
 *
 * @param now The instant.
 * @returns `YYYY-MM-DD`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultRunDate } from "./windows.ts";
 * assert.equal(defaultRunDate(new Date("2024-08-01T20:00:00Z")), "2024-08-01"); // 06:00 on the 2nd in Sydney
 * assert.equal(defaultRunDate(new Date("2024-08-02T08:30:00Z")), "2024-08-02"); // 18:30 in Sydney
 * ```
 */
export function defaultRunDate(now: Date): string {
  const parts = Object.fromEntries(sydney.formatToParts(now).map((p) => [p.type, p.value]));
  const today = parseDate(`${parts.year}-${parts.month}-${parts.day}`);
  return formatDate(Number(parts.hour) >= 18 ? today : today - 1);
}

/** An inclusive range of epoch days to fetch. */
export interface FetchWindow {
  /** First day. */
  start: number;
  /** Last day. */
  end: number;
}

/**
 * A symbol's fetch window for a run: from the day after its watermark to the
 * run date (the run date at least, so a rerun fetches it again), or with a
 * backfill from the earlier of the backfill start and the day after the
 * watermark — a fetch never leaves a gap after what the lake holds. A symbol
 * without a watermark fetches the run date only, or the backfill range.
 *
 * @param watermark The symbol's watermark, if any.
 * @param date The run date, `YYYY-MM-DD`.
 * @param backfillFrom The backfill's first date, or `null`.
 * @returns The window.
 * @throws {ConfigError} On malformed dates or a backfill starting after the run date.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatDate, parseDate } from "../core/dates.ts";
 * import { fetchWindow } from "./windows.ts";
 * const w = fetchWindow({ date: parseDate("2024-07-26"), close: 1 }, "2024-08-01", null);
 * assert.deepEqual([formatDate(w.start), formatDate(w.end)], ["2024-07-27", "2024-08-01"]);
 * ```
 */
export function fetchWindow(
  watermark: Watermark | undefined,
  date: string,
  backfillFrom: string | null,
): FetchWindow {
  const end = parseDate(date);
  const next = watermark === undefined ? Infinity : watermark.date + 1;
  if (backfillFrom !== null) {
    const from = parseDate(backfillFrom);
    if (from > end) {
      throw new ConfigError(
        `Invalid backfill: it starts ${backfillFrom}, after the run date ${date}`,
      );
    }
    return { start: Math.min(from, next), end };
  }
  return { start: Math.min(next, end), end };
}
