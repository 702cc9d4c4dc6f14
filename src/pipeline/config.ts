/**
 * The pipeline's settings, and the handlers' dependencies built from them:
 * the one place where the Lambda entry points (from `process.env`) and the
 * local runner (from command-line flags) turn settings into a lake, a Yahoo
 * client and a clock.
 *
 * @module
 */

import { ConfigError } from "../core/errors.ts";
import type { EngineKind } from "../lake/engine.ts";
import { type Lake, openLake } from "../lake/lake.ts";
import type { S3Credentials } from "../lake/s3_store.ts";
import { ASX_LIST_URL, fetchAsxList } from "../sources/asx.ts";
import type { YahooOptions } from "../sources/yahoo.ts";
import type { AggregateDeps } from "./aggregate_results.ts";
import type { FetchBatchDeps } from "./fetch_batch.ts";
import type { UpdateSymbolsDeps } from "./update_symbols.ts";

/** Everything a pipeline run can be told. */
export interface PipelineConfig {
  /** The lake: a directory or `s3://bucket/prefix`. */
  lake: string;
  /** Where S3 objects are cached (Lambda: under `/tmp`). @default {the lake's default} */
  cacheDir?: string;
  /** Query engine. @default {"wasm"} */
  engine?: EngineKind;
  /** S3 endpoint (a local S3 server). */
  s3Endpoint?: string;
  /** S3 credentials. @default {the AWS SDK's chain} */
  s3Credentials?: S3Credentials;
  /** Send Yahoo requests here instead of Yahoo. @default {Yahoo} */
  yahooUrl?: string;
  /** Where the ASX list is downloaded from. @default {ASX_LIST_URL} */
  asxListUrl?: string;
  /** Pause between symbols, ms. @default {2000} */
  pauseMs?: number;
  /** Per Yahoo request, ms. @default {10000} */
  timeoutMs?: number;
  /** Retries per symbol. @default {4} */
  retries?: number;
  /** First retry backoff, ms (doubles each retry). @default {1000} */
  retryBaseMs?: number;
  /** Longest retry backoff, ms. @default {30000} */
  retryMaxMs?: number;
  /** Symbols per batch. @default {100} */
  batchSize?: number;
  /** Largest share the ASX list may shrink by without `force`. @default {0.1} */
  maxShrink?: number;
  /** The run alerts when more than this share of symbols failed. @default {0.2} */
  maxFailedShare?: number;
  /** Largest day-on-day move needing no split. @default {0.5} */
  maxJump?: number;
}

/** The three handlers' dependencies, sharing one lake. */
export interface PipelineDeps {
  /** The lake they share. */
  lake: Lake;
  /** For `updateSymbols`. */
  updateSymbols: UpdateSymbolsDeps;
  /** For `fetchBatch`. */
  fetchBatch: FetchBatchDeps;
  /** For `aggregateResults`. */
  aggregate: AggregateDeps;
  /** Closes the lake. */
  close(): Promise<void>;
}

/** The environment variables the Lambda entry points read, and what they set. */
export const PIPELINE_ENV = {
  ASXLAB_LAKE: "lake (required)",
  ASXLAB_CACHE_DIR: "cacheDir (default /tmp/asxlab-s3-cache in Lambda)",
  ASXLAB_ENGINE: "engine",
  AWS_ENDPOINT_URL_S3: "s3Endpoint",
  ASXLAB_YAHOO_URL: "yahooUrl",
  ASXLAB_ASX_LIST_URL: "asxListUrl",
  ASXLAB_FETCH_PAUSE_MS: "pauseMs",
  ASXLAB_FETCH_TIMEOUT_MS: "timeoutMs",
  ASXLAB_FETCH_RETRIES: "retries",
  ASXLAB_RETRY_BASE_MS: "retryBaseMs",
  ASXLAB_BATCH_SIZE: "batchSize",
  ASXLAB_MAX_LIST_SHRINK: "maxShrink",
  ASXLAB_MAX_FAILED_SHARE: "maxFailedShare",
  ASXLAB_MAX_JUMP: "maxJump",
} as const;

/**
 * Reads the pipeline's settings from environment variables (see {@link PIPELINE_ENV}).
 *
 * @param env e.g. `process.env`.
 * @returns The settings.
 * @throws {ConfigError} When `ASXLAB_LAKE` is missing or a number is malformed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pipelineConfigFromEnv } from "./config.ts";
 * const c = pipelineConfigFromEnv({ ASXLAB_LAKE: "s3://lake/asx", ASXLAB_FETCH_PAUSE_MS: "500" });
 * assert.equal(c.pauseMs, 500);
 * ```
 */
