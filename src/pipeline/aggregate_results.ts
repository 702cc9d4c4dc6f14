/**
 * `AggregateResults`: consolidate a run's raw batches into the curated lake,
 * holding back the rows the pipeline's own checks reject, then advance the
 * watermarks and write the run's summary.
 *
 * @module
 */

import { Float64, Int32, Int64, Table, Utf8, vectorFromArray } from "apache-arrow";
import { DateDay, makeData, makeVector } from "apache-arrow";
import { Bars } from "../core/bars.ts";
import { formatDate, parseDate } from "../core/dates.ts";
import { ConfigError, FetchError } from "../core/errors.ts";
import { RAW_BATCH_KEY } from "../lake/keys.ts";
import type { Lake, MergeReport } from "../lake/lake.ts";
import type { DividendEvent, SplitEvent } from "../sources/yahoo.ts";
import {
  type CheckFailure,
  checkFetchedRows,
  emptyFetchHoles,
  type Hole,
  PIPELINE_CHECKS,
  type PipelineCheck,
} from "./checks.ts";
import { recordEvents } from "./events.ts";
import type { BatchLog, BatchLogEntry, FetchBatchOutput, SymbolFailure } from "./fetch_batch.ts";
import { BATCH_LOG_KEY, pipelineQuarantineKey, runKey } from "./keys.ts";
import type { UpdateSymbolsOutput } from "./update_symbols.ts";
import { readWatermarks, type Watermark, writeWatermarks } from "./watermarks.ts";
import type { FetchWindow } from "./windows.ts";

/**
 * One Map result: a batch's metadata, or, when the batch failed after its
 * retries, what the state machine's `RecordBatchFailure` state made of the error.
 */
export interface BatchResult {
  /** 200, or 500 for a failed batch. */
  statusCode: number;
  /** The batch's metadata (a failed batch has its number, its symbols and the error). */
  metadata: Partial<FetchBatchOutput["metadata"]> & {
    error?: { Error?: string; Cause?: string };
  };
}

/** `AggregateResults`' input. */
export interface AggregateEvent {
  /** The run date. */
  date: string;
  /** The backfill's first date, if any. */
  backfillFrom?: string | null;
  /** The symbol step's metadata. */
  list?: UpdateSymbolsOutput["metadata"];
  /** One result per batch. */
  batchResults: BatchResult[];
}

/** What a run did: `runs/YYYY-MM-DD.json`, also `AggregateResults`' output. */
export interface RunSummary {
  statusCode: number;
  date: string;
  mode: "incremental" | "backfill";
  backfill_from: string | null;
  /** When aggregation started and finished (ISO 8601). */
  started_at: string;
  finished_at: string;
  /** The symbol step: source, counts, published key, changes. */
  list: UpdateSymbolsOutput["metadata"] | null;
  /** Batches run, and the numbers of those that failed as a whole. */
  batches: { total: number; failed: number[] };
  symbols_processed: number;
  symbols_fetched: number;
  /** Every symbol that could not be fetched, sorted. */
  symbols_failed: string[];
  /** Why each failed. */
  failures: { symbol: string; reason: string }[];
  /** Requests beyond the first, over the run. */
  retries: number;
  rows: {
    /** Rows in the day's raw batches. */
    raw: number;
    /** Rows held back by the pipeline's checks (quarantined). */
    quarantined: number;
    /** Null bars Yahoo sent (dropped by the fetcher). */
    dropped: number;
  };
  /** The pipeline's quarantine file and counts per check. */
  quarantine: { key: string | null; counts: Record<PipelineCheck, number> };
  /** Sessions that successful fetches covered without a bar (suspensions, Yahoo holes). */
  holes: { sessions: number; symbols: number; first: Hole[] };
  /** The lake's merge report, or `null` when there was nothing to merge. */
  merge: MergeReport | null;
  /** Events new or changed in `events/`. */
  events: { splits: number; dividends: number };
  /** Watermarks advanced. */
  watermarks_updated: number;
}

