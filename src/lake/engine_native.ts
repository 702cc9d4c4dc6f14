/**
 * The opt-in fast engine: native DuckDB through `@duckdb/node-api` 1.5.6-r.1
 * (DuckDB 1.5, an N-API addon with all threads). Choose it with
 * `engine: "native"` or `ASXLAB_ENGINE=native`.
 *
 * The addon is not part of the main install (its native binaries are ~70 MB per
 * platform, and Deno 2.9 installs both the glibc and musl ones): `deno task
 * install:dev` (or any test or bench task) installs it into `node_modules/`, and it
 * is loaded from there with `require` on first use, the same way under Deno (needs
 * `--allow-ffi`, or `--allow-all`) and Node. Nothing pays for it unless chosen.
 *
 * Parquet: views over `read_parquet` (DuckDB's own pushdown and pruning, on all
 * threads) and `COPY … TO` for writes; see {@link DuckDBEngine}. Results stream
 * into apache-arrow 21 chunk by chunk (`_duckdb_arrow.ts`). Each engine owns an
 * in-memory database, so engines do not see each other's tables.
 *
 * Confined: each database is opened with `allowed_directories` set to the
 * engine's own temporary directory (its writes, and the pinned copies of the lake
 * files its views read), `enable_external_access = false` and then
 * `lock_configuration = true`, so no SQL can read, write or attach a file
 * anywhere else, load an extension from disk, or undo those settings.
 *
 * @module
 */

import { rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { join, sep } from "node:path";
import type { Table } from "apache-arrow";
import { LakeError } from "../core/errors.ts";
import { DuckDBEngine, engineTempDir, parquetCopyOptions, type Parsed } from "./_duckdb_engine.ts";
import { appendArrow, type Connection, type NodeApi, resultToArrow } from "./_duckdb_arrow.ts";
import { messageOf, quoteString } from "./_engine_util.ts";

type Instance = Awaited<ReturnType<NodeApi["DuckDBInstance"]["create"]>>;

/** The package the native engine loads, pinned in deno.dev.json (not in the main install). */
export const NATIVE_PACKAGE = "@duckdb/node-api";

let api: NodeApi | undefined;
const live = new Set<NativeEngine>();

/** Loads the addon from node_modules (the same call under Deno and Node). */
function loadApi(): NodeApi {
  api ??= createRequire(import.meta.url)(NATIVE_PACKAGE) as NodeApi;
  return api;
}

/**
 * Opens a native DuckDB engine (an in-memory database of its own).
 *
 * @returns A new engine.
 * @throws {LakeError} When the addon is not installed or cannot load (the message says how to fix it).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { closeAllNative, openNativeEngine } from "./engine_native.ts";
 * const engine = await openNativeEngine();
 * const t = await engine.query("SELECT 42 AS answer");
 * assert.equal(t.getChild("answer")?.get(0), 42);
 * await closeAllNative();
 * ```
 */
export async function openNativeEngine(): Promise<NativeEngine> {
  let duck: NodeApi;
  let instance: Instance;
  let conn: Connection;
  const tempDir = await engineTempDir("native");
  try {
    duck = loadApi();
    instance = await duck.DuckDBInstance.create(":memory:", {
      autoinstall_known_extensions: "false",
      autoload_known_extensions: "false",
      // Lake objects are replaced in place (same path, possibly within the same second):
      // DuckDB's in-memory copy of external files could serve stale bytes. The OS page
      // cache already keeps hot files in memory.
      enable_external_file_cache: "false",
    });
    conn = await instance.connect();
  } catch (err) {
    await rm(tempDir, { recursive: true, force: true });
    const missing = /Cannot find module|MODULE_NOT_FOUND/.test(messageOf(err));
    throw new LakeError(
      missing
        ? `The native DuckDB engine is not installed: run "deno task install:dev" once ` +
          `(it adds ${NATIVE_PACKAGE} to node_modules), or use engine "wasm"`
        : `Cannot load the native DuckDB engine (${NATIVE_PACKAGE}): ${
          messageOf(err)
        }. It needs --allow-ffi (or --allow-all); engine "wasm" does not`,
      { cause: err },
    );
  }
  // The order matters: the directory first, then external access off, then the lock.
  for (
    const setting of [
      `SET allowed_directories = [${quoteString(tempDir + sep)}]`,
      `SET temp_directory = ${quoteString(join(tempDir, "spill"))}`,
      "SET enable_external_access = false",
      "SET lock_configuration = true",
    ]
  ) await conn.run(setting);
  const version = String(
    (await resultToArrow(await conn.stream("SELECT version() AS v"))).getChild("v")?.get(0),
  );
  const engine = new NativeEngine(duck, instance, conn, version, tempDir);
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

/** An {@link Engine} on native DuckDB. Open with {@link openNativeEngine}. */
export class NativeEngine extends DuckDBEngine {
  /** Always `"native"`. */
  readonly kind = "native" as const;
  readonly #api: NodeApi;
  readonly #instance: Instance;
  readonly #conn: Connection;

  /**
   * Wraps a database; use {@link openNativeEngine} instead.
   *
   * @param duck The loaded `@duckdb/node-api`.
   * @param instance The database.
   * @param conn Its connection.
   * @param version DuckDB's version.
   * @param tempDir A private directory for Parquet writes.
   */
  constructor(
    duck: NodeApi,
    instance: Instance,
    conn: Connection,
    version: string,
    tempDir: string,
  ) {
    super(version, tempDir);
    this.#api = duck;
    this.#instance = instance;
    this.#conn = conn;
  }

  /** Streams the result chunk by chunk into Arrow. */
  protected override async exec(sql: string): Promise<Table> {
    return await resultToArrow(await this.#conn.stream(sql));
  }

  /** Creates the table and appends the rows through an appender. */
  protected override async load(name: string, table: Table): Promise<void> {
    await appendArrow(this.#api, this.#conn, name, table);
  }

  /** DuckDB's `COPY`; with several threads it cuts row groups of exactly `rowGroupSize` rows. */
  protected override async writeParquet(
    sql: string,
    file: string,
    rowGroupSize: number,
  ): Promise<void> {
    await this.#conn.run(
      `COPY (${sql}) TO ${quoteString(file)} ${parquetCopyOptions(rowGroupSize)}`,
    );
  }

  /** DuckDB's parser, through `json_serialize_sql`: it serializes exactly the SELECT family. */
  protected override async parse(sql: string): Promise<Parsed> {
    const t = await this.exec(`SELECT json_serialize_sql(${quoteString(sql)}) AS j`);
    const out = JSON.parse(String(t.getChild("j")?.get(0))) as {
      error: boolean;
      error_type?: string;
      error_message?: string;
      statements?: unknown[];
    };
    if (!out.error) return { kind: out.statements?.length === 1 ? "select" : "other" };
    if (out.error_type === "parser") return { kind: "syntax", message: out.error_message ?? "" };
    return { kind: "other" };
  }

  /** Closes the connection and the database. */
  protected override release(): Promise<void> {
    live.delete(this);
    this.#conn.closeSync();
    this.#instance.closeSync();
    return Promise.resolve();
  }
}