export function pipelineConfigFromEnv(env: Record<string, string | undefined>): PipelineConfig {
  const lake = env.ASXLAB_LAKE;
  if (lake === undefined || lake.trim() === "") {
    throw new ConfigError("ASXLAB_LAKE is not set: the pipeline needs a lake (s3://bucket/prefix)");
  }
  const num = (name: keyof typeof PIPELINE_ENV): number | undefined => {
    const text = env[name];
    if (text === undefined || text.trim() === "") return undefined;
    const n = Number(text);
    if (!Number.isFinite(n) || n < 0) {
      throw new ConfigError(`${name} must be a non-negative number, got "${text}"`);
    }
    return n;
  };
  const str = (name: keyof typeof PIPELINE_ENV) => {
    const v = env[name];
    return v === undefined || v.trim() === "" ? undefined : v;
  };
  const engine = str("ASXLAB_ENGINE");
  if (engine !== undefined && engine !== "wasm" && engine !== "native") {
    throw new ConfigError(`ASXLAB_ENGINE must be "wasm" or "native", got "${engine}"`);
  }
  const config: PipelineConfig = {
    lake,
    cacheDir: str("ASXLAB_CACHE_DIR") ?? "/tmp/asxlab-s3-cache",
    engine: engine as EngineKind | undefined,
    s3Endpoint: str("AWS_ENDPOINT_URL_S3"),
    yahooUrl: str("ASXLAB_YAHOO_URL"),
    asxListUrl: str("ASXLAB_ASX_LIST_URL"),
    pauseMs: num("ASXLAB_FETCH_PAUSE_MS"),
    timeoutMs: num("ASXLAB_FETCH_TIMEOUT_MS"),
    retries: num("ASXLAB_FETCH_RETRIES"),
    retryBaseMs: num("ASXLAB_RETRY_BASE_MS"),
    batchSize: num("ASXLAB_BATCH_SIZE"),
    maxShrink: num("ASXLAB_MAX_LIST_SHRINK"),
    maxFailedShare: num("ASXLAB_MAX_FAILED_SHARE"),
    maxJump: num("ASXLAB_MAX_JUMP"),
  };
  return Object.fromEntries(
    Object.entries(config).filter(([, v]) => v !== undefined),
  ) as unknown as PipelineConfig;
}

/** Options of {@link openPipeline} beyond the settings. */
export interface OpenPipelineOptions {
  /** The clock. @default {() => new Date()} */
  now?: () => Date;
  /** How to wait (pauses and retry backoffs). @default {setTimeout} */
  sleep?: (ms: number) => Promise<void>;
  /** The HTTP client for Yahoo and the ASX. @default {globalThis.fetch} */
  fetch?: typeof fetch;
  /** Progress lines from the handlers. */
  log?: (line: string) => void;
  /** Called after each symbol a batch fetches. */
  onSymbol?: (symbol: string, ok: boolean) => void;
}

/**
 * Opens the lake and builds each handler's dependencies from the settings.
 *
 * @param config The settings.
 * @param options Clock, sleep, HTTP client and progress hooks.
 * @returns The dependencies; `close()` them when done.
 * @throws {ConfigError} On a bad lake URI or engine.
 */
export async function openPipeline(
  config: PipelineConfig,
  options: OpenPipelineOptions = {},
): Promise<PipelineDeps> {
  const lake = await openLake(config.lake, {
    ...(config.cacheDir === undefined ? {} : { cacheDir: config.cacheDir }),
    ...(config.engine === undefined ? {} : { engine: config.engine }),
    ...(config.s3Endpoint === undefined ? {} : { endpoint: config.s3Endpoint }),
    ...(config.s3Credentials === undefined ? {} : { credentials: config.s3Credentials }),
  });
  const now = options.now ?? (() => new Date());
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const yahoo: YahooOptions = {
    ...(config.yahooUrl === undefined ? {} : { baseUrl: config.yahooUrl }),
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    ...(config.timeoutMs === undefined ? {} : { timeoutMs: config.timeoutMs }),
    retry: {
      ...(config.retries === undefined ? {} : { retries: config.retries }),
      ...(config.retryBaseMs === undefined ? {} : { baseMs: config.retryBaseMs }),
      ...(config.retryMaxMs === undefined ? {} : { maxMs: config.retryMaxMs }),
    },
    sleep,
  };
  const asxListUrl = config.asxListUrl ?? ASX_LIST_URL;
  return {
    lake,
    updateSymbols: {
      lake,
      now,
      listSource: () =>
        fetchAsxList(asxListUrl, {
          ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
          ...(config.timeoutMs === undefined ? {} : { timeoutMs: config.timeoutMs }),
        }),
      ...(config.batchSize === undefined ? {} : { batchSize: config.batchSize }),
      ...(config.maxShrink === undefined ? {} : { maxShrink: config.maxShrink }),
      ...(options.log === undefined ? {} : { log: options.log }),
    },
    fetchBatch: {
      lake,
      now,
      yahoo,
      pauseMs: config.pauseMs ?? 2000,
      sleep,
      ...(options.onSymbol === undefined ? {} : { onSymbol: options.onSymbol }),
    },
    aggregate: {
      lake,
      now,
      ...(config.maxJump === undefined ? {} : { maxJump: config.maxJump }),
      ...(config.maxFailedShare === undefined ? {} : { maxFailedShare: config.maxFailedShare }),
      ...(options.log === undefined ? {} : { log: options.log }),
    },
    close: () => lake.close(),
  };
}
