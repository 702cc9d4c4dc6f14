/**
 * `Bars`: daily OHLCV bars for one or many symbols, backed by an apache-arrow
 * `Table` sorted by (symbol, date), with zero-copy typed-array accessors and
 * per-symbol slicing. Every module that computes on prices takes `Bars`.
 *
 * @module
 */

import {
  type Data,
  DateDay,
  makeData,
  makeVector,
  Table,
  Type,
  Utf8,
  type Vector,
  vectorFromArray,
} from "apache-arrow";
import { formatDate, parseDate } from "./dates.ts";
import type { PRICE_COLUMNS } from "./ohlcv_columns.ts";

/** One of the price columns every `Bars` table carries after `symbol` and `date` (`PRICE_COLUMNS`). */
export type PriceColumn = typeof PRICE_COLUMNS[number];

/** Plain columns from which {@link Bars.fromColumns} builds a table. */
export interface BarColumns {
  /** One symbol for every row, or a symbol per row (rows grouped by symbol). */
  symbol: string | ArrayLike<string>;
  /** Epoch days (`Int32Array`) or `YYYY-MM-DD` strings, ascending within a symbol. */
  date: Int32Array | ArrayLike<string>;
  /** Opening prices. */
  open: ArrayLike<number>;
  /** Daily highs. */
  high: ArrayLike<number>;
  /** Daily lows. */
  low: ArrayLike<number>;
  /** Closing prices. */
  close: ArrayLike<number>;
  /** Traded volume (shares). */
  volume: ArrayLike<number | bigint>;
  /** Dividend- and split-adjusted close. Defaults to `close`. */
  adjusted_close?: ArrayLike<number>;
}

function toFloat64(values: ArrayLike<number | bigint>): Float64Array {
  if (values instanceof Float64Array) return values;
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Number(values[i]);
  return out;
}

/** Reads a numeric Arrow column as one Float64Array: zero-copy for a single non-null Float64 chunk. */
function columnAsFloat64(vector: Vector): Float64Array {
  const chunks = vector.data as Data[];
  if (
    chunks.length === 1 && vector.type.typeId === Type.Float && chunks[0]!.nullCount === 0 &&
    chunks[0]!.values instanceof Float64Array
  ) {
    return (chunks[0]!.values as Float64Array).subarray(0, chunks[0]!.length);
  }
  const out = new Float64Array(vector.length);
  let at = 0;
  for (const chunk of chunks) {
    const n = chunk.length;
    if (chunk.type.typeId !== Type.Float && chunk.type.typeId !== Type.Int) {
      throw new TypeError(`Column of type ${vector.type} is not numeric`);
    }
    const values = chunk.values as ArrayLike<number | bigint>;
    if (chunk.nullCount === 0) {
      for (let i = 0; i < n; i++) out[at + i] = Number(values[i]);
    } else {
      for (let i = 0; i < n; i++) out[at + i] = chunk.getValid(i) ? Number(values[i]) : NaN;
    }
    at += n;
  }
  return out;
}

/** Reads a Date32 (or Date64 / timestamp) column as epoch days. */
function columnAsDays(vector: Vector): Int32Array {
  const chunks = vector.data as Data[];
  const out = new Int32Array(vector.length);
  let at = 0;
  for (const chunk of chunks) {
    const n = chunk.length;
    if (chunk.type instanceof DateDay) {
      out.set((chunk.values as Int32Array).subarray(0, n), at);
    } else {
      // Date64 (ms) or timestamps in ms, as handed back by some engines.
      for (let i = 0; i < n; i++) {
        const v = vector.get(at + i) as number | Date | null;
        const ms = v instanceof Date ? v.getTime() : Number(v);
        out[at + i] = Math.floor(ms / 86_400_000);
      }
    }
    at += n;
  }
  return out;
}

/**
 * Daily OHLCV bars for one or many symbols.
 *
 * The table has the columns `symbol` (Utf8), `date` (Date32), `open`, `high`,
 * `low`, `close` (Float64), `volume` (Float64 or Int64), `adjusted_close`
 * (Float64), and may carry extra Float64 columns (indicators). Rows are sorted
 * by symbol, then date.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Bars } from "./bars.ts";
 * const bars = Bars.fromColumns({
 *   symbol: "BHP.AX",
 *   date: ["2020-01-02", "2020-01-03"],
 *   open: [38.1, 38.5], high: [38.9, 38.7], low: [38.0, 38.2], close: [38.6, 38.3],
 *   volume: [5_000_000, 4_200_000],
 * });
 * assert.ok(bars.length === 2 && bars.close[1] === 38.3);
 * assert.ok(bars.symbols()[0] === "BHP.AX");
 * ```
 */
export class Bars {
  /** The backing Arrow table. */
  readonly table: Table;
  #floats = new Map<string, Float64Array>();
  #dates: Int32Array | undefined;
  #ranges: Map<string, [number, number]> | undefined;

  /**
   * Wraps an Arrow table that has at least `symbol` and `date` columns (a load
   * may select fewer price columns; their accessors throw when absent).
   *
   * @param table Sorted by symbol, date.
   * @throws {TypeError} When a required column is missing.
   */
  constructor(table: Table) {
    for (const name of ["symbol", "date"]) {
      if (!table.getChild(name)) {
        const have = table.schema.fields.map((f) => f.name).join(", ");
        throw new TypeError(`Bars need a "${name}" column; the table has: ${have}`);
      }
    }
    this.table = table;
  }

