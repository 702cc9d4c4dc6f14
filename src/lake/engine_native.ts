/**
 * The opt-in fast engine: native DuckDB through `@duckdb/node-api` 1.5.6-r.1
 * (an N-API addon; it loads under Deno 2.9 with `nodeModulesDir: "auto"` and
 * `--allow-all`, or at least `--allow-ffi --allow-read --allow-write --allow-env`).
 * Choose it with `engine: "native"` or `ASXLAB_ENGINE=native`; the addon is
 * imported lazily, so nothing pays for it unless chosen.
 *
 * Parquet is built in: `registerParquet` makes a view over `read_parquet`, so a
 * query scans the files once, on all threads, with DuckDB's own filter and
 * projection pushdown and row-group pruning (nothing is copied into a table
 * first); `COPY … TO … (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE n)`
 * through a temporary file writes. Results stream chunk by chunk into
 * apache-arrow 21 columns (typed arrays copied whole, validity from DuckDB's
 * masks, short strings copied from DuckDB's inlined `string_t`s without becoming
 * JS strings), so DuckDB never holds a whole result beside its Arrow copy;
 * types without a direct mapping (DECIMAL, HUGEINT, TIMESTAMP, nested…) go
 * through Parquet instead.
 *
 * Each engine owns an in-memory database, so engines do not see each other's tables.
 * Hive partitioning is off: a lake key's `year=YYYY/` never becomes a column.
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
  tableFromIPC,
  tableToIPC,
  Type,
  Uint16,
  Uint32,
  Uint64,
  Uint8,
  Utf8,
  vectorFromArray,
} from "apache-arrow";
import { join } from "node:path";
import { LakeError } from "../core/errors.ts";
import {
  DEFAULT_ROW_GROUP_SIZE,
  type Engine,
  type ParquetFilter,
  type ParquetScan,
  type ParquetSource,
  type ParquetWriteOptions,
} from "./engine.ts";
import {
  checkName,
  messageOf,
  planFromFooter,
  type PlannedSource,
  quoteIdent,
  quoteString,
  readSourceFooter,
  sqlSnippet,
} from "./_engine_util.ts";
import { ipcToParquet, parquetToIpc } from "./_parquet_codec.ts";
import { validateSymbol } from "../core/symbol.ts";

type NodeApi = typeof import("@duckdb/node-api");
type Instance = Awaited<ReturnType<NodeApi["DuckDBInstance"]["create"]>>;
type Connection = Awaited<ReturnType<Instance["connect"]>>;
type Result = Awaited<ReturnType<Connection["run"]>>;

let api: Promise<NodeApi> | undefined;
const live = new Set<NativeEngine>();

function loadApi(): Promise<NodeApi> {
  if (!api) {
    const p = import("@duckdb/node-api");
    api = p;
    p.catch(() => {
      if (api === p) api = undefined;
    });
  }
  return api;
}

/**
 * Opens a native DuckDB engine (an in-memory database of its own).
 *
 * @returns A new engine.
 * @throws {LakeError} When the native addon cannot load (message says which permissions it needs).
 * @example
 * ```ts
 * import { closeAllNative, openNativeEngine } from "./engine_native.ts";
 * const engine = await openNativeEngine();
 * const t = await engine.query("SELECT 42 AS answer");
 * console.assert(t.getChild("answer")?.get(0) === 42);
 * await closeAllNative();
 * ```
 */
export async function openNativeEngine(): Promise<NativeEngine> {
  let instance: Instance;
  let conn: Connection;
  try {
    const { DuckDBInstance } = await loadApi();
    instance = await DuckDBInstance.create(":memory:", {
      autoinstall_known_extensions: "false",
      autoload_known_extensions: "false",
      // Lake objects are replaced in place (same path, possibly within the same second):
      // DuckDB's in-memory copy of external files could serve stale bytes. The OS page
      // cache already keeps hot files in memory.
      enable_external_file_cache: "false",
    });
    conn = await instance.connect();
  } catch (err) {
    throw new LakeError(
      `Cannot load the native DuckDB engine (@duckdb/node-api): ${
        messageOf(err)
      }. It needs --allow-ffi (or --allow-all) and node_modules from "deno install"; engine: "wasm" needs neither`,
      { cause: err },
    );
  }
  const tempDir = await Deno.makeTempDir({ prefix: "asxlab-native-" });
  const engine = new NativeEngine(instance, conn, tempDir);
  live.add(engine);
  return engine;
}

/**
 * Closes every native engine.
 *
 * @returns When all are closed.
 * @example
 * ```ts
 * import { closeAllNative } from "./engine_native.ts";
 * await closeAllNative();
 * ```
 */
