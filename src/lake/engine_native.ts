/**
 * The opt-in fast engine: native DuckDB through `@duckdb/node-api` 1.5.6-r.1
 * (an N-API addon; it loads under Deno 2.9 with `nodeModulesDir: "auto"` and
 * `--allow-all`, or at least `--allow-ffi --allow-read --allow-write --allow-env`).
 * Choose it with `engine: "native"` or `ASXLAB_ENGINE=native`; the addon is
 * imported lazily, so nothing pays for it unless chosen.
 *
 * Parquet is built in: `read_parquet` with DuckDB's own filter and projection
 * pushdown, and `COPY … TO … (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE n)`
 * through a temporary file for writing. Results become apache-arrow 21 tables
 * column by column from DuckDB's vectors (typed arrays copied whole, validity
 * bitmaps copied as is); types without a direct mapping (DECIMAL, HUGEINT,
 * TIMESTAMP, nested…) go through Parquet instead.
 *
 * Each engine owns an in-memory database, so engines do not see each other's tables.
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
  /** Local paths of registered Parquet files → their keys, to name keys in errors. */
  readonly #pathKeys = new Map<string, string>();

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
      throw this.#sqlError(err, sql);
    }
  }

  #sqlError(err: unknown, sql: string): LakeError {
    const text = messageOf(err);
    for (const [path, key] of this.#pathKeys) {
      if (text.includes(path)) {
        return new LakeError(`Cannot read Parquet object "${key}": ${text}`, {
          key,
          code: "Corrupt",
          cause: err,
        });
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
    const result = await this.#run(sql);
    const table = resultToArrow(result);
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
        `CREATE TABLE ${quoteIdent(name)} AS SELECT * FROM read_parquet(${quoteString(file)})`,
      );
    } finally {
      await Deno.remove(file).catch(() => {});
    }
  }

  /**
   * Creates (or replaces) table `name` from Parquet files. Footers are checked
   * first (so a corrupt object fails here, naming its key); files whose row
   * groups all fail the filter are not opened; DuckDB applies the filter exactly
   * with its own row-group pruning.
   *
   * @param name A plain identifier.
   * @param sources Files with their lake keys.
   * @param filter Symbols, dates and columns.
   * @returns Counts from the footers (`rowGroupsSkipped` counts only whole files left out).
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
    // With nothing to read, scan one file with a false predicate so the table still has its schema.
    const scanned = used.length > 0 ? used : plans.slice(0, 1);
    const rowGroupsRead = used.reduce((s, p) => s + p.footer.rowGroups.length, 0);
    await this.drop(name);
    if (scanned.length === 0) {
      await this.#run(`CREATE TABLE ${quoteIdent(name)} AS SELECT NULL AS none WHERE false`);
      return { files: 0, rowGroups: 0, rowGroupsRead: 0, rowGroupsSkipped: 0, rows: 0 };
    }
    for (const p of scanned) this.#pathKeys.set(p.source.path, p.source.key);
    const cols = filter.columns ? filter.columns.map(quoteIdent).join(", ") : "*";
    const paths = scanned.map((p) => quoteString(p.source.path)).join(", ");
    const where = used.length > 0 ? whereClause(filter) : "WHERE false";
    try {
      await this.#run(
        `CREATE TABLE ${quoteIdent(name)} AS SELECT ${cols} FROM read_parquet([${paths}]) ${where}`,
      );
    } catch (err) {
      if (err instanceof LakeError && err.code === "Other" && /schema|column/i.test(err.message)) {
        throw new LakeError(`Parquet objects do not share one schema: ${err.message}`, {
          code: "Schema",
          cause: err,
        });
      }
      throw err;
    } finally {
      for (const p of scanned) this.#pathKeys.delete(p.source.path);
    }
    const count = await this.query(`SELECT count(*)::DOUBLE AS n FROM ${quoteIdent(name)}`);
    return {
      files: sources.length,
      rowGroups,
      rowGroupsRead,
      rowGroupsSkipped: rowGroups - rowGroupsRead,
      rows: Number(count.getChild("n")?.get(0) ?? 0),
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
// DuckDB vectors → Arrow, column by column.

type TypedArrayCtor =
  | Float64ArrayConstructor
  | Float32ArrayConstructor
  | Int32ArrayConstructor
  | Int16ArrayConstructor
  | Int8ArrayConstructor
  | Uint32ArrayConstructor
  | Uint16ArrayConstructor
  | Uint8ArrayConstructor
  | BigInt64ArrayConstructor
  | BigUint64ArrayConstructor;

interface Mapping {
  arrow: () => DataType;
  ctor?: TypedArrayCtor;
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

interface VectorLike {
  getItem(i: number): unknown;
}

/**
 * Converts a materialized result to Arrow, or `undefined` when a column type has
 * no direct mapping.
 */
