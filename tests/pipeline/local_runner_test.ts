import assert from "node:assert/strict";
import { tradingDays } from "../../src/core/calendar.ts";
import { formatDate } from "../../src/core/dates.ts";
import { ConfigError, FetchError } from "../../src/core/errors.ts";
import { syntheticSymbolNames } from "../../src/core/synthetic.ts";
import { openLake } from "../../src/lake/lake.ts";
import { parseAsxList } from "../../src/sources/asx.ts";
import { csvRecords } from "../../src/pipeline/_csv.ts";
import { readWatermarks } from "../../src/pipeline/watermarks.ts";
import { type LocalRunOptions, runPipelineLocally } from "../../src/pipeline/local_runner.ts";
import { stateMachineDefinition } from "../../src/pipeline/state_machine.ts";
import { LOCAL_RESOURCES } from "../../src/pipeline/local_runner.ts";
import { type FakeYahooOptions, startFakeYahoo, yahooSplit } from "../fakes/fake_yahoo.ts";
import { assertSeries, curated, withTempDir } from "./_helpers.ts";

const LIST = Deno.readTextFileSync(
  new URL("../fixtures/asx/ASX_Listed_Companies_2024-08-01.csv", import.meta.url),
);
/** The first 249 companies of the recorded 2024-08-01 ASX list; with ^AXJO, 250 symbols. */
const LIST_249 = LIST.split("\n").slice(0, 250).join("\n");
const SYMBOLS_249 = parseAsxList(LIST_249).map((c) => c.symbol);

/** Quick settings: no pause, short timeouts and backoffs (the waits the tests do not need). */
const quick = (dir: string, yahooUrl: string, extra: object = {}): LocalRunOptions["config"] => ({
  lake: dir,
  yahooUrl,
  pauseMs: 0,
  timeoutMs: 400,
  retryBaseMs: 5,
  retryMaxMs: 50,
  ...extra,
});

async function withFake<T>(
  options: FakeYahooOptions,
  fn: (fake: Awaited<ReturnType<typeof startFakeYahoo>>) => Promise<T>,
): Promise<T> {
  const fake = await startFakeYahoo({ retryAfterSeconds: 0, stallMs: 5_000, ...options });
  try {
    return await fn(fake);
  } finally {
    await fake.close();
  }
}

Deno.test("local run: 250 symbols with 5 % injected faults: every recoverable symbol's bar reaches ohlcv/, the rest are named", async () => {
  // One symbol per kind of fault that never goes away; the rest get 5 % transient faults.
  const permanent = {
    [SYMBOLS_249[10]!]: "404",
    [SYMBOLS_249[40]!]: "429",
    [SYMBOLS_249[70]!]: "503",
    [SYMBOLS_249[100]!]: "truncated",
    [SYMBOLS_249[130]!]: "malformed",
    [SYMBOLS_249[160]!]: "stall",
    [SYMBOLS_249[190]!]: "stall-body",
  } as const;
  const why = {
    "404": "not found",
    "429": "HTTP 429",
    "503": "HTTP 503",
    truncated: "Cannot use",
    malformed: "Cannot use",
    stall: "within",
    "stall-body": "within",
  };
  await withFake(
    { faultRate: 0.05, asxList: LIST_249, symbolFaults: permanent },
    (fake) =>
      withTempDir(async (dir) => {
        const date = "2024-08-01";
        // A symbol whose bar for the day comes back all null: fetched, the bar dropped.
        const nulls = SYMBOLS_249.find((s) => {
          if (s in permanent || fake.series(s, date, date).columns.date.length === 0) return false;
          fake.setSymbolFault(s, "null-bars");
          if (fake.series(s, date, date).columns.date.length === 0) return true;
          fake.setSymbolFault(s, undefined);
          return false;
        })!;
        const progress: number[] = [];
        const result = await runPipelineLocally({
          config: quick(dir, fake.url, { asxListUrl: fake.asxListUrl }),
          date,
          retryWaitMs: 0,
          onProgress: (p) => progress.push(p.symbolsDone),
        });
        assert.equal(result.status, "SUCCEEDED", JSON.stringify(result.error));
        const s = result.summary!;
        const failed = Object.keys(permanent).sort();
        assert.deepEqual(s.symbols_failed, failed);
        assert.equal(s.symbols_processed, 250);
        assert.equal(s.symbols_fetched, 243);
        assert.deepEqual(
          s.failures.map((
            f,
          ) => [f.symbol, f.reason.match(/not found|HTTP \d+|Cannot use|within/)?.[0]]),
          failed.map((sym) => [sym, why[permanent[sym]!]]),
        );
        assert.equal(s.rows.dropped, 1, `the null bar of ${nulls}`);
        assert.equal(s.batches.total, 3);
        assert.ok(s.retries > 0, "faults were injected and retried");
        const injected = Object.values(fake.stats.faults).reduce((a, b) => a + b, 0);
        assert.ok(injected >= 12 + 4, `${injected} faults`);
        // Every symbol that could be fetched has exactly the fake's bar for the day.
        const got = await curated(dir);
        for (const symbol of [...SYMBOLS_249, "^AXJO"]) {
          if (symbol in permanent) assert.equal(got.get(symbol), undefined, symbol);
          else assertSeries(got, fake, symbol, date, date);
        }
        const withBar = [...got.keys()].length;
        assert.ok(withBar >= 235, `${withBar} symbols with a bar`); // a few are suspended that day
        assert.equal(s.holes.symbols, 243 - withBar);
        // The run summary on disk is the one returned; progress counted every symbol.
        const lake = await openLake(dir);
        try {
          const onDisk = JSON.parse(
            new TextDecoder().decode(await lake.store.get(`runs/${date}.json`)),
          );
          assert.deepEqual(onDisk, s);
          const wm = await readWatermarks(lake);
          assert.equal(wm.size, withBar);
          for (const [, w] of wm) assert.equal(formatDate(w.date), date);
          assert.deepEqual((await lake.store.list("raw-data/")).map((o) => o.key), [
            "raw-data/2024-08-01-batch-0.json",
            "raw-data/2024-08-01-batch-0.parquet",
            "raw-data/2024-08-01-batch-1.json",
            "raw-data/2024-08-01-batch-1.parquet",
            "raw-data/2024-08-01-batch-2.json",
            "raw-data/2024-08-01-batch-2.parquet",
          ]);
          assert.ok(await lake.store.head("symbols/2024-08-01-symbols.csv"));
        } finally {
          await lake.close();
        }
        assert.equal(progress.at(-1), 250);
        assert.equal(result.progress.failed, 7);
      }),
  );
});

