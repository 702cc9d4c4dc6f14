/**
 * No S3 request waits forever: an endpoint that accepts connections and never
 * answers, and a body that stops arriving halfway, each end in one `LakeError`
 * (code `Timeout`) naming the object, after the SDK's standard retry. Timeouts
 * are shortened here so the tests take seconds; the defaults (5 s / 15 s × 3
 * attempts) end the same failures within a minute.
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { LakeError } from "../../src/core/errors.ts";
import type { CachedStore } from "../../src/lake/cache.ts";
import { openLake } from "../../src/lake/lake.ts";
import { closeEngines } from "../../src/lake/open_engine.ts";
import { DEFAULT_S3_TIMEOUTS, S3Store } from "../../src/lake/s3_store.ts";
import { rows } from "../helpers/lake_rows.ts";
import { startS3rver } from "../helpers/s3rver.ts";
import { startSilentServer } from "../helpers/silent_server.ts";

const FAST = { connectMs: 1_000, idleMs: 300, maxAttempts: 2 };
const CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

/** Runs `work`, returning what it threw and how long it took. */
async function timedFailure(work: () => Promise<unknown>): Promise<{ err: unknown; ms: number }> {
  const t0 = performance.now();
  try {
    await work();
  } catch (err) {
    return { err, ms: performance.now() - t0 };
  }
  assert.fail("expected a failure");
}

function assertTimeout(err: unknown, pattern: RegExp): asserts err is LakeError {
  assert.ok(err instanceof LakeError, String(err));
  assert.equal(err.code, "Timeout", err.message);
  assert.match(err.message, pattern);
  assert.ok(!err.message.includes("\n"), "one line");
}

Deno.test("the default timeouts end a silent endpoint's request within a minute", () => {
  const { connectMs, idleMs, maxAttempts } = DEFAULT_S3_TIMEOUTS;
  assert.ok(maxAttempts * Math.max(connectMs, idleMs) <= 50_000, "attempts × the longest wait");
});

Deno.test("S3: an endpoint that accepts and never answers is a Timeout naming the object, after the retries", async () => {
  const silent = await startSilentServer();
  const store = new S3Store("s3://lake/asx", {
    endpoint: silent.endpoint,
    region: "us-east-1",
    credentials: CREDENTIALS,
    timeouts: FAST,
  });
  try {
    for (
      const [op, where] of [
        [() => store.list("ohlcv/"), /Cannot list "s3:\/\/lake\/asx\/ohlcv\/"\*/],
        [
          () => store.get("ohlcv/year=2020/part-0.parquet"),
          /"s3:\/\/lake\/asx\/ohlcv\/year=2020\/part-0\.parquet"/,
        ],
        [
          () => store.put("raw-data/x.parquet", new Uint8Array(10)),
          /Cannot put "s3:\/\/lake\/asx\/raw-data\/x\.parquet"/,
        ],
      ] as const
    ) {
      const before = silent.connections();
      const { err, ms } = await timedFailure(op);
      assertTimeout(err, where);
      assert.match((err as LakeError).message, /no data for 300 ms \(2 attempts\)/);
      assert.ok(ms < 5_000, `ended in ${ms.toFixed(0)} ms`);
      assert.equal(silent.connections() - before, 2, "the SDK retried once on a new connection");
    }
  } finally {
    await store.close();
    await silent.close();
  }
});

Deno.test("S3: a body that stalls halfway is aborted and asked for again; a body that always stalls is a Timeout", async () => {
  const s3 = await startS3rver();
  const store = new S3Store(`s3://${s3.bucket}/asx`, {
    endpoint: s3.endpoint,
    region: "us-east-1",
    credentials: s3.credentials,
    timeouts: FAST,
  });
  try {
    const key = "ohlcv/year=2020/part-0.parquet";
    const body = Uint8Array.from({ length: 200_000 }, (_, i) => (i * 7) & 0xff);
    await store.put(key, body);
    // Once: the retry gets the whole object.
    s3.failNext("GET", { kind: "stall", bytes: 50_000 }, 1, "object");
    s3.resetCounts();
    assert.deepEqual(await store.get(key), body);
    assert.equal(s3.count("GET", "object"), 2);
    // Every time: one clear error after the attempts.
    s3.failNext("GET", { kind: "stall", bytes: 50_000 }, 2, "object");
    const { err, ms } = await timedFailure(() => store.get(key));
    assertTimeout(err, /Cannot get "s3:\/\/asxlab-test\/asx\/ohlcv\/year=2020\/part-0\.parquet"/);
    assert.match((err as LakeError).message, /no data for 300 ms \(2 attempts\)/);
    assert.ok(ms < 5_000, `ended in ${ms.toFixed(0)} ms`);
  } finally {
    await store.close();
    await s3.close();
  }
});

