/**
 * The default engine: duckdb-wasm 1.32.0 (node-blocking build), with
 * parquet-wasm 0.8.0 as its Parquet codec, bridged through Arrow IPC streams.
 *
 * One duckdb-wasm instance is shared by every {@link WasmEngine} in the process;
 * it starts on first use (about 2 s: compiling the 34 MB module) and is
 * released by {@link closeAll}. Each engine has its own connection and its own
 * schema, so engines do not see each other's tables.
 *
 * The wasm build's Parquet extension is not built in and DuckDB would try to
 * download it (which hangs offline), so auto-install and auto-load of
 * extensions are switched off before anything else, and `read_parquet` is
 * never used: Parquet bytes are decoded by parquet-wasm (only the row groups
 * whose footer statistics can match, only the requested columns), handed to
 * DuckDB as an Arrow IPC stream, and results come back as IPC stream bytes read
 * by apache-arrow 21 (duckdb-wasm's own arrow 17 objects never escape).
 *
 * @module
 */

import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { type Table, tableFromIPC, tableToIPC } from "apache-arrow";
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
  corrupt,
  formatBytes,
  messageOf,
  planFromFooter,
  type PlannedSource,
  quoteIdent,
  quoteString,
  readSource,
  readSourceFooter,
  sqlSnippet,
} from "./_engine_util.ts";
import { concatBytes, endsWithEos, IPC_EOS, ipcToParquet, parquetToIpc } from "./_parquet_codec.ts";
import { filterIpc } from "./_ipc_filter.ts";
import { PhysicalType } from "./_parquet_footer.ts";

type DuckDBModule = typeof import("@duckdb/duckdb-wasm/blocking");
type Bindings = Awaited<ReturnType<DuckDBModule["createDuckDB"]>>;

/** Options for {@link openWasmEngine}. */
export interface WasmEngineOptions {
  /**
   * Largest request, in bytes, the engine accepts: decoded Parquet loaded by one
   * `registerParquet`, or one query result. Larger requests fail with
   * `LakeError` code `OutOfMemory` instead of exhausting the 4 GB wasm heap.
   * @default {1.5 GB}
   */
  maxRequestBytes?: number;
}

/** The default for {@link WasmEngineOptions.maxRequestBytes}. */
export const DEFAULT_MAX_REQUEST_BYTES = 1_500_000_000;

/** Bytes per row and column assumed when estimating decoded size from a row count. */
const BYTES_PER_VALUE = 8;
/** Bytes per string value in DuckDB (a 16-byte `string_t`; short tickers are inlined in it). */
const BYTES_PER_STRING = 16;

/** Estimated bytes per row of the selected columns once loaded into DuckDB. */
function rowWidth(plan: PlannedSource, columns: readonly string[] | undefined): number {
  const first = plan.footer.rowGroups[0]?.columns;
  let width = 0;
  for (const name of columns ?? plan.footer.columnNames) {
    const type = first?.get(name)?.physicalType;
    width += type === PhysicalType.BYTE_ARRAY || type === PhysicalType.FIXED_LEN_BYTE_ARRAY
      ? BYTES_PER_STRING
      : BYTES_PER_VALUE;
  }
  return width;
}

interface Shared {
  db: Bindings;
  startMs: number;
}

let shared: Promise<Shared> | undefined;
const live = new Set<WasmEngine>();
let nextId = 1;

/**
 * Path of a file in the duckdb-wasm package's `dist/`, from any working
 * directory: through the import map first, then Node resolution.
 */
function distFile(file: string): string {
  const spec = `@duckdb/duckdb-wasm/dist/${file}`;
  try {
    const url = import.meta.resolve(spec);
    if (url.startsWith("file:")) return fileURLToPath(url);
  } catch {
    // fall through to Node resolution
  }
  return createRequire(import.meta.url).resolve(spec);
}

async function start(): Promise<Shared> {
  const t0 = performance.now();
  const duckdb: DuckDBModule = await import("@duckdb/duckdb-wasm/blocking");
  const bundles = {
    mvp: { mainModule: distFile("duckdb-mvp.wasm"), mainWorker: "" },
    eh: { mainModule: distFile("duckdb-eh.wasm"), mainWorker: "" },
  };
  const db = await duckdb.createDuckDB(bundles, new duckdb.VoidLogger(), duckdb.NODE_RUNTIME);
  await db.instantiate(() => {});
  db.open({});
  return { db, startMs: performance.now() - t0 };
}

function sharedInstance(): Promise<Shared> {
  if (!shared) {
    const p = start();
    shared = p;
    p.catch(() => {
      if (shared === p) shared = undefined;
    });
  }
  return shared;
}

