/**
 * Checksums and crash safety: every merge records each year's SHA-256, rows and
 * dates in `ohlcv/_manifest.json`; a byte flipped in a data page is caught by
 * `lake verify` (naming the file, exit 2) and, on S3, by the download check (the
 * cache never keeps it); a merge killed (SIGKILL) at any step leaves each year
 * entirely old or new, no duplicated (symbol, date), no stray temp file after the
 * next write, and a rerun converges.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { LakeError } from "../../src/core/errors.ts";
import type { CachedStore } from "../../src/lake/cache.ts";
import type { EngineKind } from "../../src/lake/engine.ts";
import { Lake, openLake } from "../../src/lake/lake.ts";
import { LocalStore } from "../../src/lake/local_store.ts";
import { MANIFEST_KEY, parseManifest, sha256Hex } from "../../src/lake/manifest.ts";
import { closeEngines, openEngine } from "../../src/lake/open_engine.ts";
import { market, rows, tradingDays } from "../helpers/lake_rows.ts";
import { runScript } from "../helpers/run_cli.ts";
import { startS3rver } from "../helpers/s3rver.ts";

const SYMBOLS = ["AAA.AX", "BBB.AX", "CCC.AX", "DDD.AX"];
const DAYS = [...tradingDays("2010-03-01", 120), ...tradingDays("2011-03-01", 120)];
const Y2010 = "ohlcv/year=2010/part-0.parquet";

async function withLake(
  kind: EngineKind,
  fn: (lake: Lake, dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "asxlab-integrity-" });
  const lake = new Lake(new LocalStore(dir), await openEngine(kind));
  try {
    await fn(lake, dir);
  } finally {
    await lake.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * Runs tests/helpers/crash_merge.ts, which kills itself at `point`. Its engine's
 * temporary directory (which it cannot remove, being killed) goes in a directory
 * of this test's, removed afterwards.
 */
async function crash(
  dir: string,
  date: string,
  kind: EngineKind,
  point: string,
): Promise<Deno.CommandOutput> {
  const tmp = await Deno.makeTempDir({ prefix: "asxlab-crash-tmp-" });
  try {
    return await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "tests/helpers/crash_merge.ts", dir, date, kind, point],
      env: { TMPDIR: tmp },
      stdout: "piped",
      stderr: "piped",
    }).output();
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

/** (symbol, date) keys held more than once, through the Lake's own reads. */
async function duplicates(lake: Lake): Promise<number> {
  const t = await lake.sql(
    "select count(*)::DOUBLE - count(DISTINCT (symbol, date))::DOUBLE AS d from ohlcv",
  );
  return Number(t.get(0)!.d);
}

