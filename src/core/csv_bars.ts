/**
 * Daily bars from a plain CSV (`Date,Open,High,Low,Close,Volume[,Adj Close]`),
 * the way users bring their own data, and {@link PlainBars}: the `Bars`
 * accessors over plain typed arrays, without apache-arrow. The backtest engine
 * takes anything shaped like {@link BarsLike}, so a CSV run never loads Arrow
 * or the lake (start-up time matters for whole-process sweeps).
 *
 * @module
 */

import { formatDate, parseDate } from "./dates.ts";
import { ConfigError } from "./errors.ts";

/**
 * What computations on prices need from bars: typed columns over all rows
 * (rows grouped by symbol, ascending dates within a symbol) and the row range
 * of each symbol. Both `Bars` (Arrow-backed) and {@link PlainBars} satisfy it.
 */
export interface BarsLike {
  /** Number of rows across all symbols. */
  readonly length: number;
  /** Opening prices. */
  readonly open: Float64Array;
  /** Daily highs. */
  readonly high: Float64Array;
  /** Daily lows. */
  readonly low: Float64Array;
  /** Closing prices. */
  readonly close: Float64Array;
  /** Volume (shares). */
  readonly volume: Float64Array;
  /** Dates as epoch days. */
  readonly dates: Int32Array;
  /** Row ranges `[start, end)` per symbol, in row order. */
  ranges(): Map<string, [number, number]>;
  /** The symbols present, in row order. */
  symbols(): string[];
}

/** Plain columns of {@link PlainBars}. */
export interface PlainColumns {
  /** One symbol for all rows, or `[symbol, start, end)` ranges covering the rows in order. */
  symbol: string | [string, number, number][];
  /** Epoch days, ascending within a symbol. */
  dates: Int32Array;
  /** Opening prices. */
  open: Float64Array;
  /** Daily highs. */
  high: Float64Array;
  /** Daily lows. */
  low: Float64Array;
  /** Closing prices. */
  close: Float64Array;
  /** Volume. */
  volume: Float64Array;
  /** Adjusted close; defaults to `close`. */
  adjustedClose?: Float64Array;
}

/**
 * Bars over plain typed arrays: the accessors of `Bars` without an Arrow table.
 * Build an Arrow-backed `Bars` from it with `Bars.fromColumns({ symbol, date:
 * plain.dates, open: plain.open, … })` when a table is needed.
 *
 * @example
 * ```ts
 * import { PlainBars } from "./csv_bars.ts";
 * const bars = new PlainBars({
 *   symbol: "BHP.AX", dates: new Int32Array([18262, 18263]),
 *   open: new Float64Array([1, 2]), high: new Float64Array([1, 2]), low: new Float64Array([1, 2]),
 *   close: new Float64Array([1, 2]), volume: new Float64Array([10, 20]),
 * });
 * console.assert(bars.symbols()[0] === "BHP.AX" && bars.close[1] === 2);
 * ```
 */
export class PlainBars implements BarsLike {
  /** Dates as epoch days. */
  readonly dates: Int32Array;
  /** Opening prices. */
  readonly open: Float64Array;
  /** Daily highs. */
  readonly high: Float64Array;
  /** Daily lows. */
  readonly low: Float64Array;
  /** Closing prices. */
  readonly close: Float64Array;
  /** Volume. */
  readonly volume: Float64Array;
  /** Adjusted close (equals `close` when the source had none). */
  readonly adjustedClose: Float64Array;
  #ranges: Map<string, [number, number]>;

  /**
   * @param columns The columns, all of one length.
   * @throws {RangeError} When the columns differ in length or the symbol ranges do not cover the rows.
   */
  constructor(columns: PlainColumns) {
    const n = columns.close.length;
    for (const name of ["dates", "open", "high", "low", "volume"] as const) {
      if (columns[name].length !== n) {
        throw new RangeError(
          `Column "${name}" has ${columns[name].length} values but "close" has ${n}`,
        );
      }
    }
    this.dates = columns.dates;
    this.open = columns.open;
    this.high = columns.high;
    this.low = columns.low;
    this.close = columns.close;
    this.volume = columns.volume;
    this.adjustedClose = columns.adjustedClose ?? columns.close;
    this.#ranges = new Map();
    if (typeof columns.symbol === "string") {
      if (n > 0) this.#ranges.set(columns.symbol, [0, n]);
    } else {
      let at = 0;
      for (const [symbol, start, end] of columns.symbol) {
        if (start !== at || end < start || this.#ranges.has(symbol)) {
          throw new RangeError(
            `Symbol range "${symbol}" [${start}, ${end}) does not continue at row ${at}`,
          );
        }
        this.#ranges.set(symbol, [start, end]);
        at = end;
      }
      if (at !== n) {
        throw new RangeError(`Symbol ranges cover ${at} rows but the columns have ${n}`);
      }
    }
  }

  /** Number of rows. */
  get length(): number {
    return this.close.length;
  }

  /** Row ranges `[start, end)` per symbol. */
  ranges(): Map<string, [number, number]> {
    return this.#ranges;
  }