Deno.test("Lake on S3: a stalled download fails the load with a Timeout naming the object and caches nothing", async () => {
  const s3 = await startS3rver();
  const cacheDir = await Deno.makeTempDir({ prefix: "asxlab-cache-" });
  const options = {
    endpoint: s3.endpoint,
    credentials: s3.credentials,
    region: "us-east-1",
    cacheDir,
    timeouts: FAST,
  };
  try {
    const writer = await openLake(`s3://${s3.bucket}/asx`, {
      ...options,
      cacheDir: `${cacheDir}/w`,
    });
    await writer.replaceCurated(rows(
      [["BHP.AX", "2020-03-02", 30.5, 100], ["BHP.AX", "2020-03-03", 31.5, 200]],
      "2020-03-04T08:00:00.000Z",
    ));
    await writer.close();
    const reader = await openLake(`s3://${s3.bucket}/asx`, options);
    s3.failNext("GET", { kind: "stall" }, 2, "object");
    const key = "ohlcv/year=2020/part-0.parquet";
    const { err } = await timedFailure(() => reader.loadSymbols(["BHP.AX"]));
    assertTimeout(err, new RegExp(`asx/${key.replaceAll(".", "\\.")}`));
    await assert.rejects(
      Deno.stat((reader.store as CachedStore).cachePath(key)),
      Deno.errors.NotFound,
    );
    assert.deepEqual([...(await reader.loadSymbols(["BHP.AX"])).close], [30.5, 31.5]);
    await reader.close();
  } finally {
    await closeEngines();
    await s3.close();
    await Deno.remove(cacheDir, { recursive: true });
  }
});

Deno.test("lake CLI: a silent S3 endpoint ends in one line and exit 2 (timeouts from the environment)", async () => {
  const silent = await startSilentServer();
  try {
    const cli = fileURLToPath(new URL("../../src/cli/lake.ts", import.meta.url));
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-q",
        "-A",
        cli,
        "--lake",
        "s3://lake/asx",
        "--endpoint",
        silent.endpoint,
        "info",
      ],
      env: {
        ASXLAB_S3_TIMEOUT_MS: "300",
        ASXLAB_S3_CONNECT_TIMEOUT_MS: "1000",
        AWS_MAX_ATTEMPTS: "2",
        AWS_ACCESS_KEY_ID: "x",
        AWS_SECRET_ACCESS_KEY: "y",
        AWS_REGION: "us-east-1",
        NO_COLOR: "1",
      },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 2, stderr);
    assert.equal(
      stderr,
      `error: Cannot list "s3://lake/asx/ohlcv/"* (${silent.endpoint}): no data for 300 ms ` +
        `(2 attempts): the endpoint stopped answering (ASXLAB_S3_TIMEOUT_MS sets the wait)\n`,
    );
  } finally {
    await silent.close();
  }
});

Deno.test("S3 timeouts from the environment are checked", () => {
  const saved = Deno.env.get("ASXLAB_S3_TIMEOUT_MS");
  try {
    Deno.env.set("ASXLAB_S3_TIMEOUT_MS", "soon");
    assert.throws(
      () => new S3Store("s3://lake/asx", { region: "us-east-1" }),
      /Invalid S3 timeout "soon" \(from ASXLAB_S3_TIMEOUT_MS\): expected a whole number ≥ 1/,
    );
    Deno.env.set("ASXLAB_S3_TIMEOUT_MS", "2500");
    const store = new S3Store("s3://lake/asx", { region: "us-east-1" });
    assert.deepEqual(store.timeouts, { ...DEFAULT_S3_TIMEOUTS, idleMs: 2500 });
    store.close();
  } finally {
    if (saved === undefined) Deno.env.delete("ASXLAB_S3_TIMEOUT_MS");
    else Deno.env.set("ASXLAB_S3_TIMEOUT_MS", saved);
  }
});
