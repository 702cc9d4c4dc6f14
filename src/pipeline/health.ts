/**
 * How healthy is the pipeline? One report from what its runs leave in the
 * lake: the run summaries (`runs/DATE.json`), the quarantine files
 * (`quarantine/DATE/{pipeline,batch-N,merge}.parquet`) and the curated bars
 * themselves, checked against the ASX calendar. Notebook 05 draws it; anything
 * else (a cron job, a CI check of a lake) can read the same numbers.
 *
 * @module
 */

import { tradingDays } from "../core/calendar.ts";
import { formatDate, parseDate } from "../core/dates.ts";
import { LakeError } from "../core/errors.ts";
import type { Lake } from "../lake/lake.ts";
import type { RunSummary } from "./aggregate_results.ts";
import { missingRuns } from "./checks.ts";
import type { BatchLog } from "./fetch_batch.ts";
import { BATCH_LOG_KEY, runKey } from "./keys.ts";

/** One run, as its summary tells it. */
export interface RunHealth {
  /** The run date, `YYYY-MM-DD`. */
  date: string;
  mode: RunSummary["mode"];
  /** The first date a backfill run fetched, else `null`. */
  backfillFrom: string | null;
  /** False when the run failed as a whole (too many symbols failed: it alerted). */
  ok: boolean;
  /** Symbols the run tried. */
  symbols: number;
  fetched: number;
  /** Symbols that could not be fetched. */
  failed: number;
  /** Requests beyond the first. */
  retries: number;
  /** Rows in the day's raw batches. */
  rawRows: number;
  /** Rows filed under `quarantine/DATE/` by the pipeline's checks and the lake's door. */
  quarantined: number;
  /** Sessions that successful fetches covered without a bar. */
  holes: number;
}

/** A symbol that failed in at least one run. */
export interface FailedSymbol {
  symbol: string;
  /** Runs in which it failed. */
  runs: number;
  /** The first and the last run date it failed on. */
  first: string;
  last: string;
  /** Whether it failed in the latest run too (an outage still on, or a delisting). */
  failing: boolean;
  /** Why it failed the last time. */
  reason: string;
}

/** One quarantined row. */
export interface QuarantinedRow {
  /** The run date whose files hold it. */
  run: string;
  /** Which file: `pipeline` (the pipeline's checks), `batch-N` or `merge` (the lake's door). */
  file: string;
  symbol: string;
  /** The bar's date. */
  date: string;
  close: number;
  /** The check that failed (`door` for the lake's row validation). */
  check: string;
  reason: string;
  /** Whether the lake holds a clean bar for that symbol and date now (a later run re-fetched it). */
  resolved: boolean;
}

/** ASX sessions in a row on which a symbol has no bar in the curated lake. */
export interface CoverageGap {
  symbol: string;
  /** First and last missing session. */
  from: string;
  to: string;
  /** Sessions missing. */
  sessions: number;
  /** Whether the gap reaches the latest run: the symbol is not coming back by itself. */
  open: boolean;
  /**
   * The likeliest cause: `quarantined` (a bar was held back), `fetch failing` (the
   * symbol failed in the latest run), else `no bar from Yahoo` (a suspension, or
   * bars Yahoo sent empty).
   */
  cause: "quarantined" | "fetch failing" | "no bar from Yahoo";
}

/** What {@link pipelineHealth} finds. */
export interface PipelineHealth {
  /** The lake read. */
  lake: string;
  /** The window the report covers: the first run's first fetched date to the latest run. */
  from: string;
  to: string;
  /** Every run, oldest first. */
  runs: RunHealth[];
  /** ASX sessions inside the window with no run of their own (a later run caught up, or not). */
  missedRuns: string[];
  /** Symbols that failed, those still failing first, then by the number of failed runs. */
  failedSymbols: FailedSymbol[];
  /** Every quarantined row, by run date. */
  quarantine: QuarantinedRow[];
  /**
   * Sessions without a bar, per symbol, inside the window, by the runs' own rule for a hole
   * (outside 2015–2026, where the calendar knows no holidays, every weekday counts as a session).
   */
  gaps: CoverageGap[];
  /** The window's sessions, and the symbols with bars in it (for {@link coverageGrid}). */
  sessions: string[];
  symbols: string[];
  /** Each symbol's first bar in the lake, `YYYY-MM-DD` (before it, no gap is counted). */
  firstBars: Record<string, string>;
}

