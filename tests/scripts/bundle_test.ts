/**
 * The lake runs unchanged under plain Node: a script that opens the shipped sample
 * lake and loads bars is bundled with scripts/bundle.ts (esbuild, platform node,
 * ESM, duckdb-eh.wasm beside the bundle) and run with `node`, and prints exactly
 * what the same script prints under Deno. Skipped, loudly, when `node` is not on
 * PATH.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { bundleForNode } from "../../scripts/bundle.ts";
import { DEFAULT_LAKE_DIR } from "../../src/lake/defaults.ts";

const ENTRY = fileURLToPath(new URL("../helpers/node_lake_read.ts", import.meta.url));

async function run(
  cmd: string,
  args: string[],
): Promise<{ code: number; out: string; err: string }> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  const dec = new TextDecoder();
  return { code: out.code, out: dec.decode(out.stdout), err: dec.decode(out.stderr) };
}

const hasNode = await run("node", ["--version"]).then((r) => r.code === 0, () => false);

Deno.test({
  name: "a bundle of a lake read runs under node and agrees with Deno",
  ignore: !hasNode,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "asxlab-bundle-" });
    try {
      const { file, bytes, wasm } = await bundleForNode({ entry: ENTRY, outDir: dir });
      assert.ok(wasm !== undefined, "the lake read holds duckdb-wasm");
      assert.equal(file, join(dir, "index.mjs"));
      assert.ok(bytes > 100_000, `${bytes} bytes`);
      assert.equal((await Deno.stat(wasm)).isFile, true);
      // Only the bundle and the wasm file: no node_modules beside it.
      assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), [
        "duckdb-eh.wasm",
        "index.mjs",
      ]);
      const node = await run("node", [file, DEFAULT_LAKE_DIR]);
      assert.equal(node.code, 0, node.err);
      const viaNode = JSON.parse(node.out);
      assert.match(viaNode.runtime, /^node v\d+/);
      const deno = await run(Deno.execPath(), ["run", "-A", ENTRY, DEFAULT_LAKE_DIR]);
      assert.equal(deno.code, 0, deno.err);
      const viaDeno = JSON.parse(deno.out);
      assert.equal(viaDeno.runtime, "deno");
      delete viaNode.runtime;
      delete viaDeno.runtime;
      assert.deepEqual(viaNode, viaDeno);
      assert.equal(viaNode.duckdb, "v0.9.1");
      assert.ok(viaNode.rows > 200, `${viaNode.rows} rows of CBA.AX in 2015`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

if (!hasNode) console.warn("bundle_test: node is not on PATH; the Node run is skipped");

/** Every `.ts` file under `dir`, recursively, relative to `root`. */
function tsFiles(root: string, dir: string): string[] {
  return [...Deno.readDirSync(join(root, dir))].flatMap((e) =>
    e.isDirectory
      ? tsFiles(root, `${dir}/${e.name}`)
      : e.isFile && e.name.endsWith(".ts")
      ? [`${dir}/${e.name}`]
      : []
  );
}

Deno.test("what the Lambdas bundle (src/core, lake, sources, pipeline) calls no Deno.* API", async () => {
  // node: builtins and process.env instead, so the bundles run under node. CLIs and tests may.
  const root = fileURLToPath(new URL("../..", import.meta.url));
  const offenders: string[] = [];
  for (const dir of ["src/core", "src/lake", "src/sources", "src/pipeline"]) {
    for (const rel of tsFiles(root, dir)) {
      const code = (await Deno.readTextFile(join(root, rel)))
        .replace(/\/\*[\s\S]*?\*\//g, "") // block comments, JSDoc examples included
        .replace(/(^|[^:])\/\/.*$/gm, "$1"); // line comments (not URLs)
      const hits = code.match(/\bDeno\.\w+/g);
      if (hits) offenders.push(`${rel}: ${[...new Set(hits)].join(", ")}`);
    }
  }
  assert.deepEqual(offenders, []);
  assert.ok(tsFiles(root, "src/pipeline").includes("src/pipeline/lambda/fetch_stock_data.ts"));
});