/**
 * How long the shared duckdb-wasm instance took to start, or `undefined` when
 * it has not started.
 *
 * @returns Milliseconds.
 * @example
 * ```ts
 * import { wasmStartMs } from "./engine_wasm.ts";
 * console.log(await wasmStartMs());
 * ```
 */
export async function wasmStartMs(): Promise<number | undefined> {
  return shared ? (await shared).startMs : undefined;
}

/**
 * Opens a wasm engine on the shared duckdb-wasm instance, starting it if needed.
 *
 * @param options Request size limit.
 * @returns A new engine with its own connection and schema.
 * @throws {LakeError} When duckdb-wasm cannot start.
 * @example
 * ```ts
 * import { closeAll, openWasmEngine } from "./engine_wasm.ts";
 * const engine = await openWasmEngine();
 * const t = await engine.query("SELECT 42 AS answer");
 * console.assert(t.getChild("answer")?.get(0) === 42);
 * await closeAll();
 * ```
 */
export async function openWasmEngine(options: WasmEngineOptions = {}): Promise<WasmEngine> {
  let db: Bindings;
  try {
    db = (await sharedInstance()).db;
  } catch (err) {
    throw new LakeError(`Cannot start duckdb-wasm: ${messageOf(err)}`, { cause: err });
  }
  const conn = db.connect().useUnsafe((_b, c) => c);
  const schema = `asxlab_e${nextId++}`;
  const engine = new WasmEngine(
    db,
    conn,
    schema,
    options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES,
  );
  // Extensions first: the Parquet extension would otherwise be fetched from the network.
  engine.run("SET autoinstall_known_extensions = false");
  engine.run("SET autoload_known_extensions = false");
  engine.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
  engine.run(`SET schema = ${quoteString(schema)}`);
  live.add(engine);
  return engine;
}

/**
 * Closes every wasm engine and releases the shared duckdb-wasm instance, so the
 * process can exit and test sanitizers pass. Later `openWasmEngine` calls start
 * a new instance.
 *
 * @returns When everything is closed.
 * @example
 * ```ts
 * import { closeAll } from "./engine_wasm.ts";
 * await closeAll();
 * ```
 */
export async function closeAll(): Promise<void> {
  for (const engine of [...live]) await engine.close();
  const current = shared;
  shared = undefined;
  if (current) {
    try {
      (await current).db.reset();
    } catch {
      // an instance that failed to start or aborted has nothing to release
    }
  }
}

/** Query results as raw IPC stream parts. */
interface IpcResult {
  parts: Uint8Array[];
  bytes: number;
}

/**
 * A {@link Engine} on the shared duckdb-wasm instance. Open with
 * {@link openWasmEngine}.
 */
export class WasmEngine implements Engine {
  /** Always `"wasm"`. */
  readonly kind = "wasm" as const;
  readonly #db: Bindings;
  readonly #conn: number;
  readonly #schema: string;
  readonly #maxBytes: number;
  #closed = false;

  /**
   * Wraps a connection; use {@link openWasmEngine} instead.
   *
   * @param db The shared bindings.
   * @param conn This engine's connection id.
   * @param schema This engine's schema.
   * @param maxBytes The request size limit.
   */
  constructor(db: Bindings, conn: number, schema: string, maxBytes: number) {
    this.#db = db;
    this.#conn = conn;
    this.#schema = schema;
    this.#maxBytes = maxBytes;
  }

  /** Runs a statement for its effect. @internal */
  run(sql: string): void {
    this.#fetch(sql);
  }

  #check(): void {
    if (this.#closed) throw new LakeError("The wasm engine is closed; open a new one");
  }

