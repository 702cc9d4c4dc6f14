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

/** Typed OHLCV columns and their dates: what {@link BarsLike} and a strategy's context share. */
export interface SeriesColumns {
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
}

/**
 * What computations on prices need from bars: typed columns over all rows
 * (rows grouped by symbol, ascending dates within a symbol) and the row range
 * of each symbol. Both `Bars` (Arrow-backed) and {@link PlainBars} satisfy it.
 */
export interface BarsLike extends SeriesColumns {
  /** Number of rows across all symbols. */
  readonly length: number;
  /** Row ranges `[start, end)` per symbol, in row order. */
  ranges(): Map<string, [number, number]>;
  /** The symbols present, in row order. */
  symbols(): string[];
}

/** Plain columns of {@link PlainBars} (dates ascending within a symbol). */
export interface PlainColumns extends SeriesColumns {
  /** One symbol for all rows, or `[symbol, start, end)` ranges covering the rows in order. */
  symbol: string | [string, number, number][];
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
    const { dates, open, high, low, volume } = columns;
    if (dates.length !== n || open.length !== n || high.length !== n || low.length !== n) {
      checkLengths(columns, n);
    } else if (volume.length !== n) checkLengths(columns, n);
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

/**
 * @throws {RangeError} Naming the first of `dates`, `open`, `high`, `low`, `volume`
 * whose length is not `n`.
 */
function checkLengths(columns: PlainColumns, n: number): void {
  for (const name of ["dates", "open", "high", "low", "volume"] as const) {
    if (columns[name].length !== n) {
      throw new RangeError(
        `Column "${name}" has ${columns[name].length} values but "close" has ${n}`,
      );
    }
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
 * The rows read from a CSV body, in file order: `n` rows at the front of each
 * column (the arrays may be longer). `adj` is NaN where the adjusted close was
 * empty, and a copy of `close` when the file has no such column.
 */
interface Rows {
  n: number;
  dates: Int32Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
  adj: Float64Array;
  /** Whether the dates strictly increase (strictly decrease) down the rows. */
  ascending: boolean;
  descending: boolean;
}

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
  // The meaning is that of `text.split(/\r?\n/)` into lines, `line.split(",")` into
  // cells and `Number(cell)`; two readers implement it without doing that per cell
  // (which costs ~15 ms for 2,000 rows in a fresh process, before V8 has optimised
  // anything): `readPlainRows` hands a body of plain numbers to JSON.parse in one
  // call, `readRows` scans any other body in place.
  const source = options.source ?? "CSV";
  const symbol = options.symbol ?? "CSV";
  // The header: the first line that is not blank.
  let pos = 0, lineNo = 1, headerLine = "";
  for (;;) {
    const nl = text.indexOf("\n", pos);
    const end = nl < 0 ? text.length : nl;
    headerLine = text.slice(pos, nl > pos && text.charCodeAt(end - 1) === 13 ? end - 1 : end);
    if (headerLine.trim() !== "") break;
    if (nl < 0) throw new ConfigError(`Cannot read bars from "${source}": the file is empty`);
    pos = end + 1;
    lineNo++;
  }
  // Cells trimmed, one leading and one trailing quote dropped (a leading BOM too).
  const header = (headerLine.charCodeAt(0) === 0xfeff ? headerLine.slice(1) : headerLine)
    .split(",");
  const col = new Int32Array(7).fill(-1);
  for (let j = 0; j < header.length; j++) {
    let name = header[j]!.trim();
    if (name.charCodeAt(0) === 34) name = name.slice(1);
    if (name.charCodeAt(name.length - 1) === 34) name = name.slice(0, -1);
    header[j] = name;
    const field = HEADER_ALIASES[name.toLowerCase()];
    if (field !== undefined && col[FIELD_INDEX[field]] === -1) col[FIELD_INDEX[field]] = j;
  }
  for (const field of REQUIRED) {
    if (col[FIELD_INDEX[field]] === -1) {
      throw new ConfigError(
        `Cannot read bars from "${source}": no "${field}" column in the header "${headerLine}" ` +
          `(expected Date,Open,High,Low,Close,Volume[,Adj Close])`,
      );
    }
  }
  const bodyAt = text.indexOf("\n", pos) + 1; // 0 when the header is the last line
  const rows = (bodyAt > 0 ? readPlainRows(text, bodyAt, header.length, col) : undefined) ??
    readRows(text, bodyAt > 0 ? bodyAt : text.length + 1, lineNo + 1, col, header, source);
  const { n, dates, ascending, descending } = rows;
  if (n === 0) throw new ConfigError(`Cannot read bars from "${source}": no data rows`);
  let order: Int32Array | undefined;
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
    if (!order) return a.length === n ? a : a.slice(0, n) as T;
    const out = make(n);
    for (let i = 0; i < n; i++) out[i] = a[order[i]!]!;
    return out;
  };
  const f64 = (k: number) => new Float64Array(k);
  return new PlainBars({
    symbol,
    dates: take(dates, (k) => new Int32Array(k)),
    open: take(rows.open, f64),
    high: take(rows.high, f64),
    low: take(rows.low, f64),
    close: take(rows.close, f64),
    volume: take(rows.volume, f64),
    adjustedClose: take(rows.adj, f64),
  });
}

/** Per cell count: a line of a strict `YYYY-MM-DD`, then as many cells in all, none empty. */
const PLAIN_LINES: RegExp[] = [];

/**
 * Reads the body (the text from `from` on) in a few calls into V8's native code
 * when it is plain: no character that could start a JSON value other than a
 * number (`"[{tfn`), line breaks `\n` or `\r\n`, and each line either blank or
 * holding exactly `cells` cells (as many as the header), the first a strict
 * `YYYY-MM-DD` of a real day with year ≥ 1000, the others JSON numbers. One
 * regular expression then turns each line's date into the integer `YYYYMMDD`
 * and its line break into a comma, and JSON.parse reads every number of the
 * body at once, with the correctly rounded conversion that `Number()` uses, so
 * the values are those `Number(cell)` gives. Any other body gives `undefined`,
 * for {@link readRows}, which reads it or says what is wrong on which line.
 */
function readPlainRows(
  text: string,
  from: number,
  cells: number,
  col: Int32Array,
): Rows | undefined {
  if (col[0] !== 0 || cells > 64) return undefined; // the date not first, or a very wide file
  let body = text.slice(from);
  if (body.includes("\r")) body = body.replaceAll("\r\n", "\n");
  // Besides numbers, JSON values start with one of `"[{tfn`. A lone "\r" would end a line
  // for the regular expression below, not for split(/\r?\n/).
  if (
    body.includes('"') || body.includes("[") || body.includes("{") || body.includes("t") ||
    body.includes("f") || body.includes("n") || body.includes("\r")
  ) return undefined;
  if (!body.endsWith("\n")) body += "\n";
  // The cells spelled out rather than `(?:,[^,\n]+){5}`: V8 matches that ~10% faster.
  const lines = PLAIN_LINES[cells] ??= new RegExp(
    `^(\\d{4})-(\\d\\d)-(\\d\\d)(${",[^,\\n]+".repeat(cells - 1)})\\n`,
    "gm",
  );
  // "2004-08-19,100.0,…,1222554\n" becomes "20040819,100.0,…,1222554,": two characters fewer.
  const dated = body.replace(lines, "$1$2$3$4,");
  const n = (body.length - dated.length) / 2;
  let list: number[];
  try {
    // Blank lines are whitespace to JSON; " 0" is a dummy element after the last comma.
    list = JSON.parse(`[${dated} 0]`);
  } catch {
    return undefined; // a line that did not match, or a cell that is not a JSON number
  }
  // Numbers on lines that did not match would add to the count.
  if (list.length !== n * cells + 1) return undefined;
  const flat = new Float64Array(list);
  if (flat.includes(Infinity) || flat.includes(-Infinity)) return undefined; // e.g. 1e999
  // YYYYMMDD, 10000000…99999999 (eight digits, no leading zero): small integers, cheap
  // to compute with before V8 has optimised anything (unlike doubles).
  const dates = new Int32Array(column(flat, 0, cells, n));
  let ascending = true, descending = true, last = 0;
  // Consecutive rows mostly share a month (YYYYMM00): its day 0 and length are kept.
  let month = 0, monthDays = 0, dayZero = 0;
  for (let i = 0; i < n; i++) {
    const ymd = dates[i]!;
    let d = ymd - month;
    if (d < 1 || d > monthDays) {
      d = ymd % 100;
      month = ymd - d;
      const y = Math.floor(month / 10000), m = (month / 100) % 100;
      if (m < 1 || m > 12) return undefined;
      monthDays = monthLength(y, m);
      if (d < 1 || d > monthDays) return undefined;
      dayZero = daysFromCivil(y, m, 1) - 1;
    }
    const day = dayZero + d;
    if (i > 0) {
      if (day <= last) ascending = false;
      if (day >= last) descending = false;
    }
    dates[i] = last = day;
  }
  const close = column(flat, col[4]!, cells, n);
  return {
    n,
    dates,
    open: column(flat, col[1]!, cells, n),
    high: column(flat, col[2]!, cells, n),
    low: column(flat, col[3]!, cells, n),
    close,
    volume: column(flat, col[5]!, cells, n),
    adj: col[6]! >= 0 ? column(flat, col[6]!, cells, n) : close.slice(),
    ascending,
    descending,
  };
}

/** Every `stride`-th value of `flat` from `start`, `n` of them. */
function column(flat: Float64Array, start: number, stride: number, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0, k = start; i < n; i++, k += stride) out[i] = flat[k]!;
  return out;
}

