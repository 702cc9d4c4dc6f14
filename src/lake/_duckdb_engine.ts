/**
 * `DuckDBEngine` (private): everything the two engines share, because both are
 * DuckDB: views over Parquet, Parquet writes through DuckDB's own `COPY`, table
 * bookkeeping, and turning DuckDB's errors into `LakeError`s that name the lake
 * key. A subclass supplies the bindings: how to run SQL into an apache-arrow 21
 * Table, how to load an Arrow table, how to write Parquet, how to shut down.
 *
 * @module
 */

import { copyFile, link, mkdir, mkdtemp, readFile, realpath, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Table } from "apache-arrow";
import { ConfigError, LakeError } from "../core/errors.ts";
import {
  DEFAULT_ROW_GROUP_SIZE,
  type Engine,
  type EngineKind,
  type ParquetFilter,
  type ParquetSource,
  type ParquetViewOptions,
  type ParquetWriteOptions,
} from "./engine.ts";
import {
  checkName,
  checkSources,
  explainArgument,
  messageOf,
  parquetViewSql,
  quoteIdent,
  quoteString,
  sqlSnippet,
} from "./_engine_util.ts";
import { fsCode } from "./_fs.ts";

/** DuckDB error classes a damaged file can raise without naming it (not SQL mistakes). */
const DECODE_ERROR =
  /^(Invalid Error|Invalid Input Error|IO Error|Serialization Error|Internal Error|Conversion Error)\b/;
/** Errors about the query itself, which may quote a path without the file being at fault. */
const SQL_MISTAKE = /^(Parser Error|Binder Error|Catalog Error|Syntax Error)\b/;
/** Native DuckDB refusing a path outside `allowed_directories`. */
const NATIVE_DENIED = /Permission Error: Cannot access (?:file|directory) "([^"]*)"/;
/** The wasm engine's file-system guard refusing a path (see engine_wasm.ts). */
export const OUTSIDE_THE_LAKE = "is outside the lake";

/** What DuckDB's parser makes of a text, as far as `checkReadOnly` cares. */
export type Parsed =
  /** Exactly one statement of the SELECT family (SELECT, WITH, FROM, VALUES, DESCRIBE, SUMMARIZE, SHOW…). */
  | { kind: "select" }
  /** Several statements, or one that is not a SELECT. */
  | { kind: "other" }
  /** Not valid SQL: DuckDB's parser error. */
  | { kind: "syntax"; message: string };

/** The one message for a statement `lake.sql` will not run. */
function notReadOnly(sql: string): ConfigError {
  const one = sql.replace(/\s+/g, " ").trim();
  return new ConfigError(
    `Only one read-only statement is allowed (SELECT, WITH, FROM, VALUES, DESCRIBE, SUMMARIZE, ` +
      `SHOW, or EXPLAIN of one of those), got: ${one.length > 80 ? `${one.slice(0, 77)}...` : one}`,
  );
}

/**
 * Makes a private temporary directory for an engine's Parquet round trips.
 *
 * @param kind The engine kind, for the directory's name.
 * @returns Its path.
 */
export async function engineTempDir(kind: EngineKind): Promise<string> {
  // The real path: the engines' file guards compare paths (macOS's /var is /private/var).
  return await realpath(await mkdtemp(join(tmpdir(), `asxlab-${kind}-`)));
}

/**
 * The `COPY … TO` options of a lake Parquet file.
 *
 * @param rowGroupSize The `ROW_GROUP_SIZE` DuckDB is given.
 * @returns The parenthesised option list.
 */
export function parquetCopyOptions(rowGroupSize: number): string {
  return `(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${rowGroupSize})`;
}

/** The shared half of an {@link Engine} on DuckDB. */
export abstract class DuckDBEngine implements Engine {
  /** Which engine this is. */
  abstract readonly kind: EngineKind;
  /** The DuckDB version the engine runs. */
  readonly duckdbVersion: string;
  /**
   * The engine's private directory: its Parquet writes, and the pinned copies of
   * the files its views read (`in/`). The engine may touch nothing else.
   */
  protected readonly tempDir: string;
  #closed = false;
  #seq = 0;
  /** Views over Parquet files, with their sources (paths of the pinned copies, to name keys in errors). */
  readonly #views = new Map<string, readonly ParquetSource[]>();
  /** Tables made by `registerArrow` (so dropping them needs no catalog lookup). */
  readonly #tables = new Set<string>();

