/**
 * The two packages only the pipeline loads (yahoo-finance2 for the fetcher,
 * aws-local-stepfunctions for the local runner) are pinned in
 * `deno.pipeline.json`, not in `deno.json`, so that the research install (the
 * README's first command, a notebook kernel) does not download them. Both are
 * imported lazily through {@link loadPipelinePackage}, which turns Deno's
 * "not a dependency" into one clear line naming the fix. Under Node (a bundled
 * Lambda) they are part of the bundle and always load.
 *
 * @module
 */

import { ConfigError } from "../core/errors.ts";

/**
 * Runs a dynamic import of a pipeline-only package.
 *
 * @param name The package, for the message (e.g. `"yahoo-finance2"`).
 * @param load The `import()` itself (a literal specifier, so bundlers see it).
 * @returns What the import resolves to.
 * @throws {ConfigError} When the running config does not map the package.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadPipelinePackage } from "./_pipeline_packages.ts";
 * await assert.rejects(
 *   loadPipelinePackage("no-such-package", () => import("no-such-package" as string)),
 *   /deno task pipeline/,
 * );
 * ```
 */
export async function loadPipelinePackage<T>(name: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    const e = err as { code?: unknown; message?: unknown };
    if (e?.code === "ERR_MODULE_NOT_FOUND" && String(e.message).includes(name)) {
      throw new ConfigError(
        `The pipeline's package "${name}" is not in this Deno config: run the pipeline with ` +
          `"deno task pipeline", or start Deno with --config deno.pipeline.json ` +
          `(deno.json leaves it out to keep the research install small)`,
        { cause: err },
      );
    }
    throw err;
  }
}
