/**
 * Builds (or reuses) the benchmark lake: a deterministic synthetic market
 * written as curated partitions `ohlcv/year=YYYY/part-0.parquet` (sorted by
 * symbol, date; ZSTD; fixed row-group size), with the native engine so that
 * generation is quick and its memory bounded. Not measured by the bench.
 *
 * Two passes keep the peak low: symbols are generated in chunks (≈ 1 M rows),
 * each chunk is split by year into staging Parquet files; then each year's
 * staging files are merged, sorted and written as the year's partition.
 *
 * Built lakes are kept in `bench/.build/lake-<hash>/` (gitignored), keyed by the
 * parameters and the generator's source, so re-runs skip the generation.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { concatOhlcv, type OhlcvColumns } from "../src/core/ohlcv_columns.ts";
import { syntheticDates, syntheticSymbolChunks } from "../src/core/synthetic.ts";
import { formatDate, yearOf } from "../src/core/dates.ts";
import { LAKE_COLUMNS, rawTable } from "../src/lake/schema.ts";
import { openNativeEngine } from "../src/lake/engine_native.ts";

/** What defines a benchmark lake. */
export interface LakeParams {
  /** Symbols (`S0001.AX`…). */
  symbols: number;
  /** Trading days. */
  days: number;
  /** First date `YYYY-MM-DD`. */
  start: string;
  /** Generator seed. */
  seed: number;
  /** Rows per row group in the curated files. */
  rowGroupSize: number;
}

/** What was built, stored as `manifest.json` next to the lake. */
export interface LakeManifest {
  /** The parameters. */
  params: LakeParams;
  /** The directory holding `ohlcv/`. */
  dir: string;
  /** Curated rows. */
  rows: number;
  /** Curated files. */
  files: number;
  /** Bytes of the curated files. */
  bytes: number;
  /** First and last trading day. */
  first: string;
  /** Last trading day. */
  last: string;
  /** Years present. */
  years: number[];
  /** Row groups in all files. */
  rowGroups: number;
  /** How long the build took, ms. */
  buildMs: number;
  /** Fixed fetch_timestamp written in every row (deterministic bytes). */
  fetchTimestamp: string;
}

const BUILD_ROOT = fileURLToPath(new URL("./.build/", import.meta.url));
const FETCH_TIMESTAMP = "2026-01-02T07:00:00.000Z";
const CHUNK_ROWS = 1_000_000;
/**
 * Bump when the build's output would change (layout, writer settings, fetch_timestamp…).
 * 2: rewrites no longer pick up DuckDB's hive column `year` from the `year=YYYY/` path.
 */
const BUILD_VERSION = 2;

/** A hash of the parameters, the build version and the generator's source. */
async function generatorHash(params: LakeParams): Promise<string> {
  const h = createHash("sha256");
  h.update(JSON.stringify({ ...params, BUILD_VERSION }));
  h.update(await Deno.readFile(new URL("../src/core/synthetic.ts", import.meta.url)));
  return h.digest("hex").slice(0, 12);
}

/**
 * The lake for `params`: reused from `bench/.build/` when a complete build exists,
 * else generated there.
 *
 * @param params What to build.
 * @param log Progress lines.
 * @returns The manifest and whether it was reused.
 */
export async function ensureLake(
  params: LakeParams,
  log: (line: string) => void = console.log,
): Promise<{ manifest: LakeManifest; reused: boolean }> {
  const dir = join(BUILD_ROOT, `lake-${await generatorHash(params)}`);
  const manifestPath = join(dir, "manifest.json");
  try {
    const manifest = JSON.parse(await Deno.readTextFile(manifestPath)) as LakeManifest;
    manifest.dir = dir;
    return { manifest, reused: true };
  } catch {
    // not built yet
  }
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  const sibling = await findSibling(params);
  const manifest = sibling
    ? await rewriteLake(sibling, params, dir, log)
    : await buildLake(params, dir, log);
  await Deno.writeTextFile(manifestPath, JSON.stringify(manifest, null, 2) + "\n");
  return { manifest, reused: false };
}

/** A complete build of the same market with another row-group size. */
async function findSibling(params: LakeParams): Promise<LakeManifest | undefined> {
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(BUILD_ROOT)];
  } catch {
    return undefined;
  }
  for (const e of entries) {
    if (!e.isDirectory || !e.name.startsWith("lake-")) continue;
    const dir = join(BUILD_ROOT, e.name);
    try {
      const m = JSON.parse(await Deno.readTextFile(join(dir, "manifest.json"))) as LakeManifest;
      if (
        m.params.symbols === params.symbols && m.params.days === params.days &&
        m.params.start === params.start && m.params.seed === params.seed &&
        dir.endsWith(`lake-${await generatorHash(m.params)}`)
      ) {
        return { ...m, dir };
      }
    } catch {
      // incomplete build
    }
  }
  return undefined;
}