/** Options of {@link pipelineHealth}. */
export interface PipelineHealthOptions {
  /** Only runs on or after this date. @default {the first run} */
  from?: string;
  /** Only runs on or before this date. @default {the latest run} */
  to?: string;
}

const RUN_FILE = /^runs\/(\d{4}-\d{2}-\d{2})\.json$/;
const QUARANTINE_FILE = /^quarantine\/(\d{4}-\d{2}-\d{2})\/([^/]+)\.parquet$/;

/**
 * Reads a pipeline lake's runs, quarantine and curated coverage into one report.
 *
 * The window starts at the first run's first fetched date (a backfill's start,
 * else its run date) and ends at the latest run. Coverage is checked on ASX
 * sessions inside it with the pipeline's own rule for a hole (`missingRuns`, as
 * the runs count theirs), for each symbol from its first bar in the lake, or
 * from where the first run fetched it if that is earlier (so a new listing has
 * no gap before it, but bars Yahoo sent empty at the start of a backfill are
 * gaps).
 *
 * @param lake A lake that the pipeline writes (e.g. `openLake("data-cache/pipeline-lake")`).
 * @param options The run dates to report on.
 * @returns The report.
 * @throws {LakeError} code `NotFound` when the lake holds no run summaries in the window,
 *   with how to get some.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { openLake, pipelineHealth } from "../mod.ts";
 * const dir = mkdtempSync(join(tmpdir(), "health-doc-"));
 * const lake = await openLake(dir);
 * try {
 *   await assert.rejects(pipelineHealth(lake), /no pipeline runs/);
 * } finally {
 *   await lake.close();
 *   rmSync(dir, { recursive: true });
 * }
 * ```
 */