for (const kind of ["wasm", "native"] as const) {
  Deno.test(`manifest (${kind}): merges record each year; verify catches a flipped byte by name`, async () => {
    await withLake(kind, async (lake, dir) => {
      await lake.writeRawBatch(
        "2011-09-01",
        0,
        rows(market(SYMBOLS, DAYS), "2011-09-01T08:00:00Z"),
      );
      await lake.mergeDailyBatches("2011-09-01");
      const m = parseManifest(await lake.store.get(MANIFEST_KEY));
      assert.deepEqual(Object.keys(m.files), [Y2010, "ohlcv/year=2011/part-0.parquet"]);
      const bytes = await Deno.readFile(join(dir, Y2010));
      assert.deepEqual(m.files[Y2010], {
        sha256: sha256Hex(bytes),
        bytes: bytes.length,
        rows: 4 * 120,
        start: "2010-03-01",
        end: DAYS[119],
      });
      assert.equal(m.pending, undefined);
      assert.deepEqual(await lake.verify(), {
        uri: lake.uri,
        manifest: true,
        checked: 2,
        problems: [],
        repaired: [],
      });

      // One byte flipped in a data page (past the header, before the footer).
      bytes[Math.floor(bytes.length / 3)]! ^= 0x10;
      await Deno.writeFile(join(dir, Y2010), bytes);
      const report = await lake.verify();
      assert.equal(report.problems.length, 1);
      assert.equal(report.problems[0]!.key, Y2010);
      assert.match(report.problems[0]!.problem, /checksum mismatch/);

      if (kind === "wasm") {
        const cli = await runScript("src/cli/lake.ts", "--lake", dir, "verify");
        assert.equal(cli.code, 2, cli.stderr);
        assert.match(cli.stdout, new RegExp(`^BAD  ${Y2010}: checksum mismatch`, "m"));
        assert.equal(cli.stderr, `error: 1 problem in ${dir}: ${Y2010}\n`);
      }
    });
  });

  Deno.test(`crash (${kind}): killed between a year's new file and deleting its old parts, no duplicates; the next write folds`, async () => {
    await withLake(kind, async (lake, dir) => {
      // A year in two files and no manifest, as another tool (or an older layout) leaves it.
      const [a, b] = [SYMBOLS.slice(0, 2), SYMBOLS.slice(2)];
      const days2010 = DAYS.slice(0, 120);
      await lake.replaceCurated(rows(market(a, days2010), "2010-12-31T08:00:00Z"));
      const other = await Deno.makeTempDir({ prefix: "asxlab-integrity-other-" });
      const tool = new Lake(new LocalStore(other), lake.engine);
      await tool.replaceCurated(rows(market(b, days2010), "2010-12-31T08:00:00Z"));
      await Deno.copyFile(join(other, Y2010), join(dir, "ohlcv/year=2010/part-1.parquet"));
      await Deno.remove(other, { recursive: true });
      await lake.store.delete(MANIFEST_KEY);
      assert.equal((await lake.loadAll()).length, 4 * 120);

      // New prices for every symbol in 2010: the merge folds part-1 into part-0.
      await lake.writeRawBatch(
        "2011-01-04",
        0,
        rows(market(SYMBOLS, days2010, 100), "2011-01-04T08:00:00Z"),
      );
      const crashed = await crash(dir, "2011-01-04", kind, "before-delete");
      assert.equal(crashed.signal, "SIGKILL", new TextDecoder().decode(crashed.stderr));
      assert.deepEqual(
        (await lake.store.list("ohlcv/year=2010/")).map((o) => o.key),
        [Y2010, "ohlcv/year=2010/part-1.parquet"],
        "the crash left the old part beside the new file",
      );
      // Readers see each (symbol, date) once, and the new prices.
      assert.equal(await duplicates(lake), 0);
      const bars = await lake.loadAll();
      assert.equal(bars.length, 4 * 120);
      assert.ok(bars.close.every((c) => c > 100), "the merge's rows, not the old part's");

      // The next writer (here verify, which takes the lock) folds the year and says so.
      const report = await lake.verify();
      assert.deepEqual(report.problems, []);
      assert.deepEqual(report.repaired, ["ohlcv/year=2010/part-1.parquet"]);
      assert.deepEqual((await lake.store.list("ohlcv/year=2010/")).map((o) => o.key), [Y2010]);
      assert.equal(await lake.store.head("_lock"), undefined);
      // A rerun of the merge converges on the same lake.
      await lake.mergeDailyBatches("2011-01-04");
      assert.equal(await duplicates(lake), 0);
      assert.equal((await lake.loadAll()).length, 4 * 120);
      assert.deepEqual((await lake.verify()).problems, []);
    });
  });
}

Deno.test("crash: a merge killed before, during or after replacing a year leaves it old or new; the next write cleans up", async () => {
  for (const point of ["before-year", "mid-year", "after-year"] as const) {
    await withLake("wasm", async (lake, dir) => {
      await lake.writeRawBatch(
        "2011-09-01",
        0,
        rows(market(SYMBOLS, DAYS), "2011-09-01T08:00:00Z"),
      );
      await lake.mergeDailyBatches("2011-09-01");
      const old = sha256Hex(await Deno.readFile(join(dir, Y2010)));
      const fresh = rows(market(SYMBOLS, DAYS.slice(0, 120), 50), "2011-09-02T08:00:00Z");
      await lake.writeRawBatch("2011-09-02", 0, fresh);
      const crashed = await crash(dir, "2011-09-02", "wasm", point);
      assert.equal(
        crashed.signal,
        "SIGKILL",
        `${point}: ${new TextDecoder().decode(crashed.stderr)}`,
      );
      assert.ok(await lake.store.head("_lock"), `${point}: the killed writer's lock is left`);
      const now = sha256Hex(await Deno.readFile(join(dir, Y2010)));
      const closes = (await lake.loadSymbols(["AAA.AX"], { end: "2010-12-31" })).close;
      if (point === "after-year") {
        assert.notEqual(now, old, "the new year file is whole");
        assert.ok(closes.every((c) => c > 50));
      } else {
        assert.equal(now, old, `${point}: the year is entirely old`);
        assert.ok(closes.every((c) => c < 50));
      }
      if (point === "mid-year") {
        const names = [...Deno.readDirSync(join(dir, "ohlcv/year=2010"))].map((e) => e.name);
        assert.ok(names.some((n) => n.endsWith(".tmp")), "the torn temp file is there");
      }
      // The next writer takes over the dead writer's lock, settles the manifest, removes
      // the temp file; verify then finds every file as recorded, and a rerun converges.
      const report = await lake.verify();
      assert.deepEqual(report.problems, [], point);
      assert.deepEqual(
        [...Deno.readDirSync(join(dir, "ohlcv/year=2010"))].map((e) => e.name),
        ["part-0.parquet"],
        `${point}: no stray temp file`,
      );
      await lake.mergeDailyBatches("2011-09-02");
      assert.ok(
        (await lake.loadSymbols(["AAA.AX"], { end: "2010-12-31" })).close.every((c) => c > 50),
      );
      assert.equal(await duplicates(lake), 0);
      assert.deepEqual((await lake.verify()).problems, []);
    });
  }
  await closeEngines();
});

