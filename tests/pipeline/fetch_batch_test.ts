import assert from "node:assert/strict";
import { formatDate, parseDate } from "../../src/core/dates.ts";
import { Bars } from "../../src/core/bars.ts";
import { Lake } from "../../src/lake/lake.ts";
import { LocalStore } from "../../src/lake/local_store.ts";
import { openEngine } from "../../src/lake/open_engine.ts";
import { type BatchLog, fetchBatch } from "../../src/pipeline/fetch_batch.ts";
import { writeWatermarks } from "../../src/pipeline/watermarks.ts";
import { startFakeYahoo } from "../fakes/fake_yahoo.ts";
import { withTempDir } from "./_helpers.ts";

Deno.test("fetchBatch: each symbol from its watermark (or the run date), a pause between symbols, failures named, log then rows", async () => {
  const fake = await startFakeYahoo({ symbolFaults: { "C.AX": "404" }, retryAfterSeconds: 0 });
  try {
    await withTempDir(async (dir) => {
      const lake = new Lake(new LocalStore(dir), await openEngine("wasm"));
      try {
        await writeWatermarks(
          lake,
          new Map([["A.AX", { date: parseDate("2024-07-26"), close: 1 }]]),
        );
        const pauses: number[] = [];
        let t = Date.parse("2024-08-01T20:00:00Z");
        const out = await fetchBatch(
          { symbols: ["A.AX", "B.AX", "C.AX", "D.AX"], batchNumber: 7, date: "2024-08-01" },
          {
            lake,
            now: () => new Date(t += 1000),
            yahoo: { baseUrl: fake.url, retry: { retries: 1, baseMs: 1 } },
            pauseMs: 2000,
            sleep: (ms) => (pauses.push(ms), Promise.resolve()),
          },
        );
        assert.deepEqual(pauses, [2000, 2000, 2000]); // between four symbols, never after the last
        const a = fake.series("A.AX", "2024-07-27", "2024-08-01").columns.date.length;
        const b = fake.series("B.AX", "2024-08-01", "2024-08-01").columns.date.length;
        const d = fake.series("D.AX", "2024-08-01", "2024-08-01").columns.date.length;
        assert.equal(a, 4); // 29 July .. 1 August
        assert.deepEqual(out.metadata, {
          batch_number: 7,
          symbols_processed: 4,
          symbols_fetched: 3,
          symbols_failed: ["C.AX"],
          failures: [{
            symbol: "C.AX",
            reason: out.metadata.failures[0]!.reason,
            failure: "not-found",
            attempts: 1,
          }],
          rows: a + b + d,
          dropped: 0,
          retries: 0,
          execution_time: out.metadata.execution_time,
          s3_key: "raw-data/2024-08-01-batch-7.parquet",
        });
        assert.match(
          out.metadata.failures[0]!.reason,
          /^Cannot fetch "C.AX" from Yahoo: not found/,
        );
        // The clock ticks 1 s a call: the start, one fetch stamp per fetched symbol, the end.
        assert.equal(out.metadata.execution_time, 4);

        const log = JSON.parse(
          new TextDecoder().decode(await lake.store.get("raw-data/2024-08-01-batch-7.json")),
        ) as BatchLog;
        assert.deepEqual(
          log.symbols.map((e) => [e.symbol, e.start, e.end, e.rows, e.failure ?? "ok"]),
          [
            ["A.AX", "2024-07-27", "2024-08-01", a, "ok"],
            ["B.AX", "2024-08-01", "2024-08-01", b, "ok"],
            ["C.AX", "2024-08-01", "2024-08-01", 0, "not-found"],
            ["D.AX", "2024-08-01", "2024-08-01", d, "ok"],
          ],
        );
        const table = await lake.readTable("raw-data/2024-08-01-batch-7.parquet");
        const bars = new Bars(table);
        assert.deepEqual(
          table.getChild("symbol")!.toArray(),
          [
            ...new Array(a).fill("A.AX"),
            ...new Array(b).fill("B.AX"),
            ...new Array(d).fill("D.AX"),
          ],
        );
        assert.deepEqual(
          Array.from(bars.dates.slice(0, a), formatDate),
          ["2024-07-29", "2024-07-30", "2024-07-31", "2024-08-01"],
        );
        assert.deepEqual([...new Set(table.getChild("batch_number")!.toArray())], [7]);
        // Each symbol's rows carry the time its fetch finished.
        const stamps = [...new Set(table.getChild("fetch_timestamp")!.toArray() as string[])];
        assert.equal(stamps.length, 1 + (b > 0 ? 1 : 0) + (d > 0 ? 1 : 0));
        assert.ok(stamps.every((s) => /^2024-08-01T20:00:\d\d\.000Z$/.test(s)));
      } finally {
        await lake.close();
      }
    });
  } finally {
    await fake.close();
  }
});

Deno.test("fetchBatch: a malformed event is a ConfigError before any request", async () => {
  await withTempDir(async (dir) => {
    const lake = new Lake(new LocalStore(dir), await openEngine("wasm"));
    try {
      const deps = { lake, now: () => new Date() };
      for (
        const [event, message] of [
          [{ symbols: [], batchNumber: 0, date: "2024-08-01" }, /non-empty "symbols"/],
          [{ symbols: ["A.AX"], batchNumber: -1, date: "2024-08-01" }, /batch number -1/],
          [{ symbols: ["A.AX"], batchNumber: 0, date: "01/08/2024" }, /Invalid date/],
          [{ symbols: ["a b"], batchNumber: 0, date: "2024-08-01" }, /Invalid symbol "a b"/],
        ] as const
      ) {
        await assert.rejects(fetchBatch(event as never, deps), { name: "ConfigError", message });
      }
      assert.deepEqual(await lake.store.list(""), []);
    } finally {
      await lake.close();
    }
  });
});