/** What `aggregateResults` needs. */
export interface AggregateDeps {
  /** The lake. */
  lake: Lake;
  /** The clock. */
  now: () => Date;
  /** Largest day-on-day move that needs no split. @default {0.5} */
  maxJump?: number;
  /** The run fails (and alerts) when more than this share of symbols failed. @default {0.2} */
  maxFailedShare?: number;
  /** Progress lines. */
  log?: (line: string) => void;
}

const HOLES_LISTED = 100;

/** The day's raw rows, concatenated, with what the quarantine file needs. */
interface RawDay {
  symbol: string[];
  date: Int32Array;
  close: Float64Array;
  tables: Table[];
  /** Each table's dates, epoch days. */
  tableDates: Int32Array[];
}

async function readRawDay(lake: Lake, keys: readonly string[]): Promise<RawDay> {
  const tables: Table[] = [];
  for (const key of keys) tables.push(await lake.readTable(key));
  const n = tables.reduce((s, t) => s + t.numRows, 0);
  const out: RawDay = {
    symbol: new Array(n),
    date: new Int32Array(n),
    close: new Float64Array(n),
    tables,
    tableDates: [],
  };
  let at = 0;
  for (const t of tables) {
    const bars = new Bars(t);
    const symbols = t.getChild("symbol")!.toArray() as string[];
    for (let i = 0; i < t.numRows; i++) out.symbol[at + i] = symbols[i]!;
    out.date.set(bars.dates, at);
    out.tableDates.push(bars.dates);
    out.close.set(bars.close, at);
    at += t.numRows;
  }
  return out;
}

/** The quarantined rows with the lake's columns, plus `check` and `reason`. */
function quarantineTable(raw: RawDay, failures: readonly (CheckFailure | undefined)[]): Table {
  const picked: { t: Table; i: number; f: CheckFailure; day: number }[] = [];
  let at = 0;
  raw.tables.forEach((t, k) => {
    for (let i = 0; i < t.numRows; i++) {
      const f = failures[at + i];
      if (f !== undefined) picked.push({ t, i, f, day: raw.tableDates[k]![i]! });
    }
    at += t.numRows;
  });
  const col = (name: string) => picked.map(({ t, i }) => t.getChild(name)!.get(i));
  const days = Int32Array.from(picked, (p) => p.day);
  return new Table({
    symbol: vectorFromArray(col("symbol") as string[], new Utf8()),
    date: makeVector(makeData({ type: new DateDay(), data: days, length: days.length })),
    open: vectorFromArray(col("open") as number[], new Float64()),
    high: vectorFromArray(col("high") as number[], new Float64()),
    low: vectorFromArray(col("low") as number[], new Float64()),
    close: vectorFromArray(col("close") as number[], new Float64()),
    volume: vectorFromArray(col("volume") as bigint[], new Int64()),
    adjusted_close: vectorFromArray(col("adjusted_close") as number[], new Float64()),
    fetch_timestamp: vectorFromArray(col("fetch_timestamp") as string[], new Utf8()),
    batch_number: vectorFromArray(col("batch_number") as number[], new Int32()),
    check: vectorFromArray(picked.map((p) => p.f.check), new Utf8()),
    reason: vectorFromArray(picked.map((p) => p.f.reason), new Utf8()),
  });
}

/** Each symbol's latest entry across the day's batch logs (a rerun's logs replace earlier ones). */
function latestEntries(logs: readonly BatchLog[]): Map<string, BatchLogEntry> {
  const out = new Map<string, BatchLogEntry>();
  for (const log of [...logs].sort((a, b) => (a.fetched_at < b.fetched_at ? -1 : 1))) {
    for (const e of log.symbols) out.set(e.symbol, e);
  }
  return out;
}

