/**
 * The lake's Parquet schema (the seed's, exact): `symbol` string, `date` date,
 * `open`/`high`/`low`/`close` float64, `volume` int64, `adjusted_close` float64,
 * `fetch_timestamp` string (ISO 8601 UTC), `batch_number` int32. Raw batches and
 * curated partitions share it; curated files are deduplicated by (symbol, date),
 * the latest `fetch_timestamp` winning, and sorted by symbol, date.
 *
 * @module
 */

import {
  DateDay,
  Int32,
  Int64,
  makeData,
  makeVector,
  Table,
  Type,
  Utf8,
  vectorFromArray,
} from "apache-arrow";
import type { BarColumns } from "../core/bars.ts";
import { PRICE_COLUMNS } from "../core/ohlcv_columns.ts";
import { parseDate } from "../core/dates.ts";
import { LakeError } from "../core/errors.ts";
import { validateSymbol } from "../core/symbol.ts";

/** The columns a Bars-facing load returns (the price columns of the lake). */
export const BAR_COLUMNS = ["symbol", "date", ...PRICE_COLUMNS] as const;

/** Column names of the lake schema, in order: the bar columns, then the fetch's provenance. */
export const LAKE_COLUMNS = [...BAR_COLUMNS, "fetch_timestamp", "batch_number"] as const;

/** The Arrow type of each lake column. */
export const LAKE_TYPES: Record<typeof LAKE_COLUMNS[number], Type> = {
  symbol: Type.Utf8,
  date: Type.Date,
  open: Type.Float,
  high: Type.Float,
  low: Type.Float,
  close: Type.Float,
  volume: Type.Int,
  adjusted_close: Type.Float,
  fetch_timestamp: Type.Utf8,
  batch_number: Type.Int,
};

/**
 * Rows to write as a raw batch: the bar columns of {@link BarColumns}, with a
 * symbol per row (Yahoo tickers, validated), the adjusted close required, and
 * the fetch time.
 */
export interface RawRows extends BarColumns {
  /** Yahoo tickers, one per row. */
  symbol: ArrayLike<string>;
  /** Adjusted closes. */
  adjusted_close: ArrayLike<number>;
  /** ISO 8601 UTC fetch time, one for all rows or one per row. @default {now} */
  fetch_timestamp?: string | ArrayLike<string>;
}

/**
 * Builds an Arrow table with the exact lake schema.
 *
 * @param rows The columns.
 * @param batchNumber The batch number stored in every row.
 * @returns The table (volume Int64, batch_number Int32, date Date32).
 * @throws {RangeError} When the columns differ in length or a volume is not a whole number.
 * @throws {ConfigError} On an invalid symbol or date.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { rawTable } from "./schema.ts";
 * const t = rawTable({
 *   symbol: ["BHP.AX"], date: ["2024-08-01"], open: [44], high: [45], low: [43.5],
 *   close: [44.8], volume: [7_100_000], adjusted_close: [44.8],
 *   fetch_timestamp: "2024-08-01T08:00:00.000Z",
 * }, 0);
 * assert.equal(t.numRows, 1);
 * ```
 */
export function rawTable(rows: RawRows, batchNumber: number): Table {
  const n = rows.symbol.length;
  for (
    const name of ["date", ...PRICE_COLUMNS] as const
  ) {
    if (rows[name].length !== n) {
      throw new RangeError(
        `Column "${name}" has ${rows[name].length} values but "symbol" has ${n}`,
      );
    }
  }
  const symbols = Array.from(rows.symbol, validateSymbol);
  const days = rows.date instanceof Int32Array
    ? rows.date
    : Int32Array.from(Array.from(rows.date as ArrayLike<string>, parseDate));
  const volume = new BigInt64Array(n);
  for (let i = 0; i < n; i++) {
    const v = rows.volume[i]!;
    if (typeof v === "bigint") volume[i] = v;
    else if (Number.isInteger(v)) volume[i] = BigInt(v);
    else throw new RangeError(`Volume ${v} of "${symbols[i]}" is not a whole number of shares`);
  }
  const stamp = rows.fetch_timestamp ?? new Date().toISOString();
  const stamps = typeof stamp === "string" ? new Array<string>(n).fill(stamp) : Array.from(stamp);
  if (stamps.length !== n) {
    throw new RangeError(
      `Column "fetch_timestamp" has ${stamps.length} values but "symbol" has ${n}`,
    );
  }
  const f64 = (v: ArrayLike<number>) => makeVector(Float64Array.from(v));
  return new Table({
    symbol: vectorFromArray(symbols, new Utf8()),
    date: makeVector(makeData({ type: new DateDay(), data: days, length: n, nullCount: 0 })),
    open: f64(rows.open),
    high: f64(rows.high),
    low: f64(rows.low),
    close: f64(rows.close),
    volume: makeVector(makeData({ type: new Int64(), data: volume, length: n, nullCount: 0 })),
    adjusted_close: f64(rows.adjusted_close),
    fetch_timestamp: vectorFromArray(stamps, new Utf8()),
    batch_number: makeVector(
      makeData({ type: new Int32(), data: new Int32Array(n).fill(batchNumber), length: n }),
    ),
  });
}

/**
 * Checks that a table read from `key` has the lake schema (names and types).
 *
 * @param table The table read.
 * @param key The object it came from, for the message.
 * @param columns The columns expected (default: all of {@link LAKE_COLUMNS}).
 * @throws {LakeError} code `Schema`, naming the key and the first mismatch.
 *
 * @example
 * ```ts
 * import { checkSchema, rawTable } from "./schema.ts";
 * const t = rawTable({
 *   symbol: ["BHP.AX"], date: ["2024-08-01"], open: [44], high: [45], low: [43.5],
 *   close: [44.8], volume: [7_100_000], adjusted_close: [44.8],
 * }, 0);
 * checkSchema(t, "raw-data/2024-08-01-batch-0.parquet");
 * ```
 */
export function checkSchema(
  table: Table,
  key: string,
  columns: readonly (typeof LAKE_COLUMNS[number])[] = LAKE_COLUMNS,
): void {
  for (const name of columns) {
    const field = table.schema.fields.find((f) => f.name === name);
    if (!field) {
      const have = table.schema.fields.map((f) => f.name).join(", ");
      throw new LakeError(`Wrong schema in "${key}": no column "${name}" (has: ${have})`, {
        key,
        code: "Schema",
      });
    }
    if (field.type.typeId !== LAKE_TYPES[name]) {
      throw new LakeError(
        `Wrong schema in "${key}": column "${name}" is ${field.type}, expected ${
          Type[LAKE_TYPES[name]]
        }`,
        { key, code: "Schema" },
      );
    }
  }
}
