/**
 * Bundles an asxlab entry module into one ES module that runs under plain Node
 * (Lambda's Node 22, or Node 20 here), with the duckdb-wasm build it needs beside
 * it. The one bundler: the pipeline's Lambda bundles (`scripts/bundle_lambdas.ts`,
 * which the CDK app deploys) and the test that runs a bundled lake read use it.
 *
 * What it takes for the lake to run bundled, and how this does it:
 * - esbuild (npm, pinned in deno.dev.json for the tests and in pipeline-cdk/deno.json
 *   for `deno task synth`, the same version: tests/config_test.ts) with
 *   `platform: "node"`, `format: "esm"` and Node's resolution conditions: the npm
 *   packages are resolved from the project's `node_modules/`, which `deno install
 *   --entrypoint` fills first with exactly what {@link INSTALL_CONFIG} and its lock
 *   pin (deno.json's runtime pins plus the pipeline's: what ships).
 * - A banner defining `require`, `__filename` and `__dirname` (from `createRequire`
 *   and `fileURLToPath(import.meta.url)`), which the CommonJS inside (duckdb-wasm,
 *   the AWS SDK) expects and ES modules do not have.
 * - `duckdb-eh.wasm` copied beside a bundle that holds duckdb-wasm, from the very
 *   package esbuild bundled: the wasm engine looks for it next to its own module
 *   first (see `src/lake/engine_wasm.ts`).
 * - `@duckdb/node-api` (the opt-in native engine, an N-API addon) left external:
 *   a deployment that wants it ships it in `node_modules/`.
 * - Paths inside the bundle and its source map are relative to the project, so
 *   the same sources give the same bytes in any clone.
 * - Library code uses `node:` builtins and `process.env`, never `Deno.*`, so
 *   nothing else changes between Deno and Node.
 *
 * ```sh
 * deno run -A --config deno.dev.json scripts/bundle.ts src/some/entry.ts dist/out
 * node dist/out/index.mjs
 * ```
 *
 * @module
 */

import { createHash } from "node:crypto";
import { copyFile, mkdir, readFile, stat } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

/** The project's root (this file is `scripts/bundle.ts`). */
export const REPO_ROOT: string = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * The config whose pins a bundle holds: deno.json's runtime packages plus the
 * pipeline-only ones (yahoo-finance2, aws-local-stepfunctions), which the
 * Lambdas bundle.
 */
export const INSTALL_CONFIG = "deno.pipeline.json";

/** The duckdb-wasm build the wasm engine loads (src/lake's `WASM_FILE`). */
export const DUCKDB_WASM_FILE = "duckdb-eh.wasm";

/**
 * Packages never bundled: the native DuckDB engine is opt-in for large local
 * work and carries platform binaries esbuild cannot bundle.
 */
export const EXTERNAL_PACKAGES: readonly string[] = ["@duckdb/node-api", "@duckdb/node-bindings*"];

/** Options of {@link bundleForNode}. */
export interface BundleOptions {
  /** The entry module (TypeScript or JavaScript), e.g. a Lambda handler. */
  entry: string;
  /** Where to write the bundle and the wasm file (created if needed). */
  outDir: string;
  /** The bundle's file name. @default {"index.mjs"} */
  name?: string;
  /** Packages left out of the bundle, resolved from `node_modules/` at run time. @default {EXTERNAL_PACKAGES} */
  external?: readonly string[];
  /** Node version to compile for. @default {"node20"} */
  target?: string;
  /** Minify the output. @default {false} */
  minify?: boolean;
  /** Keep function and class names through minification (for stack traces and error names). @default {false} */
  keepNames?: boolean;
  /** Write a linked source map (`<name>.map`, paths only, no sources inside). @default {false} */
  sourcemap?: boolean;
  /**
   * Install the entry's npm packages into `node_modules/` first (`deno install
   * --entrypoint` with {@link INSTALL_CONFIG}); a no-op when they are there.
   * @default {true}
   */
  install?: boolean;
}

/** What {@link bundleForNode} wrote. */
export interface BundleResult {
  /** The bundle, an ES module. */
  file: string;
  /** Its size in bytes. */
  bytes: number;
  /** Its SHA-256, hex. */
  sha256: string;
  /** How many modules esbuild put in it. */
  inputs: number;
  /** The duckdb-wasm build copied beside it, when the bundle holds duckdb-wasm. */
  wasm: string | undefined;
  /** That file's size in bytes, or 0. */
  wasmBytes: number;
}

