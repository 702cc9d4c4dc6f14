import assert from "node:assert/strict";
import { join } from "node:path";
import { LakeError } from "../../src/core/errors.ts";
import { ConfigError } from "../../src/core/errors.ts";
import { Lake, type MergeReport } from "../../src/lake/lake.ts";
import { LocalStore } from "../../src/lake/local_store.ts";
import { closeEngines, openEngine } from "../../src/lake/open_engine.ts";
import type { EngineKind } from "../../src/lake/engine.ts";
import { ReadingStore } from "../helpers/reading_store.ts";
import { rows } from "../helpers/lake_rows.ts";

/**
 * Registers a test once per engine: every lake test passes on both. Each run gets a
 * fresh temporary lake on local disk, read through a store that records the keys read.
 */
function lakeTest(
  name: string,
  fn: (lake: Lake, store: ReadingStore, dir: string, kind: EngineKind) => Promise<void>,
): void {
  for (const kind of ["wasm", "native"] as const) {
    Deno.test(`lake (${kind}): ${name}`, async () => {
      await withLake(kind, (lake, store, dir) => fn(lake, store, dir, kind));
    });
  }
}

async function withLake(
  kind: EngineKind,
  fn: (lake: Lake, store: ReadingStore, dir: string) => Promise<void>,
) {
  const dir = await Deno.makeTempDir({ prefix: "asxlab-lake-" });
  const store = new ReadingStore(new LocalStore(dir));
  const lake = new Lake(store, await openEngine(kind), 4);
  try {
    await fn(lake, store, dir);
  } finally {
    await lake.close();
    await Deno.remove(dir, { recursive: true });
  }
}

lakeTest("raw batch round trip keeps the seed schema's exact types", async (lake) => {
  const written = await lake.writeRawBatch(
    "2024-08-01",
    7,
    rows([["BHP.AX", "2024-07-31", 44.81, 7_123_456_789]], "2024-08-01T08:00:00.000Z"),
  );
  assert.deepEqual(written, {
    key: "raw-data/2024-08-01-batch-7.parquet",
    rows: 1,
    quarantine: null,
  });
  const t = await lake.sql("select * from raw");
  const types = Object.fromEntries(t.schema.fields.map((f) => [f.name, String(f.type)]));
  assert.deepEqual(types, {
    symbol: "Utf8",
    date: "Date32<DAY>",
    open: "Float64",
    high: "Float64",
    low: "Float64",
    close: "Float64",
    volume: "Int64",
    adjusted_close: "Float64",
    fetch_timestamp: "Utf8",
    batch_number: "Int32",
  });
  const row = t.get(0)!.toJSON();
  assert.equal(row.symbol, "BHP.AX");
  assert.equal(row.close, 44.81);
  assert.equal(row.volume, 7_123_456_789n);
  assert.equal(row.batch_number, 7);
  assert.equal(row.fetch_timestamp, "2024-08-01T08:00:00.000Z");
  assert.equal(new Date(row.date as number).toISOString().slice(0, 10), "2024-07-31");
});

lakeTest(
  "merge dedups by latest fetch_timestamp, sorts, and is idempotent",
  async (lake, store) => {
    await lake.writeRawBatch(
      "2024-08-01",
      0,
      rows([
        ["CBA.AX", "2024-07-30", 100],
        ["BHP.AX", "2024-07-31", 40],
        ["BHP.AX", "2024-07-30", 39],
      ], "2024-08-01T08:00:00.000Z"),
    );
    await lake.writeRawBatch(
      "2024-08-01",
      1,
      rows([
        ["BHP.AX", "2024-07-31", 41], // a later fetch of the same bar wins
        ["BHP.AX", "2023-12-29", 30], // another year partition
      ], "2024-08-01T09:00:00.000Z"),
    );
    const first: MergeReport = await lake.mergeDailyBatches("2024-08-01");
    assert.deepEqual(first.partitions.map((p) => [p.key, p.rows]), [
      ["ohlcv/year=2023/part-0.parquet", 1],
      ["ohlcv/year=2024/part-0.parquet", 3],
    ]);
    assert.equal(first.rawRows, 5);
    const bars = await lake.loadAll();
    assert.deepEqual(bars.symbols(), ["BHP.AX", "CBA.AX"]);
    assert.deepEqual(bars.dateStrings(), ["2023-12-29", "2024-07-30", "2024-07-31", "2024-07-30"]);
    assert.deepEqual([...bars.close], [30, 39, 41, 100]);

    const before = await store.inner.get("ohlcv/year=2024/part-0.parquet");
    const second = await lake.mergeDailyBatches("2024-08-01");
    assert.deepEqual(second.partitions, first.partitions);
    const after = await store.inner.get("ohlcv/year=2024/part-0.parquet");
    assert.deepEqual(after, before, "a second merge rewrites identical bytes");
    assert.deepEqual([...(await lake.loadAll()).close], [30, 39, 41, 100]);

    // A later day's merge folds into the same partition without losing earlier rows.
    await lake.writeRawBatch(
      "2024-08-02",
      0,
      rows([["BHP.AX", "2024-08-01", 42]], "2024-08-02T08:00:00.000Z"),
    );
    await lake.mergeDailyBatches("2024-08-02");
    assert.deepEqual([...(await lake.loadSymbols(["BHP.AX"])).close], [30, 39, 41, 42]);
  },
);

