/**
 * `deno task bench lake [--symbols N] [--days N] [--reps N] [--engines wasm,native]
 * [--no-sweep] [--no-s3] [--out path]`: the lake at the seeds' scale
 * (5,350 symbols × 4,100 trading days ≈ 22 M rows), read through the Lake API
 * with both engines in one process run.
 *
 * The lake is a deterministic synthetic market (bench/_lake_build.ts), cached in
 * `bench/.build/`. For each engine:
 * - local disk: the filtered query (50 symbols × 5 years, warm, best of N), one
 *   year of every symbol, a SQL aggregate over 5 years, and the full load
 *   (`loadAll`: native must succeed, wasm must fail with `LakeError` `OutOfMemory`);
 * - S3 (s3rver on 127.0.0.1 in a child process, `s3://bench/lake`): a cold load
 *   of the 5 years (empty cache dir: downloads), the same load warm (cache hits,
 *   zero object GETs), and the filtered query cold (fresh cache) and warm.
 * A row-group-size sweep (the same 5 years rewritten at several sizes) justifies
 * the lake's row-group size. Results go to `bench/results/lake.json` (full size)
 * or `bench/results/lake-<symbols>x<days>.json`.
 *
 * @module
 */

import { parseArgs } from "node:util";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { LakeError } from "../src/core/errors.ts";
import { syntheticSymbolNames } from "../src/core/synthetic.ts";
import { type Lake, openLake } from "../src/lake/lake.ts";
import { closeEngines } from "../src/lake/open_engine.ts";
import { openNativeEngine } from "../src/lake/engine_native.ts";
import type { EngineKind } from "../src/lake/engine.ts";
import type { CachedStore } from "../src/lake/cache.ts";
import { S3Store } from "../src/lake/s3_store.ts";
import { LAKE_COLUMNS } from "../src/lake/schema.ts";
import { parseDate } from "../src/core/dates.ts";
import { ensureLake, type LakeManifest } from "./_lake_build.ts";
import { type S3rverChild, spawnS3rver } from "./_lake_s3rver.ts";
import { bestOf, mib, round1, timed } from "./_lake_measure.ts";
import { probeProcess, timeProcess } from "./_lake_process.ts";

const FULL = { symbols: 5350, days: 4100 };
const START = "2009-10-01";
const SEED = 2026;
const ROW_GROUP_SIZE = 4096;
const SWEEP_SIZES = [2048, 4096, 8192, 16384];
const BUCKET = "bench";
/** Runs per engine of each whole-process command. */
const PROCESS_RUNS = 7;
const PREFIX = "lake";

type Json = Record<string, unknown>;

interface Queries {
  symbols50: string[];
  start: string;
  end: string;
  years: number[];
  oneYear: { start: string; end: string };
  sql: string;
  sqlByYear: string;
}

function pickQueries(manifest: LakeManifest): Queries {
  const names = syntheticSymbolNames(manifest.params.symbols);
  const k = Math.min(50, names.length);
  const symbols50 = Array.from(
    { length: k },
    (_, i) => names[Math.floor((i + 0.5) * names.length / k)]!,
  );
  // The last 5 calendar years held (the last one may be partial).
  const years = manifest.years.slice(-5);
  const y0 = years[0]!, y1 = years[years.length - 1]!;
  const start = `${y0}-01-01`, end = `${y1}-12-31`;
  const full = manifest.years.length > 1 ? manifest.years[manifest.years.length - 2]! : y1;
  return {
    symbols50,
    start,
    end,
    years,
    oneYear: { start: `${full}-01-01`, end: `${full}-12-31` },
    sql: `select symbol, avg(close) as avg_close, count(*) as n from ohlcv ` +
      `where date between DATE '${start}' and DATE '${end}' group by 1 order by 1`,
    sqlByYear: `select year(date) as y, avg(close) as avg_close from ohlcv ` +
      `where date between DATE '${start}' and DATE '${end}' group by 1 order by 1`,
  };
}

function errInfo(err: unknown): Json {
  if (err instanceof LakeError) return { name: err.name, code: err.code, message: err.message };
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { message: String(err) };
}

