/**
 * The Parquet lake: daily OHLCV bars on S3 or local disk, read through
 * duckdb-wasm (default) or native DuckDB into Arrow-backed `Bars`.
 *
 * @example
 * ```ts ignore
 * import { openLake } from "./mod.ts";
 * const lake = await openLake();
 * const bars = await lake.loadSymbols(["BHP.AX"], { start: "2020-01-01" });
 * ```
 *
 * @module
 */
export {
  DEFAULT_CACHE_DIR,
  DEFAULT_LAKE_DIR,
  DEFAULT_PIPELINE_LAKE_DIR,
  Lake,
  openLake,
} from "./lake.ts";
export type {
  LakeInfo,
  LoadOptions,
  MergeOptions,
  MergeReport,
  OpenLakeOptions,
  Quarantined,
  QuarantineInfo,
  RawBatchReport,
  VerifyReport,
} from "./lake.ts";
export type { LockOptions } from "./lock.ts";
export { type Manifest, MANIFEST_KEY, type ManifestEntry } from "./manifest.ts";
export type { EngineKind } from "./engine.ts";
export { closeEngines } from "./open_engine.ts";
export { openStore } from "./open_store.ts";
export type { LakeStore, ObjectInfo, Store } from "./store.ts";
export type { S3Credentials, S3Timeouts } from "./s3_store.ts";
export { checkSchema, LAKE_COLUMNS, type RawRows, rawTable } from "./schema.ts";
export { curatedYear, yearPrefix } from "./keys.ts";
export { validateBars, type ValidationResult } from "./validate.ts";
