/**
 * CachedStore over a real S3Store on s3rver: request counts are real HTTP
 * requests seen by the server (tests/helpers/s3rver.ts).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { LakeError } from "../../src/core/errors.ts";
import { CachedStore } from "../../src/lake/cache.ts";
import { LocalStore } from "../../src/lake/local_store.ts";
import { DEFAULT_S3_TIMEOUTS, S3Store } from "../../src/lake/s3_store.ts";
import type { ObjectInfo } from "../../src/lake/store.ts";
import { type S3rverHandle, startS3rver } from "../helpers/s3rver.ts";
import { bytes } from "../helpers/bytes.ts";

const assertEquals = (actual: unknown, expected: unknown, msg?: string): void =>
  assert.deepStrictEqual(actual, expected, msg);

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}

/** One s3rver, a writer store (no cache) and a fresh cache dir per test. */
async function withS3(
  fn: (ctx: {
    s3: S3rverHandle;
    raw: S3Store;
    cacheDir: string;
    open: (uri?: string) => CachedStore;
  }) => Promise<void>,
): Promise<void> {
  const s3 = await startS3rver();
  const tmp = await Deno.makeTempDir({ prefix: "asxlab-cache-" });
  const opts = { endpoint: s3.endpoint, credentials: s3.credentials, region: "ap-southeast-2" };
  const raw = new S3Store(`s3://${s3.bucket}/asx`, opts);
  const opened: CachedStore[] = [];
  const cacheDir = join(tmp, "s3");
  try {
    await fn({
      s3,
      raw,
      cacheDir,
      open: (uri = `s3://${s3.bucket}/asx`) => {
        const store = new CachedStore(new S3Store(uri, opts), { cacheDir });
        opened.push(store);
        return store;
      },
    });
  } finally {
    for (const store of opened) await store.close();
    await raw.close();
    await s3.close();
    await Deno.remove(tmp, { recursive: true });
  }
}

const PARTS = [
  "ohlcv/year=2020/part-0.parquet",
  "ohlcv/year=2021/part-0.parquet",
  "symbols/^AXJO.csv",
];

Deno.test("a warm load performs zero GETs (real requests counted at the server)", async () => {
  await withS3(async ({ s3, raw, cacheDir, open }) => {
    for (const [i, key] of PARTS.entries()) await raw.put(key, bytes(50_000 + i, i + 1));
    const cache = open();

    s3.resetCounts();
    for (const info of await cache.list("")) {
      assertEquals(await cache.getWith(info), await raw.get(info.key));
    }
    assertEquals(
      s3.count("GET", "object"),
      2 * PARTS.length,
      "cold: one download per object (+ raw.get)",
    );
    assertEquals(cache.stats.misses, PARTS.length);

    // Files land at <cacheDir>/<bucket>/<prefix>/<key>.
    const path = join(cacheDir, s3.bucket, "asx", "symbols", "^AXJO.csv");
    assertEquals(await Deno.readFile(path), bytes(50_002, 3));

    s3.resetCounts();
    const listed = await cache.list("");
    for (const info of listed) {
      assertEquals(await cache.getWith(info), bytes(info.size, PARTS.indexOf(info.key) + 1));
      const p = await cache.localPathFor(info);
      assertEquals((await Deno.stat(p)).size, info.size);
    }
    assertEquals(s3.count("GET", "object"), 0, "warm getWith/localPathFor: zero object GETs");
    assertEquals(s3.count("HEAD"), 0, "warm getWith/localPathFor: zero HEADs");
    assertEquals(s3.count("GET", "bucket"), 1, "only the listing");

    // A new CachedStore (a new process) on the same cache dir is warm too.
    const again = open();
    s3.resetCounts();
    for (const info of await again.list("")) await again.localPathFor(info);
    assertEquals(s3.count("GET", "object"), 0);
    assertEquals(again.stats, { hits: PARTS.length, misses: 0, bytesDownloaded: 0 });

    // get(key)/localPath(key) without a listing: one HEAD, still zero GETs.
    s3.resetCounts();
    assertEquals(await again.get(PARTS[0]!), bytes(50_000, 1));
    assertEquals(
      await again.localPath(PARTS[1]!),
      join(cacheDir, s3.bucket, "asx", ...PARTS[1]!.split("/")),
    );
    assertEquals(s3.count("HEAD"), 2);
    assertEquals(s3.count("GET", "object"), 0);
    assertEquals(await again.localPath("not/there.bin"), undefined);
    await assert.rejects(again.get("not/there.bin"), (err: unknown) => {
      assert.ok(err instanceof LakeError && err.code === "NotFound");
      assert.ok(err.message.includes("not/there.bin"), err.message);
      return true;
    });
  });
});