/** Days in each month of a common year. */
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days in month `m` (1…12) of year `y`. */
function monthLength(y: number, m: number): number {
  return m === 2 && ((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0) ? 29 : MONTH_DAYS[m - 1]!;
}

/**
 * Epoch days of a proleptic Gregorian date, NaN when the month or day is out of
 * range (no Date object, no rounding of 2021-02-29 into March), and for years
 * below 100, which are left to `parseDate`.
 */
function daysFromCivil(y: number, m: number, d: number): number {
  if (y < 100 || m < 1 || m > 12 || d < 1 || d > monthLength(y, m)) return NaN;
  // After H. Hinnant's days_from_civil.
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** `10 ** k` for k = 0…22, each exact in a double (parsed, not computed). */
const POW10 = Float64Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));
/** 2^53: integers below it are exact in a double. */
const EXACT_INT = 9007199254740992;

/** State of one field within the row being read by {@link readRows}. */
const MISSING = 0, FAST = 1, SLOW = 2;

/**
 * Reads any body: the lines of `text` from `from` on (`firstLine` is the number
 * of the first), in one pass over the characters. The common cell (a plain
 * decimal, a strict YYYY-MM-DD) is read in place, without a substring, a
 * `Number()` or a Date; any other cell is cut out and takes the general path
 * ({@link slowCell}, {@link parseCsvDate}), in the order and with the messages of
 * splitting the line and calling `Number()` on each field.
 *
 * @throws {ConfigError} When a date or a price is malformed (naming the line).
 */
