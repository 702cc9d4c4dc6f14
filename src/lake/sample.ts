/**
 * The shipped sample: real ASX daily bars from two public Yahoo CSV downloads
 * (`asx-ohlcv/francisbyrne-algotrade/`, `asx-ohlcv/vvilp-stock/`), read,
 * stitched into one daily series per symbol for 1998-01-01..2022-12-31 and
 * validated. Writing Parquet is the caller's job; this module only reads files.
 *
 * Facts about the sources this module relies on (checked by its tests):
 * - francisbyrne-algotrade: `Date,Open,High,Low,Close,Volume,Adj Close`, newest first,
 *   data to 2016-11-22. The long-listed names (BHP, CBA, CCL, COH, CPU, MQG, NAB, SOL,
 *   TLS) have one row per month up to 1998-12-31 and daily rows from 1999-01-04; within
 *   the 1998 window that leaves 12 month-end rows each, quarantined as `monthly row`.
 *   ^AXJO is daily from 1992. Flat zero-volume bars sit on ASX holidays.
 * - vvilp-stock: `Date,Open,High,Low,Close,Adj Close,Volume`, oldest first, no final
 *   newline, `null` rows, URL-encoded names (`%5EAXJO.csv` = ^AXJO, `BHP.csv` = BHP.AX).
 *
 * @module
 */

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { formatDate, parseDate } from "../core/dates.ts";
import {
  allocOhlcv,
  concatOhlcv,
  type OhlcvColumns,
  PRICE_COLUMNS,
  takeOhlcv,
} from "../core/ohlcv_columns.ts";
import { toYahooSymbol, validateSymbol } from "../core/symbol.ts";
import { QUARANTINE_REASONS, type QuarantineReason, validateBars } from "./validate.ts";

/**
 * Source folders in order of preference: where two sources cover a date, the
 * first one listed wins (vvilp-stock is the later download, on Yahoo's current
 * adjustment basis). Unknown folders rank after these, alphabetically.
 */
export const SOURCE_PRIORITY: readonly string[] = ["vvilp-stock", "francisbyrne-algotrade"];

/** The sample window, inclusive. */
export const SAMPLE_WINDOW = { start: "1998-01-01", end: "2022-12-31" } as const;

/** One parsed Yahoo CSV download. */
export interface YahooCsv {
  /** The Yahoo ticker the rows belong to. */
  symbol: string;
  /** Rows, oldest first, `NaN` where the file says `null`. */
  columns: OhlcvColumns;
  /** The header as written, e.g. `["Date","Open",…,"Adj Close"]`. */
  header: string[];
  /** Whether the file lists the newest row first. */
  newestFirst: boolean;
  /** Rows written as `null`. */
  nullRows: number;
}

const REQUIRED = ["Date", "Open", "High", "Low", "Close", "Volume", "Adj Close"] as const;

/**
 * Parses a Yahoo Finance CSV download in either known dialect (the header decides
 * the column order; rows may run either way; `null` and `000` are understood).
 *
 * @param text The file's text.
 * @param symbol The ticker the file holds, e.g. `"BHP.AX"`.
 * @param name A name for error messages, e.g. the file path.
 * @returns The rows oldest first.
 * @throws {TypeError} When a column is missing or a value or date cannot be parsed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseYahooCsv } from "./sample.ts";
 * const csv = parseYahooCsv(
 *   "Date,Open,High,Low,Close,Adj Close,Volume\n2000-04-20,8,8.2,7.9,8.1,3.5,100\n2000-04-21,null,null,null,null,null,null",
 *   "BHP.AX",
 * );
 * assert.equal(csv.columns.close[0], 8.1);
 * assert.ok(Number.isNaN(csv.columns.close[1]!));
 * ```
 */