function resultToArrow(result: Result): Table | undefined {
  const n = result.rowCount;
  const names = result.columnNames();
  const types = names.map((_, i) => Number(result.columnTypeId(i)));
  const mappings = types.map((t) => MAPPINGS[t]);
  if (mappings.some((m) => m === undefined)) return undefined;
  const fields = names.map((name, i) => new Field(name, mappings[i]!.arrow(), true));
  const chunks = Array.from({ length: result.chunkCount }, (_, c) => result.getChunk(c));
  const children = mappings.map((m, col) => {
    const type = fields[col]!.type;
    let nullBitmap: Uint8Array | undefined;
    let nullCount = 0;
    const markNull = (row: number) => {
      nullBitmap ??= new Uint8Array(Math.ceil(n / 8)).fill(0xff);
      nullBitmap[row >> 3]! &= ~(1 << (row & 7));
      nullCount++;
    };
    if (m!.ctor) {
      const out = new m!.ctor(n);
      let off = 0;
      for (const chunk of chunks) {
        const vec = chunk.getColumnVector(col) as unknown as VectorLike & {
          items?: unknown;
          validity?: { data?: BigUint64Array | null };
        };
        const rows = chunk.rowCount;
        const items = vec.items;
        if (items instanceof m!.ctor && items.length >= rows) {
          // deno-lint-ignore no-explicit-any
          (out as any).set(items.subarray(0, rows), off);
          const mask = vec.validity?.data;
          if (mask) {
            // DuckDB's validity words are little-endian uint64s: bit r of the mask is row r, as in Arrow.
            const bits = new Uint8Array(mask.buffer, mask.byteOffset, mask.byteLength);
            for (let r = 0; r < rows; r++) {
              if ((bits[r >> 3]! & (1 << (r & 7))) === 0) markNull(off + r);
            }
          }
        } else {
          for (let r = 0; r < rows; r++) {
            const v = vec.getItem(r);
            if (v === null || v === undefined) markNull(off + r);
            // deno-lint-ignore no-explicit-any
            else (out as any)[off + r] = typeof v === "object" ? (v as any).days ?? Number(v) : v;
          }
        }
        off += rows;
      }
      return makeData({
        // deno-lint-ignore no-explicit-any
        type: type as any,
        length: n,
        nullCount,
        // deno-lint-ignore no-explicit-any
        data: out as any,
        ...(nullBitmap ? { nullBitmap } : {}),
      });
    }
    if (type.typeId === Type.Utf8) return utf8Column(chunks, col, n);
    // Booleans: per-value reads, no row objects.
    const values: (boolean | string | null)[] = new Array(n);
    let off = 0;
    for (const chunk of chunks) {
      const vec = chunk.getColumnVector(col) as unknown as VectorLike;
      for (let r = 0; r < chunk.rowCount; r++) {
        const v = vec.getItem(r);
        values[off + r] = v === null || v === undefined ? null : (v as boolean | string);
      }
      off += chunk.rowCount;
    }
    return vectorFromArray(values, type).data[0]!;
  });
  const schema = new Schema(fields);
  const data = makeData({ type: new Struct(fields), length: n, nullCount: 0, children });
  return new Table(schema, [new RecordBatch(schema, data)]);
}

const utf8 = new TextEncoder();

/**
 * A Utf8 column built straight into offsets and bytes (off the JS heap), so
 * tens of millions of values do not become JS strings held at once. Runs of
 * equal values (symbols in sorted data) are encoded once.
 */
function utf8Column(
  chunks: { rowCount: number; getColumnVector(col: number): unknown }[],
  col: number,
  n: number,
) {
  const offsets = new Int32Array(n + 1);
  let bytes = new Uint8Array(Math.max(64, n * 8));
  let used = 0;
  let nullBitmap: Uint8Array | undefined;
  let nullCount = 0;
  let prev: string | undefined;
  let prevBytes = new Uint8Array(0);
  let row = 0;
  for (const chunk of chunks) {
    const vec = chunk.getColumnVector(col) as VectorLike;
    for (let r = 0; r < chunk.rowCount; r++, row++) {
      const v = vec.getItem(r);
      if (v === null || v === undefined) {
        nullBitmap ??= new Uint8Array(Math.ceil(n / 8)).fill(0xff);
        nullBitmap[row >> 3]! &= ~(1 << (row & 7));
        nullCount++;
      } else {
        const text = String(v);
        if (text !== prev) {
          prev = text;
          prevBytes = utf8.encode(text);
        }
        if (used + prevBytes.length > bytes.length) {
          const grown = new Uint8Array(Math.max(bytes.length * 2, used + prevBytes.length));
          grown.set(bytes.subarray(0, used));
          bytes = grown;
        }
        bytes.set(prevBytes, used);
        used += prevBytes.length;
      }
      offsets[row + 1] = used;
    }
  }
  return makeData({
    type: new Utf8(),
    length: n,
    nullCount,
    valueOffsets: offsets,
    data: bytes.subarray(0, used),
    ...(nullBitmap ? { nullBitmap } : {}),
  });
}