  /** Runs SQL and collects its result as IPC stream parts, within the byte limit. */
  #fetch(sql: string): IpcResult {
    this.#check();
    const db = this.#db;
    const parts: Uint8Array[] = [];
    let bytes = 0;
    try {
      let header = db.startPendingQuery(this.#conn, sql, true);
      while (header == null) header = db.pollPendingQuery(this.#conn);
      parts.push(header);
      bytes += header.length;
      for (;;) {
        const chunk = db.fetchQueryResults(this.#conn);
        if (chunk == null) continue;
        if (chunk.length === 0) break;
        parts.push(chunk);
        bytes += chunk.length;
        if (bytes > this.#maxBytes) {
          db.cancelPendingQuery(this.#conn);
          throw tooBig(`a query result over ${formatBytes(bytes)}`, this.#maxBytes, sql);
        }
      }
    } catch (err) {
      throw sqlError(err, sql);
    }
    parts.push(IPC_EOS);
    return { parts, bytes: bytes + IPC_EOS.length };
  }

  /**
   * Runs SQL and returns an apache-arrow 21 Table.
   *
   * @param sql One statement.
   * @returns The result (empty for DDL).
   * @throws {LakeError} With DuckDB's message and the SQL; `OutOfMemory` over the size limit.
   */
  query(sql: string): Promise<Table> {
    return Promise.resolve().then(() => tableFromIPC(this.#fetch(sql).parts));
  }

  /**
   * Runs SQL and encodes the result as Parquet (ZSTD).
   *
   * @param sql One query.
   * @param options Row-group size (default {@link DEFAULT_ROW_GROUP_SIZE}).
   * @returns Parquet bytes.
   * @throws {LakeError} On SQL errors or when the result is over the size limit.
   */
  async queryToParquet(sql: string, options: ParquetWriteOptions = {}): Promise<Uint8Array> {
    const rowGroupSize = checkRowGroupSize(options.rowGroupSize);
    const { parts, bytes } = this.#fetch(sql);
    try {
      return await ipcToParquet(concatBytes(parts, bytes), rowGroupSize);
    } catch (err) {
      throw memoryOr(
        err,
        () =>
          new LakeError(
            `Cannot encode the result of ${sqlSnippet(sql)} as Parquet: ${messageOf(err)}`,
            {
              cause: err,
            },
          ),
      );
    }
  }

  /**
   * Creates (or replaces) table `name` from an Arrow table.
   *
   * @param name A plain identifier.
   * @param table Any apache-arrow 21 table.
   * @returns When the table exists.
   * @throws {LakeError} When DuckDB rejects the data.
   */
  async registerArrow(name: string, table: Table): Promise<void> {
    checkName(name);
    await this.drop(name);
    const ipc = tableToIPC(table, "stream");
    this.#insert(name, ipc, true, () => `Arrow table for "${name}"`);
  }

  #insert(name: string, ipc: Uint8Array, create: boolean, what: () => string): void {
    this.#check();
    if (ipc.length > this.#maxBytes) {
      throw tooBig(`${what()} of ${formatBytes(ipc.length)}`, this.#maxBytes);
    }
    const stream = endsWithEos(ipc) ? ipc : concatBytes([ipc, IPC_EOS]);
    try {
      this.#db.insertArrowFromIPCStream(this.#conn, stream, {
        name,
        schema: this.#schema,
        create,
      });
    } catch (err) {
      throw memoryOr(
        err,
        () =>
          new LakeError(`Cannot load ${what()} into table "${name}": ${duckMessage(err)}`, {
            code: create ? "Other" : "Schema",
            cause: err,
          }),
      );
    }
  }

  /**
   * Creates (or replaces) table `name` from Parquet files, decoding only the
   * row groups whose footer statistics can match `filter`.
   *
   * @param name A plain identifier.
   * @param sources Files with their lake keys.
   * @param filter Symbols, dates and columns.
   * @returns Counts of row groups read and skipped.
   * @throws {LakeError} `Corrupt`/`NotFound` naming the key, `Schema` when files differ, `OutOfMemory` over the size limit.
   */
  async registerParquet(
    name: string,
    sources: readonly ParquetSource[],
    filter: ParquetFilter = {},
  ): Promise<ParquetScan> {
    checkName(name);
    this.#check();
    const columns = filter.columns ? [...filter.columns] : undefined;
    // Plan every file first (footers only), so an oversized request fails before any work.
    const files: { plan: PlannedSource }[] = [];
    let estimate = 0;
    let rows = 0;
    let totalGroups = 0;
    let readGroups = 0;
    for (const source of sources) {
      const plan = planFromFooter(source, await readSourceFooter(source), filter);
      estimate += Math.max(plan.bytes, plan.rows * rowWidth(plan, columns));
      rows += plan.rows;
      totalGroups += plan.footer.rowGroups.length;
      readGroups += plan.rowGroups.length;
      files.push({ plan });
    }
    if (estimate > this.#maxBytes) {
      throw tooBig(
        `${rows} rows (about ${
          formatBytes(estimate)
        } decoded) from ${sources.length} Parquet object(s)`,
        this.#maxBytes,
      );
    }
    await this.drop(name);
    let created = false;
    let tableRows = 0;
    let firstNames: string[] | undefined;
    for (const { plan } of files) {
      // The first file creates the table even when none of its row groups match, so the
      // table always has the files' schema.
      if (plan.rowGroups.length === 0 && created) continue;
      const key = plan.source.key;
      // Bytes are read one file at a time, after planning, to keep the peak low.
      const bytes = await readSource(plan.source);
      let ipc: Uint8Array;
      try {
        ipc = await parquetToIpc(bytes, {
          rowGroups: plan.rowGroups,
          ...(columns ? { columns } : {}),
        });
        // Row groups hold other symbols and dates too: hand DuckDB only the matching rows.
        const narrowed = filterIpc(ipc, filter);
        ipc = narrowed.ipc;
        tableRows += narrowed.rowsOut;
      } catch (err) {
        throw memoryOr(err, () => corrupt(key, err));
      }
      const names = columns
        ? plan.footer.columnNames.filter((c) => columns.includes(c))
        : plan.footer.columnNames;
      if (firstNames && names.join("\u0000") !== firstNames.join("\u0000")) {
        throw new LakeError(
          `Parquet object "${key}" has columns (${names.join(", ")}) but "${
            files[0]!.plan.source.key
          }" has (${firstNames.join(", ")}); cannot load them into one table "${name}"`,
          { key, code: "Schema" },
        );
      }
      firstNames ??= names;
      this.#insert(name, ipc, !created, () => `Parquet object "${key}"`);
      created = true;
    }
    if (!created) {
      // No sources at all: an empty table cannot have a schema; make the name resolve anyway.
      this.run(
        `CREATE TABLE ${quoteIdent(this.#schema)}.${
          quoteIdent(name)
        } AS SELECT NULL AS none WHERE false`,
      );
    }
    return {
      files: sources.length,
      rowGroups: totalGroups,
      rowGroupsRead: readGroups,
      rowGroupsSkipped: totalGroups - readGroups,
      rows: tableRows,
    };
  }

  /**
   * Drops table or view `name` if it exists.
   *
   * @param name A plain identifier.
   * @returns When it is gone.
   * @throws {TypeError} On an invalid name.
   */
  drop(name: string): Promise<void> {
    checkName(name);
    return Promise.resolve().then(() => {
      const found = tableFromIPC(
        this.#fetch(
          `SELECT table_type FROM information_schema.tables WHERE table_schema = ${
            quoteString(this.#schema)
          } AND table_name = ${quoteString(name)}`,
        ).parts,
      );
      if (found.numRows === 0) return;
      const kind = String(found.getChild("table_type")?.get(0)) === "VIEW" ? "VIEW" : "TABLE";
      this.run(`DROP ${kind} IF EXISTS ${quoteIdent(this.#schema)}.${quoteIdent(name)}`);
    });
  }

  /**
   * Drops this engine's schema and closes its connection. Idempotent.
   *
   * @returns When closed.
   */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    try {
      this.run(`DROP SCHEMA IF EXISTS ${quoteIdent(this.#schema)} CASCADE`);
    } catch {
      // the instance may have aborted; closing must still succeed
    }
    try {
      this.#db.disconnect(this.#conn);
    } catch {
      // as above
    }
    this.#closed = true;
    live.delete(this);
    return Promise.resolve();
  }
}

function checkRowGroupSize(size: number | undefined): number {
  const n = size ?? DEFAULT_ROW_GROUP_SIZE;
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`Invalid rowGroupSize ${size}: expected a positive integer`);
  }
  return n;
}