export function parseYahooCsv(text: string, symbol: string, name = "<text>"): YahooCsv {
  validateSymbol(symbol);
  const lines = text.split("\n");
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  const header = (lines[0] ?? "").replace(/\r$/, "").split(",");
  const at: Record<string, number> = {};
  for (const col of REQUIRED) {
    const i = header.indexOf(col);
    if (i < 0) {
      throw new TypeError(
        `Cannot parse Yahoo CSV "${name}": header "${header.join(",")}" lacks column "${col}"`,
      );
    }
    at[col] = i;
  }
  const n = lines.length - 1;
  const out = allocOhlcv(n);
  out.symbol.fill(symbol);
  const fields = PRICE_COLUMNS;
  const from = [at.Open!, at.High!, at.Low!, at.Close!, at.Volume!, at["Adj Close"]!];
  let nullRows = 0;
  for (let r = 0; r < n; r++) {
    const line = lines[r + 1]!.replace(/\r$/, "");
    const cells = line.split(",");
    if (cells.length !== header.length) {
      throw new TypeError(
        `Cannot parse Yahoo CSV "${name}" line ${
          r + 2
        }: ${cells.length} fields, expected ${header.length} ("${line}")`,
      );
    }
    const dateText = cells[at.Date!]!;
    try {
      out.date[r] = parseDate(dateText);
    } catch (cause) {
      throw new TypeError(
        `Cannot parse Yahoo CSV "${name}" line ${r + 2}: bad date "${dateText}"`,
        {
          cause,
        },
      );
    }
    let nulls = 0;
    for (let f = 0; f < fields.length; f++) {
      const cell = cells[from[f]!]!;
      let v: number;
      if (cell === "null") {
        v = NaN;
        nulls++;
      } else {
        v = cell === "" ? NaN : Number(cell);
        if (Number.isNaN(v)) {
          throw new TypeError(
            `Cannot parse Yahoo CSV "${name}" line ${r + 2}: ${
              REQUIRED[f + 1]
            } "${cell}" is not a number`,
          );
        }
      }
      out[fields[f]!][r] = v;
    }
    if (nulls > 0) nullRows++;
  }
  const newestFirst = n > 1 && out.date[0]! > out.date[n - 1]!;
  let columns = out;
  let ascending = true;
  for (let i = 1; i < n && ascending; i++) ascending = out.date[i - 1]! <= out.date[i]!;
  if (!ascending) {
    const index = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) =>
      out.date[a]! - out.date[b]! || a - b
    );
    columns = takeOhlcv(out, index);
  }
  return { symbol, columns, header, newestFirst, nullRows };
}

/**
 * The Yahoo ticker a sample file holds, from its name: URL-decoded, `.csv`
 * dropped, `.AX` added to a bare ASX code.
 *
 * @param fileName e.g. `"%5EAXJO.csv"`, `"BHP.csv"`, `"CBA.AX.csv"`.
 * @returns e.g. `"^AXJO"`, `"BHP.AX"`, `"CBA.AX"`.
 * @throws {ConfigError} When the name does not give a valid symbol.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { symbolFromFileName } from "./sample.ts";
 * assert.equal(symbolFromFileName("%5EAXJO.csv"), "^AXJO");
 * assert.equal(symbolFromFileName("BHP.csv"), "BHP.AX");
 * ```
 */
export function symbolFromFileName(fileName: string): string {
  let base = fileName.replace(/\.csv$/i, "");
  try {
    base = decodeURIComponent(base);
  } catch {
    // not URL-encoded; validated below
  }
  return base.startsWith("^") || base.includes(".") ? validateSymbol(base) : toYahooSymbol(base);
}

/** The files that hold one symbol, in order of preference. */
export interface SampleSource {
  /** The Yahoo ticker. */
  symbol: string;
  /** One entry per source folder that has the symbol, preferred first. */
  files: { source: string; path: string }[];
}

function rankOf(source: string): [number, string] {
  const i = SOURCE_PRIORITY.indexOf(source);
  return [i < 0 ? SOURCE_PRIORITY.length : i, source];
}

