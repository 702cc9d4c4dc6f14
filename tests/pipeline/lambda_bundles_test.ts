/**
 * The pipeline's Lambda entry points bundled for Node (scripts/bundle_lambdas.ts,
 * what the CDK app deploys): what each bundle holds, that bundling is repeatable
 * byte for byte, and the three handlers run under `node`, each from a directory
 * holding only its bundle, through the local runner's state machine against the
 * fake Yahoo and a local lake.
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
import { parseAsxList } from "../../src/sources/asx.ts";
import type { RunSummary } from "../../src/pipeline/aggregate_results.ts";
import { runPipelineLocally } from "../../src/pipeline/local_runner.ts";
import { startFakeYahoo } from "../fakes/fake_yahoo.ts";
import { HAS_NODE, invokeUnderNode } from "../helpers/node_lambda.ts";
import { assertSeries, curated, withTempDir } from "./_helpers.ts";

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

const LIST = Deno.readTextFileSync(
  new URL("../fixtures/asx/ASX_Listed_Companies_2024-08-01.csv", import.meta.url),
);
/** Four companies (with ^AXJO, five symbols), in batches of two: three FetchStockData calls a day. */
const SMALL_LIST = LIST.split("\n").slice(0, 5).join("\n");

Deno.test({
  name:
    "lambda bundles: the three handlers under node fill a local lake: a month's backfill, then the next day from the watermarks",
  ignore: !HAS_NODE,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const { dir: built, bundles: all } = await bundles();
    const dirOf = new Map(all.map((b) => [b.entry, join(built, "a", b.entry)]));
    const fake = await startFakeYahoo({ asxList: SMALL_LIST, retryAfterSeconds: 0 });
    try {
      await withTempDir(async (tmp) => {
        const lake = join(tmp, "lake"); // not there yet: the first write creates it
        const env = {
          ASXLAB_LAKE: lake,
          ASXLAB_YAHOO_URL: fake.url,
          ASXLAB_ASX_LIST_URL: fake.asxListUrl,
          ASXLAB_FETCH_PAUSE_MS: "0",
          ASXLAB_BATCH_SIZE: "2",
        };
        const calls: { entry: string; result: unknown; ms: number; peakMb: number }[] = [];
        const node = (entry: string) => async (input: unknown) => {
          const { Payload } = input as { Payload: unknown };
          const run = await invokeUnderNode(dirOf.get(entry)!, env, Payload);
          calls.push({ entry, result: run.result, ms: run.ms, peakMb: run.peakMb });
          return { Payload: run.result, StatusCode: 200 };
        };
        const handlers = {
          UpdateASXSymbols: node("update_symbols"),
          FetchStockData: node("fetch_stock_data"),
          AggregateResults: node("aggregate_results"),
        };
        const config = { lake, yahooUrl: fake.url, asxListUrl: fake.asxListUrl, pauseMs: 0 };
        const symbols = parseAsxList(SMALL_LIST).map((c) => c.symbol);
        assert.equal(symbols.length, 4);

        const first = await runPipelineLocally({
          config,
          date: "2024-07-31",
          backfillFrom: "2024-07-01",
          handlers,
          retryWaitMs: 0,
        });
        assert.equal(first.status, "SUCCEEDED", JSON.stringify(first.error));
        // The aggregator's answer is the run summary it wrote.
        const summary = () =>
          calls.findLast((c) => c.entry === "aggregate_results")!.result as RunSummary;
        assert.equal(summary().mode, "backfill");
        const second = await runPipelineLocally({
          config,
          date: "2024-08-01",
          handlers,
          retryWaitMs: 0,
        });
        assert.equal(second.status, "SUCCEEDED", JSON.stringify(second.error));
        assert.equal(summary().date, "2024-08-01");
        assert.equal(summary().symbols_processed, 5);
        assert.deepEqual(summary().symbols_failed, []);
        assert.deepEqual(
          JSON.parse(Deno.readTextFileSync(join(lake, "runs/2024-08-01.json"))),
          summary(),
        );

        // Each state ran in node: 1 + 3 + 1 processes a day.
        assert.deepEqual(
          calls.map((c) => c.entry).sort(),
          [
            ...Array(2).fill("aggregate_results"),
            ...Array(6).fill("fetch_stock_data"),
            ...Array(2).fill("update_symbols"),
          ],
        );
        // What they wrote, by the lake's key layout.
        const keys = [...Deno.readDirSync(lake)].flatMap((d) =>
          d.isDirectory
            ? [...Deno.readDirSync(join(lake, d.name))].map((f) => `${d.name}/${f.name}`)
            : []
        );
        for (const date of ["2024-07-31", "2024-08-01"]) {
          for (
            const key of [
              `symbols/${date}-symbols.csv`,
              `symbols/${date}-changes.json`,
              ...[0, 1, 2].map((n) => `raw-data/${date}-batch-${n}.parquet`),
              `runs/${date}.json`,
            ]
          ) assert.ok(keys.includes(key), `${key} in ${keys.join(", ")}`);
        }
        assert.ok(keys.includes("ohlcv/year=2024"));
        assert.ok(keys.includes("state/watermarks.parquet"));
        // The lake holds exactly the fake's bars from the backfill's start to the second day.
        const got = await curated(lake);
        for (const s of [...symbols, "^AXJO"]) {
          assertSeries(got, fake, s, "2024-07-01", "2024-08-01");
        }
        // The second day's fetches started from the watermarks the first day left.
        for (const [day, start] of [["2024-07-31", "2024-07-01"], ["2024-08-01", "2024-08-01"]]) {
          const windows = [0, 1, 2].flatMap((n) =>
            JSON.parse(Deno.readTextFileSync(join(lake, `raw-data/${day}-batch-${n}.json`)))
              .symbols.map((e: { symbol: string; start: string; end: string }) =>
                `${e.symbol} ${e.start}..${e.end}`
              )
          );
          assert.deepEqual(
            windows.sort(),
            [...symbols, "^AXJO"].map((s) => `${s} ${start}..${day}`).sort(),
          );
        }
        console.log(
          calls.map((c) => `${c.entry}: ${c.ms.toFixed(0)} ms, ${c.peakMb.toFixed(0)} MB peak RSS`)
            .join("\n"),
        );
      });
    } finally {
      await fake.close();
    }
  },
});

if (!HAS_NODE) console.warn("lambda bundles: node is not on PATH; the runs under node are skipped");
