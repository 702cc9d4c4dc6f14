/**
 * The pipeline's keys in the lake (see DESIGN.md "The lake"), built on the
 * lake's own prefixes so the layout has one source.
 *
 * @module
 */

import { parseDate } from "../core/dates.ts";
import { PREFIX, quarantineKey, rawBatchKey } from "../lake/keys.ts";

/** The published ASX list of a run date: `symbols/YYYY-MM-DD-symbols.csv`. */
export function symbolsKey(date: string): string {
  parseDate(date);
  return `${PREFIX.symbols}${date}-symbols.csv`;
}

/** Added and removed symbols against the previous list: `symbols/YYYY-MM-DD-changes.json`. */
export function changesKey(date: string): string {
  parseDate(date);
  return `${PREFIX.symbols}${date}-changes.json`;
}

/** Matches published list keys, capturing the date. */
export const SYMBOLS_KEY: RegExp = /^symbols\/(\d{4}-\d{2}-\d{2})-symbols\.csv$/;

/**
 * A fetch batch's log beside its Parquet file: `raw-data/YYYY-MM-DD-batch-N.json`
 * (each symbol's fetch window and outcome, and the splits and dividends Yahoo sent).
 */
export function batchLogKey(date: string, batchNumber: number): string {
  return rawBatchKey(date, batchNumber).replace(/\.parquet$/, ".json");
}

/** Matches batch log keys, capturing the date and batch number. */
export const BATCH_LOG_KEY: RegExp = /^raw-data\/(\d{4}-\d{2}-\d{2})-batch-(\d+)\.json$/;

/** Rows the pipeline's own checks quarantined on a run date. */
export function pipelineQuarantineKey(date: string): string {
  return quarantineKey(date, "pipeline.parquet");
}

/** What a run did: `runs/YYYY-MM-DD.json`. */
export function runKey(date: string): string {
  parseDate(date);
  return `${PREFIX.runs}${date}.json`;
}

/** Last date held and its close, per symbol. */
export const WATERMARKS_KEY = `${PREFIX.state}watermarks.parquet`;

/** Every split Yahoo reported, `symbol,date,numerator,denominator`. */
export const SPLITS_KEY = `${PREFIX.events}splits.csv`;

/** Every dividend Yahoo reported, `symbol,date,amount`. */
export const DIVIDENDS_KEY = `${PREFIX.events}dividends.csv`;
