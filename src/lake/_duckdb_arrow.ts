/**
 * Conversions between native DuckDB (`@duckdb/node-api`) and apache-arrow 21
 * (private to the native engine).
 *
 * - {@link resultToArrow}: a streaming result becomes Arrow columns chunk by chunk
 *   as it arrives (typed arrays copied whole, validity from DuckDB's masks, short
 *   strings copied from DuckDB's inlined `string_t`s without becoming JS strings), so
 *   DuckDB never holds a whole result beside its Arrow copy. Types without a direct
 *   Arrow mapping become `Float64` (DECIMAL, HUGEINT and other wide integers) or
 *   their text (`Utf8`: intervals, lists, structs, UUIDs…).
 * - {@link appendArrow}: an Arrow table's rows go into an existing DuckDB table
 *   through an appender, 2,048-row data chunks at a time.
 *
 * @module
 */

import {
  Bool,
  type DataType,
  DateDay,
  Field,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Table,
  TimestampMicrosecond,
  TimestampMillisecond,
  TimestampNanosecond,
  TimestampSecond,
  Type,
  Uint16,
  Uint32,
  Uint64,
  Uint8,
  Utf8,
  vectorFromArray,
} from "apache-arrow";

/** The `@duckdb/node-api` module. */
export type NodeApi = typeof import("@duckdb/node-api");
/** A native connection. */
export type Connection = Awaited<
  ReturnType<Awaited<ReturnType<NodeApi["DuckDBInstance"]["create"]>>["connect"]>
>;

/** A streaming native result. */
export type StreamResult = Awaited<ReturnType<Connection["stream"]>>;
type Chunk = NonNullable<Awaited<ReturnType<StreamResult["fetchChunk"]>>>;

type FixedArray =
  | Float64Array
  | Float32Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint32Array
  | Uint16Array
  | Uint8Array
  | BigInt64Array
  | BigUint64Array;

type FixedCtor = {
  new (length: number): FixedArray;
  readonly BYTES_PER_ELEMENT: number;
};

interface Mapping {
  arrow: () => DataType;
  /** Typed array of DuckDB's vector data, for fixed-width types copied whole. */
  ctor?: FixedCtor;
  /** For types without a direct mapping: the JS value to store for a DuckDB value. */
  convert?: (value: unknown) => number | string;
}

/** DuckDB type ids (see DuckDBTypeId) with a direct Arrow mapping. */
const MAPPINGS: Record<number, Mapping> = {
  1: { arrow: () => new Bool() },
  2: { arrow: () => new Int8(), ctor: Int8Array },
  3: { arrow: () => new Int16(), ctor: Int16Array },
  4: { arrow: () => new Int32(), ctor: Int32Array },
  5: { arrow: () => new Int64(), ctor: BigInt64Array },
  6: { arrow: () => new Uint8(), ctor: Uint8Array },
  7: { arrow: () => new Uint16(), ctor: Uint16Array },
  8: { arrow: () => new Uint32(), ctor: Uint32Array },
  9: { arrow: () => new Uint64(), ctor: BigUint64Array },
  10: { arrow: () => new Float32(), ctor: Float32Array },
  11: { arrow: () => new Float64(), ctor: Float64Array },
  12: { arrow: () => new TimestampMicrosecond(), ctor: BigInt64Array },
  13: { arrow: () => new DateDay(), ctor: Int32Array },
  17: { arrow: () => new Utf8() },
  20: { arrow: () => new TimestampSecond(), ctor: BigInt64Array },
  21: { arrow: () => new TimestampMillisecond(), ctor: BigInt64Array },
  22: { arrow: () => new TimestampNanosecond(), ctor: BigInt64Array },
  31: { arrow: () => new TimestampMicrosecond("UTC"), ctor: BigInt64Array },
};

/** DuckDB type ids held as a Float64 approximation: DECIMAL, HUGEINT, UHUGEINT, BIGNUM. */
const AS_DOUBLE = new Set([19, 16, 32, 35]);

/** The mapping of a type id: direct, a Float64 approximation, or the value's text. */
function mappingOf(typeId: number): Mapping {
  const direct = MAPPINGS[typeId];
  if (direct) return direct;
  if (AS_DOUBLE.has(typeId)) return { arrow: () => new Float64(), convert: toDouble };
  return { arrow: () => new Utf8(), convert: (v) => String(v) };
}

function toDouble(v: unknown): number {
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  const d = v as { toDouble?: () => number };
  return typeof d.toDouble === "function" ? d.toDouble() : Number(v);
}

