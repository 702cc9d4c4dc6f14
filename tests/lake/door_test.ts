/**
 * Validation at the lake's door, on both engines: every bad row the reviewer
 * merged into `ohlcv/` on main (negative prices, high < low, NaN/Inf/NULL
 * closes, negative volume, weekend/2099/0099/10000 dates, NULL/empty/5,000
 * character symbols, garbage fetch times) is quarantined with its reason, by a
 * merge of a raw file another tool wrote and by `writeRawBatch`; fetch times are
 * compared as instants ("yesterday" no longer wins deduplication for ever); ties
 * are resolved by the later batch and counted; a raw file whose types are not
 * exactly the lake's (int32 volume, float32 close) is refused whole.
 */

import assert from "node:assert/strict";
import { LakeError } from "../../src/core/errors.ts";
import type { EngineKind } from "../../src/lake/engine.ts";
import { Lake } from "../../src/lake/lake.ts";
import { LocalStore } from "../../src/lake/local_store.ts";
import { closeEngines, openEngine } from "../../src/lake/open_engine.ts";
import { LAKE_COLUMNS, type RawRows } from "../../src/lake/schema.ts";
import { rows } from "../helpers/lake_rows.ts";

const DATE = "2024-08-02";
const T = "2024-08-02T08:00:00.000Z";

/** A raw file as another tool might write it: SQL values, cast to the lake schema. */
const BAD_ROWS: [what: string, values: string, reason: string | null][] = [
  ["a good row", `'GOOD.AX', DATE '2024-07-31', 10, 11, 9, 10.5, 100, 10.5, '${T}', 0`, null],
  [
    "negative price",
    `'NEG.AX', DATE '2024-07-31', -10, 11, 9, 10.5, 100, 10.5, '${T}', 0`,
    "non-positive price",
  ],
  [
    "high < low",
    `'HL.AX', DATE '2024-07-31', 10, 8, 9, 10.5, 100, 10.5, '${T}', 0`,
    "inconsistent OHLC",
  ],
  [
    "NaN close",
    `'NAN.AX', DATE '2024-07-31', 10, 11, 9, 'NaN'::DOUBLE, 100, 10.5, '${T}', 0`,
    "null prices",
  ],
  [
    "Inf close",
    `'INF.AX', DATE '2024-07-31', 10, 11, 9, 'Infinity'::DOUBLE, 100, 10.5, '${T}', 0`,
    "non-finite price",
  ],
  [
    "NULL close",
    `'NUL.AX', DATE '2024-07-31', 10, 11, 9, NULL, 100, 10.5, '${T}', 0`,
    "null prices",
  ],
  [
    "negative volume",
    `'VOL.AX', DATE '2024-07-31', 10, 11, 9, 10.5, -5, 10.5, '${T}', 0`,
    "negative volume",
  ],
  [
    "a Saturday",
    `'SAT.AX', DATE '2024-07-27', 10, 11, 9, 10.5, 100, 10.5, '${T}', 0`,
    "non-trading day",
  ],
  [
    "year 2099",
    `'FUT.AX', DATE '2099-07-31', 10, 11, 9, 10.5, 100, 10.5, '${T}', 0`,
    "invalid date",
  ],
  [
    "year 0099",
    `'OLD.AX', DATE '0099-07-31', 10, 11, 9, 10.5, 100, 10.5, '${T}', 0`,
    "invalid date",
  ],
  [
    "year 10000",
    `'BIG.AX', DATE '10000-07-31', 10, 11, 9, 10.5, 100, 10.5, '${T}', 0`,
    "invalid date",
  ],
  [
    "NULL symbol",
    `NULL, DATE '2024-07-31', 10, 11, 9, 10.5, 100, 10.5, '${T}', 0`,
    "invalid symbol",
  ],
  [
    "empty symbol",
    `'', DATE '2024-07-31', 10, 11, 9, 10.5, 100, 10.5, '${T}', 0`,
    "invalid symbol",
  ],
  [
    "5,000 characters",
    `repeat('A', 5000), DATE '2024-07-31', 10, 11, 9, 10.5, 100, 10.5, '${T}', 0`,
    "invalid symbol",
  ],
  [
    "lower case",
    `'bhp.ax', DATE '2024-07-31', 10, 11, 9, 10.5, 100, 10.5, '${T}', 0`,
    "invalid symbol",
  ],
  [
    "fetched 'yesterday'",
    `'YDAY.AX', DATE '2024-07-31', 10, 11, 9, 10.5, 100, 10.5, 'yesterday', 0`,
    "invalid fetch time",
  ],
  [
    "no fetch time",
    `'NOTS.AX', DATE '2024-07-31', 10, 11, 9, 10.5, 100, 10.5, NULL, 0`,
    "invalid fetch time",
  ],
  [
    "fetched in 2999",
    `'LATE.AX', DATE '2024-07-31', 10, 11, 9, 10.5, 100, 10.5, '2999-01-01T00:00:00Z', 0`,
    "invalid fetch time",
  ],
  [
    "fetched 30 Feb",
    `'FEB.AX', DATE '2024-07-31', 10, 11, 9, 10.5, 100, 10.5, '2024-02-30T00:00:00Z', 0`,
    "invalid fetch time",
  ],
  [
    "no batch number",
    `'NOB.AX', DATE '2024-07-31', 10, 11, 9, 10.5, 100, 10.5, '${T}', NULL`,
    "invalid batch number",
  ],
];

