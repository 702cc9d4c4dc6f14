import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import { join } from "node:path";
import {
  bundleHandlers,
  DUCKDB_WASM_FILE,
  EXTERNAL_PACKAGES,
  type HandlerBundle,
} from "../lib/bundle_handlers.ts";
import { PIPELINE_HANDLERS } from "../lib/handlers.ts";

let built: Promise<{ dir: string; bundles: HandlerBundle[] }> | undefined;

/** Bundles the real handlers once into a temp dir. */
function bundles() {
  built ??= (async () => {
    const dir = Deno.makeTempDirSync({ prefix: "asxlab-bundles-" });
    globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
    return { dir, bundles: await bundleHandlers({ outDir: dir }) };
  })();
  return built;
}

/** `import x from "y"`, `import {a as b} from "y"`, `import * as x from "y"` (minified or not). */
const STATIC_IMPORT =
  /\bimport\s*(?:\*\s*as\s*[\w$]+|\{[^}]*\}|[\w$]+(?:\s*,\s*\{[^}]*\})?)\s*from\s*"([^"]+)"/g;

const BUILTINS = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

Deno.test({
  name: "bundle: one self-contained ESM file per handler, exporting handler",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const { dir, bundles: all } = await bundles();
    assert.deepEqual(all.map((b) => b.id), PIPELINE_HANDLERS.map((h) => h.id));
    for (const b of all) {
      const file = join(dir, b.id, "index.mjs");
      const code = readFileSync(file, "utf8");
      assert.equal(b.bundleBytes, statSync(file).size);
      assert.match(code, /export\s*\{[^}]*\bhandler\b[^}]*\}/, `${b.id} exports handler`);
      // The banner: CommonJS packages inside an ES module find require and __dirname.
      assert.match(code, /const require = __asxlabCreateRequire\(import\.meta\.url\);/);
      assert.ok(existsSync(`${file}.map`), "a source map for stack traces");
      // Nothing is imported from outside the bundle but Node's own modules.
      const staticImports = [...code.matchAll(STATIC_IMPORT)].map((m) => m[1]!);
      assert.ok(staticImports.length > 0);
      const outside = staticImports.filter((s) => !BUILTINS.has(s));
      assert.deepEqual(outside, [], `${b.id}: static imports outside the bundle`);
      const dynamic = [...code.matchAll(/\bimport\("([^"]+)"\)/g)].map((m) => m[1]!);
      for (const spec of dynamic) {
        assert.ok(
          BUILTINS.has(spec) || EXTERNAL_PACKAGES.some((e) => spec.startsWith(e.replace("*", ""))),
          `${b.id}: dynamic import of ${spec}`,
        );
      }
      assert.ok(b.bundleBytes < 8 * 2 ** 20, `${b.id}: ${b.bundleBytes} bytes of JavaScript`);
    }
  },
});

Deno.test({
  name: "bundle: duckdb-wasm's engine file sits beside every bundle that uses the lake",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const { dir, bundles: all } = await bundles();
    for (const b of all) {
      const wasm = join(dir, b.id, DUCKDB_WASM_FILE);
      // Every handler opens the lake, so every bundle needs the engine.
      assert.ok(existsSync(wasm), `${b.id} has ${DUCKDB_WASM_FILE}`);
      const bytes = readFileSync(wasm);
      assert.equal(b.wasmBytes, bytes.byteLength);
      assert.deepEqual([...bytes.subarray(0, 4)], [0x00, 0x61, 0x73, 0x6d], "a wasm module");
      // Lambda's limit for unzipped code is 250 MB.
      assert.ok(b.bundleBytes + b.wasmBytes < 250 * 2 ** 20);
    }
    const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
    assert.equal(manifest.target, "node22");
    assert.deepEqual(
      manifest.bundles.map((b: HandlerBundle) => b.sha256),
      all.map((b) => b.sha256),
    );
  },
});