/** The parts of @duckdb/node-api's vector classes read here (public fields of its JS classes). */
interface RawVector {
  getItem(i: number): unknown;
  /** Fixed-width vectors: the vector's data as a typed array over DuckDB's memory. */
  items?: unknown;
  /** VARCHAR vectors: DuckDB's 16-byte `string_t`s. */
  dataView?: DataView;
  validity?: { data?: BigUint64Array | null };
}

/** A validity bitmap (Arrow layout: bit set = valid) that exists only once a null is seen. */
class Nulls {
  bits: Uint8Array | undefined;
  count = 0;

  mark(row: number): void {
    const byte = row >> 3;
    if (!this.bits || byte >= this.bits.length) {
      const grown = new Uint8Array(Math.max(64, (byte + 1) * 2)).fill(0xff);
      if (this.bits) grown.set(this.bits);
      this.bits = grown;
    }
    this.bits[byte]! &= ~(1 << (row & 7));
    this.count++;
  }

  /** Marks the nulls of one chunk from DuckDB's validity mask (bit r of the little-endian words = row r). */
  markChunk(vec: RawVector, offset: number, rows: number): void {
    const mask = vec.validity?.data;
    if (!mask) return;
    const words = new Uint32Array(mask.buffer, mask.byteOffset, mask.byteLength >> 2);
    for (let w = 0; w * 32 < rows; w++) {
      const word = words[w]!;
      if (word === 0xffffffff) continue;
      const end = Math.min(32, rows - w * 32);
      for (let b = 0; b < end; b++) {
        if ((word & (1 << b)) === 0) this.mark(offset + w * 32 + b);
      }
    }
  }

  finish(n: number): { nullCount: number; nullBitmap?: Uint8Array } {
    if (!this.bits) return { nullCount: 0 };
    const bytes = Math.ceil(n / 8);
    let bits = this.bits;
    if (bits.length < bytes) {
      bits = new Uint8Array(bytes).fill(0xff);
      bits.set(this.bits);
    }
    return { nullCount: this.count, nullBitmap: bits.subarray(0, bytes) };
  }
}

/** Builds one Arrow column from DuckDB chunks. */
interface ColumnBuilder {
  add(vec: RawVector, offset: number, rows: number): void;
  finish(n: number): ReturnType<typeof makeData>;
}

/** Fixed-width values: each chunk's typed array copied whole, joined once at the end. */
class FixedBuilder implements ColumnBuilder {
  readonly #type: DataType;
  readonly #ctor: FixedCtor;
  #parts: FixedArray[] = [];
  readonly #nulls = new Nulls();

  constructor(type: DataType, ctor: FixedCtor) {
    this.#type = type;
    this.#ctor = ctor;
  }

  add(vec: RawVector, offset: number, rows: number): void {
    const items = vec.items;
    if (items instanceof this.#ctor && items.length >= rows) {
      // Copy: the chunk's memory belongs to DuckDB and goes with the chunk.
      this.#parts.push(items.slice(0, rows));
      this.#nulls.markChunk(vec, offset, rows);
      return;
    }
    // Not a plain typed array (should not happen for these types): value by value.
    const out = new this.#ctor(rows);
    for (let r = 0; r < rows; r++) {
      const v = vec.getItem(r);
      if (v === null || v === undefined) this.#nulls.mark(offset + r);
      // deno-lint-ignore no-explicit-any
      else (out as any)[r] = typeof v === "object" ? (v as any).days ?? Number(v) : v;
    }
    this.#parts.push(out);
  }