const CASTS = "symbol::VARCHAR AS symbol, date::DATE AS date, open::DOUBLE AS open, " +
  "high::DOUBLE AS high, low::DOUBLE AS low, close::DOUBLE AS close, volume::BIGINT AS volume, " +
  "adjusted_close::DOUBLE AS adjusted_close, fetch_timestamp::VARCHAR AS fetch_timestamp, " +
  "batch_number::INTEGER AS batch_number";

/** Writes a raw batch file through the engine's own SQL (no door), as another tool would. */
async function writeForeignRaw(lake: Lake, batch: number, values: string[], casts = CASTS) {
  const sql = `SELECT ${casts} FROM (VALUES ${values.map((v) => `(${v})`).join(", ")}) ` +
    `AS v(${LAKE_COLUMNS.join(", ")})`;
  await lake.store.put(
    `raw-data/${DATE}-batch-${batch}.parquet`,
    await lake.engine.queryToParquet(sql),
  );
}

function lakeTest(name: string, fn: (lake: Lake, kind: EngineKind) => Promise<void>): void {
  for (const kind of ["wasm", "native"] as const) {
    Deno.test(`door (${kind}): ${name}`, async () => {
      const dir = await Deno.makeTempDir({ prefix: "asxlab-door-" });
      const lake = new Lake(new LocalStore(dir), await openEngine(kind));
      try {
        await fn(lake, kind);
      } finally {
        await lake.close();
        await Deno.remove(dir, { recursive: true });
      }
    });
  }
}

lakeTest(
  "a merge quarantines each bad row with its reason; only good rows reach ohlcv/",
  async (lake) => {
    await writeForeignRaw(lake, 0, BAD_ROWS.map((r) => r[1]));
    const report = await lake.mergeDailyBatches(DATE);
    const want: Record<string, number> = {};
    for (const [, , reason] of BAD_ROWS) if (reason) want[reason] = (want[reason] ?? 0) + 1;
    assert.deepEqual(report.quarantine, {
      key: `quarantine/${DATE}/merge.parquet`,
      rows: BAD_ROWS.length - 1,
      counts: want,
    });
    assert.deepEqual(report.partitions.map((p) => [p.key, p.rows]), [[
      "ohlcv/year=2024/part-0.parquet",
      1,
    ]]);
    assert.deepEqual((await lake.store.list("ohlcv/")).map((o) => o.key), [
      "ohlcv/_manifest.json",
      "ohlcv/year=2024/part-0.parquet",
    ]);
    assert.deepEqual((await lake.loadAll()).symbols(), ["GOOD.AX"]);
    const q = await lake.readTable(`quarantine/${DATE}/merge.parquet`);
    const got = q.toArray().map((r) => r.reason);
    assert.deepEqual(got, BAD_ROWS.slice(1).map((r) => r[2]), "each row's reason, in order");
    // A rerun is the same; once the batch is fixed the old quarantine file goes.
    assert.deepEqual((await lake.mergeDailyBatches(DATE)).quarantine, report.quarantine);
    await writeForeignRaw(lake, 0, [BAD_ROWS[0]![1]]);
    assert.equal((await lake.mergeDailyBatches(DATE)).quarantine, null);
    assert.equal(await lake.store.head(`quarantine/${DATE}/merge.parquet`), undefined);
  },
);

