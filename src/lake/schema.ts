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
  Utf8,
  vectorFromArray,
} from "apache-arrow";
import type { BarColumns } from "../core/bars.ts";
import type { LakeRows } from "./validate.ts";
import { PRICE_COLUMNS } from "../core/ohlcv_columns.ts";
import { parseDate } from "../core/dates.ts";
import { LakeError } from "../core/errors.ts";
import { validateSymbol } from "../core/symbol.ts";

/** The columns a Bars-facing load returns (the price columns of the lake). */
export const BAR_COLUMNS = ["symbol", "date", ...PRICE_COLUMNS] as const;

/** Column names of the lake schema, in order: the bar columns, then the fetch's provenance. */
export const LAKE_COLUMNS = [...BAR_COLUMNS, "fetch_timestamp", "batch_number"] as const;

/**
 * The exact Arrow type of each lake column, as apache-arrow names it: a float32
 * close or an int32 volume is not the lake's schema, even though its type id is.
 */
export const LAKE_TYPES: Record<typeof LAKE_COLUMNS[number], string> = {
  symbol: "Utf8",
  date: "Date32<DAY>",
  open: "Float64",
  high: "Float64",
  low: "Float64",
  close: "Float64",
  volume: "Int64",
  adjusted_close: "Float64",
  fetch_timestamp: "Utf8",
  batch_number: "Int32",
};

/**
 * SQL ordering rows of one (symbol, date) from freshest to stalest: the latest
 * `fetch_timestamp` (as an instant, not as text: "…:00Z" and "…:00.000Z" are the
 * same time; a value that is not a time sorts last), then the higher batch number.
 * The merge breaks a remaining tie by arrival order; see `Lake.mergeDailyBatches`.
 */
export const FRESHEST_FIRST =
  "TRY_CAST(replace(fetch_timestamp, 'Z', '') AS TIMESTAMP) DESC NULLS LAST, batch_number DESC";

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
 * Checks that a table read from `key` has the lake schema: every column, each
 * with its exact type (`Float64`, not `Float32`; `Int64` volume, `Int32`
 * batch number; `Date32<DAY>` date).
 *
 * @param table The table read.
 * @param key The object it came from, for the message.
 * @param columns The columns expected (default: all of {@link LAKE_COLUMNS}).
 * @throws {LakeError} code `Schema`, naming the key and the first mismatch.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkSchema, rawTable } from "./schema.ts";
 * const t = rawTable({
 *   symbol: ["BHP.AX"], date: ["2024-08-01"], open: [44], high: [45], low: [43.5],
 *   close: [44.8], volume: [7_100_000], adjusted_close: [44.8],
 * }, 0);
 * checkSchema(t, "raw-data/2024-08-01-batch-0.parquet");
 * assert.throws(() => checkSchema(t.select(["symbol"]), "x.parquet"), /no column "date"/);
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
    if (String(field.type) !== LAKE_TYPES[name]) {
      throw new LakeError(
        `Wrong schema in "${key}": column "${name}" is ${field.type}, expected ${LAKE_TYPES[name]}`,
        { key, code: "Schema" },
      );
    }
  }
}

/**
 * Reads a table with the lake schema into {@link LakeRows} for the door's checks:
 * missing values become `null` (strings) or `NaN` (numbers, dates).
 *
 * @param table A table that passed {@link checkSchema}.
 * @returns The columns.
 */
export function lakeRowsOf(table: Table): LakeRows {
  // Each chunk's UTF-8 is decoded once and sliced (ASCII, the usual case: byte offsets are
  // string offsets); arrow's get(i) decodes every value on its own, ten times slower.
  const decoder = new TextDecoder();
  const strings = (name: string) => {
    const out = new Array<string | null>(table.numRows);
    let at = 0;
    for (const chunk of table.getChild(name)!.data) {
      const offsets = chunk.valueOffsets as Int32Array;
      const bytes = (chunk.values as Uint8Array).subarray(offsets[0]!, offsets[chunk.length]!);
      const text = decoder.decode(bytes);
      const ascii = text.length === bytes.length;
      for (let i = 0; i < chunk.length; i++) {
        if (!chunk.getValid(i)) out[at + i] = null;
        else if (ascii) {
          out[at + i] = text.slice(offsets[i]! - offsets[0]!, offsets[i + 1]! - offsets[0]!);
        } else out[at + i] = decoder.decode(chunk.values.subarray(offsets[i]!, offsets[i + 1]!));
      }
      at += chunk.length;
    }
    return out;
  };
  // Sliced chunks' `values` already start at the chunk's first row (arrow adjusts them).
  const numbers = (name: string) => {
    const out = new Float64Array(table.numRows);
    let at = 0;
    for (const chunk of table.getChild(name)!.data) {
      const values = chunk.values as ArrayLike<number | bigint>;
      for (let i = 0; i < chunk.length; i++) {
        out[at + i] = chunk.getValid(i) ? Number(values[i]!) : NaN;
      }
      at += chunk.length;
    }
    return out;
  };
  return {
    symbol: strings("symbol"),
    date: numbers("date"),
    open: numbers("open"),
    high: numbers("high"),
    low: numbers("low"),
    close: numbers("close"),
    volume: numbers("volume"),
    adjusted_close: numbers("adjusted_close"),
    fetch_timestamp: strings("fetch_timestamp"),
    batch_number: numbers("batch_number"),
  };
}

