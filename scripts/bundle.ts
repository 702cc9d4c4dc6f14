/**
 * Bundles an asxlab entry module into one ES module that runs under plain Node
 * (Lambda's Node 22, or Node 20 here), with the duckdb-wasm build it needs beside
 * it. The pipeline's Lambda handlers and the CDK app use this; a test runs a bundled
 * lake read under `node`.
 *
 * What it takes for the lake to run bundled, and how this does it:
 * - esbuild (npm, pinned in deno.dev.json) with `platform: "node"`, `format: "esm"`:
 *   the npm packages are resolved from `node_modules/` (run `deno install --config
 *   deno.dev.json` first; the tests and benches do).
 * - A banner defining `require`, `__filename` and `__dirname` (from `createRequire`
 *   and `fileURLToPath(import.meta.url)`), which the CommonJS inside (duckdb-wasm,
 *   the AWS SDK) expects and ES modules do not have.
 * - `duckdb-eh.wasm` copied beside the bundle: the wasm engine looks for it next to
 *   its own module first (see `src/lake/engine_wasm.ts`).
 * - `@duckdb/node-api` (the opt-in native engine, an N-API addon) left external:
 *   a deployment that wants it ships it in `node_modules/`.
 * - Library code uses `node:` builtins and `process.env`, never `Deno.*`, so
 *   nothing else changes between Deno and Node.
 *
 * ```sh
 * deno run -A --config deno.dev.json scripts/bundle.ts src/pipeline/handlers.ts dist/pipeline
 * node dist/pipeline/index.mjs
 * ```
 *
 * @module
 */

import { copyFile, mkdir, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { basename, join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

/** Options of {@link bundleForNode}. */
export interface BundleOptions {
  /** The entry module (TypeScript or JavaScript), e.g. a Lambda handler. */
  entry: string;
  /** Where to write the bundle and the wasm file (created if needed). */
  outDir: string;
  /** The bundle's file name. @default {"index.mjs"} */
  name?: string;
  /** Packages left out of the bundle, resolved from `node_modules/` at run time. @default {["@duckdb/node-api"]} */
  external?: readonly string[];
  /** Node version to compile for. @default {"node20"} */
  target?: string;
  /** Minify the output. @default {false} */
  minify?: boolean;
}

/** What {@link bundleForNode} wrote. */
export interface BundleResult {
  /** The bundle, an ES module. */
  file: string;
  /** Its size in bytes. */
  bytes: number;
  /** The duckdb-wasm build copied beside it. */
  wasm: string;
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

/** The wasm engine's build, from the installed duckdb-wasm package. */
function duckdbWasmFile(): string {
  const spec = "@duckdb/duckdb-wasm/dist/duckdb-eh.wasm";
  try {
    const url = import.meta.resolve(spec);
    if (url.startsWith("file:")) return fileURLToPath(url);
  } catch {
    // fall through to Node resolution
  }
  return createRequire(import.meta.url).resolve(spec);
}

/**
 * Bundles `entry` for Node and copies `duckdb-eh.wasm` beside the bundle.
 *
 * @param options Entry, output directory, name, externals, target, minify.
 * @returns The bundle's path and size, and the wasm file's path.
 * @throws {Error} esbuild's errors (unresolvable imports…), or when duckdb-wasm is not installed.
 *
 * @example
 * ```ts ignore
 * import { bundleForNode } from "./scripts/bundle.ts";
 * const { file } = await bundleForNode({ entry: "src/pipeline/handlers.ts", outDir: "dist/pipeline" });
 * ```
 */
export async function bundleForNode(options: BundleOptions): Promise<BundleResult> {
  const outDir = resolve(options.outDir);
  const file = join(outDir, options.name ?? "index.mjs");
  await mkdir(outDir, { recursive: true });
  try {
    await esbuild.build({
      entryPoints: [resolve(options.entry)],
      outfile: file,
      bundle: true,
      platform: "node",
      format: "esm",
      target: options.target ?? "node20",
      minify: options.minify ?? false,
      external: [...(options.external ?? ["@duckdb/node-api"])],
      banner: { js: BANNER },
      logLevel: "silent",
    });
  } finally {
    await esbuild.stop(); // the service process would otherwise keep Deno alive
  }
  const wasm = join(outDir, basename(duckdbWasmFile()));
  await copyFile(duckdbWasmFile(), wasm);
  return { file, bytes: (await stat(file)).size, wasm };
}

if (import.meta.main) {
  const [entry, outDir] = process.argv.slice(2);
  if (!entry || !outDir) {
    console.error(
      "usage: deno run -A --config deno.dev.json scripts/bundle.ts <entry.ts> <out-dir>",
    );
    process.exit(2);
  }
  const { file, bytes, wasm } = await bundleForNode({ entry, outDir });
  console.log(`wrote ${file} (${(bytes / 1e6).toFixed(1)} MB) and ${wasm}`);
}