async function measureLocal(
  engine: EngineKind,
  manifest: LakeManifest,
  q: Queries,
  reps: number,
  log: (s: string) => void,
): Promise<Json> {
  const out: Json = {};
  const open = await timed(() => openLake(manifest.dir, { engine }));
  const lake = open.value!;
  try {
    const start = await timed(() => lake.engine.query("SELECT 1 AS one"));
    out.openMs = round1(open.ms + start.ms);
    const filtered = () => lake.loadSymbols(q.symbols50, { start: q.start, end: q.end });
    const first = await timed(filtered);
    if (first.error) throw first.error;
    const best = await bestOf(reps, filtered, (b) => b.table.numRows);
    out.filtered = {
      firstMs: round1(first.ms),
      bestMs: round1(best.bestMs),
      runsMs: best.runsMs,
      rows: best.rows,
      symbols: first.value!.symbols().length,
    };
    log(
      `  ${engine} local filtered: first ${first.ms.toFixed(0)} ms, best ${
        best.bestMs.toFixed(0)
      } ms, ${best.rows} rows`,
    );
    // A few symbols, as a backtest of a handful of tickers loads them.
    const fewSymbols = q.symbols50.filter((_, i) => i % 17 === 0); // 3, spread out
    const few = () => lake.loadSymbols(fewSymbols, { start: q.start, end: q.end });
    await few();
    const fewBest = await bestOf(reps, few, (b) => b.table.numRows);
    out.few = { symbols: fewSymbols, bestMs: round1(fewBest.bestMs), rows: fewBest.rows };
    // The same rows through one scan with an IN list and through one scan per symbol, on the
    // engine directly: what the wasm engine's choice between them is worth.
    const files = q.years.map((y) => {
      const key = `ohlcv/year=${y}/part-0.parquet`;
      return { key, path: join(manifest.dir, key) };
    });
    const viaView = (splitSymbols: boolean) => async () => {
      await lake.engine.registerParquet("bench_few", files, {
        symbols: fewSymbols,
        start: parseDate(q.start),
        end: parseDate(q.end),
      }, { splitSymbols });
      return await lake.engine.query("SELECT * FROM bench_few ORDER BY symbol, date");
    };
    const oneScan = await bestOf(Math.max(2, reps - 2), viaView(false), (t) => t.numRows);
    const perSymbol = await bestOf(Math.max(2, reps - 2), viaView(true), (t) => t.numRows);
    await lake.engine.drop("bench_few");
    (out.few as Json).oneScanMs = round1(oneScan.bestMs);
    (out.few as Json).scanPerSymbolMs = round1(perSymbol.bestMs);
    log(
      `  ${engine} local ${fewSymbols.length} symbols: ${fewBest.bestMs.toFixed(0)} ms ` +
        `(one IN scan ${oneScan.bestMs.toFixed(0)} ms, a scan per symbol ${
          perSymbol.bestMs.toFixed(0)
        } ms)`,
    );
    const year = () => lake.loadDateRange(q.oneYear.start, q.oneYear.end);
    const y1 = await timed(year);
    if (y1.error) throw y1.error;
    const y2 = await timed(year);
    out.oneYear = {
      range: q.oneYear,
      firstMs: round1(y1.ms),
      secondMs: round1(y2.ms),
      rows: y1.value!.table.numRows,
      peakRss: y1.peakRssHwm ?? y1.peakRssSampled,
    };
    log(
      `  ${engine} local one year: ${y1.ms.toFixed(0)} / ${y2.ms.toFixed(0)} ms, ${
        y1.value!.table.numRows
      } rows`,
    );
    const scope = { start: q.start, end: q.end, columns: ["close"] as "close"[] };
    const sql = await timed(() => lake.sql(q.sql, scope));
    if (sql.error) {
      out.sql = { error: errInfo(sql.error), ms: round1(sql.ms) };
      log(`  ${engine} local sql: error ${(sql.error as Error).message.slice(0, 120)}`);
    } else {
      const sql2 = await timed(() => lake.sql(q.sql, scope));
      out.sql = {
        query: q.sql,
        scope,
        firstMs: round1(sql.ms),
        secondMs: round1(sql2.ms),
        rows: sql.value!.numRows,
      };
      log(`  ${engine} local sql: ${sql.ms.toFixed(0)} / ${sql2.ms.toFixed(0)} ms`);
    }
    // The narrow aggregate as a user types it: plain SQL over the whole lake, no scope.
    const byYear = () => lake.sql(q.sqlByYear);
    const by1 = await timed(byYear);
    if (by1.error) throw by1.error;
    const by2 = await timed(byYear);
    out.sqlByYear = {
      query: q.sqlByYear,
      firstMs: round1(by1.ms),
      secondMs: round1(by2.ms),
      rows: by1.value!.numRows,
    };
    log(`  ${engine} local sql by year: ${by1.ms.toFixed(0)} / ${by2.ms.toFixed(0)} ms`);
    // The full load last: on wasm it must fail cleanly, and the engine must stay usable.
    const all = await timed(() => lake.loadAll());
    const full: Json = {
      ms: round1(all.ms),
      peakRssSampled: all.peakRssSampled,
      peakRssHwm: all.peakRssHwm,
    };
    if (all.error) {
      full.error = errInfo(all.error);
      const after = await timed(() => lake.loadSymbols(q.symbols50.slice(0, 2), {}));
      full.engineUsableAfter = !after.error;
      log(
        `  ${engine} local loadAll: ${all.ms.toFixed(0)} ms → ${
          (all.error as Error).message.slice(0, 160)
        }`,
      );
    } else {
      full.rows = all.value!.table.numRows;
      log(
        `  ${engine} local loadAll: ${all.ms.toFixed(0)} ms, ${full.rows} rows, peak RSS ${
          mib(all.peakRssHwm ?? all.peakRssSampled)
        }`,
      );
    }
    out.loadAll = full;
  } finally {
    await lake.close();
  }
  return out;
}

