/**
 * The default engine: duckdb-wasm 1.28.0 (DuckDB 0.9.1), its blocking API on
 * the `eh` build. Swapping it for another duckdb-wasm is a change to this file.
 *
 * Why this release: it is the last with Parquet built in (`read_parquet` works
 * offline; later builds download the extension, which must never happen), and it
 * reaches a first result in a fraction of the time 1.29–1.32 take (their ~75k
 * exports cost ~0.4 s of Emscripten linking before any query).
 *
 * One duckdb-wasm instance is shared by every {@link WasmEngine} in the
 * process; it starts on first use and is released by {@link closeAll}. Each
 * engine has its own connection and its own schema, so engines do not see each
 * other's tables. DuckDB reads the lake's files itself, by path, through its
 * Node runtime (local files, and S3 objects from the cache); results come back
 * as Arrow IPC stream bytes read by apache-arrow 21 (duckdb-wasm's own arrow 13
 * objects never escape), and Arrow tables go in the same way.
 *
 * Three details of this build are handled here:
 * - Its Node runtime opens every file read-write and keeps it open, with its
 *   pages cached, across queries. Files are opened read-only (a read-only lake
 *   stays readable) and forgotten before a view reads them and after it is
 *   dropped, so a query never sees a file as it was before it was replaced.
 * - Its single-threaded Parquet writer cuts row groups at whole 2,048-row vectors
 *   after passing `ROW_GROUP_SIZE`, so writes go through a temporary table (whose
 *   scan yields whole vectors) with `ROW_GROUP_SIZE` one less than asked: groups
 *   of exactly 4,096 rows for the lake.
 * - Its Parquet scan applies an `IN (…)` list after reading, so a view of a few
 *   symbols from large files scans each symbol separately (see `splitSymbols`).
 *
 * @module
 */