function readRows(
  text: string,
  from: number,
  firstLine: number,
  col: Int32Array,
  header: string[],
  source: string,
): Rows {
  const len = text.length;
  let cap = 1;
  for (let k = text.indexOf("\n", from); k >= 0; k = text.indexOf("\n", k + 1)) cap++;
  const hasAdj = col[6]! >= 0;
  const fields = hasAdj ? 7 : 6;
  // cellField[j]: the field (0 date, 1 open … 6 adjusted close) cell j holds, or -1.
  let lastCell = 0;
  for (let f = 0; f < fields; f++) lastCell = Math.max(lastCell, col[f]!);
  const cellField = new Int8Array(lastCell + 1).fill(-1);
  for (let f = 0; f < fields; f++) cellField[col[f]!] = f;
  const dates = new Int32Array(cap);
  const open = new Float64Array(cap), high = new Float64Array(cap), low = new Float64Array(cap);
  const close = new Float64Array(cap), volume = new Float64Array(cap);
  const adj = new Float64Array(cap);
  const cols = [dates, open, high, low, close, volume, adj] as const;
  const state = new Int8Array(7);
  const raw: string[] = ["", "", "", "", "", "", ""];
  let n = 0, pos = from, lineNo = firstLine - 1, ascending = true, descending = true;
  rows: while (pos <= len) {
    lineNo++;
    const nl = text.indexOf("\n", pos);
    const lineEnd = nl < 0 ? len : nl;
    const ce = nl > pos && text.charCodeAt(lineEnd - 1) === 13 ? lineEnd - 1 : lineEnd;
    const start = pos;
    pos = lineEnd + 1;
    if (ce === start) continue;
    const c0 = text.charCodeAt(start);
    if ((c0 <= 32 || c0 >= 127) && text.slice(start, ce).trim() === "") continue;
    // One pass over the cells up to the last one a field needs.
    state.fill(MISSING);
    let fast = 0;
    for (let s = start, j = 0; j <= lastCell; j++) {
      const f = cellField[j]!;
      let e = -1;
      if (f > 0) {
        e = scanDecimal(text, s, ce, cols[f] as Float64Array, n);
      } else if (f === 0 && s + 10 <= ce && (s + 10 === ce || text.charCodeAt(s + 10) === 44)) {
        const day = isoDayAt(text, s);
        if (day === day) {
          dates[n] = day;
          e = s + 10;
        }
      }
      if (e >= 0) {
        state[f] = FAST;
        fast++;
      } else {
        e = s;
        while (e < ce && text.charCodeAt(e) !== 44) e++;
        if (f >= 0) {
          state[f] = SLOW;
          raw[f] = text.slice(s, e);
        }
      }
      if (e >= ce) break;
      s = e + 1;
    }
    if (fast !== fields) {
      // A missing cell reads as "", like `cells[j] ?? ""`.
      if (state[0] !== FAST) {
        const rawDate = state[0] === SLOW ? raw[0]! : "";
        let day = fastIsoDay(rawDate);
        if (day !== day) {
          day = parseCsvDate(rawDate.trim().replace(/^"|"$/g, ""), source, lineNo);
        }
        dates[n] = day;
      }
      for (let f = 1; f < fields; f++) {
        if (state[f] === FAST) continue;
        const v = slowCell(state[f] === SLOW ? raw[f]! : "", source, lineNo, header[col[f]!]!);
        if (v !== v && f !== 6) continue rows; // a holiday row with null prices
        (cols[f] as Float64Array)[n] = v;
      }
    }
    if (!hasAdj) adj[n] = close[n]!;
    if (n > 0) {
      if (dates[n]! <= dates[n - 1]!) ascending = false;
      if (dates[n]! >= dates[n - 1]!) descending = false;
    }
    n++;
  }
  return { n, dates, open, high, low, close, volume, adj, ascending, descending };
}