async function uploadLake(
  s3: S3rverChild,
  manifest: LakeManifest,
  years: number[],
): Promise<{ objects: number; bytes: number; ms: number }> {
  const t0 = performance.now();
  const store = new S3Store(`s3://${s3.bucket}/${PREFIX}`, {
    endpoint: s3.endpoint,
    credentials: s3.credentials,
    region: "ap-southeast-2",
  });
  let bytes = 0;
  try {
    for (const y of years) {
      const key = `ohlcv/year=${y}/part-0.parquet`;
      const data = await Deno.readFile(join(manifest.dir, key));
      await store.put(key, data);
      bytes += data.length;
    }
  } finally {
    await store.close?.();
  }
  return { objects: years.length, bytes, ms: round1(performance.now() - t0) };
}

async function measureS3(
  engine: EngineKind,
  s3: S3rverChild,
  q: Queries,
  reps: number,
  log: (s: string) => void,
): Promise<Json> {
  const open = async (cacheDir: string) =>
    await openLake(`s3://${s3.bucket}/${PREFIX}`, {
      engine,
      cacheDir,
      endpoint: s3.endpoint,
      credentials: s3.credentials,
      region: "ap-southeast-2",
    });
  const out: Json = {};
  const cacheA = await Deno.makeTempDir({ prefix: "asxlab-bench-cache-" });
  const cacheB = await Deno.makeTempDir({ prefix: "asxlab-bench-cache-" });
  try {
    // Cold then warm: the 5 years of every symbol.
    let lake: Lake = await open(cacheA);
    try {
      await lake.engine.query("SELECT 1");
      const range = () => lake.loadDateRange(q.start, q.end);
      await s3.reset();
      const cold = await timed(range);
      if (cold.error) throw cold.error;
      const coldCounts = await s3.counts();
      const coldStats = { ...(lake.store as CachedStore).stats };
      await s3.reset();
      const warm = await timed(range);
      if (warm.error) throw warm.error;
      const warmCounts = await s3.counts();
      const stats = (lake.store as CachedStore).stats;
      out.range = {
        start: q.start,
        end: q.end,
        rows: cold.value!.table.numRows,
        coldMs: round1(cold.ms),
        warmMs: round1(warm.ms),
        cold: { objectGets: coldCounts.objectGets, listGets: coldCounts.listGets, ...coldStats },
        warm: {
          objectGets: warmCounts.objectGets,
          listGets: warmCounts.listGets,
          hits: stats.hits - coldStats.hits,
          misses: stats.misses - coldStats.misses,
        },
      };
      log(
        `  ${engine} s3 5-year load: cold ${
          cold.ms.toFixed(0)
        } ms (${coldCounts.objectGets} GETs, ${mib(coldStats.bytesDownloaded)}), warm ${
          warm.ms.toFixed(0)
        } ms (${warmCounts.objectGets} GETs), ${cold.value!.table.numRows} rows`,
      );
    } finally {
      await lake.close();
    }
    // The filtered query cold (fresh cache) and warm.
    lake = await open(cacheB);
    try {
      await lake.engine.query("SELECT 1");
      const filtered = () => lake.loadSymbols(q.symbols50, { start: q.start, end: q.end });
      await s3.reset();
      const cold = await timed(filtered);
      if (cold.error) throw cold.error;
      const coldCounts = await s3.counts();
      await s3.reset();
      const best = await bestOf(reps, filtered, (b) => b.table.numRows);
      const warmCounts = await s3.counts();
      out.filtered = {
        coldMs: round1(cold.ms),
        coldObjectGets: coldCounts.objectGets,
        warmBestMs: round1(best.bestMs),
        warmRunsMs: best.runsMs,
        warmObjectGets: warmCounts.objectGets,
        rows: best.rows,
      };
      log(
        `  ${engine} s3 filtered: cold ${
          cold.ms.toFixed(0)
        } ms (${coldCounts.objectGets} GETs), warm best ${
          best.bestMs.toFixed(0)
        } ms (${warmCounts.objectGets} GETs)`,
      );
    } finally {
      await lake.close();
    }
  } finally {
    await Deno.remove(cacheA, { recursive: true }).catch(() => {});
    await Deno.remove(cacheB, { recursive: true }).catch(() => {});
  }
  return out;
}

