/**
 * The pipeline's Lambda entry points bundled for Node (scripts/bundle_lambdas.ts,
 * what the CDK app deploys): what each bundle holds, that bundling is repeatable
 * byte for byte.
 */

import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import { join } from "node:path";
import { EXTERNAL_PACKAGES } from "../../scripts/bundle.ts";
import {
  bundleLambdas,
  LAMBDA_TARGET,
  type LambdaBundle,
  lambdaEntries,
} from "../../scripts/bundle_lambdas.ts";
import { ConfigError } from "../../src/core/errors.ts";

const ENTRIES = ["aggregate_results", "fetch_stock_data", "update_symbols"];

let built: Promise<{ dir: string; bundles: LambdaBundle[] }> | undefined;

/** Bundles the real entry points once into a temp dir. */
function bundles() {
  built ??= (async () => {
    const dir = Deno.makeTempDirSync({ prefix: "asxlab-lambda-bundles-" });
    globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
    return { dir, bundles: await bundleLambdas({ outDir: join(dir, "a") }) };
  })();
  return built;
}

/** `import x from "y"`, `import {a as b} from "y"`, `import * as x from "y"` (minified or not). */
const STATIC_IMPORT =
  /\bimport\s*(?:\*\s*as\s*[\w$]+|\{[^}]*\}|[\w$]+(?:\s*,\s*\{[^}]*\})?)\s*from\s*"([^"]+)"/g;

const BUILTINS = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

Deno.test({
  name: "lambda bundles: one self-contained ESM file per entry point, exporting handler",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    assert.deepEqual(lambdaEntries(), ENTRIES);
    const { dir, bundles: all } = await bundles();
    assert.deepEqual(all.map((b) => b.entry), ENTRIES);
    for (const b of all) {
      const file = join(dir, "a", b.entry, "index.mjs");
      assert.equal(b.dir, join(dir, "a", b.entry));
      const code = readFileSync(file, "utf8");
      assert.equal(b.bundleBytes, statSync(file).size);
      assert.match(code, /export\s*\{[^}]*\bhandler\b[^}]*\}/, `${b.entry} exports handler`);
      // The banner: CommonJS packages inside an ES module find require and __dirname.
      assert.match(code, /const require = __asxlabCreateRequire\(import\.meta\.url\);/);
      assert.ok(existsSync(`${file}.map`), "a source map for stack traces");
      // Nothing is imported from outside the bundle but Node's own modules.
      const staticImports = [...code.matchAll(STATIC_IMPORT)].map((m) => m[1]!);
      assert.ok(staticImports.length > 0);
      const outside = staticImports.filter((s) => !BUILTINS.has(s));
      assert.deepEqual(outside, [], `${b.entry}: static imports outside the bundle`);
      const dynamic = [...code.matchAll(/\bimport\("([^"]+)"\)/g)].map((m) => m[1]!);
      for (const spec of dynamic) {
        assert.ok(
          BUILTINS.has(spec) || EXTERNAL_PACKAGES.some((e) => spec.startsWith(e.replace("*", ""))),
          `${b.entry}: dynamic import of ${spec}`,
        );
      }
      assert.ok(b.bundleBytes < 8 * 2 ** 20, `${b.entry}: ${b.bundleBytes} bytes of JavaScript`);
    }
  },
});

Deno.test({
  name: "lambda bundles: duckdb-wasm's engine file sits beside each; a manifest lists them",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const { dir, bundles: all } = await bundles();
    for (const b of all) {
      // Every handler opens the lake, so every bundle needs the engine.
      const wasm = join(dir, "a", b.entry, "duckdb-eh.wasm");
      const bytes = readFileSync(wasm);
      assert.equal(b.wasmBytes, bytes.byteLength);
      assert.deepEqual([...bytes.subarray(0, 4)], [0x00, 0x61, 0x73, 0x6d], "a wasm module");
      // Lambda's limit for unzipped code is 250 MB.
      assert.ok(b.bundleBytes + b.wasmBytes < 250 * 2 ** 20);
    }
    const manifest = JSON.parse(readFileSync(join(dir, "a", "manifest.json"), "utf8"));
    assert.equal(manifest.target, LAMBDA_TARGET);
    assert.deepEqual(
      manifest.bundles,
      all.map(({ dir: _, ...b }) => b),
      "the manifest names no absolute path",
    );
  },
});

Deno.test({
  name: "lambda bundles: the same sources give the same bytes; an unknown entry is a ConfigError",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const { dir, bundles: all } = await bundles();
    // Another directory at the same depth, as another clone's pipeline-cdk/.build/lambda is.
    const [again] = await bundleLambdas({ outDir: join(dir, "b"), entries: ["fetch_stock_data"] });
    const first = all.find((b) => b.entry === "fetch_stock_data")!;
    assert.equal(again!.sha256, first.sha256);
    for (const name of ["index.mjs", "index.mjs.map"]) {
      assert.deepEqual(
        readFileSync(join(dir, "b/fetch_stock_data", name)),
        readFileSync(join(dir, "a/fetch_stock_data", name)),
        name,
      );
    }
    await assert.rejects(
      bundleLambdas({ outDir: join(dir, "c"), entries: ["_deps", "fetch"] }),
      (e: Error) =>
        e instanceof ConfigError &&
        e.message ===
          'No Lambda entry "_deps", "fetch" in src/pipeline/lambda/ ' +
            "(it has aggregate_results, fetch_stock_data, update_symbols)",
    );
    assert.equal(existsSync(join(dir, "c")), false, "nothing written");
  },
});
