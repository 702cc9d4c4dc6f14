/**
 * One default lake and one default S3 cache, the same folders from any working
 * directory, for every way a store is opened; `ASXLAB_LAKE` / `ASXLAB_CACHE_DIR`
 * override them.
 */

import assert from "node:assert/strict";
import { isAbsolute, join } from "node:path";
import { CachedStore } from "../../src/lake/cache.ts";
import { DEFAULT_CACHE_DIR, DEFAULT_LAKE_DIR } from "../../src/lake/defaults.ts";
import { LocalStore } from "../../src/lake/local_store.ts";
import { openStore } from "../../src/lake/open_store.ts";
import { S3Store } from "../../src/lake/s3_store.ts";

/** Runs `fn` with env variables set (or unset) and the working directory elsewhere. */
async function elsewhere(
  env: Record<string, string | undefined>,
  fn: () => Promise<void>,
): Promise<void> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, Deno.env.get(k)]));
  const cwd = Deno.cwd();
  const tmp = await Deno.makeTempDir({ prefix: "asxlab-defaults-" });
  try {
    for (const [k, v] of Object.entries(env)) {
      v === undefined ? Deno.env.delete(k) : Deno.env.set(k, v);
    }
    Deno.chdir(tmp);
    await fn();
  } finally {
    Deno.chdir(cwd);
    for (const [k, v] of Object.entries(saved)) {
      v === undefined ? Deno.env.delete(k) : Deno.env.set(k, v);
    }
    await Deno.remove(tmp, { recursive: true });
  }
}

Deno.test("defaults: the shipped lake and the S3 cache are found from any working directory", async () => {
  assert.ok(isAbsolute(DEFAULT_LAKE_DIR) && isAbsolute(DEFAULT_CACHE_DIR));
  assert.ok((await Deno.stat(join(DEFAULT_LAKE_DIR, "ohlcv"))).isDirectory);
  await elsewhere({ ASXLAB_LAKE: undefined, ASXLAB_CACHE_DIR: undefined }, async () => {
    const local = await openStore();
    assert.ok(local instanceof LocalStore);
    assert.equal(local.root, DEFAULT_LAKE_DIR);
    const s3 = await openStore("s3://some-bucket/asx", { region: "ap-southeast-2" });
    assert.ok(s3 instanceof CachedStore);
    assert.equal(s3.cacheDir, DEFAULT_CACHE_DIR);
    await s3.close?.();
    const direct = new CachedStore(
      new S3Store("s3://some-bucket/asx", { region: "ap-southeast-2" }),
    );
    assert.equal(direct.cacheDir, DEFAULT_CACHE_DIR, "one default, however the cache is made");
    await direct.close();
  });
});

Deno.test("defaults: ASXLAB_LAKE and ASXLAB_CACHE_DIR override them", async () => {
  await elsewhere({ ASXLAB_LAKE: "/srv/lake", ASXLAB_CACHE_DIR: "/tmp/asxlab-cache" }, async () => {
    const local = await openStore();
    assert.ok(local instanceof LocalStore);
    assert.equal(local.root, "/srv/lake");
    const s3 = await openStore("s3://some-bucket/asx", { region: "ap-southeast-2" });
    assert.equal((s3 as CachedStore).cacheDir, "/tmp/asxlab-cache");
    await s3.close?.();
  });
});