/** Rewrites the query's years at other row-group sizes and times the filtered query on each. */
async function rowGroupSweep(
  manifest: LakeManifest,
  q: Queries,
  engines: EngineKind[],
  reps: number,
  log: (s: string) => void,
): Promise<Json[]> {
  const results: Json[] = [];
  const native = await openNativeEngine();
  const root = await Deno.makeTempDir({ prefix: "asxlab-bench-rg-" });
  try {
    for (const size of SWEEP_SIZES) {
      const dir = join(root, `rg${size}`);
      let bytes = 0;
      for (const y of q.years) {
        const key = `ohlcv/year=${y}/part-0.parquet`;
        await native.registerParquet("src", [{ key, path: join(manifest.dir, key) }]);
        const out = await native.queryToParquet(`SELECT ${LAKE_COLUMNS.join(", ")} FROM src`, {
          rowGroupSize: size,
        });
        await native.drop("src");
        await Deno.mkdir(join(dir, `ohlcv/year=${y}`), { recursive: true });
        await Deno.writeFile(join(dir, `ohlcv/year=${y}/part-0.parquet`), out);
        bytes += out.length;
      }
      const row: Json = { rowGroupSize: size, bytes };
      for (const engine of engines) {
        const lake = await openLake(dir, { engine });
        try {
          const f = () => lake.loadSymbols(q.symbols50, { start: q.start, end: q.end });
          await f();
          row[engine] = round1(
            (await bestOf(Math.max(2, reps - 2), f, (b) => b.table.numRows)).bestMs,
          );
        } finally {
          await lake.close();
        }
      }
      log(
        `  row groups of ${size}: ${mib(bytes)}, ${
          engines.map((e) => `${e} ${row[e]} ms`).join(", ")
        }`,
      );
      results.push(row);
      await Deno.remove(dir, { recursive: true });
    }
  } finally {
    await native.close();
    await Deno.remove(root, { recursive: true }).catch(() => {});
  }
  return results;
}

function machine(): Json {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpu: cpus[0]?.model ?? "unknown",
    memoryGiB: round1(os.totalmem() / 2 ** 30),
    os: `${Deno.build.os} ${os.release()}`,
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    loadAverageAtStart: os.loadavg().map(round1),
  };
}

function get(o: unknown, path: string): number | undefined {
  let cur: unknown = o;
  for (const p of path.split(".")) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return typeof cur === "number" ? cur : undefined;
}

function ratio(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined || b === 0 ? undefined : Math.round(a / b * 100) / 100;
}

/**
 * Runs the lake bench.
 *
 * @param args Command-line options (see the module doc).
 * @returns When the results are written.
 * @throws {Error} On invalid options or when a required measurement fails.
 * @example
 * ```ts ignore
 * import { run } from "./lake.ts";
 * await run(["--symbols", "200", "--days", "500"]);
 * ```
 */