/** Rewrites a built lake's partitions with another row-group size (same rows, same order). */
async function rewriteLake(
  from: LakeManifest,
  params: LakeParams,
  dir: string,
  log: (line: string) => void,
): Promise<LakeManifest> {
  const t0 = performance.now();
  log(`  rewriting ${from.dir} with row groups of ${params.rowGroupSize}`);
  const engine = await openNativeEngine();
  let bytes = 0;
  let rowGroups = 0;
  try {
    for (const y of from.years) {
      const key = join("ohlcv", `year=${y}`, "part-0.parquet");
      await engine.registerParquet("src", [{ key, path: join(from.dir, key) }]);
      const out = await engine.queryToParquet(`SELECT ${LAKE_COLUMNS.join(", ")} FROM src`, {
        rowGroupSize: params.rowGroupSize,
      });
      await engine.drop("src");
      await Deno.mkdir(join(dir, "ohlcv", `year=${y}`), { recursive: true });
      await Deno.writeFile(join(dir, key), out);
      bytes += out.length;
      rowGroups += await countRowGroups(engine, join(dir, key));
    }
  } finally {
    await engine.close();
  }
  return { ...from, params, dir, bytes, rowGroups, buildMs: Math.round(performance.now() - t0) };
}

async function countRowGroups(
  engine: Awaited<ReturnType<typeof openNativeEngine>>,
  path: string,
): Promise<number> {
  const meta = await engine.parquetMetadata({ key: path, path });
  return new Set(meta.toArray().map((r) => Number(r.row_group_id))).size;
}

async function buildLake(
  params: LakeParams,
  dir: string,
  log: (line: string) => void,
): Promise<LakeManifest> {
  const t0 = performance.now();
  const staging = join(dir, "_staging");
  await Deno.mkdir(staging, { recursive: true });
  const engine = await openNativeEngine();
  const dates = syntheticDates(params.start, params.days);
  const years = [...new Set(Array.from(dates, yearOf))].sort((a, b) => a - b);
  const stagingFiles = new Map<number, string[]>(years.map((y) => [y, []]));
  let rows = 0;
  let chunkNo = 0;
  try {
    let parts: OhlcvColumns[] = [];
    let pending = 0;
    const flush = async () => {
      if (pending === 0) return;
      const cols = concatOhlcv(parts);
      parts = [];
      pending = 0;
      const table = rawTable({ ...cols, fetch_timestamp: FETCH_TIMESTAMP }, 0);
      rows += table.numRows;
      await engine.registerArrow("chunk", table);
      for (const y of years) {
        const sql = `SELECT ${LAKE_COLUMNS.join(", ")} FROM chunk WHERE date >= DATE '${y}-01-01'` +
          ` AND date <= DATE '${y}-12-31' ORDER BY symbol, date`;
        const bytes = await engine.queryToParquet(sql, { rowGroupSize: 1_000_000 });
        const path = join(staging, `y${y}-c${chunkNo}.parquet`);
        await Deno.writeFile(path, bytes);
        stagingFiles.get(y)!.push(path);
      }
      await engine.drop("chunk");
      chunkNo++;
      log(
        `  generated ${rows.toLocaleString("en-AU")} rows (${
          ((performance.now() - t0) / 1000).toFixed(0)
        } s)`,
      );
    };
    for (
      const chunk of syntheticSymbolChunks({
        symbols: params.symbols,
        start: params.start,
        days: params.days,
        seed: params.seed,
      })
    ) {
      parts.push(chunk.columns);
      pending += chunk.columns.date.length;
      if (pending >= CHUNK_ROWS) await flush();
    }
    await flush();
    let bytes = 0;
    let rowGroups = 0;
    for (const y of years) {
      const files = stagingFiles.get(y)!;
      await engine.registerParquet("staged", files.map((path) => ({ key: path, path })));
      const out = await engine.queryToParquet(
        `SELECT ${LAKE_COLUMNS.join(", ")} FROM staged ORDER BY symbol, date`,
        { rowGroupSize: params.rowGroupSize },
      );
      await engine.drop("staged");
      const target = join(dir, "ohlcv", `year=${y}`);
      await Deno.mkdir(target, { recursive: true });
      await Deno.writeFile(join(target, "part-0.parquet"), out);
      bytes += out.length;
      rowGroups += await countRowGroups(engine, join(target, "part-0.parquet"));
      for (const f of files) await Deno.remove(f);
    }
    await Deno.remove(staging, { recursive: true });
    return {
      params,
      dir,
      rows,
      files: years.length,
      bytes,
      first: formatDate(dates[0]!),
      last: formatDate(dates[dates.length - 1]!),
      years,
      rowGroups,
      buildMs: Math.round(performance.now() - t0),
      fetchTimestamp: FETCH_TIMESTAMP,
    };
  } finally {
    await engine.close();
  }
}
