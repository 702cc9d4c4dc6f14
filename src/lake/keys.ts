/**
 * The lake's key layout, the same on S3 and on disk (see DESIGN.md "The lake").
 *
 * @module
 */

import { parseDate } from "../core/dates.ts";

/** Top-level prefixes of the lake. */
export const PREFIX = {
  symbols: "symbols/",
  raw: "raw-data/",
  ohlcv: "ohlcv/",
  events: "events/",
  quarantine: "quarantine/",
  runs: "runs/",
  state: "state/",
} as const;

function checkDate(date: string): string {
  parseDate(date); // throws ConfigError quoting the date
  return date;
}

/**
 * Key of one fetch batch's raw Parquet file.
 *
 * @param date Run date `YYYY-MM-DD`.
 * @param batchNumber The batch's number (0-based or 1-based, as the pipeline numbers them).
 * @returns e.g. `raw-data/2024-08-01-batch-3.parquet`.
 * @throws {ConfigError} On a malformed date.
 * @throws {RangeError} On a negative or fractional batch number.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { rawBatchKey } from "./keys.ts";
 * assert.equal(rawBatchKey("2024-08-01", 3), "raw-data/2024-08-01-batch-3.parquet");
 * ```
 */
export function rawBatchKey(date: string, batchNumber: number): string {
  if (!Number.isInteger(batchNumber) || batchNumber < 0 || batchNumber > 2 ** 31 - 1) {
    throw new RangeError(`Invalid batch number ${batchNumber}: expected an integer >= 0`);
  }
  return `${PREFIX.raw}${checkDate(date)}-batch-${batchNumber}.parquet`;
}

/** Matches raw batch keys, capturing the date and batch number. */
export const RAW_BATCH_KEY: RegExp = /^raw-data\/(\d{4}-\d{2}-\d{2})-batch-(\d+)\.parquet$/;

/**
 * Key prefix of one curated year partition.
 *
 * @param year e.g. 2020.
 * @returns e.g. `ohlcv/year=2020/`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { yearPrefix } from "./keys.ts";
 * assert.equal(yearPrefix(2020), "ohlcv/year=2020/");
 * ```
 */
export function yearPrefix(year: number): string {
  return `${PREFIX.ohlcv}year=${year}/`;
}

/** Matches curated Parquet keys, capturing the year. */
export const CURATED_KEY: RegExp = /^ohlcv\/year=(\d{4})\/[^/]+\.parquet$/;

/**
 * The year of a curated key, or `undefined` when the key is not a curated Parquet file.
 *
 * @param key e.g. `ohlcv/year=2020/part-0.parquet`.
 * @returns e.g. 2020.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { curatedYear } from "./keys.ts";
 * assert.equal(curatedYear("ohlcv/year=2020/part-0.parquet"), 2020);
 * assert.equal(curatedYear("raw-data/x.parquet"), undefined);
 * ```
 */
export function curatedYear(key: string): number | undefined {
  const m = CURATED_KEY.exec(key);
  return m ? Number(m[1]) : undefined;
}

/**
 * Key of the quarantine file for one run date.
 *
 * @param date Run date `YYYY-MM-DD`.
 * @param name File name, e.g. `merge.parquet`.
 * @returns e.g. `quarantine/2024-08-01/merge.parquet`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { quarantineKey } from "./keys.ts";
 * assert.equal(quarantineKey("2024-08-01", "merge.parquet"), "quarantine/2024-08-01/merge.parquet");
 * ```
 */
export function quarantineKey(date: string, name: string): string {
  return `${PREFIX.quarantine}${checkDate(date)}/${name}`;
}
