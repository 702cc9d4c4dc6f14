/**
 * The two configs stay in step. deno.json holds only what the library and the
 * CLIs import (so the README's first command installs nothing a test or bench
 * needs); deno.dev.json adds the rest with its own lock file. They must agree
 * on every shared pin and on the compiler options, and the first-run line of the
 * tasks must look for duckdb-wasm, the bulk of the first install.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

interface Config {
  imports: Record<string, string>;
  compilerOptions: unknown;
  tasks?: Record<string, string>;
  lock: { path?: string; frozen: boolean };
  nodeModulesDir: string;
}

const main = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json"))) as Config;
const dev = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.dev.json"))) as Config;
const pipeline = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.pipeline.json"))) as Config;

/** Packages only the pipeline loads (lazily, through src/sources/_pipeline_packages.ts). */
const PIPELINE_ONLY = ["aws-local-stepfunctions", "yahoo-finance2"];

/** Every bare npm specifier imported by the TypeScript files under `dir`. */
function importedPackages(dir: string): Set<string> {
  const found = new Set<string>();
  const walk = (path: string) => {
    for (const entry of Deno.readDirSync(path)) {
      const child = join(path, entry.name);
      if (entry.isDirectory) walk(child);
      else if (entry.name.endsWith(".ts")) {
        const code = Deno.readTextFileSync(child).replace(/\/\*[\s\S]*?\*\//g, "");
        const statements = code.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s*"([^"]+)"/gm);
        const dynamic = code.matchAll(/\bimport\(\s*"([^"]+)"\s*[,)]/g); // options (e.g. `with`) may follow
        for (const m of [...statements, ...dynamic]) {
          const spec = m[1]!;
          if (spec.startsWith(".") || spec.startsWith("node:") || spec.startsWith("npm:")) continue;
          const parts = spec.split("/");
          found.add(spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!);
        }
      }
    }
  };
  walk(join(ROOT, dir));
  return found;
}

Deno.test("config: deno.pipeline.json and deno.dev.json repeat deno.json's pins and compiler options exactly", () => {
  for (const [name, pin] of Object.entries(main.imports)) {
    assert.equal(dev.imports[name], pin, `${name} is pinned the same in deno.dev.json`);
    assert.equal(pipeline.imports[name], pin, `${name} is pinned the same in deno.pipeline.json`);
  }
  for (const [name, pin] of Object.entries(pipeline.imports)) {
    assert.equal(dev.imports[name], pin, `${name} is pinned the same in deno.dev.json`);
  }
  assert.deepEqual(dev.compilerOptions, main.compilerOptions);
  assert.deepEqual(pipeline.compilerOptions, main.compilerOptions);
  assert.equal(main.lock.frozen, true);
  assert.deepEqual(dev.lock, { path: "deno.dev.lock", frozen: true });
  assert.deepEqual(pipeline.lock, { path: "deno.pipeline.lock", frozen: true });
});

Deno.test("config: the main install holds what src/ imports but the pipeline-only packages, and deno.pipeline.json adds exactly those", () => {
  // The native engine's addon is loaded with require from node_modules (opt-in, dev install).
  const used = [...importedPackages("src")].filter((p) => p !== "@duckdb/node-api").sort();
  for (const p of PIPELINE_ONLY) assert.ok(used.includes(p), `src/ still imports ${p}`);
  assert.deepEqual(
    Object.keys(main.imports).sort(),
    used.filter((p) => !PIPELINE_ONLY.includes(p)),
  );
  assert.deepEqual(Object.keys(pipeline.imports).sort(), used);
  for (const dir of ["tests", "bench", "scripts"]) {
    for (const p of importedPackages(dir)) {
      assert.ok(p in dev.imports, `${dir}/ imports ${p}: pin it in deno.dev.json`);
    }
  }
});

Deno.test("config: the CDK app pins the bundler's esbuild exactly as deno.dev.json does", () => {
  // scripts/bundle.ts runs under both: the tests (deno.dev.json) and `deno task synth`
  // (pipeline-cdk/deno.json, so that a synth installs the CDK, esbuild and the runtime
  // packages, not the test and bench ones). One version, so one set of bundle bytes.
  const cdk = JSON.parse(
    Deno.readTextFileSync(join(ROOT, "pipeline-cdk/deno.json")),
  ) as Config;
  assert.match(dev.imports.esbuild ?? "", /^npm:esbuild@\d+\.\d+\.\d+$/);
  assert.equal(cdk.imports.esbuild, dev.imports.esbuild);
  assert.match(cdk.tasks!.bundle!, /--config deno\.json \.\.\/scripts\/bundle_lambdas\.ts /);
  const locked = (file: string) =>
    (JSON.parse(Deno.readTextFileSync(join(ROOT, file))) as { specifiers: Record<string, string> })
      .specifiers[dev.imports.esbuild!];
  assert.equal(locked("pipeline-cdk/deno.lock"), locked("deno.dev.lock"));
});

Deno.test("config: the bundler installs from a config that pins every package src/ imports", async () => {
  // A fresh clone's `deno task synth` resolves the Lambdas' packages from what it installs.
  const { INSTALL_CONFIG } = await import("../scripts/bundle.ts");
  const config = JSON.parse(await Deno.readTextFile(join(ROOT, INSTALL_CONFIG))) as Config;
  for (const p of importedPackages("src")) {
    if (p !== "@duckdb/node-api") assert.ok(p in config.imports, `${INSTALL_CONFIG} pins ${p}`);
  }
});

Deno.test("config: the pipeline task runs with deno.pipeline.json", () => {
  // Under deno.json alone (a fresh research install) a pipeline-only import fails with one
  // clear line instead: src/sources/_pipeline_packages.ts, whose example proves it.
  assert.match(
    main.tasks!.pipeline!,
    /; deno run -q --config deno.pipeline.json --node-modules-dir=auto --allow-all src\/cli\/pipeline\.ts$/,
  );
});

Deno.test("config: the first-run line looks for duckdb-wasm in node_modules, and the main tasks install quietly", () => {
  const marker = "node_modules/@duckdb/duckdb-wasm/package.json";
  assert.ok("@duckdb/duckdb-wasm" in main.imports);
  assert.equal(main.nodeModulesDir, "manual", "deno task itself installs nothing");
  for (const task of ["backtest", "lake"]) {
    const command = main.tasks![task]!;
    assert.ok(command.startsWith(`head -n 0 ${marker} 2> /dev/null || echo '`), task);
    assert.match(command, /; deno run -q --node-modules-dir=auto --allow-all src\/cli\/\w+\.ts$/);
  }
});