export async function closeAllNative(): Promise<void> {
  for (const engine of [...live]) await engine.close();
}

/** A {@link Engine} on native DuckDB. Open with {@link openNativeEngine}. */
export class NativeEngine implements Engine {
  /** Always `"native"`. */
  readonly kind = "native" as const;
  readonly #instance: Instance;
  readonly #conn: Connection;
  readonly #tempDir: string;
  #closed = false;
  #tempSeq = 0;
  /** Views over Parquet files made by `registerParquet`, with their sources (to name keys in errors). */
  readonly #views = new Map<string, readonly ParquetSource[]>();
  /** Tables made by `registerArrow`. */
  readonly #tables = new Set<string>();

  /**
   * Wraps a database; use {@link openNativeEngine} instead.
   *
   * @param instance The database.
   * @param conn Its connection.
   * @param tempDir A private directory for Parquet round trips.
   */
  constructor(instance: Instance, conn: Connection, tempDir: string) {
    this.#instance = instance;
    this.#conn = conn;
    this.#tempDir = tempDir;
  }

  #check(): void {
    if (this.#closed) throw new LakeError("The native engine is closed; open a new one");
  }

  async #run(sql: string): Promise<Result> {
    this.#check();
    try {
      return await this.#conn.run(sql);
    } catch (err) {
      throw await this.#locate(err, sql);
    }
  }

  /**
   * Maps a failure to a `LakeError`. DuckDB names the file in most read errors;
   * when a decoding error does not (e.g. a damaged page header: "don't know what
   * type"), each Parquet file behind a live view is read through once to find
   * the damaged one, so the error still names its key (and the Lake can evict it).
   */
  async #locate(err: unknown, sql: string): Promise<LakeError> {
    const mapped = this.#sqlError(err, sql);
    if (mapped.code !== "Other" || !DECODE_ERROR.test(messageOf(err))) return mapped;
    const seen = new Set<string>();
    for (const sources of this.#views.values()) {
      for (const { key, path } of sources) {
        if (seen.has(path)) continue;
        seen.add(path);
        try {
          await this.#conn.run(
            `SELECT max(hash(COLUMNS(*))) FROM read_parquet(${
              quoteString(path)
            }, hive_partitioning = false)`,
          );
        } catch {
          return new LakeError(`Cannot read Parquet object "${key}": ${messageOf(err)}`, {
            key,
            code: "Corrupt",
            cause: err,
          });
        }
      }
    }
    return mapped;
  }

  #sqlError(err: unknown, sql: string): LakeError {
    const text = messageOf(err);
    for (const sources of this.#views.values()) {
      for (const { path, key } of sources) {
        if (text.includes(path)) {
          return new LakeError(`Cannot read Parquet object "${key}": ${text}`, {
            key,
            code: "Corrupt",
            cause: err,
          });
        }
      }
    }
    if (/out of memory/i.test(text)) {
      return new LakeError(`DuckDB ran out of memory: ${text}\n  in: ${sqlSnippet(sql)}`, {
        code: "OutOfMemory",
        cause: err,
      });
    }
    return new LakeError(`SQL failed: ${text}\n  in: ${sqlSnippet(sql)}`, { cause: err });
  }

  #tempFile(ext: string): string {
    return join(this.#tempDir, `t${this.#tempSeq++}.${ext}`);
  }

  /**
   * Runs SQL and returns an apache-arrow 21 Table.
   *
   * @param sql One statement.
   * @returns The result (empty for DDL).
   * @throws {LakeError} With DuckDB's message and the SQL.
   */
  async query(sql: string): Promise<Table> {
    this.#check();
    let table: Table | undefined;
    try {
      // Streamed chunk by chunk: DuckDB never holds the whole result beside the Arrow copy.
      table = await resultToArrow(await this.#conn.stream(sql));
    } catch (err) {
      throw await this.#locate(err, sql);
    }
    if (table) return table;
    // Some column has no direct mapping: let DuckDB's Parquet writer and parquet-wasm type it.
    const bytes = await this.#copyToParquet(sql, DEFAULT_ROW_GROUP_SIZE, "uncompressed");
    return tableFromIPC(await parquetToIpc(bytes));
  }

  async #copyToParquet(
    sql: string,
    rowGroupSize: number,
    compression: string,
  ): Promise<Uint8Array> {
    const file = this.#tempFile("parquet");
    try {
      await this.#run(
        `COPY (${sql}) TO ${
          quoteString(file)
        } (FORMAT parquet, COMPRESSION ${compression}, ROW_GROUP_SIZE ${rowGroupSize})`,
      );
      return await Deno.readFile(file);
    } finally {
      await Deno.remove(file).catch(() => {});
    }
  }

  /**
   * Runs SQL and writes the result as Parquet (ZSTD) through DuckDB's own writer.
   *
   * @param sql One query.
   * @param options Row-group size (default {@link DEFAULT_ROW_GROUP_SIZE}).
   * @returns Parquet bytes.
   * @throws {LakeError} On SQL errors.
   */
  queryToParquet(sql: string, options: ParquetWriteOptions = {}): Promise<Uint8Array> {
    const n = options.rowGroupSize ?? DEFAULT_ROW_GROUP_SIZE;
    if (!Number.isInteger(n) || n < 1) {
      throw new RangeError(
        `Invalid rowGroupSize ${options.rowGroupSize}: expected a positive integer`,
      );
    }
    return this.#copyToParquet(sql, n, "zstd");
  }

  /**
   * Creates (or replaces) table `name` from an Arrow table (through a temporary Parquet file).
   *
   * @param name A plain identifier.
   * @param table Any apache-arrow 21 table.
   * @returns When the table exists.
   * @throws {LakeError} When DuckDB rejects the data.
   */
  async registerArrow(name: string, table: Table): Promise<void> {
    checkName(name);
    this.#check();
    const file = this.#tempFile("parquet");
    try {
      await Deno.writeFile(
        file,
        await ipcToParquet(tableToIPC(table, "stream"), DEFAULT_ROW_GROUP_SIZE),
      );
      await this.drop(name);
      await this.#run(
        `CREATE TABLE ${quoteIdent(name)} AS SELECT * FROM read_parquet(${
          quoteString(file)
        }, hive_partitioning = false)`,
      );
      this.#tables.add(name);
    } finally {
      await Deno.remove(file).catch(() => {});
    }
  }

  /**
   * Creates (or replaces) `name` as a view over Parquet files: nothing is read
   * until a query uses it, and then DuckDB applies the filter inside its scan
   * (projection, row-group statistics, the exact predicate) in one pass, on all
   * threads. Footers are checked here (cached per file), so a corrupt object
   * fails now, naming its key; files whose row groups all fail the filter are
   * left out. A later read error in a file (a damaged page) names its key too.
   *
   * @param name A plain identifier.
   * @param sources Files with their lake keys.
   * @param filter Symbols, dates and columns.
   * @returns Counts from the footers; `rows` counts the rows of the row groups that may
   *   match (exact when there is no filter), `rowGroupsSkipped` only whole files left out.
   * @throws {LakeError} `Corrupt`/`NotFound` naming the key, `Schema` on a missing column.
   */
  async registerParquet(
    name: string,
    sources: readonly ParquetSource[],
    filter: ParquetFilter = {},
  ): Promise<ParquetScan> {
    checkName(name);
    this.#check();
    const plans: PlannedSource[] = [];
    for (const source of sources) {
      plans.push(planFromFooter(source, await readSourceFooter(source), filter));
    }
    const rowGroups = plans.reduce((s, p) => s + p.footer.rowGroups.length, 0);
    const used = plans.filter((p) => p.rowGroups.length > 0);
    // With nothing to read, scan one file with a false predicate so the view still has its schema.
    const scanned = used.length > 0 ? used : plans.slice(0, 1);
    const rowGroupsRead = used.reduce((s, p) => s + p.footer.rowGroups.length, 0);
    await this.drop(name);
    if (scanned.length === 0) {
      await this.#run(`CREATE TABLE ${quoteIdent(name)} AS SELECT NULL AS none WHERE false`);
      this.#tables.add(name);
      return { files: 0, rowGroups: 0, rowGroupsRead: 0, rowGroupsSkipped: 0, rows: 0 };
    }
    const cols = filter.columns ? filter.columns.map(quoteIdent).join(", ") : "*";
    const paths = scanned.map((p) => quoteString(p.source.path)).join(", ");
    const where = used.length > 0 ? whereClause(filter) : "WHERE false";
    const scannedSources = scanned.map((p) => p.source);
    this.#views.set(name, scannedSources);
    try {
      await this.#run(
        `CREATE VIEW ${
          quoteIdent(name)
        } AS SELECT ${cols} FROM read_parquet([${paths}], hive_partitioning = false) ${where}`,
      );
    } catch (err) {
      this.#views.delete(name);
      if (err instanceof LakeError && err.code === "Other" && /schema|column/i.test(err.message)) {
        throw new LakeError(`Parquet objects do not share one schema: ${err.message}`, {
          code: "Schema",
          cause: err,
        });
      }
      throw err;
    }
    return {
      files: sources.length,
      rowGroups,
      rowGroupsRead,
      rowGroupsSkipped: rowGroups - rowGroupsRead,
      rows: used.reduce((s, p) => s + p.rows, 0),
    };
  }

  /**
   * Drops table or view `name` if it exists.
   *
   * @param name A plain identifier.
   * @returns When it is gone.
   * @throws {TypeError} On an invalid name.
   */
  async drop(name: string): Promise<void> {
    checkName(name);
    this.#check();
    const known = this.#views.has(name) ? "VIEW" : this.#tables.has(name) ? "TABLE" : undefined;
    this.#views.delete(name);
    this.#tables.delete(name);
    if (known) {
      try {
        await this.#conn.run(`DROP ${known} IF EXISTS ${quoteIdent(name)}`);
        return;
      } catch {
        // Replaced through SQL by an object of another kind: look it up below.
      }
    }
    const found = await this.query(
      `SELECT table_type FROM information_schema.tables WHERE table_schema = 'main' AND table_name = ${
        quoteString(name)
      }`,
    );
    if (found.numRows === 0) return;
    const kind = String(found.getChild("table_type")?.get(0)) === "VIEW" ? "VIEW" : "TABLE";
    await this.#run(`DROP ${kind} IF EXISTS ${quoteIdent(name)}`);
  }

  /**
   * Closes the connection and the database and removes the temporary directory. Idempotent.
   *
   * @returns When closed.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    live.delete(this);
    try {
      this.#conn.closeSync();
      this.#instance.closeSync();
    } finally {
      await Deno.remove(this.#tempDir, { recursive: true }).catch(() => {});
    }
  }
}

/** DuckDB error classes that a damaged file can raise without naming it (not SQL mistakes). */
const DECODE_ERROR =
  /^(Invalid Error|Invalid Input Error|IO Error|Serialization Error|Internal Error)\b/;

