/**
 * Daily bars from the CSV files users bring (`Date,Open,High,Low,Close,Volume`
 * and optionally `Adj Close`, as Yahoo Finance exports them), as
 * {@link PlainBars} (no apache-arrow, so a CSV run never loads Arrow or the lake).
 *
 * What it reads: a header naming the columns in any order and case (other
 * columns are ignored; an unnamed first column is the date, as pandas writes an
 * index, e.g. backtesting.py's GOOG.csv); cells optionally in double quotes
 * (`"1,234.50"` reads as 1234.5); a BOM; CRLF line ends; blank lines; rows
 * oldest-first, newest-first or in any order (returned oldest-first). Dates are
 * `YYYY-MM-DD` (optionally followed by a time, ignored), or `DD/MM/YYYY` (the
 * Australian order) or `MM/DD/YYYY`: a file of slashed dates is read in the one
 * order its dates allow, else `dateFormat` must say. Rows whose prices are
 * `null` or empty (Yahoo's holiday rows) are dropped and counted.
 *
 * @module
 */

import { adjusted } from "./adjusted.ts";
import { formatDate, parseDate } from "./dates.ts";
import { ConfigError } from "./errors.ts";
import { PlainBars } from "./plain_bars.ts";

/** The order of the day, month and year in a CSV's dates. */
export type CsvDateFormat = "YYYY-MM-DD" | "DD/MM/YYYY" | "MM/DD/YYYY";

/** Options of {@link parseCsvBars}. */
export interface CsvBarsOptions {
  /** The symbol the rows belong to. @default {"CSV"} */
  symbol?: string;
  /** Name used in error messages (e.g. the file path). @default {"CSV"} */
  source?: string;
  /**
   * Use the `Adj Close` column: the bars are {@link adjusted} (open, high, low
   * and close scaled by `Adj Close / Close` on each day; volume as traded). @default {false}
   */
  adjusted?: boolean;
  /** The order of the dates. @default {detected: ISO, or the one slashed order the dates allow} */
  dateFormat?: CsvDateFormat;
  /** Called with what a reader should know (rows dropped, a column ignored). */
  onNote?: (message: string) => void;
}

const HEADER_ALIASES: Record<string, number> = {
  "": 0, // an unnamed first column: a pandas index of dates
  date: 0,
  datetime: 0,
  timestamp: 0,
  open: 1,
  high: 2,
  low: 3,
  close: 4,
  volume: 5,
  "adj close": 6,
  adj_close: 6,
  adjclose: 6,
  adjusted_close: 6,
  "adjusted close": 6,
};
const NAMES = ["date", "open", "high", "low", "close", "volume"];
const FORMATS: readonly string[] = ["YYYY-MM-DD", "DD/MM/YYYY", "MM/DD/YYYY"];

