/**
 * One suite, run against both engines (duckdb-wasm 1.28 and native DuckDB):
 * Arrow in, SQL, Parquet out and back with the exact seed raw schema and row
 * groups, the dedup query, several files, filtered views, corrupt input, files
 * replaced between reads, read-only files, SQL errors, typed-array access, and a
 * float64 round-trip property. The Parquet layout is read back with DuckDB's own
 * `parquet_metadata`/`parquet_schema`.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import fc from "fast-check";
import {
  DateDay,
  Field,
  Float64,
  Int32,
  Int64,
  makeData,
  makeVector,
  RecordBatch,
  Schema,
  Struct,
  Table,
  Type,
  Utf8,
  vectorFromArray,
} from "apache-arrow";
import { ConfigError, LakeError } from "../../src/core/errors.ts";
import type { Engine, EngineKind } from "../../src/lake/engine.ts";
import { closeEngines, engineKind, openEngine } from "../../src/lake/open_engine.ts";
import { openWasmEngine } from "../../src/lake/engine_wasm.ts";

const DAY_2020 = 18262; // 2020-01-01 in epoch days

function assertEquals(actual: unknown, expected: unknown, message?: string): void {
  assert.deepStrictEqual(actual, expected, message);
}

function assertMatch(text: string, pattern: RegExp): void {
  assert.match(text, pattern);
}

function assertInstanceOf<T>(
  value: unknown,
  ctor: abstract new (...args: never[]) => T,
): asserts value is T {
  assert.ok(value instanceof ctor, `expected an instance of ${ctor.name}, got ${String(value)}`);
}

async function assertRejects(
  fn: () => Promise<unknown>,
  ctor: abstract new (...args: never[]) => Error,
): Promise<Error> {
  try {
    await fn();
  } catch (err) {
    assertInstanceOf(err, ctor);
    return err;
  }
  assert.fail(`expected a rejection with ${ctor.name}`);
}

/** One raw row of the seed schema. */
interface RawRow {
  symbol: string;
  date: number;
  close: number;
  volume: bigint;
  fetch: string;
  batch: number;
}

/** An Arrow table with the exact seed raw schema. */
function rawTable(rows: readonly RawRow[]): Table {
  const n = rows.length;
  const f64 = (pick: (r: RawRow) => number) => Float64Array.from(rows, pick);
  const fields = [
    new Field("symbol", new Utf8(), true),
    new Field("date", new DateDay(), true),
    new Field("open", new Float64(), true),
    new Field("high", new Float64(), true),
    new Field("low", new Float64(), true),
    new Field("close", new Float64(), true),
    new Field("volume", new Int64(), true),
    new Field("adjusted_close", new Float64(), true),
    new Field("fetch_timestamp", new Utf8(), true),
    new Field("batch_number", new Int32(), true),
  ];
  const children = [
    vectorFromArray(rows.map((r) => r.symbol), new Utf8()).data[0]!,
    makeData({ type: new DateDay(), length: n, data: Int32Array.from(rows, (r) => r.date) }),
    makeData({ type: new Float64(), length: n, data: f64((r) => r.close - 0.5) }),
    makeData({ type: new Float64(), length: n, data: f64((r) => r.close + 1) }),
    makeData({ type: new Float64(), length: n, data: f64((r) => r.close - 1) }),
    makeData({ type: new Float64(), length: n, data: f64((r) => r.close) }),
    makeData({ type: new Int64(), length: n, data: BigInt64Array.from(rows, (r) => r.volume) }),
    makeData({ type: new Float64(), length: n, data: f64((r) => r.close * 0.98) }),
    vectorFromArray(rows.map((r) => r.fetch), new Utf8()).data[0]!,
    makeData({ type: new Int32(), length: n, data: Int32Array.from(rows, (r) => r.batch) }),
  ];
  const schema = new Schema(fields);
  return new Table(
    schema,
    new RecordBatch(schema, makeData({ type: new Struct(fields), length: n, children })),
  );
}

/** `days` daily rows per symbol, sorted by symbol, date. */
function market(symbols: readonly string[], days: number, batch = 1): RawRow[] {
  const rows: RawRow[] = [];
  for (const [s, symbol] of symbols.entries()) {
    for (let d = 0; d < days; d++) {
      rows.push({
        symbol,
        date: DAY_2020 + d,
        close: 10 * (s + 1) + d / 100,
        volume: 1_000_000_000_000n + BigInt(s * 1000 + d),
        fetch: "2024-05-01T20:00:00Z",
        batch,
      });
    }
  }
  return rows;
}