  finish(n: number) {
    const out = new this.#ctor(n);
    let off = 0;
    for (const part of this.#parts) {
      // deno-lint-ignore no-explicit-any
      (out as any).set(part, off);
      off += part.length;
    }
    this.#parts = [];
    // deno-lint-ignore no-explicit-any
    return makeData({ type: this.#type as any, length: n, data: out, ...this.#nulls.finish(n) });
  }
}

const utf8 = new TextEncoder();

/**
 * A Utf8 column built straight into offsets and bytes, off the JS heap: strings
 * of up to 12 bytes (tickers) are copied from DuckDB's inlined `string_t`
 * without becoming JS strings; longer ones are read through the vector.
 */
class Utf8Builder implements ColumnBuilder {
  #offsets = new Int32Array(1024 + 1);
  #bytes = new Uint8Array(8192);
  #used = 0;
  readonly #nulls = new Nulls();
  #prev: string | undefined;
  #prevBytes = new Uint8Array(0);

  #reserve(rows: number, bytes: number): void {
    if (this.#offsets.length < rows + 1) {
      const grown = new Int32Array(Math.max(rows + 1, this.#offsets.length * 2));
      grown.set(this.#offsets);
      this.#offsets = grown;
    }
    if (this.#bytes.length < this.#used + bytes) {
      const grown = new Uint8Array(Math.max(this.#used + bytes, this.#bytes.length * 2));
      grown.set(this.#bytes.subarray(0, this.#used));
      this.#bytes = grown;
    }
  }

  add(vec: RawVector, offset: number, rows: number): void {
    this.#reserve(offset + rows, rows * 12);
    this.#nulls.markChunk(vec, offset, rows);
    const dv = vec.dataView;
    const raw = dv ? new Uint8Array(dv.buffer, dv.byteOffset, dv.byteLength) : undefined;
    const nullBits = this.#nulls.bits;
    for (let r = 0; r < rows; r++) {
      const row = offset + r;
      if (
        nullBits && row >> 3 < nullBits.length && (nullBits[row >> 3]! & (1 << (row & 7))) === 0
      ) {
        this.#offsets[row + 1] = this.#used;
        continue;
      }
      const len = dv ? dv.getUint32(r * 16, true) : 13;
      if (raw && len <= 12) {
        // Inlined: length (4 bytes) then up to 12 bytes of UTF-8.
        const src = r * 16 + 4;
        const bytes = this.#bytes;
        const at = this.#used;
        for (let k = 0; k < len; k++) bytes[at + k] = raw[src + k]!;
        this.#used += len;
      } else {
        const v = vec.getItem(r);
        if (v === null || v === undefined) {
          this.#nulls.mark(row);
        } else {
          const text = String(v);
          if (text !== this.#prev) {
            this.#prev = text;
            this.#prevBytes = utf8.encode(text);
          }
          this.#reserve(offset + rows, this.#prevBytes.length + (rows - r) * 12);
          this.#bytes.set(this.#prevBytes, this.#used);
          this.#used += this.#prevBytes.length;
        }
      }
      this.#offsets[row + 1] = this.#used;
    }
  }

  finish(n: number) {
    const offsets = this.#offsets.length === n + 1 ? this.#offsets : this.#offsets.slice(0, n + 1);
    const data = this.#bytes.slice(0, this.#used);
    this.#offsets = new Int32Array(1);
    this.#bytes = new Uint8Array(0);
    return makeData({
      type: new Utf8(),
      length: n,
      valueOffsets: offsets,
      data,
      ...this.#nulls.finish(n),
    });
  }
}

/** Anything else (booleans, and converted values of types without a direct mapping): value by value. */
class ValueBuilder implements ColumnBuilder {
  readonly #type: DataType;
  readonly #convert: (value: unknown) => unknown;
  readonly #values: unknown[] = [];

  constructor(type: DataType, convert: (value: unknown) => unknown = (v) => v) {
    this.#type = type;
    this.#convert = convert;
  }

  add(vec: RawVector, _offset: number, rows: number): void {
    for (let r = 0; r < rows; r++) {
      const v = vec.getItem(r);
      this.#values.push(v === null || v === undefined ? null : this.#convert(v));
    }
  }

  finish(_n: number) {
    return vectorFromArray(this.#values, this.#type).data[0]!;
  }
}

/**
 * Converts a streaming native result to an apache-arrow 21 Table as its chunks arrive.
 *
 * @param result From `connection.stream(sql)`.
 * @returns The whole result.
 * @throws {Error} DuckDB's error when fetching fails.
 */
export async function resultToArrow(result: StreamResult): Promise<Table> {
  const names = result.columnNames();
  const mappings = names.map((_, i) => mappingOf(Number(result.columnTypeId(i))));
  const fields = names.map((name, i) => new Field(name, mappings[i]!.arrow(), true));
  const builders: ColumnBuilder[] = mappings.map((m, i) => {
    const type = fields[i]!.type;
    if (m.convert) return new ValueBuilder(type, m.convert);
    if (m.ctor) return new FixedBuilder(type, m.ctor);
    if (type.typeId === Type.Utf8) return new Utf8Builder();
    return new ValueBuilder(type);
  });
  let n = 0;
  for (;;) {
    const chunk: Chunk | null = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const rows = chunk.rowCount;
    for (let col = 0; col < builders.length; col++) {
      builders[col]!.add(chunk.getColumnVector(col) as unknown as RawVector, n, rows);
    }
    n += rows;
  }
  const children = builders.map((b) => b.finish(n));
  const schema = new Schema(fields);
  const data = makeData({ type: new Struct(fields), length: n, nullCount: 0, children });
  return new Table(schema, [new RecordBatch(schema, data)]);
}

// ---------------------------------------------------------------------------
// Arrow → DuckDB, through an appender.

type DuckDBValue = import("@duckdb/node-api").DuckDBValue;
type DuckDBType = import("@duckdb/node-api").DuckDBType;

/** How an Arrow column becomes DuckDB values: its SQL type, its node-api type, each value. */
interface Writer {
  sql: string;
  duck: DuckDBType;
  /** The value of row `i` of one Arrow data chunk (valid rows only). */
  value: (data: ReturnType<typeof makeData>, i: number) => DuckDBValue;
}

function writerOf(api: NodeApi, field: Field): Writer {
  const type = field.type as DataType;
  // A sliced Data's fixed-width values and value offsets are already sliced; only
  // bitmaps (validity, booleans) are read at `offset + i`.
  const raw = (data: ReturnType<typeof makeData>, i: number) =>
    (data.values as ArrayLike<number | bigint>)[i]!;
  switch (type.typeId) {
    case Type.Float:
      return String(type) === "Float32"
        ? { sql: "FLOAT", duck: api.FLOAT, value: raw }
        : { sql: "DOUBLE", duck: api.DOUBLE, value: raw };
    case Type.Int: {
      const name = String(type); // Int8 … Int64, Uint8 … Uint64
      const sql: Record<string, [string, DuckDBType]> = {
        Int8: ["TINYINT", api.TINYINT],
        Int16: ["SMALLINT", api.SMALLINT],
        Int32: ["INTEGER", api.INTEGER],
        Int64: ["BIGINT", api.BIGINT],
        Uint8: ["UTINYINT", api.UTINYINT],
        Uint16: ["USMALLINT", api.USMALLINT],
        Uint32: ["UINTEGER", api.UINTEGER],
        Uint64: ["UBIGINT", api.UBIGINT],
      };
      const [t, duck] = sql[name] ?? [];
      if (t && duck) return { sql: t, duck, value: raw };
      break;
    }
    case Type.Date:
      return {
        sql: "DATE",
        duck: api.DATE,
        value: String(type) === "Date32<DAY>"
          ? (data, i) => new api.DuckDBDateValue(Number(raw(data, i)))
          : (data, i) => new api.DuckDBDateValue(Math.floor(Number(raw(data, i)) / 86_400_000)),
      };
    case Type.Utf8:
      return { sql: "VARCHAR", duck: api.VARCHAR, value: (data, i) => textAt(data, i) };
    case Type.Bool:
      return {
        sql: "BOOLEAN",
        duck: api.BOOLEAN,
        value: (data, i) => {
          const bits = data.values as Uint8Array;
          const at = data.offset + i;
          return (bits[at >> 3]! & (1 << (at & 7))) !== 0;
        },
      };
  }
  throw new TypeError(
    `Cannot load column "${field.name}" of type ${type} into native DuckDB: ` +
      `supported are strings, dates, floats, integers and booleans`,
  );
}

const utf8Decoder = new TextDecoder();

function textAt(data: ReturnType<typeof makeData>, i: number): string {
  const offsets = data.valueOffsets as Int32Array;
  return utf8Decoder.decode((data.values as Uint8Array).subarray(offsets[i]!, offsets[i + 1]!));
}

/** Rows per data chunk handed to the appender (DuckDB's vector size). */
const CHUNK_ROWS = 2048;

/**
 * Creates table `name` with the Arrow table's columns and appends its rows.
 *
 * @param api The loaded `@duckdb/node-api`.
 * @param conn A connection.
 * @param name The table's quoted-safe name (checked by the caller).
 * @param table Any apache-arrow 21 table of supported column types.
 * @returns When the rows are in.
 * @throws {TypeError} On a column type with no DuckDB counterpart here.
 * @throws {Error} DuckDB's error.
 */
export async function appendArrow(
  api: NodeApi,
  conn: Connection,
  name: string,
  table: Table,
): Promise<void> {
  const fields = table.schema.fields;
  const writers = fields.map((f) => writerOf(api, f));
  const columns = fields.map((f, i) => `"${f.name.replaceAll('"', '""')}" ${writers[i]!.sql}`);
  await conn.run(`CREATE TABLE "${name}" (${columns.join(", ")})`);
  if (table.numRows === 0) return;
  const appender = await conn.createAppender(name);
  try {
    const types = writers.map((w) => w.duck);
    for (const batch of table.batches) {
      for (let start = 0; start < batch.numRows; start += CHUNK_ROWS) {
        const n = Math.min(CHUNK_ROWS, batch.numRows - start);
        const chunk = api.DuckDBDataChunk.create(types, n);
        for (let c = 0; c < writers.length; c++) {
          const data = batch.getChildAt(c)!.slice(start, start + n).data[0]!;
          const write = writers[c]!.value;
          const values = new Array<DuckDBValue>(n);
          const nulls = data.nullCount > 0;
          for (let i = 0; i < n; i++) {
            values[i] = nulls && !data.getValid(i) ? null : write(data, i);
          }
          chunk.setColumnValues(c, values);
        }
        appender.appendDataChunk(chunk);
      }
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}