export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      symbols: { type: "string", default: String(FULL.symbols) },
      days: { type: "string", default: String(FULL.days) },
      reps: { type: "string", default: "5" },
      engines: { type: "string", default: "native,wasm" },
      "row-group-size": { type: "string", default: String(ROW_GROUP_SIZE) },
      "no-sweep": { type: "boolean", default: false },
      "no-s3": { type: "boolean", default: false },
      out: { type: "string" },
    },
  });
  const symbols = Number(values.symbols), days = Number(values.days), reps = Number(values.reps);
  const rowGroupSize = Number(values["row-group-size"]);
  for (const [k, v] of Object.entries({ symbols, days, reps, rowGroupSize })) {
    if (!Number.isInteger(v) || v < 1) {
      throw new RangeError(`Invalid --${k} ${v}: expected a positive integer`);
    }
  }
  const engines = values.engines.split(",").map((s) => s.trim()) as EngineKind[];
  for (const e of engines) {
    if (e !== "wasm" && e !== "native") throw new RangeError(`Invalid engine "${e}" in --engines`);
  }
  const isFull = symbols === FULL.symbols && days === FULL.days;
  const outPath = values.out ??
    fileURLToPath(
      new URL(
        isFull ? "./results/lake.json" : `./results/lake-${symbols}x${days}.json`,
        import.meta.url,
      ),
    );
  const log = (s: string) => console.log(s);

  log(
    `lake: ${symbols} symbols × ${days} trading days from ${START}, seed ${SEED}, row groups of ${rowGroupSize}`,
  );
  const built = await ensureLake({ symbols, days, start: START, seed: SEED, rowGroupSize }, log);
  const manifest = built.manifest;
  log(
    `  ${built.reused ? "reused" : "built"} ${manifest.dir}: ${
      manifest.rows.toLocaleString("en-AU")
    } rows, ${manifest.files} files, ${mib(manifest.bytes)}, ${manifest.rowGroups} row groups${
      built.reused ? "" : ` in ${(manifest.buildMs / 1000).toFixed(0)} s`
    }`,
  );
  const q = pickQueries(manifest);
  log(
    `  filtered query: ${q.symbols50.length} symbols (${q.symbols50[0]}…${
      q.symbols50.at(-1)
    }), ${q.start}..${q.end}`,
  );

  const result: Json = {
    generated: new Date().toISOString(),
    machine: machine(),
    method: "",
    dataset: {
      generator:
        "src/core/synthetic.ts syntheticSymbolChunks (GARCH(1,1) geometric walk, overnight gaps, ASX ticks, suspensions, back-adjusted splits)",
      seed: SEED,
      symbols: manifest.params.symbols,
      tradingDays: manifest.params.days,
      first: manifest.first,
      last: manifest.last,
      rows: manifest.rows,
      files: manifest.files,
      bytes: manifest.bytes,
      rowGroupSize: manifest.params.rowGroupSize,
      rowGroups: manifest.rowGroups,
      layout: "ohlcv/year=YYYY/part-0.parquet, sorted by symbol, date, ZSTD (native DuckDB writer)",
      reused: built.reused,
      buildMs: manifest.buildMs,
    },
    queries: {
      filtered: {
        symbols: q.symbols50.length,
        pick: "evenly spaced through the sorted names",
        first: q.symbols50[0],
        last: q.symbols50.at(-1),
        start: q.start,
        end: q.end,
      },
      oneYear: q.oneYear,
      sql: q.sql,
      s3Range: { start: q.start, end: q.end, years: q.years },
    },
    engines: {},
  };
  const enginesOut = result.engines as Record<string, Json>;

  // Fresh processes first, while this process is small and the page cache holds what they
  // read (after the full loads below, children measured ~2x slower): what a user waits for,
  // start-up included, and a request's own memory.
  log(`whole processes (${PROCESS_RUNS} runs per engine, engines alternating)`);
  const processes: Record<string, Json> = Object.fromEntries(engines.map((e) => [e, {}]));
  for (
    const [label, args] of [
      ["backtest", ["task", "backtest"]],
      ["lakeInfo", ["task", "lake", "info"]],
    ] as const
  ) {
    const timing = await timeProcess([...args], engines, PROCESS_RUNS);
    for (const e of engines) processes[e]![label] = timing[e];
    log(
      `  deno ${args.join(" ")}: ${
        engines.map((e) => `${e} ${timing[e]!.medianS} s median, ${timing[e]!.bestS} s best`).join(
          "; ",
        )
      }`,
    );
  }
  for (const e of engines) {
    const probe = await probeProcess(manifest.dir, e, q.start, q.end, q.symbols50);
    processes[e]!.filteredProcess = probe;
    log(
      `  ${e} filtered query in a fresh process: ${probe.ms} ms warm, peak RSS ${
        mib(probe.peakRss)
      }`,
    );
  }
  for (const e of engines) (enginesOut[e] ??= {}).process = processes[e];
  let s3: S3rverChild | undefined;
  try {
    if (!values["no-s3"]) {
      s3 = await spawnS3rver(BUCKET);
      const up = await uploadLake(s3, manifest, q.years);
      log(
        `  s3rver ${s3.endpoint}: uploaded ${up.objects} objects (${mib(up.bytes)}) in ${
          (up.ms / 1000).toFixed(1)
        } s`,
      );
      (result.queries as Json).s3Upload = up;
    }
    for (const engine of engines) {
      log(`engine ${engine}`);
      const e: Json = enginesOut[engine] ?? {};
      e.local = await measureLocal(engine, manifest, q, reps, log);
      if (s3) e.s3 = await measureS3(engine, s3, q, reps, log);
      enginesOut[engine] = e;
      if (engine === "native") await closeEngines();
    }
  } finally {
    await s3?.close();
  }
  if (!values["no-sweep"]) {
    log(`row-group sweep (the ${q.years.length} query years rewritten)`);
    result.rowGroupSweep = await rowGroupSweep(manifest, q, engines, reps, log);
  }
  await closeEngines();
  (result.machine as Json).loadAverageAtEnd = os.loadavg().map(round1);

  const w = enginesOut.wasm, n = enginesOut.native;
  const wFiltered = get(w, "local.filtered.bestMs");
  const nFiltered = get(n, "local.filtered.bestMs");
  result.ratios = {
    filteredWarmLocal: ratio(wFiltered, nFiltered),
    fewSymbolsLocal: ratio(get(w, "local.few.bestMs"), get(n, "local.few.bestMs")),
    filteredWarmS3: ratio(get(w, "s3.filtered.warmBestMs"), get(n, "s3.filtered.warmBestMs")),
    filteredColdS3: ratio(get(w, "s3.filtered.coldMs"), get(n, "s3.filtered.coldMs")),
    oneYear: ratio(get(w, "local.oneYear.secondMs"), get(n, "local.oneYear.secondMs")),
    rangeColdS3: ratio(get(w, "s3.range.coldMs"), get(n, "s3.range.coldMs")),
    rangeWarmS3: ratio(get(w, "s3.range.warmMs"), get(n, "s3.range.warmMs")),
    sql: ratio(get(w, "local.sql.secondMs"), get(n, "local.sql.secondMs")),
    sqlByYear: ratio(get(w, "local.sqlByYear.secondMs"), get(n, "local.sqlByYear.secondMs")),
    backtestProcess: ratio(
      get(w, "process.backtest.medianS"),
      get(n, "process.backtest.medianS"),
    ),
    lakeInfoProcess: ratio(get(w, "process.lakeInfo.medianS"), get(n, "process.lakeInfo.medianS")),
    filteredPeakRss: ratio(
      get(w, "process.filteredProcess.peakRss"),
      get(n, "process.filteredProcess.peakRss"),
    ),
  };
  const wasmAll = (w?.local as Json | undefined)?.loadAll as Json | undefined;
  const nativeAll = (n?.local as Json | undefined)?.loadAll as Json | undefined;
  const wasmErr = wasmAll?.error as Json | undefined;
  result.wasmOutOfMemory = wasmErr?.message;
  const under = (v: number | undefined, limit: number) => v === undefined ? undefined : v < limit;
  result.goals = {
    // Issue 10: the default engine starts fast and reads Parquet itself.
    wasmBacktestProcessUnder1s: under(get(w, "process.backtest.medianS"), 1),
    wasmLakeInfoProcessUnder0_8s: under(get(w, "process.lakeInfo.medianS"), 0.8),
    wasmNarrowAggregateUnder1s: under(get(w, "local.sqlByYear.secondMs"), 1000),
    wasmFilteredPeakRssUnder500MB: under(get(w, "process.filteredProcess.peakRss"), 500e6),
    wasmFilteredWarmUnder1s: wFiltered === undefined ? undefined : wFiltered < 1000,
    wasmFilteredWithin3xNative: wFiltered === undefined || nFiltered === undefined
      ? undefined
      : wFiltered <= 3 * nFiltered,
    nativeFullLoadSucceeds: nativeAll === undefined ? undefined : nativeAll.rows === manifest.rows,
    wasmFullLoadClearOutOfMemory: wasmAll === undefined
      ? undefined
      : (wasmAll.rows === manifest.rows) ||
        (wasmErr?.code === "OutOfMemory" && wasmAll.engineUsableAfter === true),
    warmS3LoadZeroGets: s3 === undefined
      ? undefined
      : engines.every((e) => get(enginesOut[e], "s3.range.warm.objectGets") === 0),
  };
  result.method =
    "Whole processes (engines.*.process): the README's commands run as a user runs them (deno task backtest / deno task lake info on the shipped sample, ASXLAB_ENGINE choosing the engine), timed from outside, engines alternating run by run; and the filtered query in a fresh process (bench/_lake_probe.ts: a warm-up then the measured run), whose peak RSS (VmHWM) is that query's footprint. In-process figures: one process, engines run one after the other (native first, so the wasm heap — which never shrinks — does not inflate native's RSS). Wall-clock performance.now(). Filtered query: lake.loadSymbols(50 symbols, 5 calendar years), one warm-up run then best of N. Local: LocalStore over the built lake (OS page cache warm). S3: s3rver 3.7.1 on 127.0.0.1 in a child process serving the 5 query years under s3://bench/lake; cold = empty cache dir (objects downloaded through CachedStore), warm = same Lake again (ETag hits, zero object GETs, counted by the server). Peak RSS: kernel VmHWM reset via /proc/self/clear_refs before the call (exact), and Deno.memoryUsage().rss sampled every 20 ms (misses peaks inside synchronous wasm calls).";
  await Deno.mkdir(join(outPath, ".."), { recursive: true });
  await Deno.writeTextFile(outPath, JSON.stringify(result, null, 2) + "\n");
  printSummary(result, engines);
  log(`wrote ${outPath}`);
}

