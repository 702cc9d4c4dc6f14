/**
 * `FetchStockData`: fetch one batch of symbols from Yahoo, politely and
 * incrementally, and write it to the lake's raw layer.
 *
 * @module
 */

import { formatDate, parseDate } from "../core/dates.ts";
import { ConfigError } from "../core/errors.ts";
import { concatOhlcv, type OhlcvColumns } from "../core/ohlcv_columns.ts";
import { validateSymbol } from "../core/symbol.ts";
import type { Lake } from "../lake/lake.ts";
import {
  type DailyBars,
  type DividendEvent,
  fetchDailyBars,
  type FetchDailyBarsOptions,
  type SplitEvent,
  YahooError,
  type YahooOptions,
} from "../sources/yahoo.ts";
import { batchLogKey } from "./keys.ts";
import { readWatermarks } from "./watermarks.ts";
import { fetchWindow } from "./windows.ts";

/** One Map item: a batch of symbols for a run date. */
export interface FetchBatchEvent {
  /** The batch's symbols. */
  symbols: string[];
  /** Its number. */
  batchNumber: number;
  /** The run date `YYYY-MM-DD`. */
  date: string;
  /** The backfill's first date, or `null`/absent for an incremental run. */
  backfillFrom?: string | null;
}

/** One symbol's fetch failure. */
export interface SymbolFailure {
  /** The ticker. */
  symbol: string;
  /** Why, in a sentence. */
  reason: string;
  /** The kind of failure (`not-found`, `rate-limited`, `timeout`, …; `error` for anything else). */
  failure: string;
  /** Requests made. */
  attempts: number;
}

/** What `FetchStockData` answers (the seed's shape, plus detail). */
export interface FetchBatchOutput {
  /** 200. */
  statusCode: number;
  /** About the batch. */
  metadata: {
    batch_number: number;
    symbols_processed: number;
    symbols_fetched: number;
    /** Every symbol that could not be fetched. */
    symbols_failed: string[];
    /** Why each failed. */
    failures: SymbolFailure[];
    /** Rows written. */
    rows: number;
    /** Null bars dropped. */
    dropped: number;
    /** Requests beyond the first, over the batch. */
    retries: number;
    /** Seconds. */
    execution_time: number;
    /** The raw batch written. */
    s3_key: string;
  };
}

/** A symbol's entry in the batch log. */
export interface BatchLogEntry {
  symbol: string;
  /** Fetch window, `YYYY-MM-DD`. */
  start: string;
  end: string;
  rows: number;
  dropped: number;
  attempts: number;
  /** Set when the fetch failed. */
  failure?: string;
  error?: string;
}

/** `raw-data/DATE-batch-N.json`: what the batch asked for and got, beside its Parquet rows. */
export interface BatchLog {
  date: string;
  batch_number: number;
  fetched_at: string;
  symbols: BatchLogEntry[];
  splits: SplitEvent[];
  dividends: DividendEvent[];
}

/** What `fetchBatch` needs. */
export interface FetchBatchDeps {
  /** The lake (raw batches are written to it; watermarks are read from it). */
  lake: Lake;
  /** The clock: fetch timestamps and execution time. */
  now: () => Date;
  /** How to reach Yahoo: base URL, HTTP client, timeout, retry policy. */
  yahoo?: YahooOptions;
  /** Pause between two symbols, in ms: politeness towards Yahoo. @default {2000} */
  pauseMs?: number;
  /** How to wait. @default {setTimeout} */
  sleep?: (ms: number) => Promise<void>;
  /** The fetcher. @default {fetchDailyBars} */
  fetchBars?: (symbol: string, options: FetchDailyBarsOptions) => Promise<DailyBars>;
  /** Called after each symbol (progress). */
  onSymbol?: (symbol: string, ok: boolean) => void;
}

function checkEvent(event: FetchBatchEvent): void {
  if (!Array.isArray(event?.symbols) || event.symbols.length === 0) {
    throw new ConfigError(`Invalid batch: expected a non-empty "symbols" array`);
  }
  if (!Number.isInteger(event.batchNumber) || event.batchNumber < 0) {
    throw new ConfigError(`Invalid batch number ${event.batchNumber}: expected an integer >= 0`);
  }
  parseDate(event.date);
  if (event.backfillFrom != null) parseDate(event.backfillFrom);
  event.symbols.forEach((s) => validateSymbol(String(s)));
}