export async function pipelineHealth(
  lake: Lake,
  options: PipelineHealthOptions = {},
): Promise<PipelineHealth> {
  const summaries = await readRuns(lake, options);
  if (summaries.length === 0) {
    const window = options.from || options.to
      ? ` between ${options.from ?? "the start"} and ${options.to ?? "now"}`
      : "";
    throw new LakeError(
      `The lake ${lake.uri} has no pipeline runs${window} (no runs/DATE.json). ` +
        "Run `deno task pipeline` to fetch into it, point ASXLAB_LAKE at the pipeline's lake, " +
        "or seed a demo lake from the fake Yahoo with `deno task pipeline:demo`.",
      { key: "runs/", code: "NotFound" },
    );
  }
  const first = summaries[0]!, latest = summaries.at(-1)!;
  const from = first.backfill_from ?? first.date, to = latest.date;
  const sessions = [...tradingDays(from, to)].map(formatDate);

  const quarantine = await readQuarantine(lake, first.date, to);
  const quarantinedOn = new Map<string, number>();
  for (const q of quarantine) quarantinedOn.set(q.run, (quarantinedOn.get(q.run) ?? 0) + 1);

  const runs: RunHealth[] = summaries.map((s) => ({
    date: s.date,
    mode: s.mode,
    backfillFrom: s.backfill_from,
    ok: s.statusCode === 200,
    symbols: s.symbols_processed,
    fetched: s.symbols_fetched,
    failed: s.symbols_failed.length,
    retries: s.retries,
    rawRows: s.rows.raw,
    quarantined: quarantinedOn.get(s.date) ?? 0,
    holes: s.holes.sessions,
  }));
  const ran = new Set(summaries.map((s) => s.date));
  const missedRuns = sessions.filter((d) => d > first.date && !ran.has(d));

  const failing = new Set(latest.symbols_failed);
  const failed = new Map<string, FailedSymbol>();
  for (const s of summaries) {
    for (const f of s.failures) {
      const seen = failed.get(f.symbol);
      if (seen) Object.assign(seen, { runs: seen.runs + 1, last: s.date, reason: f.reason });
      else {
        failed.set(f.symbol, {
          symbol: f.symbol,
          runs: 1,
          first: s.date,
          last: s.date,
          failing: false,
          reason: f.reason,
        });
      }
    }
  }
  for (const f of failed.values()) f.failing = failing.has(f.symbol);
  const failedSymbols = [...failed.values()].sort((a, b) =>
    Number(b.failing) - Number(a.failing) || b.runs - a.runs || a.symbol.localeCompare(b.symbol)
  );

  // Coverage: which (symbol, session) pairs the curated lake holds, from where each symbol's
  // bars are due: its first bar in the lake, or earlier where the first run fetched it from.
  // A symbol the first run fetched without getting a single bar is all gap.
  const held = await heldBars(lake, from, to);
  for (const [symbol, start] of await fetchedFrom(lake, first.date)) {
    const due = start < from ? from : start;
    const known = held.firstBar.get(symbol);
    if (known === undefined || due < known) held.firstBar.set(symbol, due);
    if (!held.bars.has(symbol)) held.bars.set(symbol, new Set());
  }
  for (const q of quarantine) {
    q.resolved = held.bars.get(q.symbol)?.has(parseDate(q.date)) ?? false;
  }
  const lastSession = sessions.at(-1);
  const gaps: CoverageGap[] = [];
  for (const [symbol, present] of held.bars) {
    const since = Math.max(parseDate(held.firstBar.get(symbol)!), parseDate(from));
    for (const hole of missingRuns(symbol, since, parseDate(to), present)) {
      const open = hole.to === lastSession;
      const heldBack = quarantine.some((q) =>
        !q.resolved && q.symbol === symbol && q.date >= hole.from && q.date <= hole.to
      );
      const cause = heldBack
        ? "quarantined"
        : open && failing.has(symbol)
        ? "fetch failing"
        : "no bar from Yahoo";
      gaps.push({ symbol, from: hole.from, to: hole.to, sessions: hole.days, open, cause });
    }
  }
  gaps.sort((a, b) => a.symbol.localeCompare(b.symbol) || a.from.localeCompare(b.from));

  return {
    lake: lake.uri,
    from,
    to,
    runs,
    missedRuns,
    failedSymbols,
    quarantine,
    gaps,
    sessions,
    symbols: [...held.bars.keys()].sort(),
    firstBars: Object.fromEntries(held.firstBar),
  };
}

/** The run summaries in the options' window, oldest first. */
async function readRuns(lake: Lake, options: PipelineHealthOptions): Promise<RunSummary[]> {
  const dates = (await lake.store.list("runs/"))
    .map((o) => RUN_FILE.exec(o.key)?.[1])
    .filter((d): d is string => d !== undefined)
    .filter((d) => (!options.from || d >= options.from) && (!options.to || d <= options.to))
    .sort();
  const out: RunSummary[] = [];
  for (const date of dates) out.push(await readJson<RunSummary>(lake, runKey(date)));
  return out;
}

/** One of the pipeline's JSON objects; `Corrupt` naming it when it does not parse. */
async function readJson<T>(lake: Lake, key: string): Promise<T> {
  const text = new TextDecoder().decode(await lake.store.get(key));
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new LakeError(`Cannot read ${key} in ${lake.uri}: ${(err as Error).message}`, {
      key,
      code: "Corrupt",
    });
  }
}

/** Where the run of `date` fetched each symbol from, by its batch logs (successful fetches only). */
async function fetchedFrom(lake: Lake, date: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const { key } of await lake.store.list(`raw-data/${date}-batch-`)) {
    if (!BATCH_LOG_KEY.test(key)) continue;
    const log = await readJson<BatchLog>(lake, key);
    for (const e of log.symbols) if (!e.failure) out.set(e.symbol, e.start);
  }
  return out;
}