/**
 * The `AggregateResults` handler:
 * 1. reads the day's raw batches and batch logs;
 * 2. runs the pipeline's checks (ASX session, gap since watermark, absurd jump
 *    without a split) and writes the rows they reject to
 *    `quarantine/DATE/pipeline.parquet` with the reason;
 * 3. merges the rest with `Lake.mergeDailyBatches` (which applies the lake's
 *    own row validation and quarantine);
 * 4. records splits and dividends under `events/`, advances each symbol's
 *    watermark to the last date `ohlcv/` now holds, and writes
 *    `runs/DATE.json` naming every failed symbol.
 *
 * Running it again for the same date gives the same lake: the merge keeps one
 * row per (symbol, date), and every file it writes is replaced whole. The whole
 * step holds the lake's write lock (`Lake.withWriteLock`), so two runs never
 * interleave their reads and writes of the watermarks, events and curated data.
 *
 * @param event Run date, backfill start, the symbol step's metadata, the batch results.
 * @param deps Lake, clock, jump threshold, failure threshold.
 * @returns The run summary (as written to `runs/DATE.json`).
 * @throws {FetchError} After writing the summary, when more than `maxFailedShare` of the
 *   symbols failed (so the state machine alerts).
 * @throws {LakeError} When the lake cannot be read or written; `Locked` when another writer
 *   holds the lake past the lock's wait.
 */
export async function aggregateResults(
  event: AggregateEvent,
  deps: AggregateDeps,
): Promise<RunSummary> {
  if (!Array.isArray(event?.batchResults)) {
    throw new ConfigError(`Invalid aggregate input: expected a "batchResults" array`);
  }
  parseDate(event.date);
  // One writer at a time: everything below reads and rewrites shared state.
  return await deps.lake.withWriteLock(() => aggregate(event, deps), `aggregate ${event.date}`);
}

