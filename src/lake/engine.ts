/**
 * The `Engine` interface: SQL over Arrow and Parquet. Two implementations pass
 * one shared test suite, both DuckDB: duckdb-wasm 1.28.0 (DuckDB 0.9.1, the
 * default, runs anywhere) and native DuckDB via `@duckdb/node-api` (opt-in).
 * DuckDB reads and writes the Parquet itself in both. Nothing outside
 * `src/lake/` knows which engine runs.
 *
 * @module
 */

import type { Table } from "apache-arrow";

/** The engines asxlab can run. */
export type EngineKind = "wasm" | "native";

/** One Parquet object to expose as (part of) a table. */
export interface ParquetSource {
  /** A name for messages: the lake key. */
  key: string;
  /** A local file holding the bytes (LocalStore file or cache file). */
  path: string;
}

/** What a Parquet view holds: DuckDB pushes the date range and a single symbol into its scan. */
export interface ParquetFilter {
  /** Keep only these symbols (column `symbol`). */
  symbols?: readonly string[];
  /** Keep dates >= start (epoch days, column `date`). */
  start?: number;
  /** Keep dates <= end (epoch days, column `date`). */
  end?: number;
  /** Only these columns (default: all). */
  columns?: readonly string[];
}

/** How {@link Engine.registerParquet} builds its view. */
export interface ParquetViewOptions {
  /**
   * Scan each of the filter's symbols on its own (`true`) or all in one scan with
   * an `IN` list (`false`). @default {the engine decides (see engine_wasm.ts)}
   */
  splitSymbols?: boolean;
  /**
   * Sources that may hold the same (symbol, date): `group[i]` is source i's group
   * (e.g. its year); in a group of several files only the first row of each
   * (symbol, date) by `order` (SQL, e.g. the freshest) is kept, then the later file's.
   * @default {no deduplication}
   */
  dedupe?: { group: readonly (string | number)[]; order: string };
}

/** Options for {@link Engine.queryToParquet}. */
export interface ParquetWriteOptions {
  /**
   * Rows per row group. Curated files are sorted by symbol, date, so small groups
   * let row-group statistics prune finely. The wasm engine (DuckDB 0.9.1,
   * single-threaded) cuts groups at whole 2,048-row vectors, so it rounds other
   * sizes up to a multiple of 2,048; the default is exact on both engines.
   * @default {4096}
   */
  rowGroupSize?: number;
}

/** The row-group size of the seed's layout (measured best for pruning), used when a caller does not choose one. */
export const DEFAULT_ROW_GROUP_SIZE = 4_096;

/**
 * SQL over Arrow and Parquet.
 *
 * Tables and views an engine creates are private to it (wasm: a schema per
 * engine on the shared instance; native: an in-memory database per engine).
 * An engine touches no file outside its own temporary directory: a view reads a
 * pinned copy of each file (one version, even if the lake replaces the file
 * meanwhile), and SQL naming any other path fails with `AccessDenied`.
 * Every method throws `LakeError`: code `Corrupt` (unreadable Parquet, naming
 * the key), `NotFound` (missing file), `Schema` (files or columns that do not
 * line up), `OutOfMemory` (the request cannot fit), `Other` (SQL errors, with
 * DuckDB's message and the SQL).
 */
export interface Engine {
  /** Which engine this is. */
  readonly kind: EngineKind;
  /** The DuckDB version it runs, e.g. `"v0.9.1"`. */
  readonly duckdbVersion: string;
  /**
   * Creates (or replaces) view `name` over Parquet files holding exactly the rows
   * and columns `filter` selects. Nothing is read until a query uses it; DuckDB then
   * reads only the selected columns and the row groups whose statistics can match.
   * A file that turns out to be unreadable then fails the query with `Corrupt`
   * naming its key.
   */
  registerParquet(
    name: string,
    sources: readonly ParquetSource[],
    filter?: ParquetFilter,
    options?: ParquetViewOptions,
  ): Promise<void>;
  /**
   * DuckDB's description of one Parquet file: `parquet_metadata` (row groups,
   * column chunks, types, compression, statistics) or `parquet_schema`.
   */
  parquetMetadata(source: ParquetSource, what?: "metadata" | "schema"): Promise<Table>;
  /** Creates (or replaces) table `name` from an Arrow table. */
  registerArrow(name: string, table: Table): Promise<void>;
  /** Drops table or view `name` if it exists. */
  drop(name: string): Promise<void>;
  /**
   * Checks, with DuckDB's own parser, that `sql` is one read-only statement: a
   * SELECT (WITH, FROM-first, VALUES…), DESCRIBE, SUMMARIZE, SHOW, or EXPLAIN
   * [ANALYZE] of one of those. A `ConfigError` otherwise.
   */
  checkReadOnly(sql: string): Promise<void>;
  /** Runs one SQL statement and returns its result as an apache-arrow 21 Table (empty for DDL). */
  query(sql: string): Promise<Table>;
  /**
   * Runs SQL and returns its result as Parquet bytes, written by DuckDB: ZSTD,
   * DATE as Parquet DATE, BIGINT as INT64, INTEGER as INT32, VARCHAR as UTF-8.
   */
  queryToParquet(sql: string, options?: ParquetWriteOptions): Promise<Uint8Array>;
  /** Releases this engine's tables and connection (the shared wasm instance stays until `closeEngines`). */
  close(): Promise<void>;
}