/** Every row of the Parquet quarantine files of runs from `from` to `to`. */
async function readQuarantine(lake: Lake, from: string, to: string): Promise<QuarantinedRow[]> {
  const out: QuarantinedRow[] = [];
  const files = (await lake.store.list("quarantine/"))
    .map((o) => ({ key: o.key, m: QUARANTINE_FILE.exec(o.key) }))
    .filter(({ m }) => m !== null && m[1]! >= from && m[1]! <= to)
    .sort((a, b) => a.key.localeCompare(b.key));
  for (const { key, m } of files) {
    const table = await lake.readTable(key);
    const column = (name: string) => table.getChild(name);
    const symbol = column("symbol"), date = column("date"), close = column("close");
    const check = column("check"), reason = column("reason");
    for (let i = 0; i < table.numRows; i++) {
      out.push({
        run: m![1]!,
        file: m![2]!,
        symbol: String(symbol?.get(i) ?? ""),
        date: formatDate(Math.floor(Number(date?.get(i)) / 86_400_000)),
        close: Number(close?.get(i)),
        check: check ? String(check.get(i)) : "door",
        reason: String(reason?.get(i) ?? ""),
        resolved: false,
      });
    }
  }
  return out;
}

/** The curated bars' dates (epoch days) per symbol from `from` to `to`, and each symbol's first bar ever. */
async function heldBars(lake: Lake, from: string, to: string) {
  const byDate = new Map<string, Set<number>>();
  const firstBar = new Map<string, string>();
  let bars;
  try {
    bars = await lake.loadDateRange(from, to);
  } catch (err) {
    // Runs that merged nothing yet (every symbol failed): no curated bars, all gaps.
    if (err instanceof LakeError && err.code === "Empty") return { bars: byDate, firstBar };
    throw err;
  }
  const dates = bars.dates;
  for (const [symbol, [start, end]] of bars.ranges()) {
    byDate.set(symbol, new Set(dates.subarray(start, end)));
  }
  if (byDate.size > 0) {
    const t = await lake.sql(
      `SELECT symbol, strftime(min(date), '%Y-%m-%d') AS first FROM ohlcv GROUP BY symbol`,
    );
    for (const row of t.toArray()) {
      const r = row.toJSON() as { symbol: string; first: string };
      firstBar.set(r.symbol, r.first);
    }
  }
  return { bars: byDate, firstBar };
}

/** A symbol × session grid of {@link PipelineHealth}, for a heatmap. */
export interface CoverageGrid {
  /** Sessions (columns). */
  x: string[];
  /** Symbols (rows). */
  y: string[];
  /** 2 held, 1 held back in quarantine, 0 missing, `null` before the symbol's first bar. */
  z: (number | null)[][];
}

/**
 * The coverage of a report as a grid: which symbol has a bar on which session.
 *
 * @param health A {@link pipelineHealth} report.
 * @returns Sessions across, symbols down, one value per cell.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { coverageGrid } from "./health.ts";
 * const grid = coverageGrid({
 *   sessions: ["2024-06-03", "2024-06-04", "2024-06-05"],
 *   symbols: ["BHP.AX"],
 *   firstBars: { "BHP.AX": "2024-06-03" },
 *   gaps: [{ symbol: "BHP.AX", from: "2024-06-04", to: "2024-06-05", sessions: 2, open: true,
 *     cause: "no bar from Yahoo" }],
 *   quarantine: [],
 * });
 * assert.deepEqual(grid.z, [[2, 0, 0]]);
 * ```
 */
export function coverageGrid(
  health: Pick<PipelineHealth, "sessions" | "symbols" | "firstBars" | "gaps" | "quarantine">,
): CoverageGrid {
  const held = new Set(
    health.quarantine.filter((q) => !q.resolved).map((q) => `${q.symbol} ${q.date}`),
  );
  const z = health.symbols.map((symbol) => {
    const since = health.firstBars[symbol] ?? health.sessions[0]!;
    const row: (number | null)[] = health.sessions.map((d) => (d < since ? null : 2));
    for (const g of health.gaps) {
      if (g.symbol !== symbol) continue;
      health.sessions.forEach((d, i) => {
        if (d >= g.from && d <= g.to) row[i] = held.has(`${symbol} ${d}`) ? 1 : 0;
      });
    }
    return row;
  });
  return { x: health.sessions, y: health.symbols, z };
}
