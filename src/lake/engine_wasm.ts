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
 * Confined: DuckDB 0.9.1's `enable_external_access = false` also disables
 * `read_parquet`, so the guard is one level down, in the Node runtime every file
 * access goes through. While an engine runs SQL it may open, list, test or glob
 * only paths inside its own temporary directory (its writes, and the pinned
 * copies of the lake files its views read, which it may not write); anything
 * else fails with "… is outside the lake", and HTTP/S3 URLs are refused. The
 * instance's configuration is locked (`lock_configuration`) after extensions
 * are switched off, so no SQL can switch them back on.
 *
 * Three details of this build are handled here:
 * - Its Node runtime opens every file read-write and keeps it open, with its
 *   pages cached, across queries. Files are opened read-only (a read-only lake
 *   stays readable) and forgotten when their view is dropped; each view reads
 *   pinned copies with names never used before, so no cached page is stale.
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
import { join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { type Table, tableFromIPC, tableToIPC } from "apache-arrow";
import { envVar } from "../core/env.ts";
import { ConfigError, LakeError } from "../core/errors.ts";
import {
  DuckDBEngine,
  engineTempDir,
  OUTSIDE_THE_LAKE,
  parquetCopyOptions,
  type Parsed,
} from "./_duckdb_engine.ts";
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

/** Module state of duckdb-wasm's Node runtime that the guarded `openFile` shares. */
interface NodeRuntimeState {
  _filesById: Map<number, number>;
  _fileInfoCache: Map<number, unknown>;
  resolveFileInfo(
    mod: unknown,
    fileId: number,
  ): { fileId: number; dataUrl: string; dataProtocol: number } | null;
  openFile(mod: unknown, fileId: number, flags: number): number;
}

/** The runtime's path-taking functions: (module, pointer, length, …). */
type PathCall = (mod: WasmModule, ptr: number, len: number, ...rest: number[]) => unknown;

/** The Emscripten module, as far as the guarded runtime uses it. */
interface WasmModule {
  _malloc(bytes: number): number;
  HEAPF64: Float64Array;
  ccall(name: string, ret: null, types: string[], args: unknown[]): void;
}

const BUFFER = 0; // DuckDBDataProtocol.BUFFER
const NODE_FS = 1; // DuckDBDataProtocol.NODE_FS
const FLAG_WRITE = 1 << 1;
const FLAG_CREATE = 1 << 3;
const FLAG_CREATE_NEW = 1 << 4;
const FLAG_APPEND = 1 << 5;

/**
 * The directory of the engine running SQL right now (the blocking API runs one
 * statement at a time, synchronously), or `undefined`: then no file may be
 * touched. Before the instance has started, `unconfined` lets DuckDB look around.
 */
let sandbox: string | undefined;
let unconfined = true;

/** Whether the running engine may read (or write) `path`. */
function allowed(path: string, write: boolean): boolean {
  if (unconfined) return true;
  if (sandbox === undefined) return false;
  const p = resolve(path);
  if (!p.startsWith(sandbox + sep)) return false;
  // Pinned copies of lake files are hard links: writing one would write the lake.
  const pins = join(sandbox, "in");
  return !(write && (p === pins || p.startsWith(pins + sep)));
}

function outside(path: string): string {
  return `"${path}" ${OUTSIDE_THE_LAKE}: the engine reads only the lake's own files`;
}

/**
 * duckdb-wasm's Node runtime, guarded: files are opened for what DuckDB asks
 * (read-only for reads: the stock runtime opens everything `O_CREAT | O_RDWR`,
 * which fails on a read-only lake; read-write and created only for writes), and
 * only inside the running engine's directory (see {@link allowed}); every other
 * path-taking call (stat, glob, mkdir, remove, move, truncate) is held to the
 * same rule, and other protocols (HTTP, S3) are refused.
 */
function guardedRuntime(duckdb: DuckDBModule): DuckDBModule["NODE_RUNTIME"] {
  const base = duckdb.NODE_RUNTIME as unknown as NodeRuntimeState & Record<string, PathCall>;
  // duckdb.failWith also prints "FAIL WITH: …" to stderr; the error reaches the caller anyway.
  const fail = (mod: WasmModule, message: string) =>
    mod.ccall("duckdb_web_fail_with", null, ["string"], [message]);
  const openFile = (mod: WasmModule, fileId: number, flags: number): number => {
    try {
      base._fileInfoCache.delete(fileId);
      const file = base.resolveFileInfo(mod, fileId);
      if (file?.dataProtocol === BUFFER) return base.openFile(mod, fileId, flags);
      if (file?.dataProtocol !== NODE_FS) {
        fail(mod, outside(file?.dataUrl ?? `file ${fileId}`));
        return 0;
      }
      if (!allowed(file.dataUrl, (flags & FLAG_WRITE) !== 0)) {
        fail(mod, outside(file.dataUrl));
        return 0;
      }
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
      fail(mod, messageOf(err));
      return 0;
    }
  };
  const truncateFile = (mod: WasmModule, fileId: number, size: number): unknown => {
    const file = base.resolveFileInfo(mod, fileId);
    if (file?.dataProtocol === NODE_FS && !allowed(file.dataUrl, true)) {
      fail(mod, outside(file.dataUrl));
      return 0;
    }
    return (base.truncateFile as unknown as (m: WasmModule, f: number, s: number) => unknown)(
      mod,
      fileId,
      size,
    );
  };
  /** Wraps a call whose first path is at (ptr, len); `write` when it changes the file system. */
  const guard = (name: string, write: boolean, refused: unknown): PathCall => {
    const call = base[name]!;
    return (mod, ptr, len, ...rest) => {
      const path = duckdb.readString(mod as never, ptr, len);
      if (!allowed(path, write)) {
        fail(mod, outside(path));
        return refused;
      }
      if (name === "moveFile") {
        const to = duckdb.readString(mod as never, rest[0]!, rest[1]!);
        if (!allowed(to, true)) {
          fail(mod, outside(to));
          return refused;
        }
      }
      return call(mod, ptr, len, ...rest);
    };
  };
  return {
    ...duckdb.NODE_RUNTIME,
    openFile,
    truncateFile,
    checkFile: guard("checkFile", false, false),
    checkDirectory: guard("checkDirectory", false, false),
    glob: guard("glob", false, 0),
    createDirectory: guard("createDirectory", true, 0),
    removeDirectory: guard("removeDirectory", true, 0),
    removeFile: guard("removeFile", true, 0),
    moveFile: guard("moveFile", true, false),
  } as unknown as DuckDBModule["NODE_RUNTIME"];
}

async function start(): Promise<Shared> {
  const duckdb: DuckDBModule = await import("@duckdb/duckdb-wasm/blocking");
  // Every runtime asxlab supports (Deno, Node >= 18) has Wasm exceptions: only the eh build ships.
  const bundle = { mainModule: wasmPath(), mainWorker: "" };
  const db = await duckdb.createDuckDB(
    { mvp: bundle, eh: bundle },
    new duckdb.VoidLogger(),
    guardedRuntime(duckdb),
  );
  unconfined = true;
  await db.instantiate(() => {});
  // DECIMAL (and HUGEINT, e.g. sum(volume)) as DOUBLE, as the native engine returns them.
  db.open({ query: { castDecimalToDouble: true } });
  // Extensions off (nothing may ever be fetched from the network), then lock the settings.
  const settings = [
    "SET autoinstall_known_extensions = false",
    "SET autoload_known_extensions = false",
  ];
  const limit = memoryLimit();
  if (limit !== undefined) settings.push(`SET memory_limit = '${limit}'`);
  const conn = db.connect();
  try {
    for (const setting of [...settings, "SET lock_configuration = true"]) conn.query(setting);
  } finally {
    conn.close();
  }
  unconfined = false;
  return { db, version: db.getVersion() };
}

/**
 * DuckDB's memory limit for the wasm instance, from env `ASXLAB_WASM_MEMORY_LIMIT`
 * (e.g. `"1GB"` in a small Lambda), read when the instance starts: its settings
 * are locked from then on. Undefined: DuckDB's default (~3.4 GB here).
 */
function memoryLimit(): string | undefined {
  const raw = envVar("ASXLAB_WASM_MEMORY_LIMIT")?.trim();
  if (raw === undefined || raw === "") return undefined;
  if (!/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.test(raw)) {
    throw new ConfigError(
      `Invalid ASXLAB_WASM_MEMORY_LIMIT ${
        JSON.stringify(raw)
      }: expected a size such as "512MB" or "2GB"`,
    );
  }
  return raw;
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
    if (err instanceof ConfigError) throw err;
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
      unconfined = true; // resetting reopens the in-memory database
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
    return Promise.resolve().then(() => this.#confined(() => this.#run(sql)));
  }

  /** Runs `work` with the file system narrowed to this engine's directory. */
  #confined<T>(work: () => T): T {
    const previous = sandbox;
    sandbox = this.tempDir;
    try {
      return work();
    } finally {
      sandbox = previous;
    }
  }

  #run(sql: string): Table {
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
  }

  /**
   * DuckDB 0.9.1 in wasm has no `json_serialize_sql`, so: its tokenizer splits
   * statements (a `;` token, never one inside a string or comment); DESCRIBE,
   * SUMMARIZE and SHOW admit only a table or a query in its grammar; anything
   * else is a SELECT exactly when DuckDB's parser accepts it as a subquery
   * (prepared, not run), and one statement when it extracts one (a PIVOT without
   * an `IN` list is several).
   */
  protected override parse(sql: string): Promise<Parsed> {
    return Promise.resolve().then(() => this.#confined(() => this.#parse(sql)));
  }

  #parse(sql: string): Parsed {
    const db = this.#db;
    const { offsets, types } = db.tokenize(sql);
    let end = sql.length;
    let depth = 0;
    for (let i = 0; i < offsets.length; i++) {
      const at = offsets[i]!;
      const c = sql[at];
      if (types[i] === TOKEN_OPERATOR && c === ";") {
        end = Math.min(end, at);
        continue;
      }
      if (end < sql.length) return { kind: "other" }; // something after a ';': several statements
      if (types[i] === TOKEN_OPERATOR && (c === "(" || c === ")")) {
        depth += c === "(" ? 1 : -1;
        if (depth < 0) return { kind: "other" };
      }
    }
    const body = sql.slice(0, end);
    if (offsets.length === 0 || offsets[0]! >= end) {
      return { kind: "syntax", message: "no statement" };
    }
    const first = sql.slice(offsets[0]!, offsets[1] ?? end).trim().toLowerCase();
    if (types[0] === TOKEN_KEYWORD && READ_ONLY_KEYWORDS.has(first)) return { kind: "select" };
    if (depth !== 0) return { kind: "syntax", message: "unbalanced parentheses" };
    const prepares = (text: string): string | undefined => {
      try {
        db.closePrepared(this.#conn, db.createPrepared(this.#conn, text));
        return undefined;
      } catch (err) {
        return messageOf(err);
      }
    };
    const wrapped = prepares(`SELECT * FROM (\n${body}\n)`);
    if (wrapped !== undefined && /^Parser Error/.test(wrapped)) {
      const own = prepares(body);
      return own !== undefined && /^Parser Error/.test(own)
        ? { kind: "syntax", message: own }
        : { kind: "other" };
    }
    try {
      db.getTableNames(this.#conn, body);
    } catch (err) {
      if (/single statement/i.test(messageOf(err))) return { kind: "other" };
    }
    return { kind: "select" }; // a SELECT (one that may fail to bind: running it says why)
  }

  /** Inserts the table as an Arrow IPC stream (apache-arrow 21 bytes; no objects cross). */
  protected override load(name: string, table: Table): Promise<void> {
    return Promise.resolve().then(() =>
      this.#confined(() => {
        this.#db.insertArrowFromIPCStream(this.#conn, tableToIPC(table, "stream"), {
          name,
          schema: this.#schema,
          create: true,
        });
      })
    );
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

/** duckdb-wasm's token types (TokenType.OPERATOR, TokenType.KEYWORD). */
const TOKEN_OPERATOR = 3;
const TOKEN_KEYWORD = 4;
/** Statements whose grammar admits only a table or a query after the keyword. */
const READ_ONLY_KEYWORDS = new Set(["describe", "summarize", "show"]);

/** The Arrow IPC end-of-stream marker (continuation token, zero length). */
const IPC_EOS = new Uint8Array([255, 255, 255, 255, 0, 0, 0, 0]);

/** After a wasm trap the instance is unusable: the next engine starts a fresh one. */
function markDead(): void {
  shared = undefined;
  live.clear();
}
