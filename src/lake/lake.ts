/**
 * The Lake API: daily OHLCV bars in Parquet on S3 or local disk, read and
 * written through a query engine, handed back as Arrow-backed {@link Bars}.
 *
 * Reading lists only the objects a request needs (curated partitions are pruned
 * by `year=`), lets the engine skip row groups whose footer statistics cannot
 * match, and fetches S3 objects through the ETag-keyed cache (downloads checked
 * against their SHA-256). The engine reads a pinned copy of each file, so a
 * write replacing it meanwhile never mixes two versions into one result.
 *
 * Writing keeps the lake whole: one writer at a time (the `_lock` object, see
 * `lock.ts`); every row validated at the door (`validate.ts`), failures filed in
 * `quarantine/DATE/` with the reason; each year replaced as one file, atomically;
 * `ohlcv/_manifest.json` (see `manifest.ts`) recording each curated file's
 * SHA-256, checked by {@link Lake.verify}; whatever a killed writer left settled
 * by the next one.
 *
 * @example
 * ```ts ignore
 * import { openLake } from "./lake.ts";
 * const lake = await openLake(); // the shipped sample in data-cache/lake
 * const bars = await lake.loadSymbols(["BHP.AX", "CBA.AX"], { start: "2018-01-01", end: "2022-12-31" });
 * console.log(bars.symbols(), bars.close.length);
 * await lake.close();
 * ```
 *
 * @module
 */

import { DateDay, makeData, makeVector, Table, Utf8, vectorFromArray } from "apache-arrow";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Bars } from "../core/bars.ts";
import { type DateRange, formatDate, resolveRange, yearOf } from "../core/dates.ts";
import { ConfigError, LakeError } from "../core/errors.ts";
import { validateSymbol } from "../core/symbol.ts";
import {
  DEFAULT_ROW_GROUP_SIZE,
  type Engine,
  type EngineKind,
  type ParquetFilter,
  type ParquetSource,
} from "./engine.ts";
import {
  curatedYear,
  PREFIX,
  quarantineKey,
  RAW_BATCH_KEY,
  rawBatchKey,
  yearPrefix,
} from "./keys.ts";
import type { LocalStore } from "./local_store.ts";
import { LOCK_KEY, type LockOptions, WriteLock } from "./lock.ts";
import {
  emptyManifest,
  encodeManifest,
  type Manifest,
  MANIFEST_KEY,
  type ManifestEntry,
  parseManifest,
  sha256Hex,
} from "./manifest.ts";
import { openEngine } from "./open_engine.ts";
import { openStore } from "./open_store.ts";
import {
  BAR_COLUMNS,
  checkSchema,
  FRESHEST_FIRST,
  LAKE_COLUMNS,
  lakeRowsFromRaw,
  lakeRowsOf,
  lakeTable,
  type RawRows,
  rawTable,
} from "./schema.ts";
import { checkLakeRows, type QuarantineReason } from "./validate.ts";
import type { S3Credentials, S3Timeouts } from "./s3_store.ts";
import { compareKeys, type LakeStore, type ObjectInfo, type Store } from "./store.ts";

export { DEFAULT_CACHE_DIR, DEFAULT_LAKE_DIR, DEFAULT_PIPELINE_LAKE_DIR } from "./defaults.ts";

/** Options of {@link openLake}. */
export interface OpenLakeOptions {
  /** Query engine. @default {env ASXLAB_ENGINE, else "wasm"} */
  engine?: EngineKind;
  /** Where S3 objects are cached. @default {env ASXLAB_CACHE_DIR, else data-cache/s3 in the repository} */
  cacheDir?: string;
  /** S3 endpoint (e.g. a local s3rver); implies path-style addressing. */
  endpoint?: string;
  /** S3 region. @default {env AWS_REGION, else "ap-southeast-2"} */
  region?: string;
  /** S3 credentials. @default {the AWS SDK's provider chain (environment, profile, role)} */
  credentials?: S3Credentials;
  /** S3 connect and idle timeouts and attempts. @default {5 s, 15 s, 3, or the environment; see S3Timeouts} */
  timeouts?: S3Timeouts;
  /** The write lock's wait and stale timeouts. @default {60 s, 15 min, or the environment; see LockOptions} */
  lock?: LockOptions;
  /**
   * Rows per row group in curated files: small enough that row-group statistics
   * prune a symbol's load to a group or two per year (the seed's 4,096; the bench's
   * row-group sweep on the 22 M-row lake keeps it: native is fastest there, wasm
   * within noise of 8,192). @default {4096}
   */
  rowGroupSize?: number;
}

/** Options of the load methods. */
export interface LoadOptions {
  /** Columns to load (always with `symbol` and `date`). @default {all price columns} */
  columns?: readonly (typeof BAR_COLUMNS[number])[];
}

/** What {@link Lake.mergeDailyBatches} did. */
export interface MergeReport {
  /** The run date merged. */
  date: string;
  /** Raw batch keys read. */
  batches: string[];
  /** Rows read from the raw batches. */
  rawRows: number;
  /** Raw rows left out because the caller excluded their (symbol, date). */
  excluded: number;
  /** Curated partitions written, with their row counts after deduplication. */
  partitions: { key: string; rows: number }[];
  /**
   * Raw rows that failed the lake's validation (after exclusions), filed in
   * `quarantine/DATE/merge.parquet` with the reason; `null` when every row passed.
   */
  quarantine: Quarantined | null;
  /**
   * Rows that lost deduplication to a row of the same (symbol, date) with the same
   * fetch time but different values (resolved by the later batch, then the later
   * arrival: a raw row over a curated one, a later row of a batch over an earlier one).
   */
  ties: number;
}

/** Rows the lake's door turned away, and where they are. */
export interface Quarantined {
  /** The quarantine file, e.g. `quarantine/2024-08-01/merge.parquet`. */
  key: string;
  /** How many rows. */
  rows: number;
  /** Rows per reason (see `QUARANTINE_REASONS`). */
  counts: Partial<Record<QuarantineReason, number>>;
}

/** What {@link Lake.writeRawBatch} wrote. */
export interface RawBatchReport {
  /** The raw batch's key, e.g. `raw-data/2024-08-01-batch-3.parquet`. */
  key: string;
  /** Rows written to it (those that passed the lake's validation). */
  rows: number;
  /** Rows filed in `quarantine/DATE/batch-N.parquet` instead; `null` when none. */
  quarantine: Quarantined | null;
}

/** What {@link Lake.verify} found. */
export interface VerifyReport {
  /** The lake's URI. */
  uri: string;
  /** Whether the lake has a manifest. */
  manifest: boolean;
  /** Files checked against their recorded SHA-256. */
  checked: number;
  /** Each problem, by key: empty when every file is intact. */
  problems: { key: string; problem: string }[];
  /**
   * Keys settled before checking: a cached copy that was corrupt and was downloaded
   * again (the object was intact), a file a killed merge had written (now recorded),
   * an old part a killed merge had left (folded into its year's one file).
   */
  repaired: string[];
}

/** Options of {@link Lake.mergeDailyBatches}. */
export interface MergeOptions {
  /**
   * (symbol, date) pairs whose raw rows are left out of this merge, e.g. rows
   * the pipeline quarantined. Curated rows already held are not touched.
   */
  exclude?: { symbol: readonly string[]; date: Int32Array };
}

