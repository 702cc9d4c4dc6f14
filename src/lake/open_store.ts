/**
 * `openStore`: one URI → the right {@link LakeStore} (a local directory, or S3
 * behind the ETag cache).
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { ConfigError } from "../core/errors.ts";
import { defaultCacheDir, defaultLake } from "./defaults.ts";
import { LocalStore } from "./local_store.ts";
import type { S3Credentials, S3Timeouts } from "./s3_store.ts";
import type { LakeStore } from "./store.ts";

/** Options for {@link openStore}. */
export interface OpenStoreOptions {
  /**
   * Root of the S3 object cache (ignored for local lakes).
   * @default {env ASXLAB_CACHE_DIR, else data-cache/s3 in the repository}
   */
  cacheDir?: string;
  /** S3 endpoint (s3rver, MinIO…); turns on path-style addressing. @default {env AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL} */
  endpoint?: string;
  /** AWS region. @default {env AWS_REGION / AWS_DEFAULT_REGION, else "ap-southeast-2"} */
  region?: string;
  /** Static credentials. @default {the SDK's default provider chain} */
  credentials?: S3Credentials;
  /** S3 connect and idle timeouts and attempts. @default {5 s, 15 s, 3, or the environment; see S3Timeouts} */
  timeouts?: S3Timeouts;
}

/**
 * Opens the lake's object store.
 *
 * - `s3://bucket[/prefix]` → a {@link CachedStore} over an {@link S3Store}
 *   (objects cached under `<cacheDir>/<bucket>/<key>`).
 * - `file:///abs/path` or a plain path → a {@link LocalStore}.
 * - `undefined` → env `ASXLAB_LAKE`, else the shipped sample (`data-cache/lake` in the repository).
 *
 * @param uri Where the lake is.
 * @param options Cache root and S3 connection settings.
 * @returns The store; call `close()` when done.
 * @throws {ConfigError} For an empty URI, an unsupported scheme (quoting the URI) or a malformed S3 URI.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openStore } from "./open_store.ts";
 * const store = await openStore(await Deno.makeTempDir());
 * assert.equal((await store.list("")).length, 0);
 * await store.close?.();
 * ```
 */
export async function openStore(uri?: string, options: OpenStoreOptions = {}): Promise<LakeStore> {
  const target = uri ?? defaultLake();
  if (target.trim() === "") {
    throw new ConfigError(
      `Invalid lake URI "": expected s3://bucket[/prefix], file:///path or a path`,
    );
  }
  if (target.startsWith("s3://")) {
    // Loaded on demand: the AWS SDK costs ~0.2 s of start-up that local lakes never need.
    const [{ S3Store }, { CachedStore }] = await Promise.all([
      import("./s3_store.ts"),
      import("./cache.ts"),
    ]);
    const s3 = new S3Store(target, {
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      ...(options.region === undefined ? {} : { region: options.region }),
      ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
      ...(options.timeouts === undefined ? {} : { timeouts: options.timeouts }),
    });
    return new CachedStore(s3, { cacheDir: options.cacheDir ?? defaultCacheDir() });
  }
  if (target.startsWith("file:")) {
    let path: string;
    try {
      path = fileURLToPath(target);
    } catch (err) {
      throw new ConfigError(
        `Invalid lake URI ${JSON.stringify(target)}: not a valid file:// URL (${
          (err as Error).message
        })`,
        { cause: err },
      );
    }
    return new LocalStore(path);
  }
  // Any other "scheme:" (but not a Windows drive letter such as C:\) is unsupported.
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.\-]*):/.exec(target);
  if (scheme !== null && !/^[a-zA-Z]:[\\/]/.test(target)) {
    throw new ConfigError(
      `Unsupported lake URI ${JSON.stringify(target)}: scheme "${
        scheme[1]
      }:" is not one of s3://, file:// or a plain path`,
    );
  }
  return new LocalStore(target);
}
