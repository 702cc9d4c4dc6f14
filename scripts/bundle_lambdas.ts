/**
 * Bundles the pipeline's Lambda entry points (`src/pipeline/lambda/*.ts`, each
 * exporting `handler`) for Lambda's Node.js 22 with {@link bundleForNode}: one
 * directory per entry, `<out>/<entry>/index.mjs` with its source map and
 * `duckdb-eh.wasm`, ready for `lambda.Code.fromAsset`, and `<out>/manifest.json`
 * listing each bundle's size and SHA-256. The CDK app (`deno task synth`, and
 * `cdk.json`'s `"app"`) runs it before it synthesises, and the tests run the
 * bundles under `node`.
 *
 * Minified, with names kept (error names and stack traces stay readable, and
 * Lambda runs with `--enable-source-maps`); the same sources give the same bytes
 * in any clone, so an unchanged handler keeps its asset hash.
 *
 * ```sh
 * deno run -A --config deno.dev.json scripts/bundle_lambdas.ts --out pipeline-cdk/.build/lambda
 * ```
 *
 * @module
 */

import { readdirSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { ConfigError } from "../src/core/errors.ts";
import { bundleForNode, DUCKDB_WASM_FILE, REPO_ROOT } from "./bundle.ts";

/** Where the Lambda entry points are, relative to the project's root. */
export const LAMBDA_DIR = "src/pipeline/lambda";

/** The Node.js version the bundles are built for: Lambda's `nodejs22.x`. */
export const LAMBDA_TARGET = "node22";

/**
 * The Lambda entry points: the modules of {@link LAMBDA_DIR}, without `.ts`
 * (`_*.ts` are their shared pieces, not entries).
 *
 * @returns Their names, sorted: `aggregate_results`, `fetch_stock_data`, `update_symbols`.
 */
export function lambdaEntries(): string[] {
  return readdirSync(join(REPO_ROOT, LAMBDA_DIR))
    .filter((f) => f.endsWith(".ts") && !f.startsWith("_"))
    .map((f) => f.slice(0, -3))
    .sort();
}

/** One function's bundle. */
export interface LambdaBundle {
  /** The entry's name (the module under {@link LAMBDA_DIR}, and the bundle's directory name). */
  entry: string;
  /** The directory to deploy. */
  dir: string;
  /** Bytes of `index.mjs`. */
  bundleBytes: number;
  /** Bytes of the duckdb-wasm file beside it, or 0. */
  wasmBytes: number;
  /** SHA-256 of `index.mjs`. */
  sha256: string;
  /** Modules esbuild put in the bundle. */
  inputs: number;
}

/** Options of {@link bundleLambdas}. */
export interface BundleLambdasOptions {
  /** Output directory; each entry's directory in it is replaced. */
  outDir: string;
  /** Which entries. @default {lambdaEntries()} */
  entries?: readonly string[];
  /** Progress lines. @default {none} */
  log?: (line: string) => void;
}

/**
 * Bundles each entry into `<outDir>/<entry>/` and writes `<outDir>/manifest.json`.
 *
 * @param options Output directory, entries, progress.
 * @returns One record per bundle, in the order of the entries.
 * @throws {ConfigError} When an entry is not a module of {@link LAMBDA_DIR}.
 * @throws {Error} Naming the entry, when esbuild reports an error.
 *
 * @example
 * ```ts ignore
 * import { bundleLambdas } from "./scripts/bundle_lambdas.ts";
 * const bundles = await bundleLambdas({ outDir: "/tmp/lambda" });
 * console.log(bundles.map((b) => `${b.entry}: ${b.bundleBytes} bytes`));
 * ```
 */
export async function bundleLambdas(options: BundleLambdasOptions): Promise<LambdaBundle[]> {
  const outDir = resolve(options.outDir);
  const entries = options.entries ?? lambdaEntries();
  const log = options.log ?? (() => {});
  const known = new Set(lambdaEntries());
  const unknown = entries.filter((e) => !known.has(e));
  if (unknown.length > 0) {
    throw new ConfigError(
      `No Lambda entry ${unknown.map((e) => `"${e}"`).join(", ")} in ${LAMBDA_DIR}/ ` +
        `(it has ${[...known].join(", ")})`,
    );
  }
  await mkdir(outDir, { recursive: true });
  const bundles: LambdaBundle[] = [];
  for (const entry of entries) {
    const dir = join(outDir, entry);
    await rm(dir, { recursive: true, force: true });
    const b = await bundleForNode({
      entry: join(REPO_ROOT, LAMBDA_DIR, `${entry}.ts`),
      outDir: dir,
      target: LAMBDA_TARGET,
      minify: true,
      keepNames: true,
      sourcemap: true,
      install: bundles.length === 0, // one install covers them all: they share their packages
    });
    bundles.push({
      entry,
      dir,
      bundleBytes: b.bytes,
      wasmBytes: b.wasmBytes,
      sha256: b.sha256,
      inputs: b.inputs,
    });
    log(
      `${entry.padEnd(18)} ${(b.bytes / 1024).toFixed(0).padStart(6)} KB bundle` +
        (b.wasmBytes > 0 ? ` + ${(b.wasmBytes / 2 ** 20).toFixed(1)} MB ${DUCKDB_WASM_FILE}` : "") +
        ` (${b.inputs} modules)`,
    );
  }
  await writeFile(
    join(outDir, "manifest.json"),
    JSON.stringify(
      { target: LAMBDA_TARGET, bundles: bundles.map(({ dir: _, ...b }) => b) },
      null,
      2,
    ) + "\n",
  );
  return bundles;
}

if (import.meta.main) {
  const usage =
    "usage: deno run -A --config deno.dev.json scripts/bundle_lambdas.ts --out DIR [ENTRY…]";
  let args;
  try {
    args = parseArgs({
      args: process.argv.slice(2),
      options: { out: { type: "string" } },
      allowPositionals: true,
    });
  } catch (err) {
    console.error(`error: ${(err as Error).message}\n${usage}`);
    process.exit(2);
  }
  if (args.values.out === undefined) {
    console.error(usage);
    process.exit(2);
  }
  const started = performance.now();
  try {
    await bundleLambdas({
      outDir: args.values.out,
      ...(args.positionals.length > 0 ? { entries: args.positionals } : {}),
      log: (line) => console.error(line),
    });
  } catch (err) {
    console.error(`error: ${(err as Error).message}`);
    process.exit(err instanceof ConfigError ? 2 : 1);
  }
  console.error(
    `Bundled into ${args.values.out} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}