async function aggregate(event: AggregateEvent, deps: AggregateDeps): Promise<RunSummary> {
  const date = event.date;
  const { lake } = deps;
  const startedAt = deps.now().toISOString();
  const log = deps.log ?? (() => {});

  // What the batches said.
  const failures = new Map<string, string>();
  const failedBatches: number[] = [];
  let processed = 0, retries = 0, dropped = 0;
  for (const r of event.batchResults) {
    const m = r?.metadata ?? {};
    const failed = m.symbols_failed ?? [];
    if (r?.statusCode !== 200) {
      failedBatches.push(m.batch_number ?? -1);
      const cause = m.error?.Cause ?? m.error?.Error ?? "the batch failed";
      for (const s of failed) failures.set(s, `batch ${m.batch_number} failed: ${cause}`);
      processed += failed.length;
      continue;
    }
    processed += m.symbols_processed ?? 0;
    retries += m.retries ?? 0;
    dropped += m.dropped ?? 0;
    const why = new Map((m.failures ?? []).map((f: SymbolFailure) => [f.symbol, f.reason]));
    for (const s of failed) failures.set(s, why.get(s) ?? "failed");
  }

  // What the batches wrote.
  const listed = await lake.store.list(`raw-data/${date}-batch-`);
  const parquetKeys = listed.map((o) => o.key).filter((k) => RAW_BATCH_KEY.exec(k)?.[1] === date);
  const logs: BatchLog[] = [];
  for (const o of listed) {
    if (BATCH_LOG_KEY.exec(o.key)?.[1] !== date) continue;
    logs.push(JSON.parse(new TextDecoder().decode(await lake.store.get(o.key))) as BatchLog);
  }
  const entries = latestEntries(logs);
  const windows = new Map<string, FetchWindow>();
  for (const [s, e] of entries) {
    if (e.failure === undefined) {
      windows.set(s, { start: parseDate(e.start), end: parseDate(e.end) });
    }
  }
  const splits: SplitEvent[] = logs.flatMap((l) => l.splits);
  const dividends: DividendEvent[] = logs.flatMap((l) => l.dividends);
  const splitDays = new Map<string, number[]>();
  for (const s of splits) {
    const list = splitDays.get(s.symbol) ?? [];
    list.push(parseDate(s.date));
    splitDays.set(s.symbol, list);
  }

  const watermarks = await readWatermarks(lake);
  const raw = await readRawDay(lake, parquetKeys);
  const checked = checkFetchedRows({
    rows: raw,
    watermarks,
    windows,
    splits: splitDays,
    ...(deps.maxJump === undefined ? {} : { maxJump: deps.maxJump }),
  });
  const holes = checked.holes;
  const withRows = new Set(raw.symbol);
  for (const [s, w] of windows) {
    if (!withRows.has(s)) holes.push(...emptyFetchHoles(s, w, watermarks.get(s)));
  }
  holes.sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));

  // Quarantine, then merge what passed.
  const exSymbols: string[] = [], exDates: number[] = [];
  checked.failures.forEach((f, i) => {
    if (f !== undefined) {
      exSymbols.push(raw.symbol[i]!);
      exDates.push(raw.date[i]!);
    }
  });
  const qKey = pipelineQuarantineKey(date);
  if (exSymbols.length > 0) {
    await lake.writeTable(qKey, quarantineTable(raw, checked.failures));
    log(`quarantined ${exSymbols.length} rows: ${JSON.stringify(checked.counts)}`);
  } else {
    await lake.store.delete(qKey); // a previous attempt's, if any
  }
  let merge: MergeReport | null = null;
  if (parquetKeys.length > 0) {
    merge = await lake.mergeDailyBatches(date, {
      exclude: { symbol: exSymbols, date: Int32Array.from(exDates) },
    });
    log(`merged ${merge.rawRows - merge.excluded} rows into ${merge.partitions.length} year(s)`);
  }
  const events = await recordEvents(lake, splits, dividends);

  // Watermarks: the last date ohlcv/ holds for every symbol this run merged rows for.
  const kept = new Set<string>();
  let firstKept = Infinity;
  checked.failures.forEach((f, i) => {
    if (f === undefined) {
      kept.add(raw.symbol[i]!);
      if (raw.date[i]! < firstKept) firstKept = raw.date[i]!;
    }
  });
  let updated = 0;
  if (kept.size > 0) {
    const last = await lake.sql(
      "SELECT symbol, max(date)::VARCHAR AS d, arg_max(close, date) AS c FROM ohlcv GROUP BY symbol",
      { symbols: [...kept], start: formatDate(firstKept), columns: ["close"] },
    );
    const next = new Map<string, Watermark>(watermarks);
    for (const row of last) {
      const wm: Watermark = { date: parseDate(String(row.d)), close: Number(row.c) };
      const old = next.get(String(row.symbol));
      if (
        old === undefined || wm.date > old.date || (wm.date === old.date && wm.close !== old.close)
      ) {
        next.set(String(row.symbol), wm);
        updated++;
      }
    }
    if (updated > 0) await writeWatermarks(lake, next);
  }

  const failedSymbols = [...failures.keys()].sort();
  const summary: RunSummary = {
    statusCode: 200,
    date,
    mode: event.backfillFrom ? "backfill" : "incremental",
    backfill_from: event.backfillFrom ?? null,
    started_at: startedAt,
    finished_at: deps.now().toISOString(),
    list: event.list ?? null,
    batches: { total: event.batchResults.length, failed: failedBatches.sort((a, b) => a - b) },
    symbols_processed: processed,
    symbols_fetched: processed - failedSymbols.length,
    symbols_failed: failedSymbols,
    failures: failedSymbols.map((symbol) => ({ symbol, reason: failures.get(symbol)! })),
    retries,
    rows: { raw: raw.symbol.length, quarantined: exSymbols.length, dropped },
    quarantine: {
      key: exSymbols.length > 0 ? qKey : null,
      counts: Object.fromEntries(PIPELINE_CHECKS.map((c) => [c, checked.counts[c]])) as Record<
        PipelineCheck,
        number
      >,
    },
    holes: {
      sessions: holes.reduce((s, h) => s + h.days, 0),
      symbols: new Set(holes.map((h) => h.symbol)).size,
      first: holes.slice(0, HOLES_LISTED),
    },
    merge,
    events,
    watermarks_updated: updated,
  };
  await lake.store.put(
    runKey(date),
    new TextEncoder().encode(JSON.stringify(summary, null, 1) + "\n"),
  );
  const maxFailed = deps.maxFailedShare ?? 0.2;
  if (processed > 0 && failedSymbols.length / processed > maxFailed) {
    throw new FetchError(
      `Run ${date}: ${failedSymbols.length} of ${processed} symbols could not be fetched (more than ${
        Math.round(maxFailed * 100)
      } %); see ${runKey(date)}`,
    );
  }
  return summary;
}