  /**
   * @param duckdbVersion e.g. `"v0.9.1"`.
   * @param tempDir A private directory (from {@link engineTempDir}), removed on close.
   */
  protected constructor(duckdbVersion: string, tempDir: string) {
    this.duckdbVersion = duckdbVersion;
    this.tempDir = tempDir;
  }

  /** Runs one statement and returns its result; throws DuckDB's own error. */
  protected abstract exec(sql: string): Promise<Table>;
  /** Creates table `name` (which does not exist) holding `table`'s rows. */
  protected abstract load(name: string, table: Table): Promise<void>;
  /** Writes the result of `sql` to `file` as a lake Parquet file (ZSTD, `rowGroupSize` rows per group). */
  protected abstract writeParquet(sql: string, file: string, rowGroupSize: number): Promise<void>;
  /** Releases the connection and database. */
  protected abstract release(): Promise<void>;
  /** What DuckDB's parser makes of `sql` (parsing only: nothing runs). */
  protected abstract parse(sql: string): Promise<Parsed>;

  /**
   * Called before a view starts reading `paths` and after it stops: an engine that
   * keeps files open between queries forgets them, so the next scan sees the
   * current file. @default {nothing}
   */
  protected forgetFiles(_paths: readonly string[]): void {}

  /**
   * Whether a view over `files` files of `bytes` bytes should scan each of the
   * filter's symbols separately (see `parquetViewSql`). @default {false: one scan}
   */
  protected splitSymbols(_filter: ParquetFilter, _files: number, _bytes: number): boolean {
    return false;
  }

  /** What to do when DuckDB runs out of memory, appended to the `OutOfMemory` message. @default {""} */
  protected outOfMemoryAdvice(): string {
    return "";
  }

  /**
   * Maps a failure that is not an ordinary DuckDB error (a wasm trap, say) to a
   * `LakeError`, or returns `undefined` to let the shared mapping decide.
   */
  protected engineError(_err: unknown, _sql: string): LakeError | undefined {
    return undefined;
  }

  #check(): void {
    if (this.#closed) throw new LakeError(`The ${this.kind} engine is closed; open a new one`);
  }

  /**
   * Runs SQL and returns an apache-arrow 21 Table.
   *
   * @param sql One statement.
   * @returns The result (empty for DDL).
   * @throws {LakeError} With DuckDB's message and the SQL; `Corrupt` naming the key when a
   *   registered Parquet object turns out to be unreadable.
   */
  async query(sql: string): Promise<Table> {
    this.#check();
    try {
      return await this.exec(sql);
    } catch (err) {
      throw await this.#locate(err, sql);
    }
  }

  /**
   * Checks that `sql` is exactly one read-only statement, as DuckDB's own parser
   * sees it: a SELECT (WITH, FROM-first, VALUES, a parenthesised union…), DESCRIBE,
   * SUMMARIZE or SHOW, or an EXPLAIN [ANALYZE] of one of those. Strings, quoted
   * names and comments are the parser's business, so a `;` inside a literal is fine.
   *
   * @param sql The statement (a trailing `;` is allowed).
   * @returns When it is one read-only statement.
   * @throws {ConfigError} When it is several statements, another kind of statement, or not SQL.
   */
  async checkReadOnly(sql: string): Promise<void> {
    this.#check();
    const parsed = await this.parse(sql);
    if (parsed.kind === "select") return;
    if (parsed.kind === "syntax") throw new ConfigError(`Cannot parse the SQL: ${parsed.message}`);
    // EXPLAIN [ANALYZE] runs its statement: only of a statement that passes on its own.
    const argument = explainArgument(sql);
    if (argument !== undefined && (await this.parse(argument)).kind === "select") return;
    throw notReadOnly(sql);
  }

