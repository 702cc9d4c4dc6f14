/**
 * The Lake API on S3 (a real s3rver on loopback): merge, load, the ETag cache
 * (a warm load makes zero object GETs, counted at the server), and a corrupt
 * object that never poisons the cache.
 */

import assert from "node:assert/strict";
import { LakeError } from "../../src/core/errors.ts";
import type { CachedStore } from "../../src/lake/cache.ts";
import { openLake, type OpenLakeOptions } from "../../src/lake/lake.ts";
import { closeEngines } from "../../src/lake/open_engine.ts";
import type { RawRows } from "../../src/lake/schema.ts";
import { type S3rverHandle, startS3rver } from "../helpers/s3rver.ts";

const ROWS: RawRows = {
  symbol: ["BHP.AX", "BHP.AX", "CBA.AX", "CBA.AX"],
  date: ["2021-12-31", "2022-01-04", "2021-12-31", "2022-01-04"],
  open: [40, 41, 100, 101],
  high: [41, 42, 102, 103],
  low: [39, 40, 99, 100],
  close: [40.5, 41.5, 101, 102],
  volume: [1e6, 2e6, 3e6, 4e6],
  adjusted_close: [40.5, 41.5, 101, 102],
  fetch_timestamp: "2022-01-05T08:00:00.000Z",
};

/** What each S3 test gets: the server, lake options pointing at it, and the lake URI. */
interface S3Fixture {
  s3: S3rverHandle;
  options: OpenLakeOptions;
  uri: string;
  cacheDir: string;
}

/** Starts s3rver and a temp cache dir, runs `fn`, then closes engines, server and dir. */
async function withS3Lake(
  fn: (f: S3Fixture) => Promise<void>,
  extra: OpenLakeOptions = {},
): Promise<void> {
  const s3 = await startS3rver();
  const cacheDir = await Deno.makeTempDir({ prefix: "asxlab-cache-" });
  const options: OpenLakeOptions = {
    ...extra,
    endpoint: s3.endpoint,
    credentials: s3.credentials,
    cacheDir,
    region: "us-east-1",
  };
  try {
    await fn({ s3, options, uri: `s3://${s3.bucket}/asx`, cacheDir });
  } finally {
    await closeEngines();
    await s3.close();
    await Deno.remove(cacheDir, { recursive: true });
  }
}

for (const engine of ["wasm", "native"] as const) {
  Deno.test(`lake on S3 (${engine}): merge, load, warm loads make zero GETs, corrupt objects never poison the cache`, async () => {
    await withS3Lake(async ({ s3, options, uri, cacheDir }) => {
      // The writer caches what it puts in its own directory; the readers start cold.
      const writer = await openLake(uri, { ...options, cacheDir: `${cacheDir}/writer` });
      await writer.writeRawBatch("2022-01-05", 0, ROWS);
      const report = await writer.mergeDailyBatches("2022-01-05");
      assert.deepEqual(report.partitions.map((p) => p.key), [
        "ohlcv/year=2021/part-0.parquet",
        "ohlcv/year=2022/part-0.parquet",
      ]);
      await writer.close();

      const cold = await openLake(uri, options);
      s3.resetCounts();
      const first = await cold.loadSymbols(["CBA.AX"], { start: "2022-01-01" });
      assert.deepEqual([...first.close], [102]);
      assert.equal(s3.count("GET", "object"), 1, "the cold load downloads only the 2022 partition");
      await cold.close();

      const warm = await openLake(uri, options);
      s3.resetCounts();
      const again = await warm.loadAll();
      assert.deepEqual([...again.close], [40.5, 41.5, 101, 102]);
      assert.equal(s3.count("GET", "object"), 1, "only the 2021 partition was not cached yet");
      s3.resetCounts();
      const third = await warm.loadAll();
      assert.deepEqual([...third.close], [40.5, 41.5, 101, 102]);
      assert.equal(s3.count("GET", "object"), 0, "a warm load performs zero object GETs");
      assert.equal(s3.count("HEAD"), 0);

      // Another writer overwrites the 2022 partition with garbage: a clear LakeError, and the
      // bad bytes do not stay in the cache.
      const key = "ohlcv/year=2022/part-0.parquet";
      const other = await openLake(uri, { ...options, cacheDir: `${cacheDir}/other` });
      const good = await other.store.get(key);
      await other.store.put(key, new TextEncoder().encode("not parquet"));
      await assert.rejects(warm.loadAll(), (err: unknown) => {
        assert(err instanceof LakeError, String(err));
        assert.equal(err.code, "Corrupt");
        assert.match(err.message, /ohlcv\/year=2022\/part-0\.parquet/);
        return true;
      });
      const cachePath = (warm.store as CachedStore).cachePath(key);
      await assert.rejects(
        Deno.stat(cachePath),
        Deno.errors.NotFound,
        "corrupt bytes were evicted",
      );
      // The good bytes come back: the next load downloads them once and works.
      await other.store.put(key, good);
      await other.close();
      s3.resetCounts();
      assert.deepEqual([...(await warm.loadAll()).close], [40.5, 41.5, 101, 102]);
      assert.equal(s3.count("GET", "object"), 1);
      await warm.close();
    }, { engine });
  });
}

Deno.test("lake on S3: a missing bucket is a LakeError naming it", async () => {
  await withS3Lake(async ({ options }) => {
    const lake = await openLake("s3://no-such-bucket/asx", options);
    await assert.rejects(lake.info(), (err: unknown) => {
      assert(err instanceof LakeError && err.code === "NoSuchBucket", String(err));
      assert.match(err.message, /no-such-bucket/);
      return true;
    });
    await lake.close();
  });
});

for (const engine of ["wasm", "native"] as const) {
  Deno.test(`lake on S3 (${engine}): an object found damaged while scanning is evicted from the cache`, async () => {
    await withS3Lake(async ({ options, uri, cacheDir }) => {
      const writer = await openLake(uri, { ...options, cacheDir: `${cacheDir}/writer` });
      await writer.writeRawBatch("2022-01-05", 0, ROWS);
      await writer.mergeDailyBatches("2022-01-05");
      // Damage the 2022 partition's column data, keeping its footer intact: both engines
      // register views, so the damage shows only when DuckDB scans it.
      const key = "ohlcv/year=2022/part-0.parquet";
      const good = await writer.store.get(key);
      const footerLen = new DataView(good.buffer, good.byteOffset + good.length - 8, 4)
        .getUint32(0, true);
      const bad = good.slice();
      const dataEnd = good.length - footerLen - 8;
      bad.fill(0xee, 4, dataEnd);
      await writer.store.put(key, bad);
      await writer.close();

      const reader = await openLake(uri, options);
      await assert.rejects(reader.loadAll(), (err: unknown) => {
        assert(err instanceof LakeError, String(err));
        assert.equal(err.code, "Corrupt");
        assert.equal(err.key, key);
        assert.match(err.message, /ohlcv\/year=2022\/part-0\.parquet/);
        return true;
      });
      const cachePath = (reader.store as CachedStore).cachePath(key);
      await assert.rejects(
        Deno.stat(cachePath),
        Deno.errors.NotFound,
        "damaged bytes were evicted",
      );
      // The 2021 partition stays cached and readable.
      assert.deepEqual([...(await reader.loadSymbols(["CBA.AX"], { end: "2021-12-31" })).close], [
        101,
      ]);
      await reader.close();
    }, { engine });
  });
}