/** The cells of one CSV line: split at commas outside double quotes, quotes removed (`""` is `"`). */
function cellsOf(line: string): string[] {
  if (!line.includes('"')) return line.split(",");
  const out: string[] = [];
  let cell = "", quoted = false;
  for (let k = 0; k < line.length; k++) {
    const c = line[k]!;
    if (quoted) {
      if (c === '"' && line[k + 1] === '"') (cell += '"', k++);
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") (out.push(cell), cell = "");
    else cell += c;
  }
  out.push(cell);
  return out;
}

/** A price cell's value; NaN for `null`, `NaN` or empty (a holiday); undefined when it is not a number. */
function priceOf(cell: string): number | undefined {
  const text = cell.trim();
  if (text === "" || text === "null" || text === "NaN") return NaN;
  let v = Number(text);
  if (!Number.isFinite(v) && /^-?\d{1,3}(,\d{3})+(\.\d+)?$/.test(text)) {
    v = Number(text.replaceAll(",", ""));
  }
  return Number.isFinite(v) ? v : undefined;
}

const SLASHED = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;

/** The slashed order the dates allow: the first field above 12 is a day, the second one a month. */
function slashOrder(dates: string[], source: string): CsvDateFormat {
  let dayFirst = false, monthFirst = false;
  for (const d of dates) {
    const m = SLASHED.exec(d);
    if (!m) continue;
    if (Number(m[1]) > 12) dayFirst = true;
    if (Number(m[2]) > 12) monthFirst = true;
  }
  if (dayFirst && !monthFirst) return "DD/MM/YYYY";
  if (monthFirst && !dayFirst) return "MM/DD/YYYY";
  throw new ConfigError(
    `Cannot read bars from "${source}": its dates are ${
      dayFirst ? "neither" : "either"
    } DD/MM/YYYY ${dayFirst ? "nor" : "or"} MM/DD/YYYY; say which (dateFormat, or --date-format)`,
  );
}

/** A date cell in epoch days, or undefined when it does not read in the format. */
function dayOf(text: string, format: CsvDateFormat): number | undefined {
  if (format === "YYYY-MM-DD") {
    const iso = text.length > 10 && /^\d{4}-\d{2}-\d{2}[T ]/.test(text) ? text.slice(0, 10) : text;
    try {
      return parseDate(iso);
    } catch {
      return undefined;
    }
  }
  const m = SLASHED.exec(text);
  if (!m) return undefined;
  const [a, b] = [m[1]!.padStart(2, "0"), m[2]!.padStart(2, "0")];
  const [day, month] = format === "DD/MM/YYYY" ? [a, b] : [b, a];
  try {
    return parseDate(`${m[3]}-${month}-${day}`);
  } catch {
    return undefined;
  }
}

/**
 * Parses a daily-bars CSV (the formats the module documentation lists).
 *
 * @param text The CSV text.
 * @param options Symbol, source name, `adjusted`, `dateFormat`, and where notes go.
 * @returns The bars of one symbol, oldest first.
 * @throws {ConfigError} When the header lacks a column, a value is malformed, a
 *   date repeats, slashed dates are ambiguous, or `adjusted` finds no `Adj Close`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseCsvBars } from "./csv_bars.ts";
 * const notes: string[] = [];
 * const bars = parseCsvBars(
 *   "Date,Open,High,Low,Close,Volume\n03/01/2020,2,3,1,2.5,100\n02/01/2020,null,null,null,null,0\n" +
 *     "31/12/2019,1,2,1,1.5,90\n",
 *   { symbol: "TEST", onNote: (n) => notes.push(n) },
 * );
 * assert.deepEqual(bars.dateStrings(), ["2019-12-31", "2020-01-03"]); // DD/MM: 31 is a day
 * assert.equal(bars.close[0], 1.5);
 * assert.match(notes[0]!, /dropped 1 row/);
 * ```
 */
export function parseCsvBars(text: string, options: CsvBarsOptions = {}): PlainBars {
  const source = options.source ?? "CSV";
  const format = options.dateFormat;
  if (format !== undefined && !FORMATS.includes(format)) {
    throw new ConfigError(
      `Unknown date format ${JSON.stringify(format)}: expected ${FORMATS.join(", ")}`,
    );
  }
  const lines = text.split(/\r?\n/);
  let h = 0;
  while (h < lines.length && lines[h]!.trim() === "") h++;
  if (h === lines.length) {
    throw new ConfigError(`Cannot read bars from "${source}": the file is empty`);
  }
  const header = cellsOf(lines[h]!.replace(/^\uFEFF/, "")).map((s) => s.trim());
  const col = [-1, -1, -1, -1, -1, -1, -1];
  header.forEach((name, j) => {
    const key = name.toLowerCase();
    if (key === "" && j !== 0) return;
    const field = Object.hasOwn(HEADER_ALIASES, key) ? HEADER_ALIASES[key]! : -1;
    if (field >= 0 && col[field] === -1) col[field] = j;
  });
  for (let f = 0; f < 6; f++) {
    if (col[f] === -1) {
      throw new ConfigError(
        `Cannot read bars from "${source}": no "${NAMES[f]}" column in the header "${lines[h]}" ` +
          `(expected Date,Open,High,Low,Close,Volume[,Adj Close])`,
      );
    }
  }
  const hasAdj = col[6]! >= 0;
  if (options.adjusted && !hasAdj) {
    throw new ConfigError(
      `Cannot read adjusted bars from "${source}": it has no "Adj Close" column`,
    );
  }
  // The rows as cells, with their line numbers.
  const rows: { line: number; cells: string[] }[] = [];
  for (let r = h + 1; r < lines.length; r++) {
    if (lines[r]!.trim() !== "") rows.push({ line: r + 1, cells: cellsOf(lines[r]!) });
  }
  const dateText = (cells: string[]) => (cells[col[0]!] ?? "").trim();
  const order = format ??
    (rows.some((r) => SLASHED.test(dateText(r.cells)))
      ? slashOrder(rows.map((r) => dateText(r.cells)), source)
      : "YYYY-MM-DD");
  const days: number[] = [], values: number[][] = [];
  let dropped = 0, adjDiffers = false;
  rows: for (const { line, cells } of rows) {
    const rawDate = dateText(cells);
    const day = dayOf(rawDate, order);
    if (day === undefined) {
      throw new ConfigError(
        `Cannot read bars from "${source}": line ${line} has the date "${rawDate}", expected ${order}`,
      );
    }
    const row: number[] = [];
    for (let f = 1; f <= 6; f++) {
      if (f === 6 && !hasAdj) break;
      const cell = cells[col[f]!] ?? "";
      const v = priceOf(cell);
      if (v === undefined) {
        throw new ConfigError(
          `Cannot read bars from "${source}": line ${line} has ${
            header[col[f]!]
          } "${cell.trim()}", not a number`,
        );
      }
      if (v !== v && f !== 6) {
        dropped++;
        continue rows; // a holiday
      }
      row.push(v);
    }
    if (hasAdj && row[5] !== row[3]) adjDiffers = true;
    days.push(day);
    values.push(row);
  }
  if (days.length === 0) {
    throw new ConfigError(`Cannot read bars from "${source}": no data rows`);
  }
  const idx = days.map((_, k) => k).sort((a, b) => days[a]! - days[b]!); // stable
  for (let k = 1; k < idx.length; k++) {
    if (days[idx[k]!] === days[idx[k - 1]!]) {
      throw new ConfigError(
        `Cannot read bars from "${source}": the date ${formatDate(days[idx[k]!]!)} appears twice`,
      );
    }
  }
  const pick = (f: number) => Float64Array.from(idx, (k) => values[k]![f]!);
  const close = pick(3);
  const adjustedClose = hasAdj ? pick(5) : close.slice();
  const bars = new PlainBars({
    symbol: options.symbol ?? "CSV",
    dates: Int32Array.from(idx, (k) => days[k]!),
    open: pick(0),
    high: pick(1),
    low: pick(2),
    close,
    volume: pick(4),
    adjustedClose,
  });
  let out = bars;
  if (options.adjusted) {
    try {
      out = adjusted(bars, { source });
    } catch (err) {
      throw err instanceof RangeError ? new ConfigError(err.message) : err;
    }
  } else if (adjDiffers) {
    options.onNote?.(
      `"${source}": its Adj Close column is not used (prices are as traded, not adjusted for dividends and splits; --adjusted uses it)`,
    );
  }
  if (dropped) {
    options.onNote?.(
      `"${source}": dropped ${dropped} row${dropped === 1 ? "" : "s"} without prices (holidays)`,
    );
  }
  return out;
}

/** Reads a file's text (e.g. `(p) => readFile(p, "utf8")` from `node:fs/promises`). */
export type ReadText = (path: string) => Promise<string>;

/**
 * Reads a daily-bars CSV file with the given reader; see {@link parseCsvBars}
 * for the format. {@link readCsvBars} reads with `node:fs`; the backtest CLI
 * passes `Deno.readTextFile`, so its `--csv` start-up loads no `node:` builtin.
 * Either way the bars are named and the errors worded here.
 *
 * @param read How to read the file's text.
 * @param path The file.
 * @param options The symbol (default: the file name without extension, upper-cased), and {@link parseCsvBars}'s options.
 * @returns The bars.
 * @throws {ConfigError} When the file cannot be read (the message quotes the path) or parsed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readCsvBarsWith } from "./csv_bars.ts";
 * const files: Record<string, string> = { "data/bhp.ax.csv": "Date,Open,High,Low,Close,Volume\n2020-01-02,1,2,1,1.5,10\n" };
 * const read = async (path: string) => {
 *   if (!(path in files)) throw new Error("not found");
 *   return files[path]!;
 * };
 * const bars = await readCsvBarsWith(read, "data/bhp.ax.csv");
 * assert.deepEqual(bars.symbols(), ["BHP.AX"]);
 * await assert.rejects(readCsvBarsWith(read, "x.csv"), /Cannot read bars from "x.csv": not found/);
 * ```
 */
export async function readCsvBarsWith(
  read: ReadText,
  path: string,
  options: CsvBarsOptions = {},
): Promise<PlainBars> {
  let text: string;
  try {
    text = await read(path);
  } catch (err) {
    throw new ConfigError(`Cannot read bars from "${path}": ${(err as Error).message}`, {
      cause: err,
    });
  }
  const name = path.slice(Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\")) + 1);
  const dot = name.lastIndexOf(".");
  const base = dot >= 0 ? name.slice(0, dot) : name;
  return parseCsvBars(text, {
    ...options,
    symbol: options.symbol ?? (base.toUpperCase() || "CSV"),
    source: path,
  });
}