/**
 * Reads the cell starting at `s` (the line's content ends at `ce`) when it is a plain
 * decimal, `-?\d*(\.\d*)?` with at least one digit, whose digits form an integer below
 * 2^53 with at most 22 after the point, and ends at a comma or the line's end. Then
 * `m / 10^k` (both exact) is the correctly rounded value, the same double `Number()`
 * gives; it is stored at `out[at]` and the cell's end is returned. Otherwise -1, and
 * nothing is stored.
 */
function scanDecimal(text: string, s: number, ce: number, out: Float64Array, at: number): number {
  let k = s;
  const neg = k < ce && text.charCodeAt(k) === 45;
  if (neg) k++;
  let m = 0, digits = 0, frac = 0, c = 0;
  for (; k < ce; k++) {
    c = text.charCodeAt(k) - 48;
    if (c < 0 || c > 9) break;
    m = m * 10 + c;
    digits++;
  }
  if (k < ce && c === -2) { // "."
    for (k++; k < ce; k++) {
      c = text.charCodeAt(k) - 48;
      if (c < 0 || c > 9) break;
      m = m * 10 + c;
      frac++;
    }
  }
  if (digits + frac === 0 || m >= EXACT_INT || frac > 22) return -1;
  if (k < ce && text.charCodeAt(k) !== 44) return -1;
  const v = m / POW10[frac]!;
  out[at] = neg ? -v : v;
  return k;
}