  /**
   * Creates (or replaces) view `name` over Parquet files, holding exactly the rows and
   * columns `filter` selects. DuckDB reads the files when a query uses the view.
   *
   * @param name A plain identifier.
   * @param sources Files with their lake keys.
   * @param filter Symbols, dates and columns.
   * @param options Whether to scan each symbol on its own (default: the engine decides).
   * @returns When the view exists.
   * @throws {LakeError} `NotFound` naming the key of a missing file, `Corrupt` naming the key
   *   of a file whose footer is unreadable, `Schema` on a missing column.
   */
  async registerParquet(
    name: string,
    sources: readonly ParquetSource[],
    filter: ParquetFilter = {},
    options: ParquetViewOptions = {},
  ): Promise<void> {
    checkName(name);
    this.#check();
    const bytes = await checkSources(sources);
    if (sources.length === 0) {
      // No files: an empty table with no schema still makes the name resolve.
      await this.drop(name);
      await this.query(`CREATE TABLE ${quoteIdent(name)} AS SELECT NULL AS none WHERE false`);
      this.#tables.add(name);
      return;
    }
    if (this.#views.has(name) || this.#tables.has(name)) await this.drop(name);
    const pinned = await this.#pin(sources);
    const paths = pinned.map((s) => s.path);
    this.#views.set(name, pinned);
    const split = options.splitSymbols ?? this.splitSymbols(filter, paths.length, bytes);
    const sql = parquetViewSql(name, paths, filter, split, options.dedupe);
    try {
      await this.#replacing(name, () => this.query(sql));
    } catch (err) {
      this.#views.delete(name);
      await this.#unpin(pinned);
      const text = messageOf(err);
      const missing = /Referenced column "([^"]+)" not found/.exec(text);
      if (missing) {
        throw new LakeError(
          `Parquet object "${sources[0]!.key}" has no column "${missing[1]}"`,
          { key: sources[0]!.key, code: "Schema", cause: err },
        );
      }
      throw err;
    }
  }

  /**
   * Describes a Parquet file as DuckDB's `parquet_metadata` (row groups, column
   * chunks, physical types, compression, statistics) or `parquet_schema` (the
   * schema elements and their logical types) does, reading a pinned copy.
   *
   * @param source The file and its lake key.
   * @param what Which description. @default {"metadata"}
   * @returns DuckDB's rows, all columns.
   * @throws {LakeError} `NotFound` when the file is missing; `Corrupt`-like errors from DuckDB otherwise.
   */
  async parquetMetadata(
    source: ParquetSource,
    what: "metadata" | "schema" = "metadata",
  ): Promise<Table> {
    this.#check();
    await checkSources([source]);
    const [pin] = await this.#pin([source]);
    try {
      return await this.query(`SELECT * FROM parquet_${what}(${quoteString(pin!.path)})`);
    } catch (err) {
      throw err instanceof LakeError && err.code === "Other" ? corrupt(source.key, err) : err;
    } finally {
      await this.#unpin([pin!]);
    }
  }

  /**
   * Pins each source: a hard link in the engine's `in/` directory (a copy when the
   * file is on another file system or may not be linked). The view reads only the
   * pin, so its footer and its pages come from one version of the file even when
   * the lake replaces it meanwhile (writers always rename a new file over the old
   * one, never write into it), and DuckDB needs no access to the lake's directory.
   * Each pin has a new name: no engine can serve stale cached pages for it.
   */
  async #pin(sources: readonly ParquetSource[]): Promise<ParquetSource[]> {
    const dir = join(this.tempDir, "in");
    await mkdir(dir, { recursive: true });
    const pinned: ParquetSource[] = [];
    try {
      for (const source of sources) {
        // Zero-padded: pins sort in the order of their sources (see `dedupe`).
        const path = join(dir, `p${String(this.#seq++).padStart(10, "0")}.parquet`);
        try {
          await linkRetrying(source.path, path);
        } catch (err) {
          if (fsCode(err) === "ENOENT") throw missing(source, err);
          try {
            await copyFile(source.path, path);
          } catch (copyErr) {
            if (fsCode(copyErr) === "ENOENT") throw missing(source, copyErr);
            throw new LakeError(
              `Cannot read Parquet object "${source.key}" from "${source.path}": ${
                messageOf(copyErr)
              }`,
              { key: source.key, cause: copyErr },
            );
          }
        }
        pinned.push({ key: source.key, path });
      }
    } catch (err) {
      await this.#unpin(pinned);
      throw err;
    }
    return pinned;
  }

  /** Forgets and removes pins. */
  async #unpin(pinned: readonly ParquetSource[]): Promise<void> {
    this.forgetFiles(pinned.map((s) => s.path));
    for (const { path } of pinned) await rm(path, { force: true }).catch(() => {});
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
    this.#check();
    if (this.#views.has(name) || this.#tables.has(name)) await this.drop(name);
    try {
      await this.#replacing(name, () => this.load(name, table));
      this.#tables.add(name);
    } catch (err) {
      if (err instanceof LakeError) throw err;
      throw this.engineError(err, `load "${name}"`) ??
        new LakeError(`Cannot load an Arrow table into "${name}": ${messageOf(err)}`, {
          cause: err,
        });
    }
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
    const sources = this.#views.get(name);
    const known = sources ? "VIEW" : this.#tables.has(name) ? "TABLE" : undefined;
    this.#views.delete(name);
    this.#tables.delete(name);
    if (known) {
      try {
        await this.exec(`DROP ${known} IF EXISTS ${quoteIdent(name)}`);
        return;
      } catch {
        // replaced through SQL by an object of the other kind: look it up below
      } finally {
        if (sources) await this.#unpin(sources);
      }
    }
    await this.#dropLookedUp(name);
  }

  /**
   * Runs `create`; when it fails and an object called `name` exists (made through
   * SQL, so not tracked here), drops it and runs `create` again. Names made here
   * are dropped beforehand, so the common path asks the catalog nothing.
   */
  async #replacing(name: string, create: () => Promise<unknown>): Promise<void> {
    try {
      await create();
    } catch (err) {
      if (!(await this.#dropLookedUp(name))) throw err;
      await create();
    }
  }

  /**
   * Drops `name` after asking the catalog whether it is a table or a view (it was not made here).
   * Returns whether there was one.
   */
  async #dropLookedUp(name: string): Promise<boolean> {
    const found = await this.query(
      `SELECT table_type FROM information_schema.tables WHERE table_schema = current_schema() ` +
        `AND table_name = ${quoteString(name)}`,
    );
    if (found.numRows === 0) return false;
    const kind = String(found.getChild("table_type")?.get(0)) === "VIEW" ? "VIEW" : "TABLE";
    await this.query(`DROP ${kind} IF EXISTS ${quoteIdent(name)}`);
    return true;
  }

  /**
   * Runs SQL and returns the result as Parquet bytes, written by DuckDB (ZSTD).
   *
   * @param sql One query.
   * @param options Rows per row group (default {@link DEFAULT_ROW_GROUP_SIZE}).
   * @returns Parquet bytes.
   * @throws {RangeError} On a row-group size that is not a positive integer.
   * @throws {LakeError} On SQL errors.
   */
  async queryToParquet(sql: string, options: ParquetWriteOptions = {}): Promise<Uint8Array> {
    const n = options.rowGroupSize ?? DEFAULT_ROW_GROUP_SIZE;
    if (!Number.isInteger(n) || n < 1) {
      throw new RangeError(
        `Invalid rowGroupSize ${options.rowGroupSize}: expected a positive integer`,
      );
    }
    this.#check();
    const file = join(this.tempDir, `w${this.#seq++}.parquet`);
    try {
      try {
        await this.writeParquet(sql, file, n);
      } catch (err) {
        throw await this.#locate(err, sql);
      }
      const bytes = await readFile(file);
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } finally {
      this.forgetFiles([file]);
      await rm(file, { force: true }).catch(() => {});
    }
  }

  /**
   * Drops this engine's views and tables, closes its connection and removes its
   * temporary directory. Idempotent.
   *
   * @returns When closed.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    for (const sources of this.#views.values()) this.forgetFiles(sources.map((s) => s.path));
    this.#views.clear();
    this.#tables.clear();
    this.#closed = true;
    try {
      await this.release();
    } finally {
      await rm(this.tempDir, { recursive: true, force: true }).catch(() => {});
    }
  }

  /**
   * Maps a failure to a `LakeError`. DuckDB names the file in most read errors;
   * when a decoding error does not (e.g. a damaged page), each Parquet file behind
   * a live view is read through once to find the damaged one, so the error still
   * names its key (and the Lake can evict it from the cache).
   */
  async #locate(err: unknown, sql: string): Promise<LakeError> {
    if (err instanceof LakeError) return err;
    const special = this.engineError(err, sql);
    if (special) return special;
    const mapped = this.#sqlError(err, sql);
    if (mapped.code !== "Other" || !DECODE_ERROR.test(messageOf(err))) return mapped;
    const seen = new Set<string>();
    for (const sources of this.#views.values()) {
      for (const { key, path } of sources) {
        if (seen.has(path)) continue;
        seen.add(path);
        try {
          await this.exec(
            `SELECT max(hash(COLUMNS(*))) FROM read_parquet(${
              quoteString(path)
            }, hive_partitioning = false)`,
          );
        } catch (inner) {
          return this.engineError(inner, sql) ?? corrupt(key, err);
        }
      }
    }
    return mapped;
  }

  #sqlError(err: unknown, sql: string): LakeError {
    const text = messageOf(err);
    const denied = NATIVE_DENIED.exec(text)?.[1];
    if (denied !== undefined || text.includes(OUTSIDE_THE_LAKE)) {
      const what = denied === undefined ? "" : `"${denied}" ${OUTSIDE_THE_LAKE}: `;
      return new LakeError(
        `${what}${text.split("\n")[0]!.trim()} (SQL on the lake reads only the lake's own ` +
          `tables, e.g. ohlcv and raw)\n  in: ${sqlSnippet(sql)}`,
        { code: "AccessDenied", cause: err },
      );
    }
    if (!SQL_MISTAKE.test(text)) {
      for (const sources of this.#views.values()) {
        for (const { path, key } of sources) if (text.includes(path)) return corrupt(key, err);
      }
    }
    if (/out of memory/i.test(text)) {
      return new LakeError(
        `DuckDB ran out of memory: ${text}${this.outOfMemoryAdvice()}\n  in: ${sqlSnippet(sql)}`,
        { code: "OutOfMemory", cause: err },
      );
    }
    if (/schema mismatch|schemas? (do not|don't) match|column count mismatch/i.test(text)) {
      return new LakeError(`Parquet objects do not share one schema: ${text}`, {
        code: "Schema",
        cause: err,
      });
    }
    return new LakeError(`SQL failed: ${text}\n  in: ${sqlSnippet(sql)}`, { cause: err });
  }
}

/**
 * `link`, retried while the source exists: Linux fails a link with ENOENT when a
 * rename replaces the source between the link's lookup and its commit (the old
 * inode has just lost its last name), which is exactly what a writer does.
 */
async function linkRetrying(from: string, to: string): Promise<void> {
  for (let attempt = 1;; attempt++) {
    try {
      return await link(from, to);
    } catch (err) {
      if (fsCode(err) !== "ENOENT" || attempt >= 5) throw err;
      await stat(from); // gone for good: ENOENT from here
    }
  }
}

/** A `LakeError` with code `NotFound`: a source that disappeared before it was pinned. */
function missing(source: ParquetSource, err: unknown): LakeError {
  return new LakeError(
    `Cannot read Parquet object "${source.key}": file "${source.path}" does not exist`,
    { key: source.key, code: "NotFound", cause: err },
  );
}

/**
 * A `LakeError` with code `Corrupt` naming the key.
 *
 * @param key The object key.
 * @param err DuckDB's error.
 * @returns The error to throw.
 */
function corrupt(key: string, err: unknown): LakeError {
  return new LakeError(`Cannot read Parquet object "${key}": ${messageOf(err)}`, {
    key,
    code: "Corrupt",
    cause: err,
  });
}