/** A summary of the lake's curated data. */
export interface LakeInfo {
  /** The lake's URI. */
  uri: string;
  /** Symbols present, sorted. */
  symbols: string[];
  /** First date held, `YYYY-MM-DD` (undefined when empty). */
  start: string | undefined;
  /** Last date held. */
  end: string | undefined;
  /** Curated rows. */
  rows: number;
  /** Curated Parquet objects and their total size in bytes. */
  objects: number;
  /** Total bytes of curated objects. */
  bytes: number;
  /** Rows that failed validation, kept under `quarantine/`. */
  quarantine: QuarantineInfo;
}

/** What `quarantine/` holds (see {@link LakeInfo}). */
export interface QuarantineInfo {
  /** Quarantine files. */
  files: number;
  /** Rows in them. */
  rows: number;
  /** Rows per file name across dates, e.g. `{ "merge.parquet": 3, "pipeline.parquet": 12 }`. */
  byName: Record<string, number>;
  /** The latest run date with quarantined rows, and how many. */
  latest: { date: string; rows: number } | undefined;
}

/** Prefixes written only by a writer holding the lock: a temp file there is stray at any age. */
const LOCKED_PREFIXES = [PREFIX.ohlcv, PREFIX.state, PREFIX.runs, PREFIX.events];

/** Older than this, a temp file anywhere is stray (writes without the lock take seconds). */
const STRAY_TEMP_AGE_MS = 10 * 60_000;

function isCacheCapable(store: Store): store is LakeStore {
  const s = store as Partial<LakeStore>;
  return typeof s.localPathFor === "function" && typeof s.evict === "function";
}

/**
 * A lake of daily OHLCV bars. Create one with {@link openLake}.
 */
export class Lake {
  /** The lake's URI. */
  readonly uri: string;
  /** The object store under the lake. */
  readonly store: Store;
  /** The query engine. */
  readonly engine: Engine;
  readonly #rowGroupSize: number;
  readonly #lockOptions: LockOptions;
  /** The write lock while this Lake holds it, shared by every write it runs meanwhile. */
  #lock: { held: Promise<WriteLock>; ready: Promise<WriteLock>; users: number } | undefined;
  /** The curated manifest while this Lake holds the lock (loaded or built on first need). */
  #manifest: Manifest | undefined;
  /** What the last #recover repaired (keys), for verify to report. */
  #recovered: string[] = [];
  #seq = 0;
  /** A temporary directory for copies of objects from stores that have no local file. */
  #tempDir: Promise<string> | undefined;

  /**
   * @param store The object store.
   * @param engine The query engine.
   * @param rowGroupSize Rows per row group in curated files.
   * @param options The write lock's timeouts.
   */
  constructor(
    store: Store,
    engine: Engine,
    rowGroupSize = DEFAULT_ROW_GROUP_SIZE,
    options: { lock?: LockOptions } = {},
  ) {
    this.uri = store.uri;
    this.store = store;
    this.engine = engine;
    this.#rowGroupSize = rowGroupSize;
    this.#lockOptions = options.lock ?? {};
  }

