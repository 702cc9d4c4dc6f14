import assert from "node:assert/strict";
import { Bool, Float64, Table, Utf8, vectorFromArray } from "apache-arrow";
import { parseDate } from "../../src/core/dates.ts";
import { Lake } from "../../src/lake/lake.ts";
import { LocalStore } from "../../src/lake/local_store.ts";
import { closeEngines, openEngine } from "../../src/lake/open_engine.ts";
import type { RawRows } from "../../src/lake/schema.ts";

function rows(spec: [symbol: string, date: string, close: number][], stamp: string): RawRows {
  return {
    symbol: spec.map((r) => r[0]),
    date: spec.map((r) => r[1]),
    open: spec.map((r) => r[2]),
    high: spec.map((r) => r[2] + 0.5),
    low: spec.map((r) => r[2] - 0.5),
    close: spec.map((r) => r[2]),
    volume: spec.map(() => 1000),
    adjusted_close: spec.map((r) => r[2]),
    fetch_timestamp: stamp,
  };
}

async function withLake(fn: (lake: Lake) => Promise<void>) {
  for (const kind of ["wasm", "native"] as const) {
    const dir = await Deno.makeTempDir({ prefix: "asxlab-lake-tables-" });
    const lake = new Lake(new LocalStore(dir), await openEngine(kind), 4);
    try {
      await fn(lake);
    } catch (err) {
      throw new Error(`on the ${kind} engine: ${(err as Error).message}`, { cause: err });
    } finally {
      await lake.close();
      await closeEngines();
      await Deno.remove(dir, { recursive: true });
    }
  }
}

Deno.test("lake (both engines): writeTable and readTable round-trip a bookkeeping table; curated and raw keys are refused", async () => {
  await withLake(async (lake) => {
    const table = new Table({
      symbol: vectorFromArray(["BHP.AX", "CBA.AX"], new Utf8()),
      close: vectorFromArray([44.81, 120.5], new Float64()),
      held: vectorFromArray([true, false], new Bool()),
    });
    const info = await lake.writeTable("state/example.parquet", table);
    assert.equal(info.key, "state/example.parquet");
    const back = await lake.readTable("state/example.parquet");
    assert.deepEqual(back.toArray().map((r) => r.toJSON()), [
      { symbol: "BHP.AX", close: 44.81, held: true },
      { symbol: "CBA.AX", close: 120.5, held: false },
    ]);
    await assert.rejects(lake.readTable("state/missing.parquet"), {
      name: "LakeError",
      code: "NotFound",
    });
    for (const key of ["ohlcv/year=2024/part-0.parquet", "raw-data/2024-08-01-batch-0.parquet"]) {
      await assert.rejects(lake.writeTable(key, table), { name: "ConfigError" });
    }
    assert.deepEqual((await lake.store.list("ohlcv/")).length, 0);
  });
});

Deno.test("lake (both engines): mergeDailyBatches leaves excluded (symbol, date) raw rows out and keeps curated ones", async () => {
  await withLake(async (lake) => {
    await lake.writeRawBatch(
      "2024-08-01",
      0,
      rows([["BHP.AX", "2024-07-30", 40], ["CBA.AX", "2024-07-30", 100]], "2024-08-01T08:00:00Z"),
    );
    await lake.mergeDailyBatches("2024-08-01");
    await lake.writeRawBatch(
      "2024-08-02",
      0,
      rows([
        ["BHP.AX", "2024-07-30", 99], // a refetch of a held bar, excluded: the held 40 stays
        ["BHP.AX", "2024-07-31", 41],
        ["CBA.AX", "2024-07-31", 500], // excluded: never reaches ohlcv/
        ["CBA.AX", "2024-08-01", 101],
      ], "2024-08-02T08:00:00Z"),
    );
    const report = await lake.mergeDailyBatches("2024-08-02", {
      exclude: {
        symbol: ["BHP.AX", "CBA.AX", "WES.AX"],
        date: Int32Array.of(
          parseDate("2024-07-30"),
          parseDate("2024-07-31"),
          parseDate("2024-07-31"),
        ),
      },
    });
    assert.equal(report.rawRows, 4);
    assert.equal(report.excluded, 2);
    const bars = await lake.loadAll();
    assert.deepEqual(bars.symbols(), ["BHP.AX", "CBA.AX"]);
    assert.deepEqual(bars.dateStrings(), ["2024-07-30", "2024-07-31", "2024-07-30", "2024-08-01"]);
    assert.deepEqual([...bars.close], [40, 41, 100, 101]);
    await assert.rejects(
      lake.mergeDailyBatches("2024-08-02", {
        exclude: { symbol: ["BHP.AX"], date: new Int32Array(2) },
      }),
      RangeError,
    );
  });
});
