/**
 * A lake that is not there is an error naming where it was looked for; an
 * existing lake with no curated data says it is empty; writing creates a lake.
 * On local disk (both engines) and on S3 (s3rver).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { LakeError } from "../../src/core/errors.ts";
import type { EngineKind } from "../../src/lake/engine.ts";
import { openLake } from "../../src/lake/lake.ts";
import { closeEngines } from "../../src/lake/open_engine.ts";
import { S3Store } from "../../src/lake/s3_store.ts";
import { rows } from "../helpers/lake_rows.ts";
import { startS3rver } from "../helpers/s3rver.ts";

const ROWS = rows(
  [["BHP.AX", "2024-07-30", 40.5, 1e6], ["BHP.AX", "2024-07-31", 41.5, 2e6]],
  "2024-08-01T08:00:00.000Z",
);

function isLakeError(code: string, pattern: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof LakeError, String(err));
    assert.equal(err.code, code, err.message);
    assert.match(err.message, pattern);
    return true;
  };
}

for (const engine of ["wasm", "native"] as EngineKind[]) {
  Deno.test(`lake (${engine}): a path with a typo is a NotFound naming it, and nothing is created`, async () => {
    const tmp = await Deno.makeTempDir({ prefix: "asxlab-missing-" });
    const path = join(tmp, "data-cache", "lak");
    const lake = await openLake(path, { engine });
    try {
      const named = isLakeError(
        "NotFound",
        new RegExp(`No lake at ${path}: the directory does not exist`),
      );
      await assert.rejects(lake.loadSymbols(["BHP.AX"]), named);
      await assert.rejects(lake.loadAll(), named);
      await assert.rejects(lake.info(), named);
      await assert.rejects(lake.symbols(), named);
      await assert.rejects(lake.sql("select count(*) from ohlcv"), named);
      await assert.rejects(Deno.stat(path), Deno.errors.NotFound, "reading created nothing");
    } finally {
      await lake.close();
      await closeEngines();
      await Deno.remove(tmp, { recursive: true });
    }
  });

  Deno.test(`lake (${engine}): an existing lake without curated bars says it is empty; writing fills it`, async () => {
    const tmp = await Deno.makeTempDir({ prefix: "asxlab-empty-" });
    const fresh = join(tmp, "new-lake"); // does not exist yet: the writer creates it
    const lake = await openLake(fresh, { engine });
    try {
      await lake.writeRawBatch("2024-08-01", 0, ROWS);
      // Raw batches but nothing merged: the lake exists and holds no curated bars.
      const info = await lake.info();
      assert.deepEqual([info.objects, info.rows, info.symbols], [0, 0, []]);
      await assert.rejects(
        lake.loadSymbols(["BHP.AX"]),
        isLakeError(
          "Empty",
          new RegExp(`The lake at ${fresh} is empty: it holds no curated bars yet`),
        ),
      );
      assert.equal((await lake.sql("select count(*)::INTEGER as n from ohlcv")).get(0)!.n, 0);
      await lake.mergeDailyBatches("2024-08-01");
      assert.deepEqual([...(await lake.loadSymbols(["BHP.AX"])).close], [40.5, 41.5]);
      assert.equal((await lake.info()).rows, 2);
    } finally {
      await lake.close();
      await closeEngines();
      await Deno.remove(tmp, { recursive: true });
    }
  });
}

Deno.test("lake on S3: a missing bucket reads as NoSuchBucket, an empty prefix as Empty naming it", async () => {
  const s3 = await startS3rver();
  const cacheDir = await Deno.makeTempDir({ prefix: "asxlab-cache-" });
  const options = {
    endpoint: s3.endpoint,
    credentials: s3.credentials,
    region: "us-east-1",
    cacheDir,
  };
  try {
    const probe = (uri: string) => new S3Store(uri, options);
    for (
      const [uri, exists] of [[`s3://${s3.bucket}/asx`, true], [
        "s3://no-such-bucket/x",
        false,
      ]] as const
    ) {
      const store = probe(uri);
      assert.equal(await store.exists(), exists, uri);
      await store.close();
    }
    const missing = await openLake("s3://no-such-bucket/asx", options);
    await assert.rejects(
      missing.loadSymbols(["BHP.AX"]),
      isLakeError("NoSuchBucket", /no-such-bucket/),
    );
    await missing.close();
    const typo = await openLake(`s3://${s3.bucket}/axs`, options);
    await assert.rejects(
      typo.loadSymbols(["BHP.AX"]),
      isLakeError("Empty", new RegExp(`The lake at s3://${s3.bucket}/axs is empty`)),
    );
    assert.equal((await typo.info()).objects, 0);
    await typo.close();
  } finally {
    await closeEngines();
    await s3.close();
    await Deno.remove(cacheDir, { recursive: true });
  }
});
