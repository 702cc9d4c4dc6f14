/**
 * `lake.sql` runs one read-only statement and cannot touch a file outside the
 * lake, on both engines: every escape a reviewer found (COPY in any wrapper,
 * read_csv/read_text/glob/read_parquet of local files, ATTACH, INSTALL/LOAD,
 * SET) is refused and the lake's bytes stay as they were; the statements a
 * researcher uses (SELECT, WITH, DESCRIBE, SUMMARIZE, SHOW, EXPLAIN of those, a
 * `;` inside a string) still work. The engines themselves are confined too:
 * SQL run on an engine directly cannot read or write outside its own files.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { ConfigError, LakeError } from "../../src/core/errors.ts";
import type { EngineKind } from "../../src/lake/engine.ts";
import { Lake } from "../../src/lake/lake.ts";
import { LocalStore } from "../../src/lake/local_store.ts";
import { closeEngines, openEngine } from "../../src/lake/open_engine.ts";
import { market, rows, tradingDays } from "../helpers/lake_rows.ts";
import { runScript } from "../helpers/run_cli.ts";

const Y2010 = "ohlcv/year=2010/part-0.parquet";

/** A lake with 2010 and 2011 on disk, and a Parquet file outside it. */
async function withLake(
  kind: EngineKind,
  fn: (lake: Lake, dir: string, outside: string) => Promise<void>,
): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "asxlab-sqlconf-" });
  const dir = join(root, "lake");
  const lake = new Lake(new LocalStore(dir), await openEngine(kind));
  try {
    const days = [...tradingDays("2010-12-20", 4), ...tradingDays("2011-01-04", 2)];
    await lake.writeRawBatch("2011-01-06", 0, rows(market(["BHP.AX", "CBA.AX"], days), STAMP));
    await lake.mergeDailyBatches("2011-01-06");
    const outside = join(root, "secret.parquet");
    await Deno.copyFile(join(dir, Y2010), outside);
    await Deno.writeTextFile(join(root, "secret.csv"), "a,b\n1,2\n");
    await fn(lake, dir, root);
  } finally {
    await lake.close();
    await Deno.remove(root, { recursive: true });
  }
}

const STAMP = "2011-01-06T08:00:00.000Z";

/** Statements that must be refused, with what each tries. */
function escapes(dir: string, outside: string): [string, string][] {
  const target = join(dir, Y2010);
  return [
    [
      "EXPLAIN ANALYZE COPY over a partition",
      `EXPLAIN ANALYZE COPY (SELECT * FROM ohlcv WHERE false) TO '${target}' (FORMAT parquet)`,
    ],
    [
      "explain analyze copy, lower case, comment first",
      `/* hi */ explain   analyze copy (select * from ohlcv where false) to '${target}' (format parquet)`,
    ],
    ["EXPLAIN COPY", `EXPLAIN COPY (SELECT 1) TO '${target}'`],
    ["plain COPY", `COPY (SELECT * FROM ohlcv WHERE false) TO '${target}' (FORMAT parquet)`],
    ["COPY table TO", `COPY ohlcv TO '${join(outside, "dump.csv")}'`],
    ["a SELECT, then a COPY", `SELECT 1; COPY (SELECT 1) TO '${target}'`],
    ["WITH … INSERT", "WITH x AS (SELECT 1 AS a) INSERT INTO ohlcv SELECT * FROM x"],
    ["read_csv of /etc/passwd", "SELECT * FROM read_csv('/etc/passwd', columns={'a': 'VARCHAR'})"],
    ["read_csv_auto of /etc/passwd", "SELECT * FROM read_csv_auto('/etc/passwd')"],
    ["read_csv of a file beside the lake", `SELECT * FROM read_csv_auto('${outside}/secret.csv')`],
    ["read_text", "SELECT * FROM read_text('/etc/passwd')"],
    ["glob", "SELECT * FROM glob('/etc/*')"],
    ["read_parquet outside the lake", `SELECT * FROM read_parquet('${outside}/secret.parquet')`],
    [
      "parquet_metadata outside the lake",
      `SELECT * FROM parquet_metadata('${outside}/secret.parquet')`,
    ],
    ["ATTACH a database file", `ATTACH '${join(outside, "x.duckdb")}' AS x`],
    ["ATTACH in memory", "ATTACH ':memory:' AS m"],
    ["INSTALL", "INSTALL httpfs"],
    ["LOAD", "LOAD parquet"],
    ["SET", "SET enable_external_access = true"],
    ["SET threads", "SET threads = 1"],
    ["RESET", "RESET threads"],
    ["PRAGMA", "PRAGMA enable_profiling"],
    ["CREATE TABLE", "CREATE TABLE t AS SELECT 1"],
    ["DELETE", "DELETE FROM ohlcv"],
    ["EXPORT DATABASE", `EXPORT DATABASE '${join(outside, "export")}'`],
    ["CHECKPOINT", "CHECKPOINT"],
    ["two SELECTs", "select 1; select 2"],
  ];
}