Deno.test("a changed object is re-downloaded once, then warm again", async () => {
  await withS3(async ({ s3, raw, open }) => {
    const key = PARTS[0]!;
    await raw.put(key, bytes(4096, 1));
    const cache = open();
    const [v1] = await cache.list(key);
    assertEquals(await cache.getWith(v1!), bytes(4096, 1));

    await raw.put(key, bytes(4096, 2)); // same size, new content
    const [v2] = await cache.list(key);
    assert.notEqual(v2!.etag, v1!.etag);
    s3.resetCounts();
    assertEquals(await cache.getWith(v2!), bytes(4096, 2));
    assertEquals(s3.count("GET", "object"), 1);
    assertEquals(await Deno.readFile(await cache.localPathFor(v2!)), bytes(4096, 2));
    assertEquals(await cache.getWith(v2!), bytes(4096, 2));
    assertEquals(s3.count("GET", "object"), 1, "warm again after the refresh");

    // get(key) notices a change through its HEAD.
    await raw.put(key, bytes(10, 3));
    assertEquals(await cache.get(key), bytes(10, 3));
    assertEquals(s3.count("GET", "object"), 2);
  });
});

Deno.test("evict forgets the entry; a tampered cache file is not trusted", async () => {
  await withS3(async ({ s3, raw, open }) => {
    const key = PARTS[1]!;
    await raw.put(key, bytes(3000, 5));
    const cache = open();
    const [info] = await cache.list(key);
    const path = await cache.localPathFor(info!);
    assert.ok(await exists(path));

    await cache.evict(key);
    assert.ok(!(await exists(path)), "evict removes the file");
    await cache.evict(key); // evicting twice is fine
    s3.resetCounts();
    assertEquals(await cache.getWith(info!), bytes(3000, 5));
    assertEquals(s3.count("GET", "object"), 1, "an evicted object is downloaded again");

    // Bytes on disk that no longer match the recorded size are re-downloaded.
    await Deno.writeFile(path, bytes(10, 9));
    assertEquals(await cache.getWith(info!), bytes(3000, 5));
    assertEquals(s3.count("GET", "object"), 2);
  });
});

Deno.test("a failed or partial download leaves no cache entry", async () => {
  await withS3(async ({ s3, raw, open }) => {
    const cache = open();

    // Cold key, connection dropped halfway through the body.
    const cold = "raw-data/2024-01-02-batch-1.parquet";
    await raw.put(cold, bytes(300_000, 4));
    const [coldInfo] = await cache.list(cold);
    s3.failNext("GET", { kind: "truncate" }, DEFAULT_S3_TIMEOUTS.maxAttempts); // every attempt
    await assert.rejects(cache.getWith(coldInfo!), LakeError);
    assert.ok(!(await exists(cache.cachePath(cold))), "no file for a partial download");
    s3.resetCounts();
    assertEquals(await cache.getWith(coldInfo!), bytes(300_000, 4), "the next read downloads");
    assertEquals(s3.count("GET", "object"), 1);

    // Warm key whose object changed; the refresh fails: the old entry must not answer for the new ETag.
    const warm = PARTS[0]!;
    await raw.put(warm, bytes(2000, 1));
    const [w1] = await cache.list(warm);
    await cache.getWith(w1!);
    await raw.put(warm, bytes(2000, 2));
    const [w2] = await cache.list(warm);
    s3.failNext("GET", { kind: "truncate", bytes: 100 }, DEFAULT_S3_TIMEOUTS.maxAttempts);
    await assert.rejects(cache.getWith(w2!), LakeError);
    s3.resetCounts();
    assertEquals(await cache.getWith(w2!), bytes(2000, 2));
    assertEquals(s3.count("GET", "object"), 1, "not served from the stale entry");
    // …nor is the old version served any more, since its record went with the failed refresh.
    assertEquals(
      await cache.getWith(w1!),
      bytes(2000, 2),
      "an outdated listing gets current bytes",
    );

    // Server errors on every attempt (the SDK retries 5xx): LakeError, nothing recorded.
    const err5 = "runs/2024-01-02.json";
    await raw.put(err5, bytes(500, 6));
    const [e] = await cache.list(err5);
    // (Faults left over after the SDK gives up die with this test's server.)
    s3.failNext("GET", { kind: "status", status: 503, code: "SlowDown" }, 10);
    s3.resetCounts();
    await assert.rejects(cache.getWith(e!), (err: unknown) => {
      assert.ok(err instanceof LakeError && err.message.includes(err5), String(err));
      return true;
    });
    assert.ok(s3.count("GET", "object") >= 1, "the download was attempted");
    assert.ok(!(await exists(cache.cachePath(err5))), "no file after a failed download");
    // Completed downloads: cold, w1, w2, and w1 again (its ETag no longer matches the record).
    assertEquals(cache.stats.misses, 4, "failed downloads are not counted");
  });
});

