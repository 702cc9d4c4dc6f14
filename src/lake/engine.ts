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

/** SQL over Arrow and Parquet. */
export interface Engine {
  /** Which engine this is. */
  readonly kind: EngineKind;
  /**
   * Creates (or replaces) table `name` from Parquet files, reading only the row groups
   * that the filter can match; the caller still applies the exact filter in SQL.
   * Throws `LakeError` (code `Corrupt`, naming the key) on unreadable Parquet.
   */
  registerParquet(
    name: string,
    sources: readonly ParquetSource[],
    filter?: ParquetFilter,
  ): Promise<void>;
  /** Creates (or replaces) table `name` from an Arrow table. */
  registerArrow(name: string, table: Table): Promise<void>;
  /** Drops table `name` if it exists. */
  drop(name: string): Promise<void>;
  /** Runs SQL and returns an apache-arrow 21 Table. */
  query(sql: string): Promise<Table>;
  /** Runs SQL and returns its result as Parquet bytes (ZSTD), optionally with row groups of `rowGroupSize` rows. */
  queryToParquet(sql: string, options?: { rowGroupSize?: number }): Promise<Uint8Array>;
  /** Releases the engine (the shared wasm instance stays until process exit or `closeAll`). */
  close(): Promise<void>;
}