  /**
   * Builds `Bars` from plain columns (e.g. a parsed CSV).
   *
   * @param columns The columns; `adjusted_close` defaults to `close`.
   * @returns The bars.
   * @throws {RangeError} When the columns differ in length.
   */
  static fromColumns(columns: BarColumns): Bars {
    const n = columns.close.length;
    for (const name of ["open", "high", "low", "close", "volume", "date"] as const) {
      if (columns[name].length !== n) {
        throw new RangeError(
          `Column "${name}" has ${columns[name].length} values but "close" has ${n}`,
        );
      }
    }
    let days: Int32Array;
    if (columns.date instanceof Int32Array) days = columns.date;
    else {
      days = new Int32Array(n);
      for (let i = 0; i < n; i++) days[i] = parseDate(String(columns.date[i]));
    }
    const symbols = typeof columns.symbol === "string"
      ? new Array<string>(n).fill(columns.symbol)
      : Array.from(columns.symbol);
    if (symbols.length !== n) {
      throw new RangeError(`Column "symbol" has ${symbols.length} values but "close" has ${n}`);
    }
    const f64 = (v: ArrayLike<number | bigint>) => makeVector(toFloat64(v));
    const table = new Table({
      symbol: vectorFromArray(symbols, new Utf8()),
      date: makeVector(makeData({ type: new DateDay(), data: days, length: n, nullCount: 0 })),
      open: f64(columns.open),
      high: f64(columns.high),
      low: f64(columns.low),
      close: f64(columns.close),
      volume: f64(columns.volume),
      adjusted_close: f64(columns.adjusted_close ?? columns.close),
    });
    return new Bars(table);
  }

  /** Number of rows (bars across all symbols). */
  get length(): number {
    return this.table.numRows;
  }

  /** Opening prices. */
  get open(): Float64Array {
    return this.column("open");
  }
  /** Daily highs. */
  get high(): Float64Array {
    return this.column("high");
  }
  /** Daily lows. */
  get low(): Float64Array {
    return this.column("low");
  }
  /** Closing prices. */
  get close(): Float64Array {
    return this.column("close");
  }
  /** Volume as Float64 (exact below 2^53 shares). */
  get volume(): Float64Array {
    return this.column("volume");
  }
  /** Adjusted close; equals `close` when the table has no `adjusted_close` column. */
  get adjustedClose(): Float64Array {
    return this.table.getChild("adjusted_close") ? this.column("adjusted_close") : this.close;
  }
  /** Dates as epoch days (days since 1970-01-01). */
  get dates(): Int32Array {
    return this.#dates ??= columnAsDays(this.table.getChild("date")!);
  }

  /**
   * A numeric column as a Float64Array (zero-copy when the column is one
   * Float64 chunk without nulls; nulls become NaN).
   *
   * @param name The column name, e.g. `"close"` or `"sma_20"`.
   * @returns The values.
   * @throws {RangeError} When there is no such column.
   */
  column(name: string): Float64Array {
    let values = this.#floats.get(name);
    if (!values) {
      const vector = this.table.getChild(name);
      if (!vector) {
        const have = this.table.schema.fields.map((f) => f.name).join(", ");
        throw new RangeError(`No column "${name}" in these bars; columns: ${have}`);
      }
      values = columnAsFloat64(vector);
      this.#floats.set(name, values);
    }
    return values;
  }

  /** Dates as `YYYY-MM-DD` strings. */
  dateStrings(): string[] {
    return Array.from(this.dates, formatDate);
  }

  /** Row ranges `[start, end)` per symbol, in table order. */
  ranges(): Map<string, [number, number]> {
    if (this.#ranges) return this.#ranges;
    const ranges = new Map<string, [number, number]>();
    const col = this.table.getChild("symbol")!;
    let current: string | undefined;
    let start = 0;
    let i = 0;
    for (const value of col) {
      const s = String(value);
      if (s !== current) {
        if (current !== undefined) ranges.set(current, [start, i]);
        if (ranges.has(s)) {
          throw new RangeError(`Bars are not grouped by symbol: "${s}" appears again at row ${i}`);
        }
        current = s;
        start = i;
      }
      i++;
    }
    if (current !== undefined) ranges.set(current, [start, i]);
    return this.#ranges = ranges;
  }

  /** The symbols present, in table order. */
  symbols(): string[] {
    return [...this.ranges().keys()];
  }

  /**
   * The bars of one symbol, a zero-copy slice of the table.
   *
   * @param symbol e.g. `"BHP.AX"`.
   * @returns Bars for that symbol only.
   * @throws {RangeError} When the symbol is absent.
   */
  of(symbol: string): Bars {
    const range = this.ranges().get(symbol);
    if (!range) {
      throw new RangeError(
        `No bars for "${symbol}"; present: ${this.symbols().slice(0, 20).join(", ")}`,
      );
    }
    if (range[0] === 0 && range[1] === this.length) return this;
    return new Bars(this.table.slice(range[0], range[1]));
  }

  /**
   * A new `Bars` with extra Float64 columns (e.g. indicators) appended or replaced.
   *
   * @param columns Name → values, each as long as the table.
   * @returns New bars sharing the existing columns.
   * @throws {RangeError} When a column's length differs from the table's.
   */
  withColumns(columns: Record<string, Float64Array>): Bars {
    const vectors: Record<string, Vector> = {};
    for (const field of this.table.schema.fields) {
      vectors[field.name] = this.table.getChild(field.name)!;
    }
    for (const [name, values] of Object.entries(columns)) {
      if (values.length !== this.length) {
        throw new RangeError(
          `Column "${name}" has ${values.length} values but the bars have ${this.length}`,
        );
      }
      vectors[name] = makeVector(values);
    }
    return new Bars(new Table(vectors));
  }
}