import { constants, existsSync, fstatSync, openSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { type Table, tableFromIPC, tableToIPC } from "apache-arrow";
import { LakeError } from "../core/errors.ts";
import { DuckDBEngine, engineTempDir, parquetCopyOptions } from "./_duckdb_engine.ts";
import type { ParquetFilter } from "./engine.ts";
import { messageOf, quoteIdent, quoteString, sqlSnippet } from "./_engine_util.ts";

type DuckDBModule = typeof import("@duckdb/duckdb-wasm/blocking");
type Bindings = Awaited<ReturnType<DuckDBModule["createDuckDB"]>>;

/** The duckdb-wasm build file this engine runs (the exception-handling build). */
export const WASM_FILE = "duckdb-eh.wasm";

interface Shared {
  db: Bindings;
  version: string;
}

let shared: Promise<Shared> | undefined;
const live = new Set<WasmEngine>();
let nextId = 1;

/**
 * Where the duckdb-wasm build is: beside this module when a bundle ships it
 * there, else in the package (through the import map, then Node resolution).
 */
function wasmPath(): string {
  const beside = fileURLToPath(new URL(`./${WASM_FILE}`, import.meta.url));
  if (existsSync(beside)) return beside;
  const spec = `@duckdb/duckdb-wasm/dist/${WASM_FILE}`;
  try {
    const url = import.meta.resolve(spec);
    if (url.startsWith("file:")) return fileURLToPath(url);
  } catch {
    // not resolvable through an import map: try Node resolution
  }
  try {
    return createRequire(import.meta.url).resolve(spec);
  } catch (err) {
    throw new Error(
      `cannot find ${WASM_FILE}: install @duckdb/duckdb-wasm, or ship the file beside ${
        fileURLToPath(import.meta.url)
      } (${messageOf(err)})`,
    );
  }
}

/** Module state of duckdb-wasm's Node runtime that the read-only `openFile` shares. */
interface NodeRuntimeState {
  _filesById: Map<number, number>;
  _fileInfoCache: Map<number, unknown>;
  resolveFileInfo(
    mod: unknown,
    fileId: number,
  ): { fileId: number; dataUrl: string; dataProtocol: number } | null;
  openFile(mod: unknown, fileId: number, flags: number): number;
}

/** The Emscripten module, as far as `openFile` uses it. */
interface WasmModule {
  _malloc(bytes: number): number;
  HEAPF64: Float64Array;
}

const NODE_FS = 1; // DuckDBDataProtocol.NODE_FS
const FLAG_WRITE = 1 << 1;
const FLAG_CREATE = 1 << 3;
const FLAG_CREATE_NEW = 1 << 4;
const FLAG_APPEND = 1 << 5;

/**
 * duckdb-wasm's Node runtime with files opened for what DuckDB asks: read-only
 * for reads (the stock runtime opens everything `O_CREAT | O_RDWR`, which fails on
 * a read-only lake), read-write and created only for writes.
 */
function readOnlyRuntime(duckdb: DuckDBModule): DuckDBModule["NODE_RUNTIME"] {
  const base = duckdb.NODE_RUNTIME as unknown as NodeRuntimeState;
  const openFile = (mod: WasmModule, fileId: number, flags: number): number => {
    try {
      base._fileInfoCache.delete(fileId);
      const file = base.resolveFileInfo(mod, fileId);
      if (file?.dataProtocol !== NODE_FS) return base.openFile(mod, fileId, flags);
      let mode = constants.O_RDONLY;
      if (flags & FLAG_WRITE) {
        mode = constants.O_RDWR;
        if (flags & (FLAG_CREATE | FLAG_CREATE_NEW)) mode |= constants.O_CREAT;
        if (flags & FLAG_CREATE_NEW) mode |= constants.O_TRUNC;
        if (flags & FLAG_APPEND) mode |= constants.O_APPEND;
      }
      const fd = openSync(file.dataUrl, mode, 0o644);
      base._filesById.set(file.fileId, fd);
      const result = mod._malloc(16);
      mod.HEAPF64[result >> 3] = fstatSync(fd).size;
      mod.HEAPF64[(result >> 3) + 1] = 0;
      return result;
    } catch (err) {
      duckdb.failWith(mod as never, messageOf(err));
      return 0;
    }
  };
  return { ...duckdb.NODE_RUNTIME, openFile } as unknown as DuckDBModule["NODE_RUNTIME"];
}

async function start(): Promise<Shared> {
  const duckdb: DuckDBModule = await import("@duckdb/duckdb-wasm/blocking");
  // Every runtime asxlab supports (Deno, Node >= 18) has Wasm exceptions: only the eh build ships.
  const bundle = { mainModule: wasmPath(), mainWorker: "" };
  const db = await duckdb.createDuckDB(
    { mvp: bundle, eh: bundle },
    new duckdb.VoidLogger(),
    readOnlyRuntime(duckdb),
  );
  await db.instantiate(() => {});
  // DECIMAL (and HUGEINT, e.g. sum(volume)) as DOUBLE, as the native engine returns them.
  db.open({ query: { castDecimalToDouble: true } });
  return { db, version: db.getVersion() };
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
 * Opens a wasm engine on the shared duckdb-wasm instance, starting it if needed.
 *
 * @returns A new engine with its own connection and schema.
 * @throws {LakeError} When duckdb-wasm cannot start.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { closeAll, openWasmEngine } from "./engine_wasm.ts";
 * const engine = await openWasmEngine();
 * const t = await engine.query("SELECT 42 AS answer");
 * assert.equal(t.getChild("answer")?.get(0), 42);
 * assert.equal(engine.duckdbVersion, "v0.9.1");
 * await closeAll();
 * ```
 */
export async function openWasmEngine(): Promise<WasmEngine> {
  let instance: Shared;
  try {
    instance = await sharedInstance();
  } catch (err) {
    throw new LakeError(`Cannot start duckdb-wasm: ${messageOf(err)}`, { cause: err });
  }
  const conn = instance.db.connect().useUnsafe((_b, c) => c);
  const schema = `asxlab_e${nextId++}`;
  const engine = new WasmEngine(
    instance.db,
    conn,
    schema,
    instance.version,
    await engineTempDir("wasm"),
  );
  // Extensions first: nothing may ever be fetched from the network.
  await engine.query("SET autoinstall_known_extensions = false");
  await engine.query("SET autoload_known_extensions = false");
  await engine.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
  await engine.query(`SET schema = ${quoteString(schema)}`);
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
      // an instance that failed to start or crashed has nothing to release
    }
  }
}

/** A {@link Engine} on the shared duckdb-wasm instance. Open with {@link openWasmEngine}. */
export class WasmEngine extends DuckDBEngine {
  /** Always `"wasm"`. */
  readonly kind = "wasm" as const;
  readonly #db: Bindings;
  readonly #conn: number;
  readonly #schema: string;
  #temp = 0;

  /**
   * Wraps a connection; use {@link openWasmEngine} instead.
   *
   * @param db The shared bindings.
   * @param conn This engine's connection id.
   * @param schema This engine's schema.
   * @param version DuckDB's version.
   * @param tempDir A private directory for Parquet writes.
   */
  constructor(db: Bindings, conn: number, schema: string, version: string, tempDir: string) {
    super(version, tempDir);
    this.#db = db;
    this.#conn = conn;
    this.#schema = schema;
  }

  /**
   * Runs SQL through the pending-query API and reads the IPC stream with
   * apache-arrow 21: a schema message, then record batches until an empty chunk
   * (this build never returns null), then the end-of-stream marker added here.
   */
  protected override exec(sql: string): Promise<Table> {
    return Promise.resolve().then(() => {
      const db = this.#db;
      let header = db.startPendingQuery(this.#conn, sql);
      while (header == null) header = db.pollPendingQuery(this.#conn);
      const parts: Uint8Array[] = [header];
      for (;;) {
        const chunk = db.fetchQueryResults(this.#conn);
        if (chunk.length === 0) break;
        parts.push(chunk);
      }
      parts.push(IPC_EOS);
      return tableFromIPC(parts);
    });
  }

  /** Inserts the table as an Arrow IPC stream (apache-arrow 21 bytes; no objects cross). */
  protected override load(name: string, table: Table): Promise<void> {
    return Promise.resolve().then(() => {
      this.#db.insertArrowFromIPCStream(this.#conn, tableToIPC(table, "stream"), {
        name,
        schema: this.#schema,
        create: true,
      });
    });
  }

  /** COPY from a temporary table, whose scan yields whole vectors: exact row groups (see the module doc). */
  protected override async writeParquet(
    sql: string,
    file: string,
    rowGroupSize: number,
  ): Promise<void> {
    const temp = quoteIdent(`asxlab_w${this.#temp++}`);
    await this.exec(`CREATE TEMP TABLE ${temp} AS ${sql}`);
    try {
      await this.exec(
        `COPY ${temp} TO ${quoteString(file)} ${parquetCopyOptions(Math.max(1, rowGroupSize - 1))}`,
      );
    } finally {
      await this.exec(`DROP TABLE IF EXISTS temp.${temp}`).catch(() => {});
    }
  }

  /** Drops duckdb-wasm's open handle and cached pages of each file. */
  protected override forgetFiles(paths: readonly string[]): void {
    for (const path of paths) {
      try {
        this.#db.dropFile(path);
      } catch {
        // not open: nothing to forget
      }
    }
  }

  /**
   * DuckDB 0.9.1 applies an `IN (…)` list of symbols after its Parquet scan, so a
   * load of a few symbols decodes every row group of the files. Scanning each symbol
   * on its own lets the row-group statistics skip the rest, at a fixed cost per
   * symbol and file: worth it while symbols × files × ~10 ms stays under the time to
   * decode the files (~13 ms/MB). Measured on the bench lake (5 files, 98 MB): 8
   * symbols 2.0 s → 0.6 s; 50 symbols stay one scan.
   */
  protected override splitSymbols(filter: ParquetFilter, files: number, bytes: number): boolean {
    const k = filter.symbols?.length ?? 0;
    return k > 1 && k * files * SPLIT_MS_PER_SYMBOL_FILE < (bytes / 1e6) * DECODE_MS_PER_MB;
  }

  /** The wasm heap's limit, and the way out. */
  protected override outOfMemoryAdvice(): string {
    return `. The wasm engine holds at most 4 GB: narrow the request (fewer symbols, a shorter ` +
      `date range, fewer columns) or use engine "native"`;
  }

  /** A wasm trap leaves the instance unusable: report it, and let the next engine start afresh. */
  protected override engineError(err: unknown, sql: string): LakeError | undefined {
    if (!(err instanceof WebAssembly.RuntimeError)) return undefined;
    markDead();
    const text = messageOf(err);
    const memory = /memory|alloc/i.test(text);
    return new LakeError(
      `${memory ? "The wasm engine ran out of memory" : "The wasm engine crashed"} (${text}) ` +
        `while running ${sqlSnippet(sql)}; it restarts on next use. ` +
        `Narrow the query or use engine "native"`,
      { code: memory ? "OutOfMemory" : "Other", cause: err },
    );
  }

  /** Drops this engine's schema and closes its connection. */
  protected override async release(): Promise<void> {
    live.delete(this);
    try {
      await this.exec(`DROP SCHEMA IF EXISTS ${quoteIdent(this.#schema)} CASCADE`);
      this.#db.disconnect(this.#conn);
    } catch {
      // the instance may have crashed; closing must still succeed
    }
  }
}

/** Cost of scanning one file for one symbol (metadata, pruning, a few row groups), ms. */
const SPLIT_MS_PER_SYMBOL_FILE = 10;
/** Cost of decoding every row group of a file, per MB of file, ms. */
const DECODE_MS_PER_MB = 13;

/** The Arrow IPC end-of-stream marker (continuation token, zero length). */
const IPC_EOS = new Uint8Array([255, 255, 255, 255, 0, 0, 0, 0]);

/** After a wasm trap the instance is unusable: the next engine starts a fresh one. */
function markDead(): void {
  shared = undefined;
  live.clear();
}