Deno.test("put writes through, delete evicts, clear removes only this store's cache", async () => {
  await withS3(async ({ s3, raw, cacheDir, open }) => {
    const cache = open();
    const other = open(`s3://${s3.bucket}/other`);
    const info = await cache.put("state/watermarks.parquet", bytes(777, 7));
    assertEquals(await raw.get("state/watermarks.parquet"), bytes(777, 7), "the put reached S3");
    s3.resetCounts();
    const [listed] = await cache.list("state/");
    assertEquals(listed, info);
    assertEquals(await cache.getWith(listed!), bytes(777, 7));
    assertEquals(s3.count("GET", "object"), 0, "written through: no download after our own put");

    await other.put("x.bin", bytes(5, 5));
    const otherPath = other.cachePath("x.bin");
    assert.ok(await exists(otherPath));

    await cache.delete("state/watermarks.parquet");
    assert.ok(!(await exists(cache.cachePath("state/watermarks.parquet"))));
    assertEquals(await raw.head("state/watermarks.parquet"), undefined);

    for (const key of PARTS) await cache.put(key, bytes(100, 1));
    assert.ok(await exists(join(cacheDir, s3.bucket, "asx")));
    await cache.clear();
    assert.ok(!(await exists(join(cacheDir, s3.bucket, "asx"))), "this store's cache is gone");
    assert.ok(!(await exists(join(cacheDir, "_etags", s3.bucket, "asx"))), "and its records");
    assert.ok(await exists(otherPath), "another prefix's cache is untouched");
    s3.resetCounts();
    for (const i of await cache.list("")) await cache.getWith(i);
    assertEquals(s3.count("GET", "object"), PARTS.length, "cold again after clear()");
    await cache.clear();
    await cache.clear(); // clearing an absent cache is fine
  });
});

Deno.test("concurrent reads of one cold object download it once", async () => {
  await withS3(async ({ s3, raw, open }) => {
    await raw.put(PARTS[2]!, bytes(100_000, 8));
    const cache = open();
    const [info] = await cache.list(PARTS[2]!);
    s3.resetCounts();
    const results = await Promise.all([
      cache.getWith(info!),
      cache.getWith(info!),
      cache.localPathFor(info!),
    ]);
    assertEquals(results[0], bytes(100_000, 8));
    assertEquals(results[1], bytes(100_000, 8));
    assertEquals(await Deno.readFile(results[2] as string), bytes(100_000, 8));
    assertEquals(s3.count("GET", "object"), 1);
  });
});

Deno.test("CachedStore wraps any Store (LocalStore here), keyed by its etags", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "asxlab-cache-local-" });
  try {
    const inner = new LocalStore(join(tmp, "lake"));
    const cache = new CachedStore(inner, { cacheDir: join(tmp, "cache") });
    assert.ok(cache.namespace.startsWith("_store/"), cache.namespace);
    await inner.put("a/b.bin", bytes(64, 1));
    let [info] = await cache.list("a/");
    assertEquals(await cache.getWith(info!), bytes(64, 1));
    assertEquals(await cache.getWith(info!), bytes(64, 1));
    assertEquals(cache.stats.misses, 1);
    assertEquals(cache.stats.hits, 1);
    await inner.put("a/b.bin", bytes(64, 2));
    [info] = await cache.list("a/");
    assertEquals(await cache.getWith(info as ObjectInfo), bytes(64, 2));
    assertEquals(cache.stats.misses, 2);
    assert.throws(
      () => new CachedStore(inner, { cacheDir: tmp, namespace: "../escape" }),
      TypeError,
    );
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