/**
 * Reads rows handed to `writeRawBatch` into {@link LakeRows}, leniently: a date
 * that does not parse becomes `NaN` and a symbol is kept as given, so the door
 * can quarantine the row with its reason instead of refusing the batch.
 *
 * @param rows The rows.
 * @param batchNumber The batch number of every row.
 * @returns The columns.
 * @throws {RangeError} When the columns differ in length.
 */
export function lakeRowsFromRaw(rows: RawRows, batchNumber: number): LakeRows {
  const n = rows.symbol.length;
  for (const name of ["date", ...PRICE_COLUMNS] as const) {
    if (rows[name].length !== n) {
      throw new RangeError(
        `Column "${name}" has ${rows[name].length} values but "symbol" has ${n}`,
      );
    }
  }
  const stamp = rows.fetch_timestamp ?? new Date().toISOString();
  const stamps = typeof stamp === "string" ? new Array<string>(n).fill(stamp) : Array.from(stamp);
  if (stamps.length !== n) {
    throw new RangeError(
      `Column "fetch_timestamp" has ${stamps.length} values but "symbol" has ${n}`,
    );
  }
  const date = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const d = rows.date[i];
    if (typeof d === "number") date[i] = d;
    else {
      try {
        date[i] = parseDate(String(d));
      } catch {
        date[i] = NaN;
      }
    }
  }
  const num = (v: ArrayLike<number | bigint>) => Float64Array.from(Array.from(v, Number));
  return {
    symbol: Array.from(rows.symbol, (x) => (typeof x === "string" ? x : null)),
    date,
    open: num(rows.open),
    high: num(rows.high),
    low: num(rows.low),
    close: num(rows.close),
    volume: num(rows.volume),
    adjusted_close: num(rows.adjusted_close),
    fetch_timestamp: stamps.map((x) => (typeof x === "string" ? x : null)),
    batch_number: new Float64Array(n).fill(batchNumber),
  };
}

/**
 * Builds a table with the exact lake schema from {@link LakeRows}, writing what
 * the lake types cannot hold (an unparseable date, a fractional or missing
 * volume, a missing symbol) as NULL, plus a `_reason` column (the door's verdict,
 * NULL for rows that pass) and an `_seq` column (arrival order). For quarantine
 * and for the split between the raw file and the quarantine file.
 *
 * @param rows The columns.
 * @param reason Each row's reason, or `null`.
 * @param firstSeq The `_seq` of the first row. @default {0}
 * @returns The table.
 */
export function lakeTable(
  rows: LakeRows,
  reason: readonly (string | null)[],
  firstSeq = 0,
): Table {
  const n = rows.symbol.length;
  const dateValid = new Array<boolean>(n);
  const days = new Int32Array(n);
  const volume = new BigInt64Array(n);
  const volumeValid = new Array<boolean>(n);
  const batch = new Int32Array(n);
  const batchValid = new Array<boolean>(n);
  for (let i = 0; i < n; i++) {
    const d = rows.date[i]!;
    dateValid[i] = Number.isInteger(d) && Math.abs(d) < 2 ** 31;
    if (dateValid[i]) days[i] = d;
    const v = rows.volume[i]!;
    volumeValid[i] = Number.isSafeInteger(v);
    if (volumeValid[i]) volume[i] = BigInt(v);
    const b = rows.batch_number[i]!;
    batchValid[i] = Number.isInteger(b) && Math.abs(b) < 2 ** 31;
    if (batchValid[i]) batch[i] = b;
  }
  const f64 = (v: ArrayLike<number>) => makeVector(Float64Array.from(v));
  return new Table({
    symbol: vectorFromArray(Array.from(rows.symbol), new Utf8()),
    date: withNulls(new DateDay(), days, dateValid),
    open: f64(rows.open),
    high: f64(rows.high),
    low: f64(rows.low),
    close: f64(rows.close),
    volume: withNulls(new Int64(), volume, volumeValid),
    adjusted_close: f64(rows.adjusted_close),
    fetch_timestamp: vectorFromArray(Array.from(rows.fetch_timestamp), new Utf8()),
    batch_number: withNulls(new Int32(), batch, batchValid),
    _reason: vectorFromArray(Array.from(reason), new Utf8()),
    _seq: makeVector(Int32Array.from({ length: n }, (_, i) => firstSeq + i)),
  });
}

/** A vector of fixed-width values with a validity bitmap. */
function withNulls<T extends DateDay | Int64 | Int32>(
  type: T,
  values: Int32Array | BigInt64Array,
  valid: readonly boolean[],
) {
  const n = values.length;
  const bitmap = new Uint8Array((n + 7) >> 3);
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    if (valid[i]) bitmap[i >> 3]! |= 1 << (i & 7);
    else nulls++;
  }
  return makeVector(
    makeData({ type, data: values, length: n, nullCount: nulls, nullBitmap: bitmap } as never),
  );
}