/** Column values as plain JS (dates as epoch days, Int64 as bigint). */
function columnValues(table: Table, name: string): unknown[] {
  const col = table.getChild(name);
  assert(col, `column ${name} missing`);
  const out: unknown[] = [];
  for (const data of col.data) {
    if (data.type.typeId === Type.Date) {
      // Date32: the raw day numbers, not millisecond conversions.
      const days = data.values as Int32Array;
      for (let i = 0; i < data.length; i++) out.push(days[data.offset + i]);
    } else {
      out.push(...makeVector(data).toArray());
    }
  }
  return out;
}

function assertSeedTypes(table: Table): void {
  const byName = Object.fromEntries(table.schema.fields.map((f) => [f.name, f.type]));
  assertEquals(Object.keys(byName), [
    "symbol",
    "date",
    "open",
    "high",
    "low",
    "close",
    "volume",
    "adjusted_close",
    "fetch_timestamp",
    "batch_number",
  ]);
  assertEquals(byName.symbol!.typeId, Type.Utf8);
  assertEquals(byName.date!.typeId, Type.Date);
  assertEquals(String(byName.date), "Date32<DAY>");
  for (const c of ["open", "high", "low", "close", "adjusted_close"]) {
    assertEquals(String(byName[c]), "Float64", c);
  }
  assertEquals(String(byName.volume), "Int64");
  assertEquals(byName.fetch_timestamp!.typeId, Type.Utf8);
  assertEquals(String(byName.batch_number), "Int32");
}

async function writeTemp(dir: string, name: string, bytes: Uint8Array): Promise<string> {
  const path = join(dir, name);
  await Deno.writeFile(path, bytes);
  return path;
}

/**
 * Makes a file impossible to open for writing, even for root (who ignores mode
 * bits): `chattr +i` when running as root, else mode 0444. Returns the undo.
 */
async function makeUnwritable(path: string): Promise<() => Promise<void>> {
  await Deno.chmod(path, 0o444);
  if (Deno.uid() !== 0) return () => Deno.chmod(path, 0o644);
  const run = (flag: string) =>
    new Deno.Command("chattr", { args: [flag, path], stdout: "null", stderr: "piped" }).output();
  const set = await run("+i");
  assert.equal(set.code, 0, `chattr +i ${path}: ${new TextDecoder().decode(set.stderr)}`);
  return async () => {
    await run("-i");
    await Deno.chmod(path, 0o644);
  };
}

/** One column chunk of a Parquet file, as DuckDB's `parquet_metadata` describes it. */
interface ChunkInfo {
  rowGroup: number;
  rows: number;
  column: string;
  type: string;
  compression: string;
}

/** The column chunks of a Parquet file, read by the engine itself. */
async function parquetLayout(engine: Engine, path: string): Promise<ChunkInfo[]> {
  const t = await engine.parquetMetadata({ key: path, path });
  return t.toArray().map((r) => ({
    rowGroup: Number(r.row_group_id),
    rows: Number(r.row_group_num_rows),
    column: String(r.path_in_schema),
    type: String(r.type),
    compression: String(r.compression),
    id: Number(r.column_id),
  })).sort((a, b) => a.rowGroup - b.rowGroup || a.id - b.id)
    .map(({ id: _, ...chunk }) => chunk);
}

/** Rows in each row group of a Parquet file. */
async function rowGroupSizes(engine: Engine, path: string): Promise<number[]> {
  const sizes: number[] = [];
  for (const c of await parquetLayout(engine, path)) sizes[c.rowGroup] = c.rows;
  return sizes;
}

