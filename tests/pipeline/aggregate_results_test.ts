import assert from "node:assert/strict";
import { formatDate, parseDate } from "../../src/core/dates.ts";
import { Bars } from "../../src/core/bars.ts";
import { Lake } from "../../src/lake/lake.ts";
import { LocalStore } from "../../src/lake/local_store.ts";
import { openEngine } from "../../src/lake/open_engine.ts";
import { aggregateResults, type BatchResult } from "../../src/pipeline/aggregate_results.ts";
import type { BatchLog } from "../../src/pipeline/fetch_batch.ts";
import { batchLogKey } from "../../src/pipeline/keys.ts";
import { readWatermarks, writeWatermarks } from "../../src/pipeline/watermarks.ts";
import { curated, withTempDir } from "./_helpers.ts";

const DATE = "2024-08-01";
const STAMP = "2024-08-01T20:05:00.000Z";

/** Raw rows: symbol, date, close (open = close, a 1 % range around it). */
function raw(spec: [string, string, number][]) {
  return {
    symbol: spec.map((r) => r[0]),
    date: spec.map((r) => r[1]),
    open: spec.map((r) => r[2]),
    high: spec.map((r) => r[2] * 1.01),
    low: spec.map((r) => r[2] * 0.99),
    close: spec.map((r) => r[2]),
    volume: spec.map(() => 1000),
    adjusted_close: spec.map((r) => r[2]),
    fetch_timestamp: STAMP,
  };
}

const entry = (symbol: string, start: string, rows: number) => ({
  symbol,
  start,
  end: DATE,
  rows,
  dropped: 0,
  attempts: 1,
});

async function setUp(dir: string): Promise<Lake> {
  const lake = new Lake(new LocalStore(dir), await openEngine("wasm"));
  await writeWatermarks(
    lake,
    new Map([
      ["X.AX", { date: parseDate("2024-07-26"), close: 10 }],
      ["Y.AX", { date: parseDate("2024-07-26"), close: 20 }],
      ["G.AX", { date: parseDate("2024-07-24"), close: 5 }],
    ]),
  );
  await lake.writeRawBatch(
    DATE,
    0,
    raw([
      ["X.AX", "2024-07-29", 10.1],
      ["X.AX", "2024-07-30", 25], // a one-day spike
      ["X.AX", "2024-07-31", 10.2],
      ["X.AX", "2024-08-01", 10.3],
      ["Y.AX", "2024-07-27", 20], // a Saturday: the lake's door quarantines it at writeRawBatch
      ["Y.AX", "2024-07-29", 20.1],
      ["G.AX", "2024-07-31", 5.1], // fetched from the 31st: 25-30 July never asked for
      ["G.AX", "2024-08-01", 5.2],
      ["S.AX", "2024-07-31", 40],
      ["S.AX", "2024-08-01", 10.1], // 4:1 split
    ]),
  );
  const log: BatchLog = {
    date: DATE,
    batch_number: 0,
    fetched_at: STAMP,
    symbols: [
      entry("X.AX", "2024-07-27", 4),
      entry("Y.AX", "2024-07-27", 2),
      entry("G.AX", "2024-07-31", 2),
      entry("S.AX", "2024-07-31", 2),
      { ...entry("F.AX", "2024-07-31", 0), failure: "not-found", error: "not found" },
    ],
    splits: [{ symbol: "S.AX", date: "2024-08-01", numerator: 4, denominator: 1 }],
    dividends: [{ symbol: "X.AX", date: "2024-07-31", amount: 0.25 }],
  };
  await lake.store.put(batchLogKey(DATE, 0), new TextEncoder().encode(JSON.stringify(log)));
  return lake;
}

const RESULTS: BatchResult[] = [{
  statusCode: 200,
  metadata: {
    batch_number: 0,
    symbols_processed: 5,
    symbols_fetched: 4,
    symbols_failed: ["F.AX"],
    failures: [{ symbol: "F.AX", reason: "not found", failure: "not-found", attempts: 1 }],
    rows: 10,
    dropped: 0,
    retries: 0,
  },
}];