Deno.test("local run: a 20-year backfill of 20 symbols equals the fake's series exactly, splits and suspensions included", async () => {
  const symbols = syntheticSymbolNames(20);
  const [start, end] = ["2005-01-03", "2024-12-31"];
  await withFake({}, (fake) =>
    withTempDir(async (dir) => {
      // These series have no >50 % move without a split, so the jump check holds nothing back.
      for (const s of symbols) {
        const { columns: c, splits } = fake.series(s, start, end);
        for (let i = 1; i < c.close.length; i++) {
          const r = c.close[i]! / c.close[i - 1]!;
          if (r > 1.5 || r < 0.5) assert.ok(splits.some((x) => x.date === c.date[i]), `${s} ${i}`);
        }
      }
      const result = await runPipelineLocally({
        config: quick(dir, fake.url),
        date: end,
        symbols,
        backfillFrom: start,
        retryWaitMs: 0,
      });
      assert.equal(result.status, "SUCCEEDED", JSON.stringify(result.error));
      const s = result.summary!;
      assert.equal(s.mode, "backfill");
      assert.deepEqual(s.symbols_failed, []);
      assert.equal(s.rows.quarantined, 0);
      const got = await curated(dir);
      let rows = 0, splits = 0, suspensions = 0;
      for (const symbol of symbols) {
        assertSeries(got, fake, symbol, start, end);
        rows += got.get(symbol)!.date.length;
        const series = fake.series(symbol, start, end);
        splits += series.splits.length;
        suspensions += series.suspensions.length;
      }
      assert.ok(rows > 20 * 4900, `${rows} rows`);
      assert.ok(splits > 0 && suspensions > 0, `${splits} splits, ${suspensions} suspensions`);
      // One file per year, 2005..2024.
      assert.deepEqual(
        s.merge!.partitions.map((p) => p.key),
        Array.from({ length: 20 }, (_, i) => `ohlcv/year=${2005 + i}/part-0.parquet`),
      );
      const lake = await openLake(dir);
      try {
        const recorded = csvRecords(
          new TextDecoder().decode(await lake.store.get("events/splits.csv")),
        );
        const want = symbols.flatMap((sym) => fake.series(sym, start, end).splits.map(yahooSplit));
        assert.deepEqual(
          recorded.map((r) => [r.symbol, r.date, Number(r.numerator), Number(r.denominator)]),
          want.map((w) => [w.symbol, w.date, w.numerator, w.denominator]),
        );
        const wm = await readWatermarks(lake);
        for (const sym of symbols) {
          const c = got.get(sym)!;
          assert.deepEqual(wm.get(sym), { date: c.date.at(-1)!, close: c.close.at(-1)! });
        }
      } finally {
        await lake.close();
      }
      // Sessions after a symbol's first bar without a bar (its suspensions) come back as holes.
      const missing = symbols.reduce((n, sym) => {
        const dates = fake.series(sym, start, end).columns.date;
        return n + tradingDays(dates[0]!, end).length - dates.length;
      }, 0);
      assert.ok(missing > 0);
      assert.equal(s.holes.sessions, missing);
    }));
});