function bitsOf(values: Float64Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

for (const kind of ["wasm", "native"] as const satisfies readonly EngineKind[]) {
  Deno.test(`engine (${kind})`, async (t) => {
    const engine: Engine = await openEngine(kind);
    const dir = await Deno.makeTempDir({ prefix: `asxlab-engine-${kind}-` });
    try {
      assertEquals(engine.kind, kind);

      await t.step("registers an Arrow table and queries it", async () => {
        await engine.registerArrow("bars", rawTable(market(["BHP.AX", "CBA.AX"], 5)));
        const t1 = await engine.query(
          "SELECT symbol, count(*)::INTEGER AS n, max(close) AS hi FROM bars GROUP BY symbol ORDER BY symbol",
        );
        assertEquals(columnValues(t1, "symbol"), ["BHP.AX", "CBA.AX"]);
        assertEquals(columnValues(t1, "n"), [5, 5]);
        assertEquals(columnValues(t1, "hi"), [10.04, 20.04]);
        // Replacing: registering the same name again replaces the table.
        await engine.registerArrow("bars", rawTable(market(["WES.AX"], 2)));
        const t2 = await engine.query("SELECT DISTINCT symbol FROM bars");
        assertEquals(columnValues(t2, "symbol"), ["WES.AX"]);
      });

      await t.step(
        "writes the seed raw schema to Parquet and reads it back with exact types",
        async () => {
          const rows = market(["BHP.AX", "^AXJO"], 3, 7);
          rows[1]!.volume = 9_007_199_254_740_993n; // above 2^53: must stay exact
          await engine.registerArrow("raw_in", rawTable(rows));
          const bytes = await engine.queryToParquet("SELECT * FROM raw_in ORDER BY symbol, date");
          assertEquals([...bytes.subarray(0, 4)], [0x50, 0x41, 0x52, 0x31]);
          const path = await writeTemp(dir, "raw.parquet", bytes);
          const layout = await parquetLayout(engine, path);
          assertEquals(layout.map((c) => [c.column, c.type]), [
            ["symbol", "BYTE_ARRAY"],
            ["date", "INT32"],
            ["open", "DOUBLE"],
            ["high", "DOUBLE"],
            ["low", "DOUBLE"],
            ["close", "DOUBLE"],
            ["volume", "INT64"],
            ["adjusted_close", "DOUBLE"],
            ["fetch_timestamp", "BYTE_ARRAY"],
            ["batch_number", "INT32"],
          ]);
          for (const c of layout) assertEquals(c.compression, "ZSTD", `${c.column} is ZSTD`);
          assertEquals(layout[0]!.rows, 6);
          const logical = (await engine.parquetMetadata({ key: path, path }, "schema")).toArray()
            .filter((r) => ["symbol", "date", "fetch_timestamp"].includes(String(r.name)))
            .sort((a, b) => String(a.name) < String(b.name) ? -1 : 1);
          assertEquals(logical.map((r) => [String(r.name), String(r.converted_type)]), [
            ["date", "DATE"],
            ["fetch_timestamp", "UTF8"],
            ["symbol", "UTF8"],
          ]);
          await engine.registerParquet("raw_out", [{
            key: "raw-data/2024-05-01-batch-7.parquet",
            path,
          }]);
          const back = await engine.query("SELECT * FROM raw_out ORDER BY symbol, date");
          assertSeedTypes(back);
          const want = [...rows].sort((a, b) =>
            a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : a.date - b.date
          );
          assertEquals(columnValues(back, "symbol"), want.map((r) => r.symbol));
          assertEquals(columnValues(back, "date"), want.map((r) => r.date));
          assertEquals(columnValues(back, "close"), want.map((r) => r.close));
          assertEquals(columnValues(back, "volume"), want.map((r) => r.volume));
          assertEquals(columnValues(back, "batch_number"), want.map(() => 7));
          assertEquals(columnValues(back, "fetch_timestamp"), want.map((r) => r.fetch));
        },
      );

      await t.step("deduplicates by latest fetch_timestamp per (symbol, date)", async () => {
        const rows: RawRow[] = [
          {
            symbol: "BHP.AX",
            date: DAY_2020,
            close: 1,
            volume: 1n,
            fetch: "2024-05-01T20:00:00Z",
            batch: 1,
          },
          {
            symbol: "BHP.AX",
            date: DAY_2020,
            close: 2,
            volume: 2n,
            fetch: "2024-05-02T20:00:00Z",
            batch: 2,
          },
          {
            symbol: "BHP.AX",
            date: DAY_2020 + 1,
            close: 3,
            volume: 3n,
            fetch: "2024-05-01T20:00:00Z",
            batch: 1,
          },
          {
            symbol: "CBA.AX",
            date: DAY_2020,
            close: 5,
            volume: 5n,
            fetch: "2024-05-03T20:00:00Z",
            batch: 3,
          },
          {
            symbol: "CBA.AX",
            date: DAY_2020,
            close: 4,
            volume: 4n,
            fetch: "2024-05-01T20:00:00Z",
            batch: 1,
          },
        ];
        await engine.registerArrow("dups", rawTable(rows));
        const t1 = await engine.query(`
          SELECT symbol, date, close, batch_number FROM (
            SELECT *, ROW_NUMBER() OVER (PARTITION BY symbol, date ORDER BY fetch_timestamp DESC) AS rn
            FROM dups
          ) WHERE rn = 1 ORDER BY symbol, date`);
        assertEquals(columnValues(t1, "symbol"), ["BHP.AX", "BHP.AX", "CBA.AX"]);
        assertEquals(columnValues(t1, "date"), [DAY_2020, DAY_2020 + 1, DAY_2020]);
        assertEquals(columnValues(t1, "close"), [2, 3, 5]);
        assertEquals(columnValues(t1, "batch_number"), [2, 1, 3]);
      });

      await t.step("registers several Parquet files as one table", async () => {
        const sources = [];
        for (const [i, syms] of [["BHP.AX"], ["CBA.AX", "NAB.AX"], ["WES.AX"]].entries()) {
          await engine.registerArrow("part", rawTable(market(syms, 10, i + 1)));
          const path = await writeTemp(
            dir,
            `batch-${i + 1}.parquet`,
            await engine.queryToParquet("SELECT * FROM part"),
          );
          sources.push({ key: `raw-data/2024-05-01-batch-${i + 1}.parquet`, path });
        }
        await engine.registerParquet("many", sources);
        const t1 = await engine.query(
          "SELECT symbol, count(*)::INTEGER AS n, min(batch_number) AS b FROM many GROUP BY 1 ORDER BY 1",
        );
        assertEquals(columnValues(t1, "symbol"), ["BHP.AX", "CBA.AX", "NAB.AX", "WES.AX"]);
        assertEquals(columnValues(t1, "n"), [10, 10, 10, 10]);
        assertEquals(columnValues(t1, "b"), [1, 2, 2, 3]);
        assertSeedTypes(await engine.query("SELECT * FROM many LIMIT 0"));
        // Only some columns.
        await engine.registerParquet("slim", sources, { columns: ["symbol", "close"] });
        const slim = await engine.query("SELECT * FROM slim");
        assertEquals(slim.schema.fields.map((f) => f.name), ["symbol", "close"]);
        assertEquals(slim.numRows, 40);
      });

      await t.step("writes row groups of exactly 4,096 rows by default", async () => {
        await engine.registerArrow("rg", rawTable(market(["AAA.AX", "BBB.AX", "CCC.AX"], 3_000)));
        const path = await writeTemp(
          dir,
          "rg.parquet",
          await engine.queryToParquet("SELECT * FROM rg ORDER BY symbol, date"),
        );
        assertEquals(await rowGroupSizes(engine, path), [4096, 4096, 808]);
      });

      await t.step("a filtered view holds exactly the rows and columns it selects", async () => {
        const symbols = ["AAA.AX", "BBB.AX", "CCC.AX", "DDD.AX"];
        await engine.registerArrow("cur", rawTable(market(symbols, 3_000)));
        const bytes = await engine.queryToParquet("SELECT * FROM cur ORDER BY symbol, date");
        const path = await writeTemp(dir, "curated.parquet", bytes);
        const key = "ohlcv/year=2020/part-0.parquet";
        // One symbol (pushed into the scan as an equality) and a date range.
        await engine.registerParquet("one", [{ key, path }], {
          symbols: ["CCC.AX"],
          start: DAY_2020 + 10,
          end: DAY_2020 + 30,
          columns: ["symbol", "date", "close"],
        });
        const t1 = await engine.query("SELECT * FROM one ORDER BY date");
        assertEquals(t1.schema.fields.map((f) => f.name), ["symbol", "date", "close"]);
        assertEquals(t1.numRows, 21);
        assertEquals(new Set(columnValues(t1, "symbol")), new Set(["CCC.AX"]));
        assertEquals(columnValues(t1, "date")[0], DAY_2020 + 10);
        assertEquals(columnValues(t1, "date")[20], DAY_2020 + 30);
        // Several symbols, open-ended dates.
        await engine.registerParquet("two", [{ key, path }], {
          symbols: ["AAA.AX", "DDD.AX"],
          start: DAY_2020 + 2_990,
        });
        const t2 = await engine.query(
          "SELECT symbol, count(*)::INTEGER AS n FROM two GROUP BY 1 ORDER BY 1",
        );
        assertEquals(t2.toArray().map((r) => [r.symbol, r.n]), [["AAA.AX", 10], ["DDD.AX", 10]]);
        // A filter nothing can match still yields the schema, with no rows.
        await engine.registerParquet("none", [{ key, path }], { symbols: ["ZZZ.AX"] });
        const empty = await engine.query("SELECT * FROM none");
        assertEquals(empty.numRows, 0);
        assertSeedTypes(empty);
        await engine.registerParquet("nobody", [{ key, path }], { symbols: [] });
        assertEquals((await engine.query("SELECT * FROM nobody")).numRows, 0);
        // A column the file lacks is a Schema error naming the key.
        const err = await assertRejects(
          () => engine.registerParquet("bad", [{ key, path }], { columns: ["symbol", "nope"] }),
          LakeError,
        );
        assertEquals((err as LakeError).code, "Schema");
        assertMatch(err.message, /ohlcv\/year=2020\/part-0\.parquet.*"nope"/);
      });

      await t.step(
        "one scan per symbol holds exactly what one scan with an IN list holds",
        async () => {
          await engine.registerArrow(
            "cur",
            rawTable(market(["AAA.AX", "BBB.AX", "CCC.AX"], 3_000)),
          );
          const path = await writeTemp(
            dir,
            "split.parquet",
            await engine.queryToParquet("SELECT * FROM cur ORDER BY symbol, date"),
          );
          const filter = {
            symbols: ["CCC.AX", "AAA.AX"],
            start: DAY_2020 + 100,
            columns: ["symbol", "date", "close"],
          };
          const rows = async (splitSymbols: boolean) => {
            await engine.registerParquet("split_v", [{ key: "split", path }], filter, {
              splitSymbols,
            });
            const t1 = await engine.query("SELECT * FROM split_v ORDER BY symbol, date");
            return t1.toArray().map((r) => [r.symbol, r.date, r.close]);
          };
          const one = await rows(false);
          assertEquals(one.length, 2 * 2_900);
          assertEquals(await rows(true), one);
          await engine.drop("split_v");
        },
      );

      await t.step("a file replaced between reads is read afresh", async () => {
        const path = join(dir, "replaced.parquet");
        const sources = [{ key: "ohlcv/year=2021/part-0.parquet", path }];
        const sum = async () => {
          await engine.registerParquet("rep", sources);
          return Number((await engine.query("SELECT sum(close) AS s FROM rep")).get(0)!.s);
        };
        for (const [i, days] of [10, 20, 30].entries()) {
          await engine.registerArrow("src", rawTable(market(["BHP.AX"], days)));
          const bytes = await engine.queryToParquet("SELECT * FROM src");
          // Replaced the way stores replace objects: a new file renamed over the old one.
          await Deno.writeFile(`${path}.new`, bytes);
          await Deno.rename(`${path}.new`, path);
          const want = Array.from({ length: days }, (_, d) => 10 + d / 100).reduce((a, b) => a + b);
          assertEquals(Math.round(await sum() * 100), Math.round(want * 100), `version ${i}`);
        }
        await engine.drop("rep");
      });

      await t.step("a file nobody may write can be read (files are opened read-only)", async () => {
        await engine.registerArrow("src", rawTable(market(["BHP.AX"], 5)));
        const path = await writeTemp(
          dir,
          "ro.parquet",
          await engine.queryToParquet("SELECT * FROM src"),
        );
        const release = await makeUnwritable(path);
        try {
          await engine.registerParquet("ro", [{ key: "ohlcv/year=2020/part-0.parquet", path }]);
          assertEquals((await engine.query("SELECT * FROM ro")).numRows, 5);
          await engine.drop("ro");
        } finally {
          await release();
        }
      });

      await t.step("DECIMAL and HUGEINT results come back as Float64 on every engine", async () => {
        const t1 = await engine.query(
          "SELECT 1.25::DECIMAL(6,2) AS d, sum(x) AS h FROM (SELECT 9007199254740993::BIGINT AS x)",
        );
        assertEquals(t1.schema.fields.map((f) => String(f.type)), ["Float64", "Float64"]);
        assertEquals(t1.get(0)!.d, 1.25);
      });

      await t.step("corrupt or missing Parquet fails with LakeError naming the key", async () => {
        const garbage = await writeTemp(
          dir,
          "garbage.parquet",
          new TextEncoder().encode("not parquet at all, sorry"),
        );
        const e1 = await assertRejects(
          () => engine.registerParquet("bad", [{ key: "raw-data/garbage.parquet", path: garbage }]),
          LakeError,
        );
        assertEquals((e1 as LakeError).code, "Corrupt");
        assertEquals((e1 as LakeError).key, "raw-data/garbage.parquet");
        assertMatch((e1 as LakeError).message, /raw-data\/garbage\.parquet/);

        await engine.registerArrow("ok", rawTable(market(["BHP.AX"], 20)));
        const good = await engine.queryToParquet("SELECT * FROM ok");
        const truncated = await writeTemp(
          dir,
          "truncated.parquet",
          good.subarray(0, good.length - 20),
        );
        const e2 = await assertRejects(
          () =>
            engine.registerParquet("bad", [{
              key: "ohlcv/year=2020/part-9.parquet",
              path: truncated,
            }]),
          LakeError,
        );
        assertEquals((e2 as LakeError).code, "Corrupt");
        assertEquals((e2 as LakeError).key, "ohlcv/year=2020/part-9.parquet");

        const e3 = await assertRejects(
          () =>
            engine.registerParquet("bad", [{
              key: "gone.parquet",
              path: join(dir, "nope.parquet"),
            }]),
          LakeError,
        );
        assertEquals((e3 as LakeError).code, "NotFound");
        assertEquals((e3 as LakeError).key, "gone.parquet");
      });

      await t.step("SQL errors are LakeErrors quoting DuckDB and the SQL", async () => {
        const e1 = await assertRejects(() => engine.query("SELEC 1 FROM bars"), LakeError);
        assertMatch((e1 as LakeError).message, /syntax error at or near "SELEC"/);
        assertMatch((e1 as LakeError).message, /SELEC 1 FROM bars/);
        const e2 = await assertRejects(
          () => engine.query("SELECT * FROM no_such_table"),
          LakeError,
        );
        assertMatch((e2 as LakeError).message, /no_such_table/);
        // The engine still works afterwards.
        assertEquals((await engine.query("SELECT 1 AS one")).numRows, 1);
      });

      await t.step("numeric columns come out as typed arrays", async () => {
        await engine.registerArrow("big", rawTable(market(["BHP.AX", "CBA.AX"], 3000)));
        const t1 = await engine.query("SELECT close, volume, date FROM big ORDER BY symbol, date");
        assertEquals(t1.numRows, 6000);
        const close = t1.getChild("close")!;
        for (const d of close.data) assertInstanceOf(d.values, Float64Array);
        const arr = close.toArray();
        assertInstanceOf(arr, Float64Array);
        assertEquals(arr[0], 10);
        assertEquals(arr[5999], 20 + 2999 / 100);
        for (const d of t1.getChild("date")!.data) assertInstanceOf(d.values, Int32Array);
        for (const d of t1.getChild("volume")!.data) assertInstanceOf(d.values, BigInt64Array);
      });

      await t.step("a year=YYYY/ directory in the path never becomes a column", async () => {
        await engine.registerArrow("hv", rawTable(market(["BHP.AX"], 3)));
        const bytes = await engine.queryToParquet("SELECT * FROM hv");
        await Deno.mkdir(join(dir, "ohlcv", "year=2020"), { recursive: true });
        const path = await writeTemp(dir, "ohlcv/year=2020/part-0.parquet", bytes);
        await engine.registerParquet("hv_in", [{ key: "ohlcv/year=2020/part-0.parquet", path }]);
        const back = await engine.query("SELECT * FROM hv_in");
        assertSeedTypes(back);
        assertEquals(back.schema.fields.some((f) => f.name === "year"), false);
        await engine.drop("hv_in");
      });

      await t.step("strings of any length and nulls survive across result chunks", async () => {
        // 5,000 rows span several DuckDB chunks (2,048 rows each); strings up to 12 bytes are
        // inlined in DuckDB and copied raw, longer ones are read through the vector.
        const t1 = await engine.query(
          `SELECT CASE WHEN range % 7 = 3 THEN NULL ELSE repeat('ab€', (range % 9)::INTEGER) END AS s,
                  CASE WHEN range % 5 = 1 THEN NULL ELSE range::DOUBLE END AS x,
                  CASE WHEN range % 3 = 0 THEN NULL ELSE range::INTEGER END AS i
           FROM range(5000) ORDER BY range`,
        );
        assertEquals(t1.numRows, 5000);
        const want = Array.from(
          { length: 5000 },
          (_, r) => r % 7 === 3 ? null : "ab€".repeat(r % 9),
        );
        assertEquals([...t1.getChild("s")!].map((v) => v ?? null), want);
        assertEquals(t1.getChild("s")!.nullCount, want.filter((v) => v === null).length);
        const xs = [...t1.getChild("x")!].map((v) => v ?? null);
        assertEquals(xs, Array.from({ length: 5000 }, (_, r) => r % 5 === 1 ? null : r));
        const is = [...t1.getChild("i")!].map((v) => v ?? null);
        assertEquals(is, Array.from({ length: 5000 }, (_, r) => r % 3 === 0 ? null : r));
      });

      await t.step({
        name: "a damaged data page fails with Corrupt naming the key",
        fn: async () => {
          await engine.registerArrow("dmg", rawTable(market(["BHP.AX", "CBA.AX"], 400)));
          const good = await engine.queryToParquet("SELECT * FROM dmg");
          const footerLen = new DataView(good.buffer, good.byteOffset + good.length - 8, 4)
            .getUint32(0, true);
          // Zero a span in the middle of the column data; the footer stays valid.
          const bad = good.slice();
          const mid = Math.floor((good.length - footerLen - 8) / 2);
          bad.fill(0, mid - 64, mid + 64);
          const path = await writeTemp(dir, "damaged.parquet", bad);
          const key = "ohlcv/year=2020/part-7.parquet";
          // The footer is intact: wasm fails decoding at registration, native (which registers a
          // view) at the first query; either way the error names the key.
          const err = await assertRejects(async () => {
            await engine.registerParquet("dmg_in", [{ key, path }]);
            await engine.query("SELECT * FROM dmg_in");
          }, LakeError);
          assertEquals((err as LakeError).code, "Corrupt");
          assertEquals((err as LakeError).key, key);
          await engine.drop("dmg_in");
          assertEquals((await engine.query("SELECT 1 AS one")).numRows, 1);
        },
      });

      await t.step(
        "registering replaces tables and views of that name, however they were made",
        async () => {
          await engine.registerArrow("src", rawTable(market(["BHP.AX"], 4)));
          const path = await writeTemp(
            dir,
            "swap.parquet",
            await engine.queryToParquet("SELECT * FROM src"),
          );
          const sources = [{ key: "ohlcv/year=2020/part-0.parquet", path }];
          const count = async (name: string) =>
            Number((await engine.query(`SELECT count(*) AS n FROM ${name}`)).get(0)!.n);
          await engine.query("CREATE TABLE sql_table AS SELECT 1 AS x");
          await engine.registerParquet("sql_table", sources); // a table made through SQL
          assertEquals(await count("sql_table"), 4);
          await engine.query("CREATE VIEW sql_view AS SELECT 1 AS x");
          await engine.registerArrow("sql_view", rawTable(market(["BHP.AX"], 2))); // a view made through SQL
          assertEquals(await count("sql_view"), 2);
          await engine.registerParquet("sql_view", sources); // one of ours, table → view
          assertEquals(await count("sql_view"), 4);
          await engine.registerArrow("sql_view", rawTable(market(["BHP.AX"], 3))); // view → table
          assertEquals(await count("sql_view"), 3);
          await engine.drop("sql_table");
          await engine.drop("sql_view");
          await assertRejects(() => engine.query("SELECT * FROM sql_view"), LakeError);
        },
      );

      await t.step("nulls survive, and drop removes tables and views", async () => {
        const t1 = await engine.query(
          "SELECT CASE WHEN range % 2 = 0 THEN NULL ELSE range::DOUBLE END AS x FROM range(6)",
        );
        assertEquals(t1.getChild("x")!.nullCount, 3);
        assertEquals([...t1.getChild("x")!].map((v) => v ?? null), [null, 1, null, 3, null, 5]);
        await engine.query("CREATE VIEW v_bars AS SELECT * FROM bars");
        await engine.drop("v_bars");
        await engine.drop("bars");
        await engine.drop("never_existed");
        await assertRejects(() => engine.query("SELECT * FROM bars"), LakeError);
        await assertRejects(() => engine.query("SELECT * FROM v_bars"), LakeError);
      });

      await t.step("property: Parquet round trips keep float64 bits (NaN stays NaN)", async () => {
        const special = fc.constantFrom(
          -0,
          0,
          Number.MIN_VALUE,
          -Number.MAX_VALUE,
          Infinity,
          -Infinity,
          NaN,
        );
        await fc.assert(
          fc.asyncProperty(
            fc.array(fc.oneof(fc.double(), special), { minLength: 1, maxLength: 300 }),
            fc.integer({ min: 1, max: 64 }),
            async (values, rowGroupSize) => {
              const x = Float64Array.from(values);
              const idx = Int32Array.from(values, (_, i) => i);
              const fields = [
                new Field("i", new Int32(), false),
                new Field("x", new Float64(), true),
              ];
              const schema = new Schema(fields);
              const table = new Table(
                schema,
                new RecordBatch(
                  schema,
                  makeData({
                    type: new Struct(fields),
                    length: x.length,
                    children: [
                      makeData({ type: new Int32(), length: x.length, data: idx }),
                      makeData({ type: new Float64(), length: x.length, data: x }),
                    ],
                  }),
                ),
              );
              await engine.registerArrow("prop_in", table);
              const bytes = await engine.queryToParquet("SELECT * FROM prop_in ORDER BY i", {
                rowGroupSize,
              });
              const path = await writeTemp(dir, "prop.parquet", bytes);
              await engine.registerParquet("prop_out", [{ key: "prop.parquet", path }]);
              const back = (await engine.query("SELECT x FROM prop_out ORDER BY i")).getChild("x")!
                .toArray() as Float64Array;
              assertEquals(back.length, x.length);
              const a = bitsOf(x);
              const b = bitsOf(back);
              for (let i = 0; i < x.length; i++) {
                if (Number.isNaN(x[i]!)) {
                  assert(Number.isNaN(back[i]!), `row ${i}: NaN came back as ${back[i]}`);
                  continue;
                }
                for (let k = 0; k < 8; k++) {
                  assertEquals(
                    b[i * 8 + k],
                    a[i * 8 + k],
                    `row ${i}: ${x[i]} came back as ${back[i]}`,
                  );
                }
              }
            },
          ),
          { numRuns: 25 },
        );
      });
    } finally {
      await engine.close();
      await closeEngines();
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("wasm: a query over DuckDB's memory limit is an OutOfMemory LakeError, and the engine carries on", async () => {
  // The instance's settings are locked once it starts: the limit is set at start.
  await closeEngines();
  Deno.env.set("ASXLAB_WASM_MEMORY_LIMIT", "64MB");
  const engine = await openWasmEngine();
  Deno.env.delete("ASXLAB_WASM_MEMORY_LIMIT");
  try {
    await assertRejects(() => engine.query("SET memory_limit = '8GB'"), LakeError);
    const err = await assertRejects(
      () => engine.query("SELECT range % 7 AS k, list(range) AS l FROM range(30000000) GROUP BY 1"),
      LakeError,
    );
    assertEquals((err as LakeError).code, "OutOfMemory");
    assertMatch(err.message, /ran out of memory[\s\S]*engine "native"/i);
    assertEquals((await engine.query("SELECT 41 + 1 AS n")).get(0)!.n, 42);
  } finally {
    await engine.close();
    await closeEngines();
  }
});

Deno.test("wasm engines on the shared instance do not see each other's tables", async () => {
  const a = await openEngine("wasm");
  const b = await openEngine("wasm");
  try {
    await a.registerArrow("mine", rawTable(market(["BHP.AX"], 2)));
    await b.registerArrow("mine", rawTable(market(["CBA.AX"], 3)));
    assertEquals(
      (await a.query("SELECT count(*)::INTEGER AS n FROM mine")).getChild("n")!.get(0),
      2,
    );
    assertEquals(
      (await b.query("SELECT count(*)::INTEGER AS n FROM mine")).getChild("n")!.get(0),
      3,
    );
    await a.close();
    await assertRejects(() => a.query("SELECT 1"), LakeError);
    assertEquals(
      (await b.query("SELECT count(*)::INTEGER AS n FROM mine")).getChild("n")!.get(0),
      3,
    );
  } finally {
    await closeEngines();
  }
});

Deno.test("engine choice: argument, then ASXLAB_ENGINE, else wasm; bad values quoted", () => {
  const saved = Deno.env.get("ASXLAB_ENGINE");
  try {
    Deno.env.delete("ASXLAB_ENGINE");
    assertEquals(engineKind(), "wasm");
    Deno.env.set("ASXLAB_ENGINE", "native");
    assertEquals(engineKind(), "native");
    assertEquals(engineKind("wasm"), "wasm");
    Deno.env.set("ASXLAB_ENGINE", "duckdb");
    const e = (() => {
      try {
        engineKind();
      } catch (err) {
        return err;
      }
    })();
    assertInstanceOf(e, ConfigError);
    assertMatch(e.message, /"duckdb".*ASXLAB_ENGINE/);
    assertMatch(
      (() => {
        try {
          engineKind("spark");
          return "";
        } catch (err) {
          return (err as Error).message;
        }
      })(),
      /Unknown query engine "spark"/,
    );
  } finally {
    if (saved === undefined) Deno.env.delete("ASXLAB_ENGINE");
    else Deno.env.set("ASXLAB_ENGINE", saved);
  }
});

Deno.test("Parquet written by one engine reads back in the other with exact types", async () => {
  const wasm = await openEngine("wasm");
  const native = await openEngine("native");
  const dir = await Deno.makeTempDir({ prefix: "asxlab-engine-x-" });
  try {
    const rows = market(["BHP.AX", "CBA.AX"], 30, 4);
    for (const [writer, reader] of [[wasm, native], [native, wasm]] as const) {
      await writer.registerArrow("src", rawTable(rows));
      const bytes = await writer.queryToParquet("SELECT * FROM src ORDER BY symbol, date", {
        rowGroupSize: 20,
      });
      const path = await writeTemp(dir, `${writer.kind}.parquet`, bytes);
      await reader.registerParquet("dst", [{ key: `${writer.kind}.parquet`, path }], {
        symbols: ["CBA.AX"],
      });
      assertEquals(await rowGroupSizes(reader, path), await rowGroupSizes(writer, path));
      const back = await reader.query(
        "SELECT * FROM dst WHERE symbol = 'CBA.AX' ORDER BY date",
      );
      assertSeedTypes(back);
      assertEquals(
        columnValues(back, "date"),
        rows.filter((r) => r.symbol === "CBA.AX").map((r) => r.date),
      );
      assertEquals(
        columnValues(back, "volume"),
        rows.filter((r) => r.symbol === "CBA.AX").map((r) => r.volume),
      );
    }
  } finally {
    await closeEngines();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a process that used the wasm engine exits by itself", async () => {
  const script = `
    import { openEngine } from ${
    JSON.stringify(new URL("../../src/lake/open_engine.ts", import.meta.url).href)
  };
    const engine = await openEngine("wasm");
    const t = await engine.query("SELECT 41 + 1 AS answer");
    console.log(String(t.getChild("answer")?.get(0)));
  `;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", "--config", new URL("../../deno.json", import.meta.url).pathname, script],
    stdout: "piped",
    stderr: "piped",
    env: { ASXLAB_ENGINE: "" },
  }).spawn();
  // No close: the shared instance holds no timers or handles, so the process ends on its own.
  const guard = setTimeout(() => child.kill("SIGKILL"), 120_000);
  const out = await child.output();
  clearTimeout(guard);
  assertEquals(
    { code: out.code, stdout: new TextDecoder().decode(out.stdout).trim() },
    { code: 0, stdout: "42" },
    new TextDecoder().decode(out.stderr),
  );
});
