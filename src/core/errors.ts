/**
 * Typed errors that callers catch. Everything else is a plain `TypeError` or
 * `RangeError` by meaning. The CLIs turn these into one line on stderr and exit
 * code 2.
 *
 * @module
 */

/** Options shared by the asxlab error classes. */
export interface AsxlabErrorOptions {
  /** The underlying error, if any. */
  cause?: unknown;
}

/**
 * A lake operation failed: a corrupt or missing object, a wrong schema, access
 * denied. The message names the key and what was being attempted.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LakeError } from "./errors.ts";
 * const err = new LakeError('Cannot read "ohlcv/year=2020/part-0.parquet": not a Parquet file', {
 *   key: "ohlcv/year=2020/part-0.parquet",
 * });
 * assert.ok(err.key === "ohlcv/year=2020/part-0.parquet");
 * ```
 */
export class LakeError extends Error {
  /** The object key involved, when there is one. */
  readonly key: string | undefined;
  /** What kind of failure, for callers that branch on it. */
  readonly code: LakeErrorCode;
  /**
   * @param message What was attempted and why it failed, quoting the key.
   * @param options `key` of the object, `code` (default `"Other"`), `cause` the underlying error.
   */
  constructor(
    message: string,
    options: AsxlabErrorOptions & { key?: string; code?: LakeErrorCode } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "LakeError";
    this.key = options.key;
    this.code = options.code ?? "Other";
  }
}

/**
 * The kinds of {@link LakeError}: `Locked` (another writer holds the lake, or this
 * one lost its lock), `Checksum` (bytes differ from their recorded SHA-256),
 * `Invalid` (rows that fail validation where they cannot be quarantined).
 */
export type LakeErrorCode =
  | "NotFound"
  | "Empty"
  | "NoSuchBucket"
  | "AccessDenied"
  | "BadKey"
  | "Corrupt"
  | "Schema"
  | "OutOfMemory"
  | "Timeout"
  | "Locked"
  | "Checksum"
  | "Invalid"
  | "Other";

/**
 * Bad user input: a flag, a parameter, a date range, a symbol. The message says
 * what is wrong and, where it can, how to fix it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfigError } from "./errors.ts";
 * const err = new ConfigError('Unknown flag "--fsat": did you mean "--fast"?');
 * assert.ok(err.name === "ConfigError");
 * ```
 */
export class ConfigError extends Error {
  /**
   * @param message What is wrong with the input, quoting it.
   * @param options `cause` the underlying error.
   */
  constructor(message: string, options: AsxlabErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ConfigError";
  }
}

/**
 * Fetching from an external source (Yahoo, the ASX) failed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FetchError } from "./errors.ts";
 * const err = new FetchError('Cannot fetch "BHP.AX": HTTP 429', { symbol: "BHP.AX", status: 429 });
 * assert.ok(err.status === 429);
 * ```
 */
export class FetchError extends Error {
  /** The symbol being fetched, when there is one. */
  readonly symbol: string | undefined;
  /** The HTTP status, when there was a response. */
  readonly status: number | undefined;
  /**
   * @param message What was fetched and why it failed.
   * @param options `symbol`, `status` and `cause`.
   */
  constructor(
    message: string,
    options: AsxlabErrorOptions & { symbol?: string; status?: number } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "FetchError";
    this.symbol = options.symbol;
    this.status = options.status;
  }
}
