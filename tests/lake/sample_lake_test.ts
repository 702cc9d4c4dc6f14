import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { DEFAULT_LAKE_DIR, openLake } from "../../src/lake/lake.ts";
import { closeEngines } from "../../src/lake/open_engine.ts";
import { buildSampleLake } from "../../src/lake/sample_lake.ts";

const DATA = fileURLToPath(new URL("../fixtures/asx-ohlcv", import.meta.url));

Deno.test("sample lake: the committed sample is exactly what sample:build produces", async () => {
  const dir = await Deno.makeTempDir({ prefix: "asxlab-sample-" });
  const rebuilt = await openLake(dir, { rowGroupSize: 2048, engine: "wasm" });
  const shipped = await openLake(DEFAULT_LAKE_DIR, { engine: "wasm" });
  try {
    const result = await buildSampleLake(DATA, rebuilt);
    assert.equal(result.partitions.length, 25);
    assert.equal(result.partitions.reduce((n, p) => n + p.rows, 0), 67_276);
    const digest = "select symbol, count(*) n, sum(close) c, sum(volume)::DOUBLE v, " +
      "min(date)::VARCHAR a, max(date)::VARCHAR b from ohlcv group by 1 order by 1";
    const [a, b] = [await rebuilt.sql(digest), await shipped.sql(digest)];
    assert.deepEqual(a.toArray().map((r) => r.toJSON()), b.toArray().map((r) => r.toJSON()));
    assert.deepEqual((await shipped.verify()).problems, [], "the shipped manifest matches");
    assert.deepEqual((await rebuilt.verify()).problems, [], "sample:build writes a manifest");
    for (const name of ["PROVENANCE.md", "quarantine/2022-12-31/sample-build.csv"]) {
      assert.equal(
        new TextDecoder().decode(await rebuilt.store.get(name)),
        new TextDecoder().decode(await shipped.store.get(name)),
        `${name} is up to date (run deno task sample:build)`,
      );
    }
  } finally {
    await rebuilt.close();
    await shipped.close();
    await closeEngines();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sample lake: validated data only — no holiday, null or inconsistent bar survives", async () => {
  const lake = await openLake(DEFAULT_LAKE_DIR, { engine: "wasm" });
  try {
    const bad = await lake.sql(`select count(*)::DOUBLE as n from ohlcv where
      open <= 0 or low > high or high < greatest(open, close) or low > least(open, close)
      or date in (DATE '2016-03-25', DATE '2015-01-26', DATE '2022-09-22') or isodow(date) > 5`);
    assert.equal(bad.get(0)!.n, 0);
    const dups = await lake.sql(
      "select count(*)::DOUBLE as n from (select symbol, date from ohlcv group by 1, 2 having count(*) > 1)",
    );
    assert.equal(dups.get(0)!.n, 0);
    const bhp = await lake.loadSymbols(["BHP.AX"], { start: "2020-03-16", end: "2020-03-20" });
    assert.deepEqual(bhp.dateStrings(), [
      "2020-03-16",
      "2020-03-17",
      "2020-03-18",
      "2020-03-19",
      "2020-03-20",
    ]);
  } finally {
    await lake.close();
    await closeEngines();
  }
});