/** The exact filter as SQL (symbols validated before they touch SQL). */
function whereClause(filter: ParquetFilter): string {
  const terms: string[] = [];
  if (filter.symbols) {
    const list = filter.symbols.map((s) => quoteString(validateSymbol(s)));
    terms.push(list.length > 0 ? `symbol IN (${list.join(", ")})` : "false");
  }
  if (filter.start !== undefined) {
    terms.push(`date >= DATE '1970-01-01' + ${intDays(filter.start)}`);
  }
  if (filter.end !== undefined) terms.push(`date <= DATE '1970-01-01' + ${intDays(filter.end)}`);
  return terms.length > 0 ? `WHERE ${terms.join(" AND ")}` : "";
}

function intDays(day: number): number {
  if (!Number.isInteger(day)) throw new RangeError(`Invalid epoch day ${day}: expected an integer`);
  return day;
}

// ---------------------------------------------------------------------------
// DuckDB vectors → Arrow, column by column, chunk by chunk as the result streams.

type StreamResult = Awaited<ReturnType<Connection["stream"]>>;
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
  13: { arrow: () => new DateDay(), ctor: Int32Array },
  17: { arrow: () => new Utf8() },
};

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

/** Anything else with a mapping (booleans): value by value. */
class ValueBuilder implements ColumnBuilder {
  readonly #type: DataType;
  readonly #values: (boolean | string | null)[] = [];

  constructor(type: DataType) {
    this.#type = type;
  }

  add(vec: RawVector, _offset: number, rows: number): void {
    for (let r = 0; r < rows; r++) {
      const v = vec.getItem(r);
      this.#values.push(v === null || v === undefined ? null : (v as boolean | string));
    }
  }

  finish(_n: number) {
    return vectorFromArray(this.#values, this.#type).data[0]!;
  }
}

/**
 * Converts a streaming result to Arrow as its chunks arrive, or returns
 * `undefined` (before fetching anything) when a column type has no direct mapping.
 */
async function resultToArrow(result: StreamResult): Promise<Table | undefined> {
  const names = result.columnNames();
  const mappings = names.map((_, i) => MAPPINGS[Number(result.columnTypeId(i))]);
  if (mappings.some((m) => m === undefined)) return undefined;
  const fields = names.map((name, i) => new Field(name, mappings[i]!.arrow(), true));
  const builders: ColumnBuilder[] = mappings.map((m, i) => {
    const type = fields[i]!.type;
    if (m!.ctor) return new FixedBuilder(type, m!.ctor);
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
