import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { formatDate } from "../../src/core/dates.ts";
import { readWatermarks } from "../../src/pipeline/watermarks.ts";
import { openLake } from "../../src/lake/lake.ts";
import { closeEngines } from "../../src/lake/open_engine.ts";
import { runScript } from "../helpers/run_cli.ts";
import { startS3rver } from "../helpers/s3rver.ts";
import { startFakeYahoo } from "../fakes/fake_yahoo.ts";
import { assertSeries, curated, withTempDir } from "../pipeline/_helpers.ts";

const CLI = fileURLToPath(new URL("../../src/cli/pipeline.ts", import.meta.url));
const pipeline = (...args: string[]) => runScript(CLI, ...args);

/** Flags that make a run quick against the fake: no pause, short waits. */
const QUICK = ["--pause-ms", "0", "--retry-wait-ms", "0", "--timeout-ms", "2000"];

Deno.test("pipeline CLI: bad input is one line on stderr and exit code 2, before anything runs", async () => {
  await withTempDir(async (dir) => {
    const cases: [string[], RegExp][] = [
      [["--date", "2024-13-01"], /^error: Invalid date "2024-13-01"/],
      [
        ["--symbols", "BHP", "--symbols-file", "x.txt"],
        /^error: Give --symbols or --symbols-file, not both/,
      ],
      [["--symbols", "BH P"], /^error: Invalid symbol "BH P\.AX"/],
      [["--symbols-file", join(dir, "missing.txt")], /^error: Cannot read --symbols-file/],
      [["--pause-ms=-5"], /^error: Invalid --pause-ms "-5": expected a whole number >= 0/],
      [["--batch-size", "0"], /^error: Invalid --batch-size "0": expected a whole number >= 1/],
      [["--yahoo-url", "127.0.0.1:8080"], /^error: Invalid --yahoo-url "127\.0\.0\.1:8080"/],
      [["--engine", "gpu"], /^error: Unknown engine "gpu"/],
      [["--bogus"], /^error: Unknown flag "--bogus"/],
      [
        [
          "--lake",
          dir,
          "--symbols",
          "BHP",
          "--yahoo-url",
          "http://127.0.0.1:9",
          "--date",
          "2024-08-01",
        ],
        /^error: Cannot reach the Yahoo server given by --yahoo-url \(http:\/\/127\.0\.0\.1:9\)/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = await pipeline(...args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(" "));
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    }
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  });
});

Deno.test("pipeline CLI: --symbols-file (codes, comments), progress on stderr, the summary on stdout", async () => {
  const fake = await startFakeYahoo({ symbolFaults: { "ZZZ.AX": "404" } });
  try {
    await withTempDir(async (dir) => {
      const file = join(dir, "symbols.txt");
      await Deno.writeTextFile(
        file,
        "# my watchlist\nbhp\nCBA.AX\n\nwes # retail\ncsl\nnab\nZZZ\n",
      );
      const lake = join(dir, "lake");
      const r = await pipeline(
        "--yahoo-url",
        fake.url,
        "--symbols-file",
        file,
        "--lake",
        lake,
        "--date",
        "2024-08-01",
        ...QUICK,
      );
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /batches 1\/1 · symbols 6\/6 · [\d.]+ symbols\/s · 1 failed/);
      assert.match(r.stdout, /^run +2024-08-01$/m);
      assert.match(r.stdout, /^symbols +5 fetched, 1 failed of 6$/m);
      assert.match(
        r.stdout,
        /^failed \(1\), see runs\/2024-08-01\.json:\n {2}ZZZ\.AX: Cannot fetch "ZZZ\.AX" from Yahoo: not found/m,
      );
      const got = await curated(lake);
      for (const s of ["BHP.AX", "CBA.AX", "WES.AX"]) {
        assertSeries(got, fake, s, "2024-08-01", "2024-08-01");
      }
    });
  } finally {
    await fake.close();
    await closeEngines();
  }
});