function tooBig(what: string, limit: number, sql?: string): LakeError {
  return new LakeError(
    `Cannot load ${what} into the wasm engine: over its ${
      formatBytes(limit)
    } request limit (single-threaded, 4 GB heap)${
      sql ? ` for ${sqlSnippet(sql)}` : ""
    }. Narrow the query (fewer symbols, a shorter date range, fewer columns) or use engine: "native"`,
    { code: "OutOfMemory" },
  );
}

const MEMORY_PATTERN =
  /out of memory|Cannot enlarge memory|memory access out of bounds|Aborted\(|could not allocate|failed to allocate|bad_alloc/i;

function memoryOr(err: unknown, otherwise: () => LakeError): LakeError {
  if (err instanceof LakeError) return err;
  const text = messageOf(err);
  if (err instanceof WebAssembly.RuntimeError || MEMORY_PATTERN.test(text)) {
    if (err instanceof WebAssembly.RuntimeError) markDead();
    return new LakeError(
      `The wasm engine ran out of memory (${text}). Narrow the query or use engine: "native"`,
      { code: "OutOfMemory", cause: err },
    );
  }
  return otherwise();
}

/** After a wasm trap the instance is unusable: the next engine starts a fresh one. */
function markDead(): void {
  shared = undefined;
  live.clear();
}

function sqlError(err: unknown, sql: string): LakeError {
  return memoryOr(
    err,
    () =>
      new LakeError(`SQL failed: ${duckMessage(err)}\n  in: ${sqlSnippet(sql)}`, { cause: err }),
  );
}

/** duckdb-wasm reports errors as JSON; turn them into DuckDB's usual "Kind Error: message". */
function duckMessage(err: unknown): string {
  const text = messageOf(err);
  try {
    const parsed = JSON.parse(text) as { exception_type?: string; exception_message?: string };
    if (parsed.exception_message) {
      return `${parsed.exception_type ?? "DuckDB"} Error: ${parsed.exception_message}`;
    }
  } catch {
    // not JSON
  }
  return text;
}