Deno.test("aggregate: the pipeline's checks quarantine with reasons, the rest is merged, watermarks advance only over what landed", async () => {
  await withTempDir(async (dir) => {
    const lake = await setUp(dir);
    try {
      const now = () => new Date("2024-08-01T20:10:00Z");
      const s = await aggregateResults(
        { date: DATE, batchResults: RESULTS },
        { lake, now, maxFailedShare: 0.5 },
      );
      assert.deepEqual(s.quarantine, {
        key: "quarantine/2024-08-01/pipeline.parquet",
        counts: { "non-trading day": 0, "gap since watermark": 2, "absurd jump": 1 },
      });
      assert.deepEqual(s.rows, { raw: 9, quarantined: 3, dropped: 0 });
      assert.equal(s.merge!.excluded, 3);
      assert.equal(s.merge!.quarantine, null, "the merge's own checks found nothing more");
      const door = await lake.readTable("quarantine/2024-08-01/batch-0.parquet");
      assert.deepEqual(door.toArray().map((r) => [r.symbol, r.reason]), [
        ["Y.AX", "non-trading day"],
      ]);
      assert.deepEqual(s.symbols_failed, ["F.AX"]);
      assert.deepEqual(s.failures, [{ symbol: "F.AX", reason: "not found" }]);
      assert.deepEqual(s.events, { splits: 1, dividends: 1 });
      // Y.AX fetched 27 July..1 August and got only the 29th: 30 July..1 August are holes.
      assert.deepEqual(s.holes.first, [
        { symbol: "Y.AX", from: "2024-07-30", to: "2024-08-01", days: 3 },
      ]);

      const q = new Bars(await lake.readTable("quarantine/2024-08-01/pipeline.parquet"));
      const rows = q.table.toArray().map((r, i) => {
        const o = r.toJSON();
        return [o.symbol, formatDate(q.dates[i]!), o.check, o.volume];
      });
      assert.deepEqual(rows, [
        ["X.AX", "2024-07-30", "absurd jump", 1000n],
        ["G.AX", "2024-07-31", "gap since watermark", 1000n],
        ["G.AX", "2024-08-01", "gap since watermark", 1000n],
      ]);
      assert.equal(
        q.table.getChild("reason")!.get(0),
        "absurd jump: close 25 after 10.1 on 2024-07-29 (+148 %), no split between",
      );
      assert.equal(q.table.getChild("fetch_timestamp")!.get(0), STAMP);

      const got = await curated(dir);
      assert.deepEqual([...got.keys()], ["S.AX", "X.AX", "Y.AX"]);
      assert.deepEqual(Array.from(got.get("X.AX")!.date, formatDate), [
        "2024-07-29",
        "2024-07-31",
        "2024-08-01",
      ]);
      assert.deepEqual(Array.from(got.get("S.AX")!.close), [40, 10.1]);

      const wm = await readWatermarks(lake);
      assert.deepEqual(
        Object.fromEntries([...wm].map(([k, v]) => [k, [formatDate(v.date), v.close]])),
        {
          "G.AX": ["2024-07-24", 5], // held back: the next run fetches from the 25th
          "S.AX": ["2024-08-01", 10.1],
          "X.AX": ["2024-08-01", 10.3],
          "Y.AX": ["2024-07-29", 20.1],
        },
      );
      const text = async (key: string) => new TextDecoder().decode(await lake.store.get(key));
      assert.equal(
        await text("events/splits.csv"),
        "symbol,date,numerator,denominator\nS.AX,2024-08-01,4,1\n",
      );
      assert.equal(
        await text("events/dividends.csv"),
        "symbol,date,amount\nX.AX,2024-07-31,0.25\n",
      );
      assert.deepEqual(JSON.parse(await text("runs/2024-08-01.json")), s);

      // A rerun of the same date leaves the same lake.
      const again = await aggregateResults(
        { date: DATE, batchResults: RESULTS },
        { lake, now, maxFailedShare: 0.5 },
      );
      assert.deepEqual({ ...again, merge: null }, {
        ...s,
        merge: null,
        events: { splits: 0, dividends: 0 },
        watermarks_updated: 0,
      });
      assert.deepEqual(await curated(dir), got);
      assert.deepEqual(await readWatermarks(lake), wm);
      assert.equal((await lake.readTable("quarantine/2024-08-01/pipeline.parquet")).numRows, 3);
    } finally {
      await lake.close();
    }
  });
});

Deno.test("aggregate: a run with nothing to merge writes its summary; a quarantine left by an earlier attempt is removed", async () => {
  await withTempDir(async (dir) => {
    const lake = await setUp(dir);
    try {
      const now = () => new Date("2024-08-01T20:10:00Z");
      await aggregateResults({ date: DATE, batchResults: RESULTS }, {
        lake,
        now,
        maxFailedShare: 0.5,
      });
      assert.ok(await lake.store.head("quarantine/2024-08-01/pipeline.parquet"));
      // The day is fetched again and Yahoo has corrected itself: nothing is held back now.
      await lake.writeRawBatch(DATE, 0, raw([["X.AX", "2024-07-30", 10.15]]));
      const log: BatchLog = {
        date: DATE,
        batch_number: 0,
        fetched_at: "2024-08-02T01:00:00.000Z",
        symbols: [entry("X.AX", "2024-07-30", 1)],
        splits: [],
        dividends: [],
      };
      await lake.store.put(batchLogKey(DATE, 0), new TextEncoder().encode(JSON.stringify(log)));
      const s = await aggregateResults({ date: DATE, batchResults: [] }, { lake, now });
      assert.equal(s.rows.quarantined, 0);
      assert.equal(s.quarantine.key, null);
      assert.equal(await lake.store.head("quarantine/2024-08-01/pipeline.parquet"), undefined);
      assert.deepEqual(Array.from((await curated(dir)).get("X.AX")!.close), [
        10.1,
        10.15,
        10.2,
        10.3,
      ]);
      const empty = await aggregateResults({ date: "2024-08-02", batchResults: [] }, { lake, now });
      assert.equal(empty.merge, null);
      assert.equal(empty.rows.raw, 0);
      assert.ok(await lake.store.head("runs/2024-08-02.json"));
    } finally {
      await lake.close();
    }
  });
});