Deno.test("pipeline CLI: --lake s3://… fills an s3rver bucket with exactly the fake's bars; --json prints the summary", async () => {
  const fake = await startFakeYahoo({});
  const s3 = await startS3rver();
  try {
    await withTempDir(async (dir) => {
      const symbols = ["BHP.AX", "CBA.AX", "CSL.AX", "WES.AX", "^AXJO"];
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--quiet",
          "--allow-all",
          CLI,
          "--yahoo-url",
          fake.url,
          "--symbols",
          symbols.join(","),
          "--backfill-from",
          "2024-07-01",
          "--date",
          "2024-08-01",
          "--lake",
          `s3://${s3.bucket}/asx`,
          "--endpoint",
          s3.endpoint,
          "--cache-dir",
          join(dir, "cache"),
          "--json",
          ...QUICK,
        ],
        env: {
          NO_COLOR: "1",
          AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
          AWS_REGION: "ap-southeast-2",
        },
      }).output();
      const stderr = new TextDecoder().decode(out.stderr);
      assert.equal(out.code, 0, stderr);
      const summary = JSON.parse(new TextDecoder().decode(out.stdout));
      assert.equal(summary.mode, "backfill");
      assert.equal(summary.symbols_fetched, symbols.length);
      const got = await curated(`s3://${s3.bucket}/asx`, {
        endpoint: s3.endpoint,
        credentials: s3.credentials,
        cacheDir: join(dir, "cache2"),
      });
      for (const s of symbols) assertSeries(got, fake, s, "2024-07-01", "2024-08-01");
      const keys = s3.log.filter((r) => r.method === "PUT" && r.object).map((r) =>
        decodeURIComponent(r.path).replace(`/${s3.bucket}/asx/`, "")
      );
      for (
        const k of [
          "raw-data/2024-08-01-batch-0.json",
          "raw-data/2024-08-01-batch-0.parquet",
          "ohlcv/year=2024/part-0.parquet",
          "state/watermarks.parquet",
          "runs/2024-08-01.json",
        ]
      ) assert.ok(keys.includes(k), `${k} not written: ${keys.join(", ")}`);
    });
  } finally {
    await s3.close();
    await fake.close();
    await closeEngines();
  }
});

Deno.test("pipeline CLI: a run killed in the middle and run again leaves no duplicate and no gap", async () => {
  const symbols = Array.from({ length: 20 }, (_, i) => `K${String(i).padStart(2, "0")}.AX`);
  const fake = await startFakeYahoo({ stallMs: 60_000 });
  try {
    await withTempDir(async (dir) => {
      const lake = join(dir, "lake");
      const flags = (date: string, ...extra: string[]) => [
        "--yahoo-url",
        fake.url,
        "--symbols",
        symbols.join(","),
        "--batch-size",
        "1",
        "--date",
        date,
        "--lake",
        lake,
        "--pause-ms",
        "0",
        "--retry-wait-ms",
        "0",
        ...extra,
      ];
      const spawn = (f: string[]) =>
        new Deno.Command(Deno.execPath(), {
          args: ["run", "--quiet", "--allow-all", CLI, ...f],
          stdout: "null",
          stderr: "null",
        }).spawn();
      const rawFiles = () => {
        try {
          return [...Deno.readDirSync(join(lake, "raw-data"))].filter((e) =>
            e.name.endsWith(".parquet")
          ).length;
        } catch {
          return 0;
        }
      };
      /** Starts a run whose second wave of batches hangs, and kills it once the first wave is written. */
      const killMidway = async (f: string[]) => {
        for (const s of symbols.slice(10)) fake.setSymbolFault(s, "stall");
        const before = rawFiles();
        const child = spawn(f);
        const deadline = Date.now() + 60_000;
        while (rawFiles() < before + 10 && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 50));
        }
        await new Promise((r) => setTimeout(r, 300)); // the second wave is hanging on its stalls
        child.kill("SIGKILL");
        assert.equal((await child.status).success, false);
        assert.equal(rawFiles(), before + 10, "killed with half the batches written");
        for (const s of symbols.slice(10)) fake.setSymbolFault(s, undefined);
      };

      // 20 batches of one symbol, 10 at a time: a backfill killed after the first wave.
      await killMidway(
        flags("2024-08-01", "--backfill-from", "2024-06-03", "--timeout-ms", "60000"),
      );
      assert.equal(await Deno.stat(join(lake, "ohlcv")).catch(() => undefined), undefined);
      const r = await pipeline(...flags("2024-08-01", "--backfill-from", "2024-06-03"));
      assert.equal(r.code, 0, r.stderr);
      const got = await curated(lake);
      for (const s of symbols) assertSeries(got, fake, s, "2024-06-03", "2024-08-01");

      // Friday's daily run is killed too; Monday's run starts from the watermarks.
      await killMidway(flags("2024-08-02", "--timeout-ms", "60000"));
      const monday = await pipeline(...flags("2024-08-05"));
      assert.equal(monday.code, 0, monday.stderr);
      const after = await curated(lake);
      for (const s of symbols) assertSeries(after, fake, s, "2024-06-03", "2024-08-05");
      const l = await openLake(lake);
      try {
        const wm = await readWatermarks(l);
        assert.equal(wm.size, symbols.length);
        for (const s of symbols) {
          const last = fake.series(s, "2024-06-03", "2024-08-05").columns.date.at(-1)!;
          assert.equal(formatDate(wm.get(s)!.date), formatDate(last), s);
        }
      } finally {
        await l.close();
      }
    });
  } finally {
    await fake.close();
    await closeEngines();
  }
});