lakeTest("loads prune partitions by year and filter symbols and dates", async (lake, store) => {
  const spec: [string, string, number][] = [];
  // A March and a June trading day of each year (2 March and 1 June 2019 were weekend days).
  const days: [number, string, string][] = [
    [2019, "2019-03-04", "2019-06-03"],
    [2020, "2020-03-02", "2020-06-01"],
    [2021, "2021-03-02", "2021-06-01"],
    [2022, "2022-03-02", "2022-06-01"],
  ];
  for (const [year, march, june] of days) {
    for (const sym of ["AAA.AX", "BBB.AX", "CCC.AX"]) {
      spec.push([sym, march, year - 2000], [sym, june, year - 1999]);
    }
  }
  await lake.writeRawBatch("2022-12-31", 0, rows(spec, "2022-12-31T08:00:00.000Z"));
  await lake.mergeDailyBatches("2022-12-31");
  store.reads.length = 0;
  const bars = await lake.loadSymbols(["BBB.AX"], { start: "2020-04-01", end: "2021-03-31" });
  assert.deepEqual(bars.symbols(), ["BBB.AX"]);
  assert.deepEqual(bars.dateStrings(), ["2020-06-01", "2021-03-02"]);
  assert.deepEqual(
    [...new Set(store.reads)].sort(),
    ["ohlcv/year=2020/part-0.parquet", "ohlcv/year=2021/part-0.parquet"],
    "only the partitions whose year overlaps the range are read",
  );
  const range = await lake.loadDateRange("2022-01-01", "2022-12-31", { columns: ["close"] });
  assert.equal(range.length, 6);
  assert.deepEqual(range.table.schema.fields.map((f) => f.name), ["symbol", "date", "close"]);
  assert.deepEqual(await lake.symbols(), ["AAA.AX", "BBB.AX", "CCC.AX"]);
  assert.deepEqual(await lake.dateRange(), { start: "2019-03-04", end: "2022-06-01" });
  const none = await lake.loadSymbols(["ZZZ.AX"]);
  assert.equal(none.length, 0);
});

lakeTest(
  "a corrupt object gives a LakeError naming it and nothing stored is lost",
  async (lake, store, dir) => {
    await lake.writeRawBatch(
      "2024-08-01",
      0,
      rows([["BHP.AX", "2024-07-31", 40]], "2024-08-01T08:00:00Z"),
    );
    await lake.mergeDailyBatches("2024-08-01");
    const good = await store.inner.get("ohlcv/year=2024/part-0.parquet");
    // A second raw batch arrives corrupt: the merge must fail before writing anything.
    await Deno.writeFile(
      join(dir, "raw-data/2024-08-01-batch-1.parquet"),
      new TextEncoder().encode("PAR1 not really"),
    );
    await assert.rejects(lake.mergeDailyBatches("2024-08-01"), (err: unknown) => {
      assert(err instanceof LakeError, String(err));
      assert.match(err.message, /raw-data\/2024-08-01-batch-1\.parquet/);
      return true;
    });
    assert.deepEqual(await store.inner.get("ohlcv/year=2024/part-0.parquet"), good);
    assert.deepEqual([...(await lake.loadAll()).close], [40]);
  },
);

lakeTest(
  "a raw batch with the wrong schema is refused with a Schema LakeError",
  async (lake, _store) => {
    const engine = lake.engine;
    await engine.query(
      "CREATE OR REPLACE TABLE wrong AS SELECT 'BHP.AX' AS symbol, DATE '2024-07-31' AS date, 1.0 AS close",
    );
    const bytes = await engine.queryToParquet("SELECT * FROM wrong");
    await engine.drop("wrong");
    await lake.store.put("raw-data/2024-08-01-batch-0.parquet", bytes);
    await assert.rejects(lake.mergeDailyBatches("2024-08-01"), (err: unknown) => {
      assert(err instanceof LakeError && err.code === "Schema", String(err));
      assert.match(err.message, /raw-data\/2024-08-01-batch-0\.parquet.*"open"/);
      return true;
    });
    assert.deepEqual(await lake.store.list("ohlcv/"), []);
  },
);

lakeTest("bad input is refused with clear errors", async (lake) => {
  await assert.rejects(lake.loadSymbols(["bhp; drop table"]), ConfigError);
  await assert.rejects(
    lake.loadSymbols(["BHP.AX"], { start: "2022-01-02", end: "2021-01-01" }),
    /after end/,
  );
  await assert.rejects(
    lake.loadDateRange("2022-13-01", "2022-12-31"),
    /Invalid date "2022-13-01"/,
  );
  await assert.rejects(lake.sql("delete from ohlcv"), /read-only/);
  await assert.rejects(lake.sql("select 1; select 2"), /read-only/);
  await assert.rejects(
    lake.mergeDailyBatches("2024-08-09"),
    (err: unknown) =>
      err instanceof LakeError && err.code === "NotFound" && /2024-08-09/.test(err.message),
  );
  const ragged = { ...rows([["BHP.AX", "2024-07-31", 40]], "2024-08-01T08:00:00Z"), close: [] };
  await assert.rejects(lake.writeRawBatch("2024-08-01", 0, ragged), RangeError);
  assert.deepEqual(await lake.store.list(""), [], "nothing was written by refused calls");
  // Bad rows are not refused: they are quarantined with the reason.
  const report = await lake.writeRawBatch(
    "2024-08-01",
    0,
    rows([["BHP.AX", "2024-07-31", 40, 1.5]], "2024-08-01T08:00:00Z"),
  );
  assert.deepEqual(report.quarantine, {
    key: "quarantine/2024-08-01/batch-0.parquet",
    rows: 1,
    counts: { "invalid volume": 1 },
  });
  assert.equal(report.rows, 0);
});

Deno.test({
  name: "lake: close the shared engines",
  fn: async () => {
    await closeEngines();
  },
});