  /** The symbols present, in row order. */
  symbols(): string[] {
    return [...this.#ranges.keys()];
  }

  /** Dates as `YYYY-MM-DD` strings. */
  dateStrings(): string[] {
    return Array.from(this.dates, formatDate);
  }

  /**
   * The rows of one symbol (zero-copy subarrays).
   *
   * @param symbol e.g. `"BHP.AX"`.
   * @returns Bars of that symbol only.
   * @throws {RangeError} When the symbol is absent.
   */
  of(symbol: string): PlainBars {
    const range = this.#ranges.get(symbol);
    if (!range) {
      throw new RangeError(
        `No bars for "${symbol}"; present: ${this.symbols().slice(0, 20).join(", ")}`,
      );
    }
    const [s, e] = range;
    if (s === 0 && e === this.length) return this;
    return new PlainBars({
      symbol,
      dates: this.dates.subarray(s, e),
      open: this.open.subarray(s, e),
      high: this.high.subarray(s, e),
      low: this.low.subarray(s, e),
      close: this.close.subarray(s, e),
      volume: this.volume.subarray(s, e),
      adjustedClose: this.adjustedClose.subarray(s, e),
    });
  }
}

/** Options of {@link parseCsvBars}. */
export interface CsvBarsOptions {
  /** The symbol the rows belong to. @default {"CSV"} */
  symbol?: string;
  /** Name used in error messages (e.g. the file path). @default {"CSV"} */
  source?: string;
}

const HEADER_ALIASES: Record<string, keyof typeof FIELD_INDEX> = {
  date: "date",
  datetime: "date",
  timestamp: "date",
  open: "open",
  high: "high",
  low: "low",
  close: "close",
  volume: "volume",
  "adj close": "adjClose",
  adj_close: "adjClose",
  adjclose: "adjClose",
  adjusted_close: "adjClose",
  "adjusted close": "adjClose",
};
const FIELD_INDEX = { date: 0, open: 1, high: 2, low: 3, close: 4, volume: 5, adjClose: 6 };
const REQUIRED = ["date", "open", "high", "low", "close", "volume"] as const;

/**
 * Parses a daily-bars CSV: a header naming `Date, Open, High, Low, Close,
 * Volume` and optionally `Adj Close` (any order, any case; other columns are
 * ignored), then one row per day, oldest-first or newest-first (rows are
 * returned oldest-first). Rows holding `null` or an empty price (Yahoo's
 * holidays) are skipped. Dates are `YYYY-MM-DD`, optionally followed by a time
 * that is ignored.
 *
 * @param text The CSV text.
 * @param options `symbol` for the rows, `source` for messages.
 * @returns The bars of one symbol.
 * @throws {ConfigError} When the header lacks a column, a value is malformed, or a date repeats.
 *
 * @example
 * ```ts
 * import { parseCsvBars } from "./csv_bars.ts";
 * const bars = parseCsvBars(
 *   "Date,Open,High,Low,Close,Volume\n2020-01-03,2,3,1,2.5,100\n2020-01-02,1,2,1,1.5,90\n",
 *   { symbol: "TEST" },
 * );
 * console.assert(bars.length === 2 && bars.close[0] === 1.5);
 * ```
 */
export function parseCsvBars(text: string, options: CsvBarsOptions = {}): PlainBars {
  const source = options.source ?? "CSV";
  const symbol = options.symbol ?? "CSV";
  const lines = text.split(/\r?\n/);
  let h = 0;
  while (h < lines.length && lines[h]!.trim() === "") h++;
  if (h === lines.length) {
    throw new ConfigError(`Cannot read bars from "${source}": the file is empty`);
  }
  const header = lines[h]!.replace(/^\uFEFF/, "").split(",").map((s) =>
    s.trim().replace(/^"|"$/g, "")
  );
  const col = new Int32Array(7).fill(-1);
  header.forEach((name, j) => {
    const field = HEADER_ALIASES[name.toLowerCase()];
    if (field !== undefined && col[FIELD_INDEX[field]] === -1) col[FIELD_INDEX[field]] = j;
  });
  for (const field of REQUIRED) {
    if (col[FIELD_INDEX[field]] === -1) {
      throw new ConfigError(
        `Cannot read bars from "${source}": no "${field}" column in the header "${lines[h]}" ` +
          `(expected Date,Open,High,Low,Close,Volume[,Adj Close])`,
      );
    }
  }
  const cap = lines.length - h;
  const dates = new Int32Array(cap);
  const cols = [1, 2, 3, 4, 5, 6].map(() => new Float64Array(cap));
  const hasAdj = col[6]! >= 0;
  let n = 0;
  rows: for (let r = h + 1; r < lines.length; r++) {
    const line = lines[r]!;
    if (line.trim() === "") continue;
    const cells = line.split(",");
    const rawDate = cells[col[0]!] ?? "";
    let day = fastIsoDay(rawDate);
    if (day !== day) day = parseCsvDate(rawDate.trim().replace(/^"|"$/g, ""), source, r + 1);
    for (let f = 1; f <= 6; f++) {
      if (f === 6 && !hasAdj) break;
      const raw = cells[col[f]!] ?? "";
      // Fast path: a non-zero finite number (Number() ignores the same whitespace trim() does).
      const quick = Number(raw);
      if (quick !== 0 && Number.isFinite(quick)) {
        cols[f - 1]![n] = quick;
        continue;
      }
      const cell = raw.trim();
      if (cell === "" || cell === "null" || cell === "NaN") {
        if (f === 6) {
          cols[5]![n] = NaN;
          continue;
        }
        continue rows; // a holiday row with null prices
      }
      const v = Number(cell);
      if (!Number.isFinite(v)) {
        throw new ConfigError(
          `Cannot read bars from "${source}": line ${r + 1} has ${
            header[col[f]!]
          } "${cell}", not a number`,
        );
      }
      cols[f - 1]![n] = v;
    }
    if (!hasAdj) cols[5]![n] = cols[3]![n]!;
    dates[n] = day;
    n++;
  }
  if (n === 0) throw new ConfigError(`Cannot read bars from "${source}": no data rows`);
  let order: Int32Array | undefined;
  let ascending = true, descending = true;
  for (let i = 1; i < n; i++) {
    if (dates[i]! <= dates[i - 1]!) ascending = false;
    if (dates[i]! >= dates[i - 1]!) descending = false;
  }
  if (!ascending) {
    order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = descending ? n - 1 - i : i;
    if (!descending) order.sort((a, b) => dates[a]! - dates[b]!);
    for (let i = 1; i < n; i++) {
      if (dates[order[i]!] === dates[order[i - 1]!]) {
        throw new ConfigError(
          `Cannot read bars from "${source}": the date ${
            formatDate(dates[order[i]!]!)
          } appears twice`,
        );
      }
    }
  }
  const take = <T extends Float64Array | Int32Array>(a: T, make: (n: number) => T): T => {
    if (!order) return a.slice(0, n) as T;
    const out = make(n);
    for (let i = 0; i < n; i++) out[i] = a[order[i]!]!;
    return out;
  };
  const f64 = (k: number) => new Float64Array(k);
  return new PlainBars({
    symbol,
    dates: take(dates, (k) => new Int32Array(k)),
    open: take(cols[0]!, f64),
    high: take(cols[1]!, f64),
    low: take(cols[2]!, f64),
    close: take(cols[3]!, f64),
    volume: take(cols[4]!, f64),
    adjustedClose: take(cols[5]!, f64),
  });
}

/** Days in each month of a common year. */
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Epoch days of a strict `YYYY-MM-DD` (year ≥ 100) without regular expressions
 * or Date objects, NaN when the text is anything else (the caller then takes
 * the general path, which parses or explains the error). Equal to
 * `parseDate(text)` wherever it is not NaN.
 */
function fastIsoDay(t: string): number {
  if (t.length !== 10 || t.charCodeAt(4) !== 45 || t.charCodeAt(7) !== 45) return NaN;
  let y = 0, m = 0, d = 0;
  for (let k = 0; k < 10; k++) {
    if (k === 4 || k === 7) continue;
    const c = t.charCodeAt(k) - 48;
    if (c < 0 || c > 9) return NaN;
    if (k < 4) y = y * 10 + c;
    else if (k < 7) m = m * 10 + c;
    else d = d * 10 + c;
  }
  if (y < 100 || m < 1 || m > 12 || d < 1) return NaN;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  if (d > (m === 2 && leap ? 29 : MONTH_DAYS[m - 1]!)) return NaN;
  // Days from civil (proleptic Gregorian), after H. Hinnant's algorithm.
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function parseCsvDate(text: string, source: string, line: number): number {
  const fast = fastIsoDay(text);
  if (fast === fast) return fast;
  const iso = text.length > 10 && /^\d{4}-\d{2}-\d{2}[T ]/.test(text) ? text.slice(0, 10) : text;
  try {
    return parseDate(iso);
  } catch {
    throw new ConfigError(
      `Cannot read bars from "${source}": line ${line} has the date "${text}", expected YYYY-MM-DD`,
    );
  }
}

/**
 * Reads a daily-bars CSV file; see {@link parseCsvBars} for the format.
 *
 * @param path The file.
 * @param options `symbol` for the rows (default: the file name without extension, upper-cased).
 * @returns The bars.
 * @throws {ConfigError} When the file cannot be read or parsed.
 *
 * @example
 * ```ts ignore
 * import { readCsvBars } from "./csv_bars.ts";
 * const bars = await readCsvBars("GOOG.csv");
 * console.log(bars.symbols()); // ["GOOG"]
 * ```
 */
export async function readCsvBars(path: string, options: CsvBarsOptions = {}): Promise<PlainBars> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    throw new ConfigError(`Cannot read bars from "${path}": ${(err as Error).message}`, {
      cause: err,
    });
  }
  const base = path.split(/[\\/]/).pop()!.replace(/\.[^.]*$/, "");
  return parseCsvBars(text, {
    symbol: options.symbol ?? (base.toUpperCase() || "CSV"),
    source: path,
  });
}
