/**
 * `DuckDBEngine` (private): everything the two engines share, because both are
 * DuckDB: views over Parquet, Parquet writes through DuckDB's own `COPY`, table
 * bookkeeping, and turning DuckDB's errors into `LakeError`s that name the lake
 * key. A subclass supplies the bindings: how to run SQL into an apache-arrow 21
 * Table, how to load an Arrow table, how to write Parquet, how to shut down.
 *
 * @module
 */

import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Table } from "apache-arrow";
import { LakeError } from "../core/errors.ts";
import {
  DEFAULT_ROW_GROUP_SIZE,
  type Engine,
  type EngineKind,
  type ParquetFilter,
  type ParquetSource,
  type ParquetWriteOptions,
} from "./engine.ts";
import {
  checkName,
  checkSources,
  messageOf,
  parquetViewSql,
  quoteIdent,
  quoteString,
  sqlSnippet,
} from "./_engine_util.ts";

/** DuckDB error classes a damaged file can raise without naming it (not SQL mistakes). */
const DECODE_ERROR =
  /^(Invalid Error|Invalid Input Error|IO Error|Serialization Error|Internal Error|Conversion Error)\b/;
/** Errors about the query itself, which may quote a path without the file being at fault. */
const SQL_MISTAKE = /^(Parser Error|Binder Error|Catalog Error|Syntax Error)\b/;

/**
 * Makes a private temporary directory for an engine's Parquet round trips.
 *
 * @param kind The engine kind, for the directory's name.
 * @returns Its path.
 */
export async function engineTempDir(kind: EngineKind): Promise<string> {
  return await mkdtemp(join(tmpdir(), `asxlab-${kind}-`));
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
  readonly #tempDir: string;
  #closed = false;
  #seq = 0;
  /** Views over Parquet files, with their sources (to name keys in errors). */
  readonly #views = new Map<string, readonly ParquetSource[]>();
  /** Tables made by `registerArrow` (so dropping them needs no catalog lookup). */
  readonly #tables = new Set<string>();

  /**
   * @param duckdbVersion e.g. `"v0.9.1"`.
   * @param tempDir A private directory (from {@link engineTempDir}), removed on close.
   */
  protected constructor(duckdbVersion: string, tempDir: string) {
    this.duckdbVersion = duckdbVersion;
    this.#tempDir = tempDir;
  }

  /** Runs one statement and returns its result; throws DuckDB's own error. */
  protected abstract exec(sql: string): Promise<Table>;
  /** Creates table `name` (which does not exist) holding `table`'s rows. */
  protected abstract load(name: string, table: Table): Promise<void>;
  /** Writes the result of `sql` to `file` as a lake Parquet file (ZSTD, `rowGroupSize` rows per group). */
  protected abstract writeParquet(sql: string, file: string, rowGroupSize: number): Promise<void>;
  /** Releases the connection and database. */
  protected abstract release(): Promise<void>;

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
   * Creates (or replaces) view `name` over Parquet files, holding exactly the rows and
   * columns `filter` selects. DuckDB reads the files when a query uses the view.
   *
   * @param name A plain identifier.
   * @param sources Files with their lake keys.
   * @param filter Symbols, dates and columns.
   * @returns When the view exists.
   * @throws {LakeError} `NotFound` naming the key of a missing file, `Corrupt` naming the key
   *   of a file whose footer is unreadable, `Schema` on a missing column.
   */
  async registerParquet(
    name: string,
    sources: readonly ParquetSource[],
    filter: ParquetFilter = {},
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
    const previous = this.#views.get(name);
    if (previous) this.forgetFiles(previous.map((s) => s.path));
    else if (this.#tables.has(name)) await this.drop(name);
    const paths = sources.map((s) => s.path);
    this.forgetFiles(paths);
    this.#views.set(name, sources);
    const sql = parquetViewSql(name, paths, filter, this.splitSymbols(filter, paths.length, bytes));
    try {
      await this.#replacing(name, () => this.query(sql));
    } catch (err) {
      this.#views.delete(name);
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
    if (sources) this.forgetFiles(sources.map((s) => s.path));
    if (known) {
      try {
        await this.exec(`DROP ${known} IF EXISTS ${quoteIdent(name)}`);
        return;
      } catch {
        // replaced through SQL by an object of the other kind: look it up below
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
    const file = join(this.#tempDir, `w${this.#seq++}.parquet`);
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
      await rm(this.#tempDir, { recursive: true, force: true }).catch(() => {});
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