Deno.test("crash: a raw batch write killed halfway leaves no raw file, only a hidden temp file", async () => {
  await withLake("wasm", async (lake, dir) => {
    const crashed = await crash(dir, "2024-08-01", "wasm", "mid-raw");
    assert.equal(crashed.signal, "SIGKILL", new TextDecoder().decode(crashed.stderr));
    assert.deepEqual(await lake.store.list("raw-data/"), [], "absent, not torn");
    assert.ok([...Deno.readDirSync(join(dir, "raw-data"))].some((e) => e.name.endsWith(".tmp")));
    await assert.rejects(lake.mergeDailyBatches("2024-08-01"), /No raw batches to merge/);
    // The batch is fetched again: complete, and the merge takes it.
    await lake.writeRawBatch(
      "2024-08-01",
      0,
      rows([["BHP.AX", "2024-07-31", 40.5]], "2024-08-01T09:00:00Z"),
    );
    assert.equal((await lake.mergeDailyBatches("2024-08-01")).rawRows, 1);
  });
});

Deno.test("S3: a download with a flipped byte is never cached; a corrupt cached copy is repaired by verify", async () => {
  const s3 = await startS3rver();
  const cacheDir = await Deno.makeTempDir({ prefix: "asxlab-integrity-cache-" });
  const options = {
    endpoint: s3.endpoint,
    credentials: s3.credentials,
    region: "us-east-1",
    cacheDir,
    timeouts: { maxAttempts: 3 },
  };
  const uri = `s3://${s3.bucket}/asx`;
  try {
    const writer = await openLake(uri, { ...options, cacheDir: join(cacheDir, "writer") });
    await writer.writeRawBatch(
      "2011-09-01",
      0,
      rows(market(SYMBOLS, DAYS), "2011-09-01T08:00:00Z"),
    );
    await writer.mergeDailyBatches("2011-09-01");
    await writer.close();

    const reader = await openLake(uri, options);
    const want = await openLake(uri, { ...options, cacheDir: join(cacheDir, "ref") }).then(
      async (l) => {
        const bars = await l.loadAll();
        await l.close();
        return [...bars.close];
      },
    );
    const cache = reader.store as CachedStore;
    // Once: the corrupt body is refused and asked for again; what is cached is right.
    s3.failNext("GET", { kind: "corrupt" }, 1, "object");
    assert.deepEqual([...(await reader.loadAll()).close], want);
    const manifest = parseManifest(await reader.store.get(MANIFEST_KEY));
    assert.equal(
      sha256Hex(await Deno.readFile(cache.cachePath(Y2010))),
      manifest.files[Y2010]!.sha256,
    );

    // Every attempt corrupt: a Checksum error naming the object, and nothing cached.
    await cache.evict(Y2010);
    s3.failNext("GET", { kind: "corrupt" }, 3, "object");
    await assert.rejects(reader.loadSymbols(["AAA.AX"], { end: "2010-12-31" }), (err: unknown) => {
      assert.ok(err instanceof LakeError && err.code === "Checksum", String(err));
      assert.match(err.message, /year=2010\/part-0\.parquet.*do not match the object's checksum/);
      return true;
    });
    await assert.rejects(Deno.stat(cache.cachePath(Y2010)), Deno.errors.NotFound);
    assert.deepEqual([...(await reader.loadAll()).close], want, "a later clean download works");

    // A byte flipped in the cache on disk: verify finds it, fetches the object again.
    const cached = await Deno.readFile(cache.cachePath(Y2010));
    cached[100]! ^= 1;
    await Deno.writeFile(cache.cachePath(Y2010), cached);
    const report = await reader.verify();
    assert.deepEqual(report.problems, []);
    assert.deepEqual(report.repaired, [Y2010]);
    assert.equal(
      sha256Hex(await Deno.readFile(cache.cachePath(Y2010))),
      manifest.files[Y2010]!.sha256,
    );
    await reader.close();
  } finally {
    await closeEngines();
    await s3.close();
    await Deno.remove(cacheDir, { recursive: true });
  }
});