Deno.test("local run: every Task state must have a local handler, or nothing starts", async () => {
  await withFake({}, (fake) =>
    withTempDir(async (dir) => {
      // deno-lint-ignore no-explicit-any
      const definition = stateMachineDefinition(LOCAL_RESOURCES) as Record<string, any>;
      definition.States.Audit = {
        Type: "Task",
        Resource: "arn:aws:lambda:ap-southeast-2:000000000000:function:audit",
        End: true,
      };
      definition.States.AggregateResults.Next = "Audit";
      delete definition.States.AggregateResults.End;
      await assert.rejects(
        runPipelineLocally({
          config: quick(dir, fake.url),
          date: "2024-08-01",
          symbols: ["BHP.AX"],
          definition,
        }),
        (err) => {
          assert.ok(err instanceof ConfigError);
          assert.equal(
            err.message,
            'Cannot run the state machine locally: no local handler for Task state "Audit" (it would call the real AWS resource)',
          );
          return true;
        },
      );
      assert.equal(fake.stats.requests, 0);
      assert.deepEqual([...Deno.readDirSync(dir)], []);
    }));
});

Deno.test("local run: a batch that keeps failing is retried twice, recorded, and the others still land", async () => {
  await withFake({}, (fake) =>
    withTempDir(async (dir) => {
      const calls = new Map<number, number>();
      const { fetchBatch } = await import("../../src/pipeline/fetch_batch.ts");
      const symbols = ["AAA.AX", "BBB.AX", "CCC.AX", "DDD.AX", "EEE.AX"];
      const result = await runPipelineLocally({
        config: quick(dir, fake.url, { batchSize: 2, maxFailedShare: 0.5 }),
        date: "2024-08-01",
        symbols,
        retryWaitMs: 0,
        handlers: {
          // Batch 1 fails every time; the others run the real handler.
          FetchStockData: async (input) => {
            const event = (input as { Payload: { batchNumber: number } }).Payload;
            calls.set(event.batchNumber, (calls.get(event.batchNumber) ?? 0) + 1);
            if (event.batchNumber === 1) throw new Error("lambda ran out of memory");
            const { openPipeline } = await import("../../src/pipeline/config.ts");
            const deps = await openPipeline(quick(dir, fake.url));
            try {
              return {
                Payload: await fetchBatch(event as never, deps.fetchBatch),
                StatusCode: 200,
              };
            } finally {
              await deps.close();
            }
          },
        },
      });
      assert.equal(result.status, "SUCCEEDED", JSON.stringify(result.error));
      assert.deepEqual([...calls.entries()].sort(), [[0, 1], [1, 3], [2, 1]]);
      const s = result.summary!;
      assert.deepEqual(s.batches.failed, [1]);
      assert.deepEqual(s.symbols_failed, ["CCC.AX", "DDD.AX"]);
      assert.match(s.failures[0]!.reason, /^batch 1 failed: lambda ran out of memory/);
      assert.equal(s.symbols_processed, 5);
      const got = await curated(dir);
      assert.deepEqual([...got.keys()].sort(), ["AAA.AX", "BBB.AX", "EEE.AX"]);
    }));
});