lakeTest("writeRawBatch quarantines bad rows at the door and writes the rest", async (lake) => {
  const long = "A".repeat(5000);
  const given: RawRows = {
    symbol: [
      "GOOD.AX",
      "NEG.AX",
      "HL.AX",
      "INF.AX",
      "SAT.AX",
      "FUT.AX",
      "OLD.AX",
      "",
      long,
      "GOOD.AX",
    ],
    date: [
      "2024-07-31",
      "2024-07-31",
      "2024-07-31",
      "2024-07-31",
      "2024-07-27",
      "2099-07-31",
      "0099-07-31",
      "2024-07-31",
      "2024-07-31",
      "2024-13-01",
    ],
    open: [10, -10, 10, 10, 10, 10, 10, 10, 10, 10],
    high: [11, 11, 8, 11, 11, 11, 11, 11, 11, 11],
    low: [9, 9, 9, 9, 9, 9, 9, 9, 9, 9],
    close: [10.5, 10.5, 10.5, Infinity, 10.5, 10.5, 10.5, 10.5, 10.5, 10.5],
    volume: [100, 100, 100, 100, 100, 100, 100, 100, 100, 100],
    adjusted_close: [10.5, 10.5, 10.5, 10.5, 10.5, 10.5, 10.5, 10.5, 10.5, 10.5],
    fetch_timestamp: T,
  };
  const report = await lake.writeRawBatch(DATE, 3, given);
  assert.equal(report.rows, 1);
  assert.deepEqual(report.quarantine, {
    key: `quarantine/${DATE}/batch-3.parquet`,
    rows: 9,
    counts: {
      "non-positive price": 1,
      "inconsistent OHLC": 1,
      "non-finite price": 1,
      "non-trading day": 1,
      "invalid date": 3,
      "invalid symbol": 2,
    },
  });
  const raw = await lake.readTable(report.key);
  assert.deepEqual(raw.toArray().map((r) => r.symbol), ["GOOD.AX"]);
  const q = await lake.readTable(report.quarantine!.key);
  assert.equal(q.numRows, 9);
  assert.equal(String(q.getChild("symbol")!.get(7)).length, 5000, "kept as given, for the record");
  assert.equal(q.getChild("date")!.get(8), null, "an unparseable date is NULL, with its reason");
  // A fetch only adds: the same batch with no bad rows writes no quarantine file.
  const again = await lake.writeRawBatch(DATE, 3, rows([["GOOD.AX", "2024-07-31", 10.5]], T));
  assert.equal(again.quarantine, null);
});

lakeTest("fetch times compare as instants; 'yesterday' never wins", async (lake) => {
  const row = (close: number, stamp: string) =>
    `'BHP.AX', DATE '2024-07-31', ${close - 0.1}, ${close + 1}, ${
      close - 1
    }, ${close}, 100, ${close}, '${stamp}', 0`;
  await writeForeignRaw(lake, 0, [
    row(40, "2024-08-02T08:00:00Z"),
    row(41, "2024-08-02T08:00:00.001Z"), // one millisecond later, though it sorts first as text
    row(39, "yesterday"),
  ]);
  const report = await lake.mergeDailyBatches(DATE);
  assert.deepEqual(report.quarantine?.counts, { "invalid fetch time": 1 });
  assert.deepEqual([...(await lake.loadAll()).close], [41]);
});

lakeTest(
  "ties (same symbol, date and fetch time) go to the later batch and are counted",
  async (lake) => {
    const at = "2024-08-02T08:00:00Z";
    await lake.writeRawBatch(
      DATE,
      1,
      rows([["BHP.AX", "2024-07-31", 40], ["CBA.AX", "2024-07-31", 100]], at),
    );
    await lake.writeRawBatch(
      DATE,
      2,
      rows([["BHP.AX", "2024-07-31", 42], ["CBA.AX", "2024-07-31", 100]], at),
    );
    const report = await lake.mergeDailyBatches(DATE);
    assert.equal(report.ties, 1, "BHP differs between the batches; CBA's copies are the same row");
    assert.deepEqual([...(await lake.loadAll()).close], [42, 100]);
    const again = await lake.mergeDailyBatches(DATE);
    assert.equal(again.ties, 1, "the curated row and the later batch agree; batch 1 still loses");
  },
);

lakeTest("a raw file with int32 volume or float32 prices is refused whole", async (lake) => {
  const good = BAD_ROWS[0]![1];
  for (
    const [casts, column, type] of [
      [CASTS.replace("volume::BIGINT", "volume::INTEGER"), "volume", "Int32"],
      [CASTS.replace("close::DOUBLE AS close", "close::FLOAT AS close"), "close", "Float32"],
      [CASTS.replace("date::DATE", "date::TIMESTAMP"), "date", "Timestamp"],
      [CASTS.replace("batch_number::INTEGER", "batch_number::BIGINT"), "batch_number", "Int64"],
    ] as const
  ) {
    await writeForeignRaw(lake, 0, [good], casts);
    await assert.rejects(lake.mergeDailyBatches(DATE), (err: unknown) => {
      assert.ok(err instanceof LakeError && err.code === "Schema", String(err));
      assert.match(
        err.message,
        new RegExp(`raw-data/${DATE}-batch-0\\.parquet.*"${column}" is ${type}`),
      );
      return true;
    });
    assert.deepEqual(await lake.store.list("ohlcv/"), [], "nothing written");
  }
});

lakeTest("replaceCurated refuses rows that fail validation, naming the first", async (lake) => {
  await assert.rejects(
    lake.replaceCurated(rows([["BHP.AX", "2024-07-31", 40], ["BHP.AX", "2024-07-27", 41]], T)),
    (err: unknown) => {
      assert.ok(err instanceof LakeError && err.code === "Invalid", String(err));
      assert.match(
        err.message,
        /1 of 2 fail validation \(1 non-trading day\).*"BHP.AX" 2024-07-27/,
      );
      return true;
    },
  );
  assert.deepEqual(await lake.store.list(""), []);
});

Deno.test({
  name: "door: close the shared engines",
  fn: async () => {
    await closeEngines();
  },
});