/**
 * Lists which symbols come from which files: every `*.csv` in every sub-folder
 * of `dataDir` (one folder per source).
 *
 * @param dataDir The folder holding the source folders, e.g. `shared/data/asx-ohlcv`.
 * @returns Sources per symbol, sorted by symbol; files ordered by {@link SOURCE_PRIORITY}.
 * @throws {Error} When `dataDir` cannot be read (the `node:fs` error).
 * @throws {TypeError} When one folder holds two files for the same symbol.
 *
 * @example
 * ```ts ignore
 * import { sampleSources } from "./sample.ts";
 * const bhp = sampleSources("/work/shared/data/asx-ohlcv").find((s) => s.symbol === "BHP.AX");
 * console.log(bhp?.files.map((f) => f.source)); // ["vvilp-stock", "francisbyrne-algotrade"]
 * ```
 */
export function sampleSources(dataDir: string): SampleSource[] {
  const bySymbol = new Map<string, { source: string; path: string }[]>();
  const folders = readdirSync(dataDir).filter((f) => statSync(join(dataDir, f)).isDirectory());
  for (const source of folders) {
    for (const file of readdirSync(join(dataDir, source)).sort()) {
      if (!file.toLowerCase().endsWith(".csv")) continue;
      const symbol = symbolFromFileName(file);
      const list = bySymbol.get(symbol) ?? [];
      const clash = list.find((f) => f.source === source);
      if (clash) {
        throw new TypeError(
          `Cannot list sample sources: "${clash.path}" and "${file}" in "${source}" both hold ${symbol}`,
        );
      }
      list.push({ source, path: join(dataDir, source, file) });
      bySymbol.set(symbol, list);
    }
  }
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...bySymbol.entries()]
    .sort(([a], [b]) => cmp(a, b))
    .map(([symbol, files]) => ({
      symbol,
      files: files.sort((a, b) => {
        const [ra, na] = rankOf(a.source), [rb, nb] = rankOf(b.source);
        return ra - rb || cmp(na, nb);
      }),
    }));
}

/** One source's rows for a symbol, as handed to {@link stitch}. */
export interface SourceSeries {
  /** The source folder name. */
  source: string;
  /** Rows oldest first. */
  columns: OhlcvColumns;
}

/** Where a less preferred source meets a preferred one, and how its prices were rescaled. */
export interface Seam {
  /** The ticker. */
  symbol: string;
  /** The less preferred source whose rows were rescaled. */
  from: string;
  /** The preferred source it was matched to. */
  to: string;
  /** `"before"` when `from` fills dates before `to`'s span, `"after"` when after. */
  side: "before" | "after";
  /** Dates both sources hold with valid closes (0: factors are 1, nothing to match). */
  overlapDays: number;
  /** Median of `to.close / from.close` over the overlap nearest the seam; multiplies open/high/low/close. */
  priceFactor: number;
  /** Median of `to.adjusted_close / from.adjusted_close` likewise; multiplies adjusted_close. */
  adjFactor: number;
}

/** Options of {@link stitch}. */
export interface StitchOptions {
  /** First date kept, `YYYY-MM-DD`. @default {"1998-01-01"} */
  start?: string;
  /** Last date kept. @default {"2022-12-31"} */
  end?: string;
  /** Overlapping dates nearest the seam used for the rescaling factors. @default {20} */
  seamDays?: number;
}

