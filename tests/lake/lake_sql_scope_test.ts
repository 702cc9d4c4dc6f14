import assert from "node:assert/strict";
import { ConfigError } from "../../src/core/errors.ts";
import { Lake } from "../../src/lake/lake.ts";
import { LocalStore } from "../../src/lake/local_store.ts";
import { closeEngines, openEngine } from "../../src/lake/open_engine.ts";
import { ReadingStore } from "../helpers/reading_store.ts";
import type { EngineKind } from "../../src/lake/engine.ts";

for (const kind of ["wasm", "native"] as EngineKind[]) {
  Deno.test(`lake.sql scope narrows ohlcv to dates, symbols and columns (${kind})`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "asxlab-sql-scope-" });
    const store = new ReadingStore(new LocalStore(dir));
    const lake = new Lake(store, await openEngine(kind), 2);
    try {
      const symbol: string[] = [], date: string[] = [], close: number[] = [];
      for (const s of ["AAA.AX", "BBB.AX", "CCC.AX"]) {
        for (const [i, d] of ["2019-06-03", "2020-06-01", "2020-06-02", "2021-06-01"].entries()) {
          symbol.push(s);
          date.push(d);
          close.push(s.charCodeAt(0) + i);
        }
      }
      await lake.replaceCurated({
        symbol,
        date,
        open: close,
        high: close,
        low: close,
        close,
        volume: close.map(() => 100),
        adjusted_close: close,
        fetch_timestamp: "2024-01-01T00:00:00.000Z",
      });
      const q =
        "select symbol, count(*)::INTEGER as n, sum(close) as s from ohlcv group by 1 order by 1";
      const all = await lake.sql(q);
      assert.deepEqual(all.toArray().map((r) => [r.symbol, r.n]), [
        ["AAA.AX", 4],
        ["BBB.AX", 4],
        ["CCC.AX", 4],
      ]);
      store.reads.length = 0;
      const scoped = await lake.sql(q, {
        start: "2020-01-01",
        end: "2020-12-31",
        symbols: ["BBB.AX", "CCC.AX"],
        columns: ["close"],
      });
      assert.deepEqual(scoped.toArray().map((r) => [r.symbol, r.n, r.s]), [
        ["BBB.AX", 2, 66 + 1 + 66 + 2],
        ["CCC.AX", 2, 67 + 1 + 67 + 2],
      ]);
      // Only the 2020 partition was read.
      assert.deepEqual([...new Set(store.reads)], ["ohlcv/year=2020/part-0.parquet"]);
      // Columns outside the scope are not in the view.
      const cols = await lake.sql("select * from ohlcv limit 0", { columns: ["close"] });
      assert.deepEqual(cols.schema.fields.map((f) => f.name), ["symbol", "date", "close"]);
      // An empty scope: no partition overlaps, the view still has the lake's columns.
      const none = await lake.sql("select count(*)::INTEGER as n from ohlcv", {
        start: "2030-01-01",
      });
      assert.equal(none.get(0)!.n, 0);
      await assert.rejects(
        () => lake.sql(q, { columns: ["nope" as "close"] }),
        (e) => e instanceof ConfigError && /Unknown column "nope"/.test(e.message),
      );
    } finally {
      await lake.close();
      await closeEngines();
      await Deno.remove(dir, { recursive: true });
    }
  });
}
