/**
 * The `Engine` interface: SQL over Arrow and Parquet. Two implementations pass
 * one shared test suite: duckdb-wasm with parquet-wasm as its Parquet codec
 * (default, runs anywhere) and native DuckDB via `@duckdb/node-api` (opt-in).
 * Nothing outside `src/lake/` knows which engine runs.
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

/** Row-group pruning hints: row groups whose footer statistics cannot match are skipped. */
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

/** What a `registerParquet` call read, so callers and tests can see pruning at work. */
export interface ParquetScan {
  /** Files registered. */
  files: number;
  /** Row groups in those files, per their footers. */
  rowGroups: number;
  /** Row groups decoded (wasm) or handed to DuckDB's own scan (native, which may skip more). */
  rowGroupsRead: number;
  /** Row groups skipped because their footer statistics cannot match the filter. */
  rowGroupsSkipped: number;
  /**
   * Rows the table holds (wasm: exact, the rows were loaded), or may hold (native: the
   * rows of the row groups that can match, an upper bound; exact without a filter, since
   * the native engine registers a view and DuckDB applies the filter when it is queried).
   */
  rows: number;
}

/** Options for {@link Engine.queryToParquet}. */
export interface ParquetWriteOptions {
  /**
   * Maximum rows per row group. Curated files are sorted by symbol, date, so
   * smaller groups let footer statistics prune more finely.
   * @default {65536}
   */
  rowGroupSize?: number;
}

/** The row-group size used when a caller does not choose one. */
export const DEFAULT_ROW_GROUP_SIZE = 65_536;

/**
 * SQL over Arrow and Parquet.
 *
 * Tables and views an engine creates are private to it (wasm: a schema per
 * engine on the shared instance; native: an in-memory database per engine).
 * Every method throws `LakeError`: code `Corrupt` (unreadable Parquet, naming
 * the key), `NotFound` (missing file), `Schema` (files or columns that do not
 * line up), `OutOfMemory` (the request cannot fit; the message gives its size),
 * `Other` (SQL errors, with DuckDB's message and the SQL).
 */
export interface Engine {
  /** Which engine this is. */
  readonly kind: EngineKind;
  /**
   * Creates (or replaces) table `name` from Parquet files, reading only the row groups
   * that the filter can match; the caller still applies the exact filter in SQL.
   * (wasm loads the rows now; native makes a view that DuckDB scans when queried.)
   * Only the filter's `columns` are loaded when it names some.
   * Throws `LakeError` (code `Corrupt`, naming the key) on unreadable Parquet.
   * Returns what was read and skipped.
   */
  registerParquet(
    name: string,
    sources: readonly ParquetSource[],
    filter?: ParquetFilter,
  ): Promise<ParquetScan>;
  /** Creates (or replaces) table `name` from an Arrow table. */
  registerArrow(name: string, table: Table): Promise<void>;
  /** Drops table or view `name` if it exists. */
  drop(name: string): Promise<void>;
  /** Runs one SQL statement and returns its result as an apache-arrow 21 Table (empty for DDL). */
  query(sql: string): Promise<Table>;
  /** Runs SQL and returns its result as Parquet bytes (ZSTD, DATE as Parquet DATE), in row groups of `rowGroupSize` rows. */
  queryToParquet(sql: string, options?: ParquetWriteOptions): Promise<Uint8Array>;
  /** Releases this engine's tables and connection (the shared wasm instance stays until `closeAll`/`closeEngines`). */
  close(): Promise<void>;
}