Deno.test("local run: when the list step fails after its retries, the alert is published and the run fails", async () => {
  await withFake(
    { asxList: "<html><head><title>502 Bad Gateway</title></head></html>" },
    (fake) =>
      withTempDir(async (dir) => {
        const lines: string[] = [];
        const result = await runPipelineLocally({
          config: quick(dir, fake.url, { asxListUrl: fake.asxListUrl }),
          date: "2024-08-01",
          retryWaitMs: 0,
          log: (line) => lines.push(line),
        });
        assert.equal(result.status, "FAILED");
        assert.equal(
          lines.filter((l) => l.startsWith("UpdateASXSymbols failed: FetchError:")).length,
          4,
        );
        assert.equal(fake.stats.listRequests, 1 + 1 + 3); // preflight, then the first try and 3 retries
        assert.equal(result.alerts.length, 1);
        assert.equal(result.alerts[0]!.subject, "Stock Stream Pipeline Failed");
        // aws-local-stepfunctions 3.0.0 strips backslashes from intrinsic results, so the
        // message stops being JSON at the first quote inside the cause: match it as text.
        const message = result.alerts[0]!.message;
        assert.match(message, /^\{"Error":"FetchError","Cause":"Cannot parse ASX list/);
        assert.match(message, /HTML page titled "502 Bad Gateway"/);
        assert.equal(result.summary, undefined);
        assert.equal(fake.stats.requests, 0);
      }),
  );
});

Deno.test("local run: when most symbols fail the run writes its summary, then fails and alerts", async () => {
  const symbols = ["AAA.AX", "BBB.AX", "CCC.AX"];
  await withFake(
    { symbolFaults: { "AAA.AX": "404", "BBB.AX": "404" } },
    (fake) =>
      withTempDir(async (dir) => {
        const result = await runPipelineLocally({
          config: quick(dir, fake.url),
          date: "2024-08-01",
          symbols,
          retryWaitMs: 0,
        });
        assert.equal(result.status, "FAILED");
        assert.deepEqual(result.summary?.symbols_failed, ["AAA.AX", "BBB.AX"]);
        assert.match(
          result.alerts[0]!.message,
          /"Cause":"Run 2024-08-01: 2 of 3 symbols could not be fetched \(more than 20 %\); see runs\/2024-08-01\.json/,
        );
        assertSeries(await curated(dir), fake, "CCC.AX", "2024-08-01", "2024-08-01");
      }),
  );
});

Deno.test("local run: the same date run twice changes nothing; the next trading day continues from the watermarks", async () => {
  const symbols = ["AAA.AX", "BBB.AX", "^AXJO"];
  await withFake({}, (fake) =>
    withTempDir(async (dir) => {
      const run = (date: string) =>
        runPipelineLocally({ config: quick(dir, fake.url), date, symbols, retryWaitMs: 0 });
      await run("2024-08-01");
      const first = await curated(dir);
      const again = await run("2024-08-01");
      assert.equal(again.summary!.rows.raw, 3);
      assert.deepEqual(await curated(dir), first);
      // Friday and the weekend are skipped; Monday's run fetches Friday and Monday.
      const sat = await run("2024-08-03");
      assert.equal(sat.summary!.batches.total, 0);
      await run("2024-08-05");
      const got = await curated(dir);
      for (const s of symbols) assertSeries(got, fake, s, "2024-08-01", "2024-08-05");
      assert.ok([...got.values()].every((c) => c.date.length >= 3));
    }));
});

Deno.test("local run: without a reachable Yahoo it fails at once, naming the fix", async () => {
  await withTempDir(async (dir) => {
    const offline = (() => Promise.reject(new TypeError("fetch failed"))) as typeof fetch;
    const started = Date.now();
    await assert.rejects(
      runPipelineLocally({ config: { lake: dir }, date: "2024-08-01", fetch: offline }),
      (err) => {
        assert.ok(err instanceof FetchError);
        assert.equal(
          err.message,
          "Cannot reach Yahoo Finance (https://query2.finance.yahoo.com/): fetch failed. Without network, point the pipeline at a local server: --yahoo-url http://127.0.0.1:PORT (deno task fake-yahoo runs one)",
        );
        return true;
      },
    );
    assert.ok(Date.now() - started < 5000);
    await assert.rejects(
      runPipelineLocally({
        config: { lake: dir, yahooUrl: "http://127.0.0.1:9" },
        date: "2024-08-01",
        symbols: ["BHP.AX"],
      }),
      /Cannot reach the Yahoo server given by --yahoo-url \(http:\/\/127\.0\.0\.1:9\): .*Is it running\?/,
    );
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  });
});

Deno.test("local run: trading days between runs are fetched once each (no gap, no duplicate) over a month of daily runs", async () => {
  const symbols = ["AAA.AX", "BBB.AX"];
  await withFake({ faultRate: 0.3 }, (fake) =>
    withTempDir(async (dir) => {
      const days = tradingDays("2024-07-01", "2024-07-31");
      // Runs on every other session only: each run catches up from the watermark.
      let last = "";
      for (let i = 0; i < days.length; i += 2) {
        last = formatDate(days[i]!);
        const r = await runPipelineLocally({
          config: quick(dir, fake.url, { retries: 8 }),
          date: last,
          symbols,
          retryWaitMs: 0,
          preflight: false,
        });
        assert.equal(r.status, "SUCCEEDED");
      }
      const got = await curated(dir);
      for (const s of symbols) assertSeries(got, fake, s, "2024-07-01", last);
      assert.ok(Object.values(fake.stats.faults).some((n) => n > 0), "faults were injected");
    }));
});