/** Defines what CommonJS code expects and an ES module lacks. */
const BANNER = [
  `import { createRequire as __asxlabCreateRequire } from "node:module";`,
  `import { fileURLToPath as __asxlabFileURLToPath } from "node:url";`,
  `import { dirname as __asxlabDirname } from "node:path";`,
  `const require = __asxlabCreateRequire(import.meta.url);`,
  `const __filename = __asxlabFileURLToPath(import.meta.url);`,
  `const __dirname = __asxlabDirname(__filename);`,
].join("\n");

/**
 * Fills `node_modules/` with the npm packages the entries import, as
 * {@link INSTALL_CONFIG} and its lock pin them.
 *
 * @throws {Error} When `deno install` fails (its output is in the message).
 */
async function installPackages(entries: readonly string[]): Promise<void> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["install", "--quiet", "--config", INSTALL_CONFIG, "--entrypoint", ...entries],
    cwd: REPO_ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(
      `Cannot install the npm packages of ${entries.join(", ")} (deno install): ${
        new TextDecoder().decode(out.stderr).trim()
      }`,
    );
  }
}

/**
 * Bundles `entry` for Node and copies `duckdb-eh.wasm` beside the bundle when it
 * holds duckdb-wasm.
 *
 * @param options Entry, output directory, name, externals, target, minify, names, source map.
 * @returns The bundle's path, size, hash and module count, and the wasm file's.
 * @throws {Error} Naming the entry: esbuild's errors (an unresolvable import…), or a failed install.
 *
 * @example
 * ```ts ignore
 * import { bundleForNode } from "./scripts/bundle.ts";
 * const { file } = await bundleForNode({ entry: "src/pipeline/lambda/fetch_stock_data.ts", outDir: "dist/fetch" });
 * ```
 */
export async function bundleForNode(options: BundleOptions): Promise<BundleResult> {
  const entry = resolve(options.entry);
  const outDir = resolve(options.outDir);
  const file = join(outDir, options.name ?? "index.mjs");
  if (options.install ?? true) await installPackages([entry]);
  await mkdir(outDir, { recursive: true });
  let result: esbuild.BuildResult<{ metafile: true }>;
  try {
    result = await esbuild.build({
      entryPoints: [entry],
      outfile: file,
      absWorkingDir: REPO_ROOT,
      bundle: true,
      platform: "node",
      format: "esm",
      target: options.target ?? "node20",
      // Node's own resolution conditions, so packages pick their Node builds.
      conditions: ["node", "import", "module", "default"],
      mainFields: ["module", "main"],
      banner: { js: BANNER },
      external: [...(options.external ?? EXTERNAL_PACKAGES)],
      minify: options.minify ?? false,
      keepNames: options.keepNames ?? false,
      sourcemap: options.sourcemap ? "linked" : false,
      sourcesContent: false,
      legalComments: "none",
      metafile: true,
      logLevel: "silent",
    });
  } catch (err) {
    throw new Error(`Cannot bundle ${relative(REPO_ROOT, entry)}: ${String(err)}`);
  } finally {
    await esbuild.stop(); // the service process would otherwise keep Deno alive
  }
  const inputs = Object.keys(result.metafile.inputs);
  const duckdb = inputs.find((p) => p.includes("@duckdb/duckdb-wasm/dist/"));
  let wasm: string | undefined;
  let wasmBytes = 0;
  if (duckdb) {
    wasm = join(outDir, DUCKDB_WASM_FILE);
    await copyFile(join(REPO_ROOT, dirname(duckdb), DUCKDB_WASM_FILE), wasm);
    wasmBytes = (await stat(wasm)).size;
  }
  const code = await readFile(file);
  return {
    file,
    bytes: code.byteLength,
    sha256: createHash("sha256").update(new Uint8Array(code)).digest("hex"),
    inputs: inputs.length,
    wasm,
    wasmBytes,
  };
}

if (import.meta.main) {
  const [entry, outDir] = process.argv.slice(2);
  if (!entry || !outDir) {
    console.error(
      "usage: deno run -A --config deno.dev.json scripts/bundle.ts <entry.ts> <out-dir>",
    );
    process.exit(2);
  }
  try {
    const { file, bytes, wasm } = await bundleForNode({ entry, outDir });
    console.log(`wrote ${file} (${(bytes / 1e6).toFixed(1)} MB)${wasm ? ` and ${wasm}` : ""}`);
  } catch (err) {
    console.error(`error: ${(err as Error).message}`);
    process.exit(1);
  }
}
