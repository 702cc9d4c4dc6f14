/**
 * Where things are: the repository, the CDK app, the default bundle directory.
 *
 * @module
 */

import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's root (this file is `pipeline-cdk/lib/paths.ts`). */
export const REPO_ROOT: string = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** The CDK app's directory (`cdk.json`, `cdk.out/`). */
export const CDK_DIR: string = resolve(REPO_ROOT, "pipeline-cdk");

/** Where `deno task bundle` writes (`--out`), and `bin/app.ts` reads, the bundles by default. */
export const DEFAULT_BUNDLE_DIR: string = resolve(CDK_DIR, ".build/lambda");
