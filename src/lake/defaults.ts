/**
 * Where asxlab keeps its data when nothing else is said: the one definition of
 * the default lake and S3 object cache, resolved from this module so they are the
 * same folders from any working directory.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { envVar } from "../core/env.ts";

/** The shipped sample lake, `data-cache/lake/` in the repository. */
export const DEFAULT_LAKE_DIR: string = fileURLToPath(
  new URL("../../data-cache/lake", import.meta.url),
);

/**
 * The pipeline's own local lake, `data-cache/pipeline-lake/` in the repository:
 * where `deno task pipeline` (and `deno task pipeline:demo`) write when no lake is
 * given, never the shipped sample.
 */
export const DEFAULT_PIPELINE_LAKE_DIR: string = fileURLToPath(
  new URL("../../data-cache/pipeline-lake", import.meta.url),
);

/** The default S3 object cache, `data-cache/s3/` in the repository. */
export const DEFAULT_CACHE_DIR: string = fileURLToPath(
  new URL("../../data-cache/s3", import.meta.url),
);

/**
 * The lake to open when none is given: env `ASXLAB_LAKE`, else the shipped sample.
 *
 * @returns A lake URI or directory.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultLake } from "./defaults.ts";
 * assert.ok(defaultLake().length > 0);
 * ```
 */
export function defaultLake(): string {
  return envVar("ASXLAB_LAKE") ?? DEFAULT_LAKE_DIR;
}

/**
 * The S3 object cache to use when none is given: env `ASXLAB_CACHE_DIR` (e.g.
 * `/tmp/asxlab-cache` in a Lambda, whose file system is read-only elsewhere), else
 * {@link DEFAULT_CACHE_DIR}.
 *
 * @returns A directory.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultCacheDir } from "./defaults.ts";
 * assert.ok(defaultCacheDir().length > 0);
 * ```
 */
export function defaultCacheDir(): string {
  return envVar("ASXLAB_CACHE_DIR") ?? DEFAULT_CACHE_DIR;
}
