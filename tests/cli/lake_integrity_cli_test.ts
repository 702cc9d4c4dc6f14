/**
 * The lake CLI's integrity errors, as a user meets them: a lake held by another
 * writer, a curated file with another schema, an S3 object whose bytes fail
 * their checksum each get one line on stderr and exit code 2, never a stack
 * trace; `verify` says ok with exit 0 on an intact lake.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Lake } from "../../src/lake/lake.ts";
import { LocalStore } from "../../src/lake/local_store.ts";
import { WriteLock } from "../../src/lake/lock.ts";
import { closeEngines, openEngine } from "../../src/lake/open_engine.ts";
import { market, rows, tradingDays } from "../helpers/lake_rows.ts";
import { runScript } from "../helpers/run_cli.ts";
import { startS3rver } from "../helpers/s3rver.ts";

const CLI = fileURLToPath(new URL("../../src/cli/lake.ts", import.meta.url));
const lake = (...args: string[]) => runScript(CLI, ...args);

function oneLine(r: { code: number; stderr: string; stdout: string }, pattern: RegExp): void {
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
}

/** A small local lake. */
async function build(dir: string): Promise<void> {
  const l = new Lake(new LocalStore(dir), await openEngine("wasm"));
  try {
    await l.replaceCurated(
      rows(market(["BHP.AX"], tradingDays("2020-01-02", 20)), "2020-02-01T00:00:00Z"),
    );
  } finally {
    await l.close();
    await closeEngines();
  }
}

Deno.test("lake CLI: a lake held by another writer is one Locked line naming the holder", async () => {
  const dir = await Deno.makeTempDir({ prefix: "asxlab-cli-lock-" });
  try {
    await build(dir);
    const ok = await lake("--lake", dir, "verify");
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^ok {2}1 curated files match the manifest/);
    const held = await WriteLock.acquire(new LocalStore(dir), "backfill 2020", { waitMs: 0 });
    Deno.env.set("ASXLAB_LOCK_WAIT_MS", "200");
    try {
      oneLine(
        await lake("--lake", dir, "manifest"),
        new RegExp(
          `^error: The lake at ${dir} is being written by pid ${Deno.pid} on host .* since ` +
            `${held.holder.since} \\(backfill 2020\\); waited 0\\.\\d s`,
        ),
      );
    } finally {
      Deno.env.delete("ASXLAB_LOCK_WAIT_MS");
      await held.release();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lake CLI: a curated file with float32 prices is one Schema line naming it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "asxlab-cli-schema-" });
  try {
    const engine = await openEngine("native");
    const bytes = await engine.queryToParquet(
      "SELECT 'BHP.AX' AS symbol, DATE '2020-01-02' AS date, 1.0::DOUBLE AS open, " +
        "1.0::DOUBLE AS high, 1.0::DOUBLE AS low, 10.1::FLOAT AS close, 1::BIGINT AS volume, " +
        "1.0::DOUBLE AS adjusted_close, '2020-01-03T00:00:00Z' AS fetch_timestamp, 0 AS batch_number",
    );
    await engine.close();
    await Deno.mkdir(join(dir, "ohlcv/year=2020"), { recursive: true });
    await Deno.writeFile(join(dir, "ohlcv/year=2020/part-0.parquet"), bytes);
    oneLine(
      await lake("--lake", dir, "manifest"),
      /^error: Wrong schema in "ohlcv\/year=2020\/part-0\.parquet": column "close" is Float32, expected Float64$/m,
    );
  } finally {
    await closeEngines();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lake CLI: an S3 object whose bytes fail their checksum is one Checksum line", async () => {
  const s3 = await startS3rver();
  const cache = await Deno.makeTempDir({ prefix: "asxlab-cli-checksum-" });
  const env = {
    AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
    AWS_REGION: "us-east-1",
  };
  const uri = `s3://${s3.bucket}/asx`;
  try {
    for (const [k, v] of Object.entries(env)) Deno.env.set(k, v);
    const { openLake } = await import("../../src/lake/lake.ts");
    const writer = await openLake(uri, { endpoint: s3.endpoint, cacheDir: join(cache, "w") });
    await writer.replaceCurated(
      rows(market(["BHP.AX"], tradingDays("2020-01-02", 20)), "2020-02-01T00:00:00Z"),
    );
    await writer.close();
    await closeEngines();
    s3.failNext("GET", { kind: "corrupt" }, 10, "object");
    oneLine(
      await lake("--lake", uri, "--endpoint", s3.endpoint, "--cache-dir", cache, "info"),
      /^error: Cannot get "s3:\/\/asxlab-test\/asx\/ohlcv\/year=2020\/part-0\.parquet": the bytes received do not match the object's checksum \(SHA-256 .*\) \(3 attempts\); nothing was cached$/m,
    );
  } finally {
    for (const k of Object.keys(env)) Deno.env.delete(k);
    await s3.close();
    await Deno.remove(cache, { recursive: true });
  }
});