/**
 * The general path for a price cell: its value, or NaN for an empty, `null` or
 * `NaN` cell (a holiday row).
 *
 * @throws {ConfigError} When the cell is anything else that is not a finite number.
 */
function slowCell(raw: string, source: string, line: number, name: string): number {
  // Number() ignores the same whitespace trim() does.
  const quick = Number(raw);
  if (quick !== 0 && Number.isFinite(quick)) return quick;
  const cell = raw.trim();
  if (cell === "" || cell === "null" || cell === "NaN") return NaN;
  const v = Number(cell);
  if (!Number.isFinite(v)) {
    throw new ConfigError(
      `Cannot read bars from "${source}": line ${line} has ${name} "${cell}", not a number`,
    );
  }
  return v;
}

/**
 * Epoch days of a strict `YYYY-MM-DD` (year ≥ 100) without regular expressions
 * or Date objects, NaN when the text is anything else (the caller then takes
 * the general path, which parses or explains the error). Equal to
 * `parseDate(text)` wherever it is not NaN.
 */
function fastIsoDay(t: string): number {
  return t.length === 10 ? isoDayAt(t, 0) : NaN;
}

/** {@link fastIsoDay} of the ten characters of `t` from `s` (which must exist). */
function isoDayAt(t: string, s: number): number {
  if (t.charCodeAt(s + 4) !== 45 || t.charCodeAt(s + 7) !== 45) return NaN;
  let y = 0, m = 0, d = 0;
  for (let k = 0; k < 10; k++) {
    if (k === 4 || k === 7) continue;
    const c = t.charCodeAt(s + k) - 48;
    if (c < 0 || c > 9) return NaN;
    if (k < 4) y = y * 10 + c;
    else if (k < 7) m = m * 10 + c;
    else d = d * 10 + c;
  }
  return daysFromCivil(y, m, d);
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
export function readCsvBars(path: string, options: CsvBarsOptions = {}): Promise<PlainBars> {
  try {
    return Promise.resolve(readCsvFile(path, options));
  } catch (err) {
    return Promise.reject(err);
  }
}

/** {@link readCsvBars}, synchronously. */
function readCsvFile(path: string, options: CsvBarsOptions): PlainBars {
  let text: string;
  try {
    // Synchronously: a daily-bars file is small (~60 bytes a day), and the asynchronous
    // read's hop to a worker thread costs more than the read itself in a fresh process.
    text = Deno.readTextFileSync(path);
  } catch (err) {
    throw new ConfigError(`Cannot read bars from "${path}": ${(err as Error).message}`, {
      cause: err,
    });
  }
  const name = path.slice(Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\")) + 1);
  const dot = name.lastIndexOf(".");
  const base = dot >= 0 ? name.slice(0, dot) : name;
  return parseCsvBars(text, {
    symbol: options.symbol ?? (base.toUpperCase() || "CSV"),
    source: path,
  });
}