function printSummary(result: Json, engines: EngineKind[]): void {
  const e = result.engines as Record<string, Json>;
  const rows: [string, string][] = [
    ["filtered 50 sym × 5 y, local, best ms", "local.filtered.bestMs"],
    ["filtered, local, first ms", "local.filtered.firstMs"],
    ["3 symbols × 5 y, local, best ms", "local.few.bestMs"],
    ["3 symbols: one IN scan, ms", "local.few.oneScanMs"],
    ["3 symbols: a scan per symbol, ms", "local.few.scanPerSymbolMs"],
    ["filtered, S3 cold ms", "s3.filtered.coldMs"],
    ["filtered, S3 warm best ms", "s3.filtered.warmBestMs"],
    ["5 years all symbols, S3 cold ms", "s3.range.coldMs"],
    ["5 years all symbols, S3 warm ms", "s3.range.warmMs"],
    ["5 years, S3 warm object GETs", "s3.range.warm.objectGets"],
    ["one year all symbols, local ms", "local.oneYear.secondMs"],
    ["SQL aggregate 5 y by symbol (scoped), ms", "local.sql.secondMs"],
    ["SQL avg(close) by year, 5 y, ms", "local.sqlByYear.secondMs"],
    ["deno task backtest, median s", "process.backtest.medianS"],
    ["deno task lake info, median s", "process.lakeInfo.medianS"],
    ["filtered, fresh process, peak RSS", "process.filteredProcess.peakRss"],
    ["loadAll ms", "local.loadAll.ms"],
    ["loadAll rows", "local.loadAll.rows"],
  ];
  const pad = (s: string, n: number) => s.padEnd(n);
  console.log(`\n${pad("measurement", 40)}${engines.map((x) => pad(x, 14)).join("")}wasm/native`);
  for (const [label, path] of rows) {
    const vals = engines.map((x) => get(e[x], path));
    const r = ratio(get(e.wasm, path), get(e.native, path));
    console.log(
      `${pad(label, 40)}${vals.map((v) => pad(v === undefined ? "–" : String(v), 14)).join("")}${
        r === undefined || path.endsWith("rows") || path.endsWith("Gets") ? "" : r
      }`,
    );
  }
  const peak = engines.map((x) =>
    mib(get(e[x], "local.loadAll.peakRssHwm") ?? get(e[x], "local.loadAll.peakRssSampled"))
  );
  console.log(`${pad("loadAll peak RSS", 40)}${peak.map((v) => pad(v, 14)).join("")}`);
  if (result.wasmOutOfMemory) console.log(`wasm loadAll: ${result.wasmOutOfMemory}`);
  console.log(`goals: ${JSON.stringify(result.goals)}`);
}
