/**
 * Bundles the pipeline's Lambda entry modules (`src/pipeline/lambda/*.ts`)
 * for Node.js with esbuild: one ESM file per function, with a banner that
 * gives ESM code the `require`, `__filename` and `__dirname` that CommonJS
 * dependencies expect, and duckdb-wasm's engine file copied beside any bundle
 * that includes duckdb-wasm (the lake engine looks for it there first).
 *
 * esbuild resolves the handlers' npm packages through the project's
 * `node_modules/` (Deno fills it because `nodeModulesDir` is `"auto"`), so the
 * bundle holds exactly the versions that `deno.lock` pins and the tests run.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { copyFile, mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join, relative, resolve } from "node:path";
import * as esbuild from "esbuild";
import { PIPELINE_HANDLERS, type PipelineHandler } from "./handlers.ts";
import { DEFAULT_BUNDLE_DIR, REPO_ROOT } from "./paths.ts";

/** The duckdb-wasm build the lake engine loads (src/lake's `WASM_FILE`). */
export const DUCKDB_WASM_FILE = "duckdb-eh.wasm";

/** The Node.js version bundles are built for (Lambda's `nodejs22.x`). */
export const NODE_TARGET = "node22";

/**
 * ESM has no `require`, `__filename` or `__dirname`; bundled CommonJS
 * packages (the AWS SDK, duckdb-wasm's Node build) use them.
 */
const BANNER = [
  'import { createRequire as __asxlabCreateRequire } from "node:module";',
  'import { fileURLToPath as __asxlabFileURLToPath } from "node:url";',
  'import { dirname as __asxlabDirname } from "node:path";',
  "const require = __asxlabCreateRequire(import.meta.url);",
  "const __filename = __asxlabFileURLToPath(import.meta.url);",
  "const __dirname = __asxlabDirname(__filename);",
].join("\n");

/**
 * Packages never bundled: the native DuckDB engine is opt-in for large local
 * work, carries platform binaries esbuild cannot bundle, and no Lambda uses it.
 */
export const EXTERNAL_PACKAGES: readonly string[] = ["@duckdb/node-api", "@duckdb/node-bindings*"];

/** One function's bundle. */
export interface HandlerBundle {
  /** The handler's construct ID (the bundle's directory name). */
  id: string;
  /** The directory to deploy (`Code.fromAsset`). */
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

/** Options of {@link bundleHandlers}. */
export interface BundleOptions {
  /** Output directory (emptied first). @default {DEFAULT_BUNDLE_DIR} */
  outDir?: string;
  /** Which handlers. @default {all of PIPELINE_HANDLERS} */
  handlers?: readonly PipelineHandler[];
  /** Progress lines. @default {none} */
  log?: (line: string) => void;
  /** The project whose `src/pipeline/lambda/` is bundled. @default {REPO_ROOT} */
  root?: string;
}

/**
 * Installs the handlers' npm packages into the project's `node_modules/`
 * (a no-op when they are there), so esbuild can resolve them.
 *
 * @param entries The entry modules.
 * @throws {Error} When `deno install` fails (its output is in the message).
 */
async function installPackages(root: string, entries: readonly string[]): Promise<void> {
  const cmd = new Deno.Command(Deno.execPath(), {
    args: ["install", "--quiet", "--entrypoint", ...entries],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  });
  const out = await cmd.output();
  if (!out.success) {
    const text = new TextDecoder().decode(out.stderr).trim();
    throw new Error(`Cannot install the handlers' npm packages (deno install): ${text}`);
  }
}

/**
 * Bundles each handler into `<outDir>/<id>/index.mjs` (plus `duckdb-eh.wasm`
 * when it uses the lake engine), and writes `<outDir>/manifest.json`.
 *
 * @param options Output directory, handlers, progress.
 * @returns One record per bundle.
 * @throws {Error} When esbuild reports an error (the message lists them).
 *
 * @example
 * ```ts ignore
 * import { bundleHandlers } from "./bundle_handlers.ts";
 * const bundles = await bundleHandlers({ outDir: "/tmp/bundles" });
 * console.log(bundles.map((b) => `${b.id}: ${b.bundleBytes} bytes`));
 * ```
 */
export async function bundleHandlers(options: BundleOptions = {}): Promise<HandlerBundle[]> {
  const outDir = resolve(options.outDir ?? DEFAULT_BUNDLE_DIR);
  const handlers = options.handlers ?? PIPELINE_HANDLERS;
  const log = options.log ?? (() => {});
  const root = resolve(options.root ?? REPO_ROOT);
  const entries = handlers.map((h) => join(root, "src/pipeline/lambda", `${h.entry}.ts`));
  await installPackages(root, entries);
  await rm(outDir, { recursive: true, force: true });

  const bundles: HandlerBundle[] = [];
  for (const [i, h] of handlers.entries()) {
    const dir = join(outDir, h.id);
    await mkdir(dir, { recursive: true });
    const outfile = join(dir, "index.mjs");
    const result = await esbuild.build({
      entryPoints: [entries[i]!],
      outfile,
      absWorkingDir: root,
      bundle: true,
      platform: "node",
      format: "esm",
      target: NODE_TARGET,
      // Node's own resolution conditions, so packages pick their Node builds.
      conditions: ["node", "import", "module", "default"],
      mainFields: ["module", "main"],
      banner: { js: BANNER },
      external: [...EXTERNAL_PACKAGES],
      minify: true,
      keepNames: true,
      sourcemap: "linked",
      sourcesContent: false,
      legalComments: "none",
      metafile: true,
      logLevel: "silent",
    }).catch((err: unknown) => {
      throw new Error(`Cannot bundle ${relative(root, entries[i]!)}: ${String(err)}`);
    });
    const inputs = Object.keys(result.metafile.inputs);
    let wasmBytes = 0;
    const duckdb = inputs.find((p) => p.includes("@duckdb/duckdb-wasm/dist/"));
    if (duckdb) {
      const wasm = join(root, dirname(duckdb), DUCKDB_WASM_FILE);
      await copyFile(wasm, join(dir, DUCKDB_WASM_FILE));
      wasmBytes = (await stat(wasm)).size;
    }
    const code = await readFile(outfile);
    bundles.push({
      id: h.id,
      dir,
      bundleBytes: code.byteLength,
      wasmBytes,
      sha256: createHash("sha256").update(code).digest("hex"),
      inputs: inputs.length,
    });
    log(
      `${h.id.padEnd(18)} ${(code.byteLength / 1024).toFixed(0).padStart(6)} KB bundle` +
        (wasmBytes > 0
          ? ` + ${(wasmBytes / 2 ** 20).toFixed(1)} MB ${basename(DUCKDB_WASM_FILE)}`
          : "") +
        ` (${inputs.length} modules)`,
    );
  }
  await esbuild.stop();
  await writeFile(
    join(outDir, "manifest.json"),
    JSON.stringify({ target: NODE_TARGET, bundles }, null, 2) + "\n",
  );
  return bundles;
}