/** What {@link stitch} hands back for one symbol. */
export interface StitchResult {
  /** The combined rows, ascending by date, not yet validated. */
  columns: OhlcvColumns;
  /** The source of each row. */
  source: string[];
  /** Rows dropped because a preferred source covers their date span, per source. */
  superseded: Record<string, number>;
  /** Rows dropped for falling outside the window, per source. */
  outsideWindow: Record<string, number>;
  /** Every place a less preferred source fills in. */
  seams: Seam[];
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/**
 * Combines one symbol's sources into one daily series.
 *
 * The rule: each source, in order of preference, claims the span from its
 * first to its last row; a less preferred source contributes only rows outside
 * every span already claimed. Two Yahoo downloads made years apart differ in
 * split and dividend basis (BHP.AX: francisbyrne's 2000 closes are 2.2× vvilp's),
 * so contributed rows are rescaled at the seam: open/high/low/close by the
 * median close ratio and adjusted_close by the median adjusted-close ratio over
 * the `seamDays` overlapping dates nearest the seam, rounded to 6 decimals
 * (volume is left as the source has it). Sources whose date spans do not overlap
 * (^AXJO: 2016-11-22, then 2017-02-20) are joined as they are, with no seam recorded.
 * Finally rows outside the window are dropped.
 *
 * @param symbol The ticker, for the seams.
 * @param series One entry per source, most preferred first, rows ascending.
 * @param options Window and seam length.
 * @returns The combined rows, their sources, and what was dropped or rescaled.
 * @throws {ConfigError} When a window date is malformed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stitch } from "./sample.ts";
 * import { allocOhlcv } from "../core/ohlcv_columns.ts";
 * const a = allocOhlcv(1), b = allocOhlcv(1);
 * a.date[0] = 10_958; b.date[0] = 10_957; // 2000-01-04 and 2000-01-03
 * const r = stitch("X.AX", [{ source: "new", columns: a }, { source: "old", columns: b }]);
 * assert.equal(r.source.join(), "old,new");
 * ```
 */
export function stitch(
  symbol: string,
  series: readonly SourceSeries[],
  options: StitchOptions = {},
): StitchResult {
  const start = parseDate(options.start ?? SAMPLE_WINDOW.start);
  const end = parseDate(options.end ?? SAMPLE_WINDOW.end);
  const seamDays = options.seamDays ?? 20;
  const claimed: { source: string; first: number; last: number; cols: OhlcvColumns }[] = [];
  const parts: OhlcvColumns[] = [];
  const partSource: string[] = [];
  const superseded: Record<string, number> = {};
  const outsideWindow: Record<string, number> = {};
  const seams: Seam[] = [];
  for (const { source, columns: cols } of series) {
    const n = cols.date.length;
    superseded[source] = 0;
    outsideWindow[source] = 0;
    if (n === 0) continue;
    const take: number[] = [];
    for (let i = 0; i < n; i++) {
      const d = cols.date[i]!;
      if (claimed.some((c) => d >= c.first && d <= c.last)) superseded[source]!++;
      else take.push(i);
    }
    let part = takeOhlcv(cols, take);
    // Rescale to the most preferred source that overlaps this one, on each side of its span.
    const anchor = claimed.find((c) => c.first <= cols.date[n - 1]! && c.last >= cols.date[0]!);
    if (anchor && part.date.length > 0) {
      part = rescale(symbol, source, anchor, cols, part, seamDays, seams);
    }
    parts.push(part);
    for (let i = 0; i < part.date.length; i++) partSource.push(source);
    claimed.push({ source, first: cols.date[0]!, last: cols.date[n - 1]!, cols });
  }
  const all = concatOhlcv(parts);
  const index: number[] = [];
  for (let i = 0; i < all.date.length; i++) {
    const d = all.date[i]!;
    if (d < start || d > end) outsideWindow[partSource[i]!]!++;
    else index.push(i);
  }
  index.sort((a, b) => all.date[a]! - all.date[b]! || a - b);
  return {
    columns: takeOhlcv(all, index),
    source: index.map((i) => partSource[i]!),
    superseded,
    outsideWindow,
    seams,
  };
}

function rescale(
  symbol: string,
  source: string,
  anchor: { source: string; first: number; last: number; cols: OhlcvColumns },
  cols: OhlcvColumns,
  part: OhlcvColumns,
  seamDays: number,
  seams: Seam[],
): OhlcvColumns {
  const byDate = new Map<number, number>();
  for (let i = 0; i < cols.date.length; i++) byDate.set(cols.date[i]!, i);
  const overlap: [number, number][] = []; // [anchor row, source row], ascending
  const a = anchor.cols;
  for (let j = 0; j < a.date.length; j++) {
    const i = byDate.get(a.date[j]!);
    if (i === undefined) continue;
    if (!(a.close[j]! > 0 && cols.close[i]! > 0)) continue;
    if (!(a.adjusted_close[j]! > 0 && cols.adjusted_close[i]! > 0)) continue;
    overlap.push([j, i]);
  }
  for (const side of ["before", "after"] as const) {
    const rows: number[] = [];
    for (let k = 0; k < part.date.length; k++) {
      if (side === "before" ? part.date[k]! < anchor.first : part.date[k]! > anchor.last) {
        rows.push(k);
      }
    }
    if (rows.length === 0) continue;
    const near = side === "before" ? overlap.slice(0, seamDays) : overlap.slice(-seamDays);
    const priceFactor = near.length
      ? median(near.map(([j, i]) => a.close[j]! / cols.close[i]!))
      : 1;
    const adjFactor = near.length
      ? median(near.map(([j, i]) => a.adjusted_close[j]! / cols.adjusted_close[i]!))
      : 1;
    seams.push({
      symbol,
      from: source,
      to: anchor.source,
      side,
      overlapDays: overlap.length,
      priceFactor,
      adjFactor,
    });
    for (const k of rows) {
      if (priceFactor !== 1) {
        part.open[k] = round6(part.open[k]! * priceFactor);
        part.high[k] = round6(part.high[k]! * priceFactor);
        part.low[k] = round6(part.low[k]! * priceFactor);
        part.close[k] = round6(part.close[k]! * priceFactor);
      }
      if (adjFactor !== 1) part.adjusted_close[k] = round6(part.adjusted_close[k]! * adjFactor);
    }
  }
  return part;
}

/** A row that failed validation, with its values as read (after seam rescaling). */
export interface QuarantinedRow {
  /** The ticker. */
  symbol: string;
  /** Epoch day. */
  date: number;
  /** Why it failed. */
  reason: QuarantineReason;
  /** The source folder it came from. */
  source: string;
  /** Opening price (`NaN` for `null`). */
  open: number;
  /** High. */
  high: number;
  /** Low. */
  low: number;
  /** Close. */
  close: number;
  /** Volume. */
  volume: number;
  /** Adjusted close. */
  adjusted_close: number;
}

/** Per-symbol counts in a {@link SampleReport}. */
export interface SampleSymbolReport {
  /** The ticker. */
  symbol: string;
  /** Rows read per source file. */
  read: Record<string, number>;
  /** Rows dropped because a preferred source covers their span, per source. */
  superseded: Record<string, number>;
  /** Rows outside the window, per source. */
  outsideWindow: Record<string, number>;
  /** Rows kept in total and per source. */
  kept: number;
  /** Kept rows per source. */
  keptBySource: Record<string, number>;
  /** Quarantined rows per reason (only reasons that occurred). */
  quarantined: Partial<Record<QuarantineReason, number>>;
  /** First and last kept date, `YYYY-MM-DD` (empty when nothing kept). */
  first: string;
  /** Last kept date. */
  last: string;
}

/** What {@link buildSampleColumns} did, for the run record and the README. */
export interface SampleReport {
  /** The window, inclusive. */
  window: { start: string; end: string };
  /** One entry per symbol, sorted by symbol. */
  symbols: SampleSymbolReport[];
  /** Every seam with its rescaling factors. */
  seams: Seam[];
  /** Totals: rows kept, quarantined per reason. */
  totals: { kept: number; quarantined: Record<QuarantineReason, number> };
}

/** Options of {@link buildSampleColumns}. */
export interface BuildSampleOptions extends StitchOptions {
  /** Quarantine flat zero-volume bars repeating the previous close. @default {true} */
  staleBars?: boolean;
}

/** What {@link buildSampleColumns} hands back. */
export interface SampleBuild {
  /** Validated rows, sorted by symbol then date. */
  columns: OhlcvColumns;
  /** Rows that failed validation, sorted by symbol then date. */
  quarantined: QuarantinedRow[];
  /** Counts per symbol and reason, and the seams. */
  report: SampleReport;
}

/**
 * Reads every source under `dataDir`, stitches each symbol ({@link stitch}),
 * and validates the result with `validateBars` (stale bars quarantined; the
 * ASX calendar names holidays from 2015; monthly rows quarantined).
 *
 * @param dataDir The folder holding the source folders (`francisbyrne-algotrade/`, `vvilp-stock/`).
 * @param options Window, seam length, stale-bar rule.
 * @returns Sorted validated columns, quarantined rows with reasons and sources, and a report.
 * @throws {TypeError} When a file cannot be parsed (the message names the file and line).
 * @throws {Error} When `dataDir` cannot be read.
 *
 * @example
 * ```ts ignore
 * import { buildSampleColumns } from "./sample.ts";
 * const { columns, report } = buildSampleColumns("/work/shared/data/asx-ohlcv");
 * console.log(columns.date.length, report.totals.quarantined);
 * ```
 */
export function buildSampleColumns(dataDir: string, options: BuildSampleOptions = {}): SampleBuild {
  const parts: OhlcvColumns[] = [];
  const sources: string[] = [];
  const perSymbol: SampleSymbolReport[] = [];
  const seams: Seam[] = [];
  for (const { symbol, files } of sampleSources(dataDir)) {
    const read: Record<string, number> = {};
    const series = files.map(({ source, path }) => {
      const csv = parseYahooCsv(readFileSync(path, "utf8"), symbol, path);
      read[source] = csv.columns.date.length;
      return { source, columns: csv.columns };
    });
    const s = stitch(symbol, series, options);
    parts.push(s.columns);
    sources.push(...s.source);
    seams.push(...s.seams);
    perSymbol.push({
      symbol,
      read,
      superseded: s.superseded,
      outsideWindow: s.outsideWindow,
      kept: 0,
      keptBySource: {},
      quarantined: {},
      first: "",
      last: "",
    });
  }
  const all = concatOhlcv(parts);
  const v = validateBars(all, { staleBars: options.staleBars ?? true });
  const bySymbol = new Map(perSymbol.map((r) => [r.symbol, r]));
  const k = v.kept;
  for (let i = 0; i < k.date.length; i++) {
    const r = bySymbol.get(k.symbol[i]!)!;
    const src = sources[v.keptIndex[i]!]!;
    r.kept++;
    r.keptBySource[src] = (r.keptBySource[src] ?? 0) + 1;
    if (r.first === "") r.first = formatDate(k.date[i]!);
    r.last = formatDate(k.date[i]!);
  }
  const q = v.quarantined;
  const quarantined: QuarantinedRow[] = q.reason.map((reason, i) => {
    const r = bySymbol.get(q.symbol[i]!)!;
    r.quarantined[reason] = (r.quarantined[reason] ?? 0) + 1;
    return {
      symbol: q.symbol[i]!,
      date: q.date[i]!,
      reason,
      source: sources[v.quarantinedIndex[i]!]!,
      open: q.open[i]!,
      high: q.high[i]!,
      low: q.low[i]!,
      close: q.close[i]!,
      volume: q.volume[i]!,
      adjusted_close: q.adjusted_close[i]!,
    };
  });
  const totals = { kept: k.date.length, quarantined: { ...v.counts } };
  for (const r of QUARANTINE_REASONS) totals.quarantined[r] ??= 0;
  return {
    columns: v.kept,
    quarantined,
    report: {
      window: {
        start: options.start ?? SAMPLE_WINDOW.start,
        end: options.end ?? SAMPLE_WINDOW.end,
      },
      symbols: perSymbol,
      seams,
      totals,
    },
  };
}
