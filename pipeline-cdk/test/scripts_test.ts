import assert from "node:assert/strict";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PIPELINE_HANDLERS } from "../lib/handlers.ts";
import { CDK_DIR } from "../lib/paths.ts";

async function run(script: string, args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", script, ...args],
    cwd: CDK_DIR,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Stand-in bundles: what bin/app.ts packages, without building the real ones. */
function stubBundles(): string {
  const dir = Deno.makeTempDirSync({ prefix: "asxlab-stub-bundles-" });
  for (const h of PIPELINE_HANDLERS) {
    mkdirSync(join(dir, h.entry));
    writeFileSync(join(dir, h.entry, "index.mjs"), "export const handler = async () => ({});\n");
  }
  return dir;
}

Deno.test("bin/app.ts: synthesises both stacks into --outdir", async () => {
  const bundles = stubBundles();
  const outdir = Deno.makeTempDirSync({ prefix: "asxlab-synth-" });
  try {
    const r = await run("bin/app.ts", ["--bundles", bundles, "--outdir", outdir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Synthesised AsxlabLake, AsxlabPipeline to .* in \d+\.\d s/);
    for (const s of ["AsxlabLake", "AsxlabPipeline"]) {
      assert.ok(existsSync(join(outdir, `${s}.template.json`)), s);
    }
  } finally {
    Deno.removeSync(bundles, { recursive: true });
    Deno.removeSync(outdir, { recursive: true });
  }
});

Deno.test("bin/app.ts: missing bundles and bad context are one clear line and exit 2", async () => {
  const missing = await run("bin/app.ts", ["--bundles", "/nonexistent/bundles"]);
  assert.equal(missing.code, 2);
  assert.match(
    missing.stderr,
    /no Lambda bundle for UpdateSymbols, FetchStockData, AggregateResults/,
  );
  assert.match(missing.stderr, /run `deno task bundle` first/);
  const bundles = stubBundles();
  try {
    const bad = await run("bin/app.ts", ["--bundles", bundles, "-c", "asxlab:fetchPauseMs=fast"]);
    assert.equal(bad.code, 2);
    assert.equal(
      bad.stderr.trim(),
      'error: Invalid context asxlab:fetchPauseMs="fast": expected a whole number >= 0',
    );
  } finally {
    Deno.removeSync(bundles, { recursive: true });
  }
});

Deno.test("scripts/cost.ts: prints the bills and the goal; a bad number exits 2", async () => {
  const ok = await run("scripts/cost.ts", ["--pause-ms", "1000"]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /99 × 1\.00 s pause/);
  assert.match(ok.stdout, /Goal, at most \$0\.50 a month for the daily run/);
  const json = await run("scripts/cost.ts", ["--json"]);
  assert.equal(JSON.parse(json.stdout).params.pauseMs, 2000);
  const bad = await run("scripts/cost.ts", ["--symbols", "lots"]);
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr.trim(), 'error: --symbols must be a number >= 0, got "lots"');
});