for (const kind of ["wasm", "native"] as const) {
  Deno.test(`lake.sql (${kind}): every escape is refused and the lake is unchanged`, async () => {
    await withLake(kind, async (lake, dir, outside) => {
      const before = await Deno.readFile(join(dir, Y2010));
      const count = async () =>
        Number((await lake.sql("select count(*)::DOUBLE AS n from ohlcv")).get(0)!.n);
      const total = await count();
      assert.equal(total, 12);
      for (const [what, sql] of escapes(dir, outside)) {
        await assert.rejects(
          lake.sql(sql),
          (err: unknown) => {
            assert.ok(
              err instanceof ConfigError || err instanceof LakeError,
              `${what}: ${String(err)}`,
            );
            // DuckDB 0.9.1 (wasm) has no read_text at all.
            const reason = what === "read_text" && kind === "wasm"
              ? /read_text does not exist/
              : /read-only statement|outside the lake/;
            assert.match(err.message, reason, `${what}: a clear reason, got ${err.message}`);
            return true;
          },
          what,
        );
        assert.deepEqual(await Deno.readFile(join(dir, Y2010)), before, `${what}: 2010 unchanged`);
      }
      assert.equal(await count(), total, "every row is still there");
      for (const f of ["dump.csv", "x.duckdb", "export"]) {
        await assert.rejects(Deno.stat(join(outside, f)), Deno.errors.NotFound, `${f} not created`);
      }
    });
  });

  Deno.test(`lake.sql (${kind}): the read-only statements researchers use still work`, async () => {
    await withLake(kind, async (lake) => {
      const one = async (sql: string) => (await lake.sql(sql)).numRows;
      assert.equal(
        (await lake.sql("select ';' as s, count(*)::INTEGER as n from ohlcv")).get(0)!.s,
        ";",
      );
      assert.equal(await one("select 1 as x -- a trailing comment; with a semicolon"), 1);
      assert.equal(await one("SELECT symbol FROM ohlcv GROUP BY 1;"), 2);
      assert.equal(await one("with y as (select * from ohlcv) select count(*) from y"), 1);
      assert.equal(await one("from ohlcv limit 3"), 3);
      assert.equal(await one("(select 1) union all (select 2)"), 2);
      assert.equal(await one("values (1), (2)"), 2);
      assert.ok(await one("describe ohlcv") >= 8);
      assert.ok(await one("summarize ohlcv") >= 8);
      assert.ok(await one("show ohlcv") >= 8);
      assert.ok(await one("show tables") >= 0);
      assert.ok(await one("explain select count(*) from ohlcv") >= 1);
      assert.ok(await one("EXPLAIN ANALYZE select count(*) from ohlcv") >= 1);
      assert.equal(await one(`select * from ohlcv where symbol = 'x;y'`), 0);
      const pivot = "pivot (select symbol, year(date) y, close from ohlcv) on symbol";
      assert.equal(await one(`${pivot} in ('BHP.AX', 'CBA.AX') using avg(close) group by y`), 2);
      await assert.rejects(lake.sql(`${pivot} using avg(close) group by y`), /read-only statement/);
    });
  });

  Deno.test(`engine (${kind}): SQL run on the engine directly cannot reach files outside it`, async () => {
    const root = await Deno.makeTempDir({ prefix: "asxlab-engconf-" });
    const engine = await openEngine(kind);
    try {
      await Deno.writeTextFile(join(root, "x.csv"), "a\n1\n");
      for (
        const sql of [
          `SELECT * FROM read_csv_auto('${root}/x.csv')`,
          "SELECT * FROM read_csv_auto('/etc/passwd')",
          `SELECT * FROM glob('${root}/*')`,
          `COPY (SELECT 1 AS a) TO '${root}/out.csv'`,
        ]
      ) {
        await assert.rejects(engine.query(sql), /outside the lake/, sql);
      }
      await assert.rejects(Deno.stat(join(root, "out.csv")), Deno.errors.NotFound);
      // What the engine itself needs still works: Parquet out and back in.
      const bytes = await engine.queryToParquet("SELECT 42 AS answer");
      await Deno.writeFile(join(root, "a.parquet"), bytes);
      await engine.registerParquet("v", [{ key: "a.parquet", path: join(root, "a.parquet") }]);
      assert.equal((await engine.query("SELECT answer FROM v")).get(0)!.answer, 42);
      await engine.drop("v");
    } finally {
      await engine.close();
      await Deno.remove(root, { recursive: true });
    }
  });
}

Deno.test("deno task lake query: the reviewer's COPY is one line on stderr, exit 2, 2010 intact", async () => {
  await withLake("wasm", async (lake, dir) => {
    await lake.close();
    const before = await Deno.readFile(join(dir, Y2010));
    const r = await runScript(
      "src/cli/lake.ts",
      "--lake",
      dir,
      "query",
      `EXPLAIN ANALYZE COPY (SELECT * FROM ohlcv WHERE false) TO '${
        join(dir, Y2010)
      }' (FORMAT parquet)`,
    );
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.match(r.stderr, /^error: .*read-only statement/);
    assert.deepEqual(await Deno.readFile(join(dir, Y2010)), before);
  });
});

Deno.test({
  name: "sql confinement: close the shared engines",
  fn: async () => {
    await closeEngines();
  },
});