/**
 * The `FetchStockData` handler: fetches each symbol of the batch in turn (a
 * pause between symbols), from the day after its watermark to the run date
 * (or over the backfill range), and writes `raw-data/DATE-batch-N.json` (each
 * symbol's window and outcome, and the splits and dividends) and then
 * `raw-data/DATE-batch-N.parquet` (the rows, seed schema, each symbol's rows
 * stamped with its fetch time). A symbol that fails is named in
 * `symbols_failed` with its reason; the batch itself does not fail for it.
 *
 * @param event Symbols, batch number, run date, backfill start.
 * @param deps Lake, clock, Yahoo options, pause.
 * @returns The seed's batch metadata.
 * @throws {ConfigError} On a malformed event.
 * @throws {LakeError} When the batch cannot be written (the state machine retries it).
 */
export async function fetchBatch(
  event: FetchBatchEvent,
  deps: FetchBatchDeps,
): Promise<FetchBatchOutput> {
  checkEvent(event);
  const started = deps.now().getTime();
  const pauseMs = deps.pauseMs ?? 2000;
  const sleep = deps.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const fetchBars = deps.fetchBars ?? fetchDailyBars;
  const watermarks = await readWatermarks(deps.lake);
  const backfillFrom = event.backfillFrom ?? null;
  const parts: OhlcvColumns[] = [];
  const stamps: string[] = [];
  const log: BatchLog = {
    date: event.date,
    batch_number: event.batchNumber,
    fetched_at: new Date(started).toISOString(),
    symbols: [],
    splits: [],
    dividends: [],
  };
  const failures: SymbolFailure[] = [];
  let dropped = 0, retries = 0;
  for (const [i, symbol] of event.symbols.entries()) {
    if (i > 0 && pauseMs > 0) await sleep(pauseMs);
    const window = fetchWindow(watermarks.get(symbol), event.date, backfillFrom);
    const entry: BatchLogEntry = {
      symbol,
      start: formatDate(window.start),
      end: formatDate(window.end),
      rows: 0,
      dropped: 0,
      attempts: 0,
    };
    try {
      const bars = await fetchBars(symbol, {
        ...deps.yahoo,
        start: entry.start,
        end: entry.end,
      });
      const stamp = deps.now().toISOString();
      parts.push(bars.rows);
      for (let k = 0; k < bars.rows.date.length; k++) stamps.push(stamp);
      log.splits.push(...bars.events.splits);
      log.dividends.push(...bars.events.dividends);
      entry.rows = bars.rows.date.length;
      entry.dropped = bars.dropped;
      entry.attempts = bars.attempts;
      dropped += bars.dropped;
      retries += bars.attempts - 1;
      deps.onSymbol?.(symbol, true);
    } catch (err) {
      const attempts = err instanceof YahooError ? err.attempts : 1;
      const failure = err instanceof YahooError ? err.failure : "error";
      const reason = (err as Error)?.message ?? String(err);
      entry.attempts = attempts;
      entry.failure = failure;
      entry.error = reason;
      retries += attempts - 1;
      failures.push({ symbol, reason, failure, attempts });
      deps.onSymbol?.(symbol, false);
    }
    log.symbols.push(entry);
  }
  const rows = concatOhlcv(parts);
  // The log first: a Parquet file always has the log of the fetch that wrote it (or a later one).
  await deps.lake.store.put(
    batchLogKey(event.date, event.batchNumber),
    new TextEncoder().encode(JSON.stringify(log) + "\n"),
  );
  // Rows failing the lake's validation go to quarantine/DATE/batch-N.parquet, not the batch.
  const { key } = await deps.lake.writeRawBatch(event.date, event.batchNumber, {
    ...rows,
    fetch_timestamp: stamps,
  });
  return {
    statusCode: 200,
    metadata: {
      batch_number: event.batchNumber,
      symbols_processed: event.symbols.length,
      symbols_fetched: event.symbols.length - failures.length,
      symbols_failed: failures.map((f) => f.symbol),
      failures,
      rows: rows.date.length,
      dropped,
      retries,
      execution_time: (deps.now().getTime() - started) / 1000,
      s3_key: key,
    },
  };
}