  /**
   * Runs `work` holding the lake's write lock (`_lock` at the lake's root): one
   * writer at a time, across processes and hosts. Merges and table writes take
   * it themselves; a caller whose several writes belong together (the pipeline's
   * aggregation: quarantine, merge, events, watermarks, run summary) holds it
   * around all of them. Calls on this Lake made while it holds the lock share it.
   *
   * If another writer holds the lock, this waits (up to `lock.waitMs`) and then
   * fails naming that writer; a lock whose holder is gone is taken over (see
   * `lock.ts`).
   *
   * @param work The writes.
   * @param purpose What they do, shown to writers who have to wait. @default {"write"}
   * @returns What `work` returns.
   * @throws {LakeError} `Locked` when the lock stays taken, or was lost during `work`.
   *
   * @example
   * ```ts ignore
   * await lake.withWriteLock(async () => {
   *   await lake.mergeDailyBatches("2024-08-01");
   *   await lake.writeTable("state/watermarks.parquet", table);
   * }, "daily run 2024-08-01");
   * ```
   */
  async withWriteLock<T>(work: () => Promise<T>, purpose = "write"): Promise<T> {
    let entry = this.#lock;
    if (entry === undefined) {
      const held = WriteLock.acquire(this.#lockStore(), purpose, this.#lockOptions);
      // Before any write: settle what a killed writer may have left (see #recover).
      const ready = held.then(async (lock) => {
        try {
          await this.#recover();
        } catch (err) {
          await lock.release().catch(() => {});
          throw err;
        }
        return lock;
      });
      entry = { held, ready, users: 0 };
      this.#lock = entry;
    }
    entry.users++;
    let lock: WriteLock;
    try {
      lock = await entry.ready;
    } catch (err) {
      if (--entry.users === 0 && this.#lock === entry) this.#lock = undefined;
      throw err;
    }
    let failed = false;
    try {
      return await work();
    } catch (err) {
      failed = true;
      throw err;
    } finally {
      if (--entry.users === 0) {
        if (this.#lock === entry) this.#lock = undefined;
        this.#manifest = undefined; // another writer may change it from now on
        this.#recovered = [];
        // A write that failed keeps its own error; a lost lock on release is reported otherwise.
        await lock.release().catch((err) => {
          if (!failed) throw err;
        });
      }
    }
  }

  /**
   * What a writer does first, holding the lock: removes temp files that killed
   * writes left (locally), settles the manifest entries a killed merge left
   * pending, and folds years that have several files (another tool's layout, or a
   * merge killed between replacing a year's file and deleting the others) into one.
   */
  async #recover(): Promise<void> {
    this.#manifest = undefined;
    this.#recovered = [];
    const local = this.store as { removeStrayTemps?: LocalStore["removeStrayTemps"] };
    if (typeof local.removeStrayTemps === "function") {
      await local.removeStrayTemps(LOCKED_PREFIXES, STRAY_TEMP_AGE_MS);
    }
    const m = await this.#readManifest();
    const byYear = new Map<number, ObjectInfo[]>();
    if (m?.pending !== undefined && Object.keys(m.pending).length > 0) {
      for (const [key, entry] of Object.entries(m.pending)) {
        const info = await this.store.head(key);
        // Written whole: the entry is promoted. Not written (still the old bytes, or never
        // created): dropped. Neither: the old entry stays, and verify names the file.
        if (info !== undefined && sha256Hex(await this.#bytes(info)) === entry.sha256) {
          m.files[key] = entry;
          this.#recovered.push(key);
        }
      }
      delete m.pending;
      await this.#putManifest(m, false);
    }
    this.#manifest = m;
    for (const o of await this.#allCurated()) {
      const y = curatedYear(o.key)!;
      byYear.set(y, [...(byYear.get(y) ?? []), o]);
    }
    // Only in a lake this version manages (it has a manifest): a lake written by another
    // tool is folded year by year as merges reach it.
    if (m === undefined) return;
    for (const [year, files] of byYear) {
      if (files.length > 1) {
        this.#recovered.push(...(await this.#mergeYear(year, undefined)).removed);
      }
    }
  }

  /** Throws `Locked` unless this Lake still holds the write lock (call it before each commit). */
  async #stillLocked(): Promise<void> {
    if (this.#lock === undefined) {
      throw new LakeError("Internal error: a write ran without the lock");
    }
    await (await this.#lock.held).check();
  }

  /** Where the lock lives: the store itself, never a cache in front of it. */
  #lockStore(): Store {
    const inner = (this.store as { inner?: Store }).inner;
    return isCacheCapable(this.store) && inner !== undefined ? inner : this.store;
  }

  /** A local path for an object: the LocalStore file, the cache file, or a temp copy. */
  async #localPath(info: ObjectInfo): Promise<string> {
    if (isCacheCapable(this.store)) return await this.store.localPathFor(info);
    const direct = await this.store.localPath?.(info.key);
    if (direct) return direct;
    this.#tempDir ??= mkdtemp(join(tmpdir(), "asxlab-lake-"));
    const tmp = join(await this.#tempDir, `o${++this.#seq}.parquet`);
    await writeFile(tmp, await this.store.get(info.key));
    return tmp;
  }

  /**
   * Registers objects as a temporary engine table, evicting cache entries that fail
   * to parse. Curated files of one year (normally one file per year) keep one row
   * per (symbol, date) when a year has several: the freshest, then `part-0`'s.
   */
  async #register(objects: ObjectInfo[], filter?: ParquetFilter): Promise<string> {
    const name = `t_${++this.#seq}`;
    const years = objects.map((o) => curatedYear(o.key));
    const several = years.some((y, i) => y !== undefined && years.indexOf(y) !== i);
    // part-0 last in its year: on a full tie the later file wins.
    const ordered = several
      ? [...objects].sort((a, b) =>
        (curatedYear(a.key) ?? 0) - (curatedYear(b.key) ?? 0) ||
        Number(a.key.endsWith("/part-0.parquet")) - Number(b.key.endsWith("/part-0.parquet")) ||
        compareKeys(a.key, b.key)
      )
      : objects;
    const sources: ParquetSource[] = [];
    for (const info of ordered) sources.push({ key: info.key, path: await this.#localPath(info) });
    const options = several
      ? {
        dedupe: { group: ordered.map((o) => curatedYear(o.key) ?? o.key), order: FRESHEST_FIRST },
      }
      : {};
    await this.#evictOnError(() => this.engine.registerParquet(name, sources, filter, options));
    return name;
  }

  /** An object's bytes (S3 objects through the cache). */
  async #bytes(info: ObjectInfo): Promise<Uint8Array> {
    return isCacheCapable(this.store)
      ? await this.store.getWith(info)
      : await this.store.get(info.key);
  }

  /**
   * Runs engine work over registered objects; when it fails naming an object
   * (a corrupt file found at registration, or later while a lazily registered
   * object is scanned), that object's cache entry is evicted before rethrowing.
   */
  async #evictOnError<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (err instanceof LakeError && err.key && isCacheCapable(this.store)) {
        await this.store.evict(err.key);
      }
      throw err;
    }
  }

  /**
   * Every curated object. An empty listing is told apart from a lake that is not
   * there: a missing directory or bucket is a `NotFound` naming it.
   */
  async #allCurated(): Promise<ObjectInfo[]> {
    const all = (await this.store.list(PREFIX.ohlcv)).filter((o) =>
      curatedYear(o.key) !== undefined
    );
    if (all.length === 0) await this.#mustExist();
    return all;
  }

  /** Throws `NotFound` when the lake's directory (or bucket) does not exist. */
  async #mustExist(): Promise<void> {
    if ((await this.store.exists?.()) === false) {
      const what = this.uri.startsWith("s3://") ? "bucket" : "directory";
      throw new LakeError(
        `No lake at ${this.uri}: the ${what} does not exist. Check the path ` +
          `(a lake is created by writing to it, e.g. by the pipeline)`,
        { code: "NotFound" },
      );
    }
  }

  /** Curated objects whose year can overlap [start, end]; `Empty` when the lake holds none. */
  async #curated(start: number, end: number): Promise<ObjectInfo[]> {
    const all = await this.#allCurated();
    if (all.length === 0) {
      throw new LakeError(
        `The lake at ${this.uri} is empty: it holds no curated bars yet (nothing under ` +
          `${PREFIX.ohlcv}). Merge fetched batches into it first (the daily pipeline does)`,
        { key: PREFIX.ohlcv, code: "Empty" },
      );
    }
    const y0 = Number.isFinite(start) ? yearOf(start) : -Infinity;
    const y1 = Number.isFinite(end) ? yearOf(end) : Infinity;
    return all.filter((o) => {
      const y = curatedYear(o.key)!;
      return y >= y0 && y <= y1;
    });
  }

  async #load(
    symbols: readonly string[] | undefined,
    range: DateRange,
    options: LoadOptions,
  ): Promise<Bars> {
    const [start, end] = resolveRange(range);
    const wanted = options.columns ?? BAR_COLUMNS;
    for (const c of wanted) {
      if (!(BAR_COLUMNS as readonly string[]).includes(c)) {
        throw new ConfigError(`Unknown column "${c}": expected some of ${BAR_COLUMNS.join(", ")}`);
      }
    }
    const columns = [...new Set(["symbol", "date", ...wanted])];
    const objects = await this.#curated(start, end);
    const empty = () =>
      this.engine.query(
        `SELECT ${
          columns.map((c) =>
            `NULL::${c === "symbol" ? "VARCHAR" : c === "date" ? "DATE" : "DOUBLE"} AS ${c}`
          )
            .join(", ")
        } LIMIT 0`,
      );
    if (objects.length === 0) return new Bars(await empty());
    const filter: ParquetFilter = { columns };
    if (symbols) filter.symbols = symbols;
    if (Number.isFinite(start)) filter.start = start;
    if (Number.isFinite(end)) filter.end = end;
    const name = await this.#register(objects, filter);
    try {
      // The view holds exactly the filtered rows and columns.
      const sql = `SELECT ${columns.join(", ")} FROM ${name} ORDER BY symbol, date`;
      return new Bars(await this.#evictOnError(() => this.engine.query(sql)));
    } finally {
      await this.engine.drop(name);
    }
  }

  /**
   * Loads every curated bar.
   *
   * @param options Columns to load.
   * @returns Bars sorted by symbol, date.
   * @throws {LakeError} `NotFound` when the lake does not exist, `Empty` when it holds no curated
   *   bars yet, `Corrupt`/`Schema` when an object is unreadable or has the wrong schema.
   */
  loadAll(options: LoadOptions = {}): Promise<Bars> {
    return this.#load(undefined, {}, options);
  }

  /**
   * Loads every symbol's bars between two dates (inclusive).
   *
   * @param start First date `YYYY-MM-DD`.
   * @param end Last date `YYYY-MM-DD`.
   * @param options Columns to load.
   * @returns Bars sorted by symbol, date.
   * @throws {ConfigError} On malformed or reversed dates.
   * @throws {LakeError} `NotFound` when the lake does not exist, `Empty` when it holds no curated
   *   bars yet, `Corrupt` when an object is unreadable.
   */
  async loadDateRange(start: string, end: string, options: LoadOptions = {}): Promise<Bars> {
    return await this.#load(undefined, { start, end }, options);
  }

  /**
   * Loads some symbols' bars, optionally within a date range.
   *
   * @param symbols Yahoo tickers, e.g. `["BHP.AX", "^AXJO"]`.
   * @param range Inclusive dates; open ends allowed.
   * @param options Columns to load.
   * @returns Bars sorted by symbol, date (symbols absent from the lake are absent from the result).
   * @throws {ConfigError} On an invalid symbol or date range.
   * @throws {LakeError} `NotFound` when the lake does not exist, `Empty` when it holds no curated
   *   bars yet, `Corrupt` when an object is unreadable.
   */
  async loadSymbols(
    symbols: readonly string[],
    range: DateRange = {},
    options: LoadOptions = {},
  ): Promise<Bars> {
    if (symbols.length === 0) throw new ConfigError("loadSymbols needs at least one symbol");
    return await this.#load(symbols.map(validateSymbol), range, options);
  }

  /**
   * The symbols held in the curated data, sorted.
   *
   * @returns e.g. `["BHP.AX", "CBA.AX", "^AXJO"]`.
   */
  async symbols(): Promise<string[]> {
    return (await this.info()).symbols;
  }

  /**
   * The first and last dates held.
   *
   * @returns `{ start, end }` as `YYYY-MM-DD`, undefined when the lake is empty.
   */
  async dateRange(): Promise<{ start: string | undefined; end: string | undefined }> {
    const { start, end } = await this.info();
    return { start, end };
  }

  /**
   * Summarises the curated data: symbols, date range, rows, objects and bytes.
   *
   * @returns The summary (`objects: 0` for an empty lake).
   * @throws {LakeError} `NotFound` when the lake does not exist, `Corrupt` when an object is unreadable.
   */
  async info(): Promise<LakeInfo> {
    const objects = await this.#allCurated();
    const bytes = objects.reduce((sum, o) => sum + o.size, 0);
    const quarantine = await this.#quarantineInfo();
    if (objects.length === 0) {
      return {
        uri: this.uri,
        symbols: [],
        start: undefined,
        end: undefined,
        rows: 0,
        objects: 0,
        bytes,
        quarantine,
      };
    }
    const name = await this.#register(objects, { columns: ["symbol", "date"] });
    try {
      // One scan for everything (symbols are validated tickers: never a comma).
      const summary = await this.#evictOnError(() =>
        this.engine.query(
          `SELECT count(*)::DOUBLE AS rows, min(date)::VARCHAR AS start, ` +
            `max(date)::VARCHAR AS "end", string_agg(DISTINCT symbol, ',' ORDER BY symbol) AS symbols ` +
            `FROM ${name}`,
        )
      );
      const row = summary.get(0)!;
      return {
        uri: this.uri,
        symbols: row.symbols ? String(row.symbols).split(",") : [],
        start: row.start ?? undefined,
        end: row.end ?? undefined,
        rows: Number(row.rows),
        objects: objects.length,
        bytes,
        quarantine,
      };
    } finally {
      await this.engine.drop(name);
    }
  }

  /** Counts the rows under `quarantine/`: Parquet from its footer, CSV by lines. */
  async #quarantineInfo(): Promise<QuarantineInfo> {
    const out: QuarantineInfo = { files: 0, rows: 0, byName: {}, latest: undefined };
    const byDate = new Map<string, number>();
    for (const info of await this.store.list(PREFIX.quarantine)) {
      const m = /^quarantine\/(\d{4}-\d{2}-\d{2})\/([^/]+)$/.exec(info.key);
      if (!m) continue;
      let rows: number;
      if (info.key.endsWith(".parquet")) {
        const meta = await this.#evictOnError(async () =>
          this.engine.parquetMetadata({ key: info.key, path: await this.#localPath(info) })
        );
        const groups = new Map<number, number>();
        for (const r of meta) groups.set(Number(r.row_group_id), Number(r.row_group_num_rows));
        rows = [...groups.values()].reduce((a, b) => a + b, 0);
      } else if (info.key.endsWith(".csv")) {
        const text = new TextDecoder().decode(await this.#bytes(info));
        rows = Math.max(0, text.split("\n").filter((l) => l.length > 0).length - 1);
      } else continue;
      out.files++;
      out.rows += rows;
      out.byName[m[2]!] = (out.byName[m[2]!] ?? 0) + rows;
      byDate.set(m[1]!, (byDate.get(m[1]!) ?? 0) + rows);
    }
    const dates = [...byDate.entries()].filter(([, n]) => n > 0).sort((
      [a],
      [b],
    ) => (a < b ? -1 : 1));
    const last = dates.at(-1);
    if (last) out.latest = { date: last[0], rows: last[1] };
    return out;
  }

  /**
   * Runs a read-only SQL query for ad-hoc research. The curated data is the
   * table `ohlcv`, the raw batches `raw` (each registered only when named).
   *
   * `ohlcv` and `raw` are views: DuckDB reads only the columns and (for
   * comparisons on `date`, or one `symbol`) the row groups a query needs. `scope`
   * narrows what `ohlcv` holds (dates, symbols, columns) before the query runs:
   * only the year partitions that can match are listed and read.
   *
   * The statement is checked by DuckDB's own parser: one SELECT (WITH, FROM-first,
   * VALUES…), DESCRIBE, SUMMARIZE, SHOW, or EXPLAIN [ANALYZE] of one of those. The
   * engine cannot touch a file outside the lake either: `read_csv`, `glob`,
   * `read_parquet` of another path, `COPY`, `ATTACH`, `INSTALL`/`LOAD` and `SET`
   * all fail.
   *
   * @param query One read-only statement (a trailing `;` is fine).
   * @param scope What `ohlcv` holds. @default {everything}
   * @returns An apache-arrow Table.
   * @throws {ConfigError} When the statement is not one read-only statement (or not SQL), or the scope is invalid.
   * @throws {LakeError} `NotFound` when the lake does not exist, `Corrupt` when an object is
   *   unreadable, `OutOfMemory` when the query does not fit the engine's memory,
   *   `AccessDenied` when it names a file outside the lake.
   *
   * @example
   * ```ts ignore
   * const t = await lake.sql("select symbol, max(close) as high from ohlcv group by 1 order by 1");
   * const recent = await lake.sql("select symbol, avg(close) from ohlcv group by 1", {
   *   start: "2021-01-01", end: "2025-12-31", columns: ["close"],
   * });
   * ```
   */
  async sql(query: string, scope: SqlScope = {}): Promise<Table> {
    const trimmed = query.trim();
    await this.engine.checkReadOnly(trimmed);
    const registered: string[] = [];
    const views: string[] = [];
    try {
      for (
        const [view, prefix, pick] of [
          ["ohlcv", PREFIX.ohlcv, (k: string) => curatedYear(k) !== undefined],
          ["raw", PREFIX.raw, (k: string) => RAW_BATCH_KEY.test(k)],
        ] as const
      ) {
        if (!new RegExp(`\\b${view}\\b`, "i").test(trimmed)) continue;
        const scoped = view === "ohlcv" ? scopeFilter(scope) : undefined;
        const listed = (await this.store.list(prefix)).filter((o) => pick(o.key));
        if (listed.length === 0) await this.#mustExist();
        const objects = listed.filter((o) => !scoped || yearMayMatch(o.key, scoped));
        if (objects.length === 0) {
          await this.engine.registerArrow(view, rawTable(emptyRows(), 0));
          views.push(view);
          continue;
        }
        const name = await this.#register(objects, scoped);
        registered.push(name);
        await this.engine.query(`CREATE OR REPLACE VIEW ${view} AS SELECT * FROM ${name}`);
        views.push(view);
      }
      return await this.#evictOnError(() => this.engine.query(trimmed));
    } finally {
      for (const v of views) await this.engine.drop(v).catch(() => {}); // views or tables
      for (const name of registered) await this.engine.drop(name);
    }
  }

  /**
   * Writes one fetch batch to `raw-data/DATE-batch-N.parquet` with the exact seed
   * schema, after the lake's validation: each row is checked (a Yahoo-style symbol,
   * a real trading day in 1900..tomorrow, finite positive prices with low ≤
   * open, close ≤ high, a whole volume ≥ 0, an ISO 8601 UTC fetch time); rows that
   * fail are filed in `quarantine/DATE/batch-N.parquet` with the reason instead
   * (replacing an earlier attempt's file; one with no failures writes none).
   * The file is written atomically, with no lock: each batch has its own key, and
   * the day's fetch batches run in parallel.
   *
   * @param date Run date `YYYY-MM-DD`.
   * @param batchNumber The batch's number.
   * @param rows The bars fetched.
   * @returns The key written, its rows, and what was quarantined.
   * @throws {ConfigError} On an invalid run date.
   * @throws {RangeError} On ragged columns or a negative batch number.
   */
  async writeRawBatch(date: string, batchNumber: number, rows: RawRows): Promise<RawBatchReport> {
    const key = rawBatchKey(date, batchNumber);
    const lakeRows = lakeRowsFromRaw(rows, batchNumber);
    const check = checkLakeRows(lakeRows);
    const name = `w_${++this.#seq}`;
    await this.engine.registerArrow(name, lakeTable(lakeRows, check.reason));
    const qKey = quarantineKey(date, `batch-${batchNumber}.parquet`);
    try {
      const bytes = await this.engine.queryToParquet(
        `SELECT ${LAKE_COLUMNS.join(", ")} FROM ${name} WHERE _reason IS NULL ORDER BY _seq`,
      );
      await this.store.put(key, bytes);
      // Nothing is deleted: a fetch may only add (an earlier attempt's file, if any, stays).
      if (check.failed === 0) return { key, rows: lakeRows.symbol.length, quarantine: null };
      await this.store.put(
        qKey,
        await this.engine.queryToParquet(
          `SELECT ${LAKE_COLUMNS.join(", ")}, _reason AS reason FROM ${name} ` +
            `WHERE _reason IS NOT NULL ORDER BY _seq`,
        ),
      );
    } finally {
      await this.engine.drop(name);
    }
    return {
      key,
      rows: lakeRows.symbol.length - check.failed,
      quarantine: { key: qKey, rows: check.failed, counts: check.counts },
    };
  }

  /**
   * Merges a day's raw batches into the curated partitions `ohlcv/year=YYYY/`,
   * holding the lake's write lock.
   *
   * Every raw file must have the exact lake schema (else nothing is written), and
   * every row passes the lake's validation (as in {@link writeRawBatch}); rows that
   * fail are filed in `quarantine/DATE/merge.parquet` with the reason, and counted
   * in the report. Of the rows of one (symbol, date), old and new, the freshest
   * wins: the latest `fetch_timestamp` (compared as instants), then the higher
   * `batch_number`, then the later arrival (a raw row over the curated one, a later
   * row of a batch over an earlier one); ties between differing rows are counted.
   * Output is sorted by symbol, date. Running it twice changes nothing. Each
   * touched year is replaced as one file.
   *
   * @param date Run date `YYYY-MM-DD`.
   * @param options `exclude`: (symbol, date) pairs of raw rows to leave out.
   * @returns What was merged and quarantined.
   * @throws {LakeError} code `NotFound` when the day has no raw batches; `Corrupt`/`Schema`
   *   when one is unreadable or has another schema (nothing is written then); `Locked`
   *   when another writer holds the lake.
   * @throws {RangeError} When the exclusion's columns differ in length.
   */
  async mergeDailyBatches(date: string, options: MergeOptions = {}): Promise<MergeReport> {
    rawBatchKey(date, 0); // validates the date
    return await this.withWriteLock(() => this.#merge(date, options), `merge ${date}`);
  }

  async #merge(date: string, options: MergeOptions): Promise<MergeReport> {
    const batches = (await this.store.list(`${PREFIX.raw}${date}-batch-`))
      .filter((o) => RAW_BATCH_KEY.exec(o.key)?.[1] === date);
    if (batches.length === 0) {
      throw new LakeError(`No raw batches to merge for ${date} under "${PREFIX.raw}"`, {
        key: `${PREFIX.raw}${date}-batch-*.parquet`,
        code: "NotFound",
      });
    }
    const temps: string[] = [];
    try {
      // Every batch's schema is checked, and its rows, before anything is written.
      const parts: string[] = [];
      let seq = 0;
      for (const batch of batches) {
        const view = await this.#register([batch]);
        temps.push(view);
        checkSchema(await this.engine.query(`SELECT * FROM ${view} LIMIT 0`), batch.key);
        // Arrival order (_seq) fixed once; the rows go through the door's checks in JS, and
        // only the verdicts on failing rows come back (a table of _seq, _reason).
        const b = `b_${++this.#seq}`;
        await this.#evictOnError(() =>
          this.engine.query(
            `CREATE TABLE ${b} AS SELECT ${LAKE_COLUMNS.join(", ")}, ` +
              `(row_number() OVER () - 1 + ${seq})::INTEGER AS _seq FROM ${view}`,
          )
        );
        temps.push(b);
        const table = await this.engine.query(`SELECT * FROM ${b} ORDER BY _seq`);
        const check = checkLakeRows(lakeRowsOf(table));
        seq += table.numRows;
        if (check.failed === 0) {
          parts.push(`SELECT *, NULL::VARCHAR AS _reason FROM ${b}`);
          continue;
        }
        const seqs = table.getChild("_seq")!.toArray() as Int32Array;
        const failing = check.reason.flatMap((r, i) => (r === null ? [] : [i]));
        const q = `q_${++this.#seq}`;
        await this.engine.registerArrow(
          q,
          new Table({
            _seq: makeVector(Int32Array.from(failing, (i) => seqs[i]!)),
            _reason: vectorFromArray(failing.map((i) => check.reason[i]!), new Utf8()),
          }),
        );
        temps.push(q);
        parts.push(`SELECT ${b}.*, ${q}._reason FROM ${b} LEFT JOIN ${q} USING (_seq)`);
      }
      const raw = `r_${++this.#seq}`;
      await this.engine.query(`CREATE TABLE ${raw} AS ${parts.join(" UNION ALL ")}`);
      temps.push(raw);
      const rawRows = seq;
      let excluded = 0;
      const exclude = options.exclude;
      if (exclude !== undefined && exclude.symbol.length > 0) {
        if (exclude.date.length !== exclude.symbol.length) {
          throw new RangeError(
            `Exclusion has ${exclude.symbol.length} symbols but ${exclude.date.length} dates`,
          );
        }
        const x = `x_${++this.#seq}`;
        await this.engine.registerArrow(x, keyTable(exclude.symbol, exclude.date));
        temps.push(x);
        await this.engine.query(
          `DELETE FROM ${raw} WHERE EXISTS (SELECT 1 FROM ${x} WHERE ${x}.symbol = ${raw}.symbol AND ${x}.date = ${raw}.date)`,
        );
        excluded = rawRows - Number(
          (await this.engine.query(`SELECT count(*)::DOUBLE AS n FROM ${raw}`)).get(0)!.n,
        );
      }
      const quarantine = await this.#quarantine(raw, quarantineKey(date, "merge.parquet"));
      const years = (await this.engine.query(
        `SELECT DISTINCT year(date)::INTEGER AS y FROM ${raw} WHERE _reason IS NULL ORDER BY 1`,
      )).getChild("y")!.toArray() as Int32Array;
      const partitions: MergeReport["partitions"] = [];
      let ties = 0;
      for (const year of years) {
        const merged = await this.#mergeYear(year, raw);
        partitions.push({ key: merged.key, rows: merged.rows });
        ties += merged.ties;
      }
      return {
        date,
        batches: batches.map((b) => b.key),
        rawRows,
        excluded,
        partitions,
        quarantine,
        ties,
      };
    } finally {
      for (const name of temps) await this.engine.drop(name);
    }
  }

  /**
   * Files the rows of `table` that failed validation (`_reason` set) in `key`, or
   * removes an earlier attempt's file when none failed.
   */
  async #quarantine(table: string, key: string): Promise<Quarantined | null> {
    const counted = await this.engine.query(
      `SELECT _reason AS r, count(*)::DOUBLE AS n FROM ${table} WHERE _reason IS NOT NULL ` +
        `GROUP BY 1 ORDER BY 1`,
    );
    await this.#stillLocked();
    if (counted.numRows === 0) {
      await this.store.delete(key);
      return null;
    }
    const counts: Partial<Record<QuarantineReason, number>> = {};
    let rows = 0;
    for (const row of counted) {
      counts[String(row.r) as QuarantineReason] = Number(row.n);
      rows += Number(row.n);
    }
    const bytes = await this.engine.queryToParquet(
      `SELECT ${LAKE_COLUMNS.join(", ")}, _reason AS reason FROM ${table} ` +
        `WHERE _reason IS NOT NULL ORDER BY _seq`,
    );
    await this.store.put(key, bytes);
    return { key, rows, counts };
  }

  /**
   * Merges the valid rows of `raw` for one year into that year's curated data
   * (without `raw`: folds the year's files into one).
   */
  async #mergeYear(
    year: number,
    raw: string | undefined,
  ): Promise<{ key: string; rows: number; ties: number; removed: string[] }> {
    const existing = (await this.store.list(yearPrefix(year)))
      .filter((o) => curatedYear(o.key) === year);
    const cols = LAKE_COLUMNS.join(", ");
    const sources = raw === undefined
      ? []
      : [`SELECT ${cols}, _seq FROM ${raw} WHERE _reason IS NULL AND year(date) = ${year}`];
    let cur: string | undefined;
    if (existing.length > 0) {
      cur = await this.#register(existing);
      checkSchema(await this.engine.query(`SELECT * FROM ${cur} LIMIT 0`), existing[0]!.key);
      sources.push(`SELECT ${cols}, -1 AS _seq FROM ${cur}`);
    }
    try {
      const ranked = `SELECT *, row_number() OVER w AS rn,
            TRY_CAST(replace(fetch_timestamp, 'Z', '') AS TIMESTAMP) AS ts,
            first_value(TRY_CAST(replace(fetch_timestamp, 'Z', '') AS TIMESTAMP)) OVER w AS win_ts,
            hash(open, high, low, close, volume, adjusted_close) AS h,
            first_value(hash(open, high, low, close, volume, adjusted_close)) OVER w AS win_h
          FROM (${sources.join(" UNION ALL ")})
          WINDOW w AS (PARTITION BY symbol, date ORDER BY ${FRESHEST_FIRST}, _seq DESC)`;
      const t = `m_${++this.#seq}`;
      await this.#evictOnError(() => this.engine.query(`CREATE TABLE ${t} AS ${ranked}`));
      try {
        const ties = Number(
          (await this.engine.query(
            `SELECT count(*)::DOUBLE AS n FROM ${t} WHERE rn > 1 AND ts = win_ts AND h <> win_h`,
          )).get(0)!.n,
        );
        const sql = `SELECT ${cols} FROM ${t} WHERE rn = 1 ORDER BY symbol, date`;
        return { ...(await this.#replaceYear(year, sql, existing)), ties };
      } finally {
        await this.engine.drop(t);
      }
    } finally {
      if (cur) await this.engine.drop(cur);
    }
  }

  /**
   * Replaces one year's file with the result of a query, atomically (one rename or
   * one PUT of `part-0.parquet`), recording it in the manifest: first as pending,
   * then, once the file is in place, as the year's one file. Other files of the
   * year (another tool's layout) are deleted last; until then readers see one row
   * per (symbol, date) anyway (see #register), and a killed merge leaves them for
   * the next writer to fold.
   */
  async #replaceYear(
    year: number,
    sql: string,
    existing: ObjectInfo[],
  ): Promise<{ key: string; rows: number; removed: string[] }> {
    const stats = (await this.#evictOnError(() =>
      this.engine.query(
        `SELECT count(*)::DOUBLE AS n, min(date)::VARCHAR AS s, max(date)::VARCHAR AS e FROM (${sql})`,
      )
    )).get(0)!;
    const bytes = await this.#evictOnError(() =>
      this.engine.queryToParquet(sql, { rowGroupSize: this.#rowGroupSize })
    );
    const key = `${yearPrefix(year)}part-0.parquet`;
    const entry: ManifestEntry = {
      sha256: sha256Hex(bytes),
      bytes: bytes.length,
      rows: Number(stats.n),
      start: String(stats.s ?? ""),
      end: String(stats.e ?? ""),
    };
    const m = await this.#curatedManifest();
    m.pending = { ...m.pending, [key]: entry };
    await this.#putManifest(m, true);
    await this.store.put(key, bytes);
    m.files[key] = entry;
    delete m.pending[key];
    const others = existing.filter((o) => o.key !== key);
    for (const old of others) delete m.files[old.key];
    await this.#putManifest(m, false);
    for (const old of others) await this.store.delete(old.key);
    return { key, rows: entry.rows, removed: others.map((o) => o.key) };
  }

  /** The manifest, if there is one (never cached: it changes with every write). */
  async #readManifest(): Promise<Manifest | undefined> {
    const info = await this.store.head(MANIFEST_KEY);
    if (info === undefined) return undefined;
    return parseManifest(await this.store.get(MANIFEST_KEY));
  }

  /**
   * The manifest a curated write updates: the one loaded under the lock, or, for a
   * lake written before manifests existed, one recording its files as they are.
   */
  async #curatedManifest(): Promise<Manifest> {
    if (this.#manifest === undefined) {
      const m = emptyManifest();
      for (const info of await this.#allCurated()) m.files[info.key] = await this.#describe(info);
      this.#manifest = m;
    }
    return this.#manifest;
  }

  /** A curated file's manifest entry, read from the file (which must have the lake schema). */
  async #describe(info: ObjectInfo): Promise<ManifestEntry> {
    const bytes = await this.#bytes(info);
    const name = await this.#register([info]);
    try {
      checkSchema(await this.engine.query(`SELECT * FROM ${name} LIMIT 0`), info.key);
      const row = (await this.#evictOnError(() =>
        this.engine.query(
          `SELECT count(*)::DOUBLE AS n, min(date)::VARCHAR AS s, max(date)::VARCHAR AS e FROM ${name}`,
        )
      )).get(0)!;
      return {
        sha256: sha256Hex(bytes),
        bytes: bytes.length,
        rows: Number(row.n),
        start: String(row.s ?? ""),
        end: String(row.e ?? ""),
      };
    } finally {
      await this.engine.drop(name);
    }
  }

  /** Writes the manifest (checking first, when `check`, that the lock is still ours). */
  async #putManifest(m: Manifest, check: boolean): Promise<void> {
    if (check) await this.#stillLocked();
    m.updated = new Date().toISOString();
    await this.store.put(MANIFEST_KEY, encodeManifest(m));
  }

  /**
   * Checks every curated file against the manifest: its SHA-256 (so its size and
   * every byte), and that no file is missing or unrecorded. On S3 the files come
   * through the cache; a cached copy that fails is evicted and downloaded once
   * more, so a corrupt cache is repaired and only a corrupt object is reported.
   * Holds the write lock while it reads (a merge cannot change files under it), and
   * settles what a killed writer left first; a lake it may not write to (no lock
   * possible) is checked as it stands.
   *
   * @returns What was checked, and every problem by key (none: the lake is intact).
   * @throws {LakeError} `NotFound` when the lake does not exist; `Corrupt` when the
   *   manifest is unreadable; `Locked` when a writer holds the lake past the wait.
   *
   * @example
   * ```ts ignore
   * const report = await lake.verify();
   * for (const p of report.problems) console.log(`${p.key}: ${p.problem}`);
   * ```
   */
  async verify(): Promise<VerifyReport> {
    await this.#mustExist();
    try {
      return await this.withWriteLock(() => this.#verify(), "verify");
    } catch (err) {
      if (err instanceof LakeError && err.code === "AccessDenied" && err.key === LOCK_KEY) {
        return await this.#verify();
      }
      throw err;
    }
  }

  async #verify(): Promise<VerifyReport> {
    const listed = await this.#allCurated();
    const m = await this.#readManifest();
    const report: VerifyReport = {
      uri: this.uri,
      manifest: m !== undefined,
      checked: 0,
      problems: [],
      repaired: [...this.#recovered], // what this verify's lock settled first
    };
    if (m === undefined) {
      if (listed.length > 0) {
        report.problems.push({
          key: MANIFEST_KEY,
          problem: `missing: the ${listed.length} curated files have no recorded checksums ` +
            `(a lake written before manifests, or by another tool). Record them once you trust ` +
            `them: deno task lake manifest`,
        });
      }
      return report;
    }
    const byKey = new Map(listed.map((o) => [o.key, o]));
    for (const key of Object.keys(m.files).sort(compareKeys)) {
      const want = m.files[key]!;
      const info = byKey.get(key);
      report.checked++;
      if (info === undefined) {
        report.problems.push({
          key,
          problem: "missing: recorded in the manifest, not in the lake",
        });
        continue;
      }
      let sha = sha256Hex(await this.#bytes(info));
      if (sha !== want.sha256 && isCacheCapable(this.store) && "inner" in this.store) {
        await this.store.evict(key); // a corrupt cached copy: fetch the object again
        sha = sha256Hex(await this.#bytes(info));
        if (sha === want.sha256) report.repaired.push(key);
      }
      if (sha !== want.sha256) {
        report.problems.push({
          key,
          problem: `checksum mismatch: SHA-256 ${sha.slice(0, 16)}… (${info.size} bytes), ` +
            `recorded ${want.sha256.slice(0, 16)}… (${want.bytes} bytes, ${want.rows} rows)`,
        });
      }
    }
    for (const o of listed) {
      if (m.files[o.key] !== undefined) continue;
      report.problems.push({
        key: o.key,
        problem: m.pending?.[o.key] !== undefined
          ? "written by a merge that did not finish: the next write settles it"
          : "not in the manifest: put there by another tool, or left by a killed merge " +
            "(the next write folds it into its year)",
      });
    }
    return report;
  }

  /**
   * Records every curated file as it is now in the manifest (checking that each
   * has the lake schema), replacing the manifest. For a lake written before
   * manifests existed, or after repairing files by hand: it trusts the files.
   *
   * @returns The manifest written.
   * @throws {LakeError} `Schema`/`Corrupt` naming a file that is not a lake file; `Locked`.
   */
  async rebuildManifest(): Promise<Manifest> {
    await this.#mustExist();
    return await this.withWriteLock(async () => {
      const m = emptyManifest();
      for (const info of await this.#allCurated()) m.files[info.key] = await this.#describe(info);
      await this.#putManifest(m, true);
      this.#manifest = m;
      return m;
    }, "rebuild the manifest");
  }

  /**
   * Reads one Parquet object of the lake whole, e.g. `state/watermarks.parquet`
   * or a raw batch (S3 objects come through the cache).
   *
   * @param key The object's key.
   * @returns Its rows as an apache-arrow Table.
   * @throws {LakeError} code `NotFound` when there is no such object; `Corrupt` when it is not Parquet.
   */
  async readTable(key: string): Promise<Table> {
    const info = await this.store.head(key);
    if (info === undefined) {
      throw new LakeError(`Cannot read "${key}": no such object in the lake ${this.uri}`, {
        key,
        code: "NotFound",
      });
    }
    const name = await this.#register([info]);
    try {
      return await this.#evictOnError(() => this.engine.query(`SELECT * FROM ${name}`));
    } finally {
      await this.engine.drop(name);
    }
  }

  /**
   * Writes an Arrow table as one Parquet object (ZSTD), replacing any object at
   * `key` atomically. For the lake's own bookkeeping (watermarks, quarantine);
   * curated and raw data have their own writers, so `ohlcv/` and raw batch keys
   * are refused.
   *
   * @param key Where to write, e.g. `state/watermarks.parquet`.
   * @param table The rows.
   * @returns The stored object's info.
   * @throws {ConfigError} For a key under `ohlcv/` or a raw batch key.
   */
  async writeTable(key: string, table: Table): Promise<ObjectInfo> {
    if (key.startsWith(PREFIX.ohlcv) || RAW_BATCH_KEY.test(key)) {
      throw new ConfigError(
        `Cannot write "${key}" as a plain table: curated and raw data go through mergeDailyBatches and writeRawBatch`,
      );
    }
    return await this.withWriteLock(async () => {
      const name = `w_${++this.#seq}`;
      await this.engine.registerArrow(name, table);
      try {
        const bytes = await this.engine.queryToParquet(`SELECT * FROM ${name}`);
        await this.#stillLocked();
        return await this.store.put(key, bytes);
      } finally {
        await this.engine.drop(name);
      }
    }, `write ${key}`);
  }

  /**
   * Replaces the curated partitions of every year that `rows` touch with exactly
   * these rows (sorted by symbol, date), e.g. when (re)building a lake from
   * validated history. Years not touched are left alone. Use
   * {@link mergeDailyBatches} to fold new fetches into existing data instead.
   *
   * @param rows Validated rows; at most one per (symbol, date).
   * @param batchNumber Stored in every row. @default {0}
   * @returns The partitions written and their row counts.
   * @throws {LakeError} code `Schema` when a (symbol, date) appears twice.
   */
  async replaceCurated(rows: RawRows, batchNumber = 0): Promise<{ key: string; rows: number }[]> {
    return await this.withWriteLock(() => this.#replaceCurated(rows, batchNumber), "replace");
  }

  async #replaceCurated(
    rows: RawRows,
    batchNumber: number,
  ): Promise<{ key: string; rows: number }[]> {
    const lakeRows = lakeRowsFromRaw(rows, batchNumber);
    const check = checkLakeRows(lakeRows);
    if (check.failed > 0) {
      const i = check.reason.findIndex((r) => r !== null);
      const day = lakeRows.date[i]!;
      throw new LakeError(
        `Cannot write curated rows: ${check.failed} of ${lakeRows.symbol.length} fail validation ` +
          `(${describeCounts(check.counts)}), the first: row ${i}, ${
            JSON.stringify(lakeRows.symbol[i])
          } ${Number.isInteger(day) ? formatDate(day) : "(no date)"}: ${check.reason[i]}. ` +
          `Nothing was written; drop or fix them (validateBars), or merge them through raw ` +
          `batches, which quarantine them`,
        { key: PREFIX.ohlcv, code: "Invalid" },
      );
    }
    const name = `c_${++this.#seq}`;
    await this.engine.registerArrow(name, lakeTable(lakeRows, check.reason));
    try {
      const dup = await this.engine.query(
        `SELECT symbol, date::VARCHAR AS d FROM ${name} GROUP BY 1, 2 HAVING count(*) > 1 LIMIT 1`,
      );
      if (dup.numRows > 0) {
        const row = dup.get(0)!;
        throw new LakeError(`Cannot write curated rows: ${row.symbol} ${row.d} appears twice`, {
          key: PREFIX.ohlcv,
          code: "Schema",
        });
      }
      const years = (await this.engine.query(
        `SELECT DISTINCT year(date)::INTEGER AS y FROM ${name} ORDER BY 1`,
      )).getChild("y")!.toArray() as Int32Array;
      const written: { key: string; rows: number }[] = [];
      for (const year of years) {
        const existing = (await this.store.list(yearPrefix(year)))
          .filter((o) => curatedYear(o.key) === year);
        const sql = `SELECT ${LAKE_COLUMNS.join(", ")} FROM ${name} WHERE year(date) = ${year} ` +
          `ORDER BY symbol, date`;
        written.push(await this.#replaceYear(year, sql, existing));
      }
      return written;
    } finally {
      await this.engine.drop(name);
    }
  }

  /** Closes the engine and the store's clients (a shared wasm instance stays for reuse; see `closeEngines`). */
  async close(): Promise<void> {
    await this.engine.close();
    await this.store.close?.();
    if (this.#tempDir) await rm(await this.#tempDir, { recursive: true, force: true });
    this.#tempDir = undefined;
  }
}

/** What {@link Lake.sql} exposes as `ohlcv`. */
export interface SqlScope {
  /** First date `YYYY-MM-DD` (inclusive). @default {the first held} */
  start?: string;
  /** Last date `YYYY-MM-DD` (inclusive). @default {the last held} */
  end?: string;
  /** Only these symbols. @default {all} */
  symbols?: readonly string[];
  /** Only these columns (with `symbol` and `date`). @default {all lake columns} */
  columns?: readonly (typeof LAKE_COLUMNS[number])[];
}

/** The filter of a scope (the view holds exactly what it selects), or undefined when it scopes nothing. */
function scopeFilter(scope: SqlScope): ParquetFilter | undefined {
  if (
    scope.start === undefined && scope.end === undefined && scope.symbols === undefined &&
    scope.columns === undefined
  ) return undefined;
  const [start, end] = resolveRange({ start: scope.start, end: scope.end });
  const filter: ParquetFilter = {};
  if (scope.symbols) {
    if (scope.symbols.length === 0) throw new ConfigError("An SQL scope needs at least one symbol");
    filter.symbols = scope.symbols.map(validateSymbol);
  }
  if (Number.isFinite(start)) filter.start = start;
  if (Number.isFinite(end)) filter.end = end;
  if (scope.columns) {
    for (const c of scope.columns) {
      if (!(LAKE_COLUMNS as readonly string[]).includes(c)) {
        throw new ConfigError(`Unknown column "${c}": expected some of ${LAKE_COLUMNS.join(", ")}`);
      }
    }
    filter.columns = [...new Set(["symbol", "date", ...scope.columns])];
  }
  return filter;
}

function yearMayMatch(key: string, filter: ParquetFilter): boolean {
  const y = curatedYear(key);
  if (y === undefined) return false;
  if (filter.start !== undefined && y < yearOf(filter.start)) return false;
  if (filter.end !== undefined && y > yearOf(filter.end)) return false;
  return true;
}

/** `3 invalid date, 1 null prices`. */
function describeCounts(counts: Partial<Record<QuarantineReason, number>>): string {
  return Object.entries(counts).map(([r, n]) => `${n} ${r}`).join(", ");
}

/** A (symbol, date) key table for exclusions. */
function keyTable(symbols: readonly string[], dates: Int32Array): Table {
  return new Table({
    symbol: vectorFromArray(symbols.map(validateSymbol), new Utf8()),
    date: makeVector(
      makeData({ type: new DateDay(), data: dates, length: dates.length, nullCount: 0 }),
    ),
  });
}

function emptyRows(): RawRows {
  return {
    symbol: [],
    date: new Int32Array(0),
    open: [],
    high: [],
    low: [],
    close: [],
    volume: [],
    adjusted_close: [],
  };
}

/**
 * Opens a lake.
 *
 * @param uri A directory path, `file://…` or `s3://bucket/prefix`. @default {env ASXLAB_LAKE, else the shipped sample}
 * @param options Engine, cache directory, S3 endpoint and region, row-group size.
 * @returns The lake.
 * @throws {ConfigError} On an unsupported URI or engine name.
 *
 * @example
 * ```ts ignore
 * import { openLake } from "./lake.ts";
 * const lake = await openLake("s3://my-bucket/asx", { engine: "native" });
 * ```
 */
export async function openLake(uri?: string, options: OpenLakeOptions = {}): Promise<Lake> {
  const store = await openStore(uri, {
    cacheDir: options.cacheDir,
    endpoint: options.endpoint,
    region: options.region,
    credentials: options.credentials,
    timeouts: options.timeouts,
  });
  const engine = await openEngine(options.engine);
  return new Lake(store, engine, options.rowGroupSize, { lock: options.lock });
}
