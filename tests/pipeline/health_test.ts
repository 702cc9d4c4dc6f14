import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SEED_PLAN, SEED_SYMBOLS, seedPipelineLake } from "../../scripts/pipeline_demo.ts";
import { tradingDays } from "../../src/core/calendar.ts";
import { ConfigError, LakeError } from "../../src/core/errors.ts";
import { formatDate } from "../../src/core/dates.ts";
import { closeEngines } from "../../src/lake/open_engine.ts";
import { openLake } from "../../src/lake/lake.ts";
import { coverageGrid, pipelineHealth } from "../../src/pipeline/health.ts";
import type { RunSummary } from "../../src/pipeline/aggregate_results.ts";

/** One demo lake (real local pipeline runs against the fake Yahoo), seeded once for this file. */
let seeded: Promise<string> | undefined;
function demoLake(): Promise<string> {
  seeded ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), "asxlab-health-"));
    globalThis.addEventListener("unload", () => rmSync(dir, { recursive: true, force: true }));
    await seedPipelineLake(dir);
    return dir;
  })();
  return seeded;
}

async function healthOf(dir: string, options = {}) {
  const lake = await openLake(dir);
  try {
    return await pipelineHealth(lake, options);
  } finally {
    await lake.close();
    await closeEngines();
  }
}

const JUNE = [...tradingDays("2024-06-01", SEED_PLAN.lastRun)].map(formatDate);

Deno.test("pipelineHealth: every run is reported, and the one skipped session is found", async () => {
  const h = await healthOf(await demoLake());
  assert.equal(h.from, SEED_PLAN.backfill.from);
  assert.equal(h.to, SEED_PLAN.lastRun);
  const dates = h.runs.map((r) => r.date);
  assert.deepEqual(dates, [SEED_PLAN.backfill.to, ...JUNE.filter((d) => d !== SEED_PLAN.skipped)]);
  assert.deepEqual(h.missedRuns, [SEED_PLAN.skipped]);
  assert.equal(h.runs[0]!.mode, "backfill");
  assert.equal(h.runs[0]!.backfillFrom, SEED_PLAN.backfill.from);
  assert.ok(h.runs.every((r) => r.ok && r.symbols === SEED_SYMBOLS.length));
  assert.ok(h.runs.every((r) => r.fetched + r.failed === r.symbols));
  assert.deepEqual(h.symbols, [...SEED_SYMBOLS].sort());
});

Deno.test("pipelineHealth: the delisted symbol is still failing, the outage recovered", async () => {
  const h = await healthOf(await demoLake());
  const { delisted, outage } = SEED_PLAN;
  const afterDelisting = h.runs.filter((r) => r.date >= delisted.from).length;
  const outageRuns = h.runs.filter((r) => r.date >= outage.from && r.date <= outage.to).length;
  assert.deepEqual(
    h.failedSymbols.map((f) => [f.symbol, f.runs, f.first, f.last, f.failing]),
    [
      [delisted.symbol, afterDelisting, delisted.from, SEED_PLAN.lastRun, true],
      [outage.symbol, outageRuns, outage.from, outage.to, false],
    ],
  );
  assert.match(h.failedSymbols[0]!.reason, /not found, HTTP 404/);
  assert.match(h.failedSymbols[1]!.reason, /HTTP 503/);
});

Deno.test("pipelineHealth: quarantined rows from both gates, and which a later run fixed", async () => {
  const h = await healthOf(await demoLake());
  const [fmg, rio] = SEED_PLAN.spikes;
  assert.deepEqual(
    h.quarantine.map((q) => [q.run, q.file, q.symbol, q.date, q.check, q.resolved]),
    [
      [fmg.date, "pipeline", fmg.symbol, fmg.date, "absurd jump", true],
      [
        SEED_PLAN.badOhlc.date,
        "batch-0",
        SEED_PLAN.badOhlc.symbol,
        SEED_PLAN.badOhlc.date,
        "door",
        true,
      ],
      [rio.date, "pipeline", rio.symbol, rio.date, "absurd jump", false],
    ],
  );
  assert.match(h.quarantine[1]!.reason, /inconsistent OHLC/);
  // Per-run counts add both gates up: the door's row is not in the run summary's own count.
  assert.equal(h.runs.find((r) => r.date === SEED_PLAN.badOhlc.date)!.quarantined, 1);
});

Deno.test("pipelineHealth: coverage gaps match the faults, and agree with the runs' own hole counts", async () => {
  const dir = await demoLake();
  const h = await healthOf(dir);
  const { delisted, spikes, nullBars } = SEED_PLAN;
  const orgGap = h.gaps.filter((g) => g.symbol === delisted.symbol);
  assert.deepEqual(orgGap, [{
    symbol: delisted.symbol,
    from: delisted.from,
    to: SEED_PLAN.lastRun,
    sessions: JUNE.filter((d) => d >= delisted.from).length,
    open: true,
    cause: "fetch failing",
  }]);
  assert.deepEqual(h.gaps.filter((g) => g.symbol === spikes[1].symbol), [{
    symbol: spikes[1].symbol,
    from: spikes[1].date,
    to: spikes[1].date,
    sessions: 1,
    open: true,
    cause: "quarantined",
  }]);
  // The null bars of the backfill: closed one-session gaps in May, as many as the backfill
  // run counted as holes itself (two independent counts of the same thing).
  const wes = h.gaps.filter((g) => g.symbol === nullBars);
  const backfill: RunSummary = JSON.parse(
    readFileSync(join(dir, `runs/${SEED_PLAN.backfill.to}.json`), "utf8"),
  );
  assert.ok(wes.length > 5);
  assert.equal(wes.reduce((n, g) => n + g.sessions, 0), backfill.holes.sessions);
  assert.ok(wes.every((g) => !g.open && g.cause === "no bar from Yahoo" && g.to < "2024-06-01"));
  // Nobody else has a gap: the outage, the skipped day and the resolved quarantines caught up.
  assert.deepEqual(
    [...new Set(h.gaps.map((g) => g.symbol))].sort(),
    [delisted.symbol, spikes[1].symbol, nullBars].sort(),
  );

  const grid = coverageGrid(h);
  assert.deepEqual(grid.x, h.sessions);
  for (const [i, symbol] of grid.y.entries()) {
    const row = grid.z[i]!;
    const missing = h.gaps.filter((g) => g.symbol === symbol).reduce((n, g) => n + g.sessions, 0);
    assert.equal(row.filter((v) => v !== 2).length, missing, symbol);
  }
  const rio = grid.z[grid.y.indexOf(spikes[1].symbol)]!;
  assert.equal(rio.at(-1), 1);
});

Deno.test("pipelineHealth: from/to pick runs, and the window follows them", async () => {
  const h = await healthOf(await demoLake(), { from: "2024-06-10", to: "2024-06-21" });
  assert.equal(h.from, "2024-06-11");
  assert.equal(h.to, "2024-06-21");
  assert.deepEqual(h.missedRuns, [SEED_PLAN.skipped]);
  assert.ok(h.quarantine.every((q) => q.run >= h.from && q.run <= h.to));
  assert.deepEqual(h.failedSymbols.map((f) => f.symbol), [SEED_PLAN.delisted.symbol]);
});

Deno.test("pipelineHealth: a lake without runs is a clear NotFound naming what to do, and nothing is written", async () => {
  const dir = mkdtempSync(join(tmpdir(), "asxlab-health-empty-"));
  try {
    await assert.rejects(healthOf(dir), (err: unknown) => {
      assert.ok(err instanceof LakeError);
      assert.equal(err.code, "NotFound");
      assert.match(err.message, /no pipeline runs .*deno task pipeline:demo/);
      return true;
    });
    await assert.rejects(healthOf(await demoLake(), { from: "2030-01-01" }), /between 2030-01-01/);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), []);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

Deno.test("pipelineHealth: an unreadable run summary is a Corrupt error naming it", async () => {
  const dir = mkdtempSync(join(tmpdir(), "asxlab-health-bad-"));
  try {
    Deno.mkdirSync(join(dir, "runs"));
    writeFileSync(join(dir, "runs/2024-06-03.json"), "<html>Bad Gateway</html>");
    await assert.rejects(healthOf(dir), (err: unknown) => {
      assert.ok(err instanceof LakeError);
      assert.equal(err.code, "Corrupt");
      assert.match(err.message, /runs\/2024-06-03\.json/);
      return true;
    });
    assert.equal(
      readFileSync(join(dir, "runs/2024-06-03.json"), "utf8"),
      "<html>Bad Gateway</html>",
    );
  } finally {
    rmSync(dir, { recursive: true });
  }
});

Deno.test("pipeline:demo refuses a directory that holds anything, and leaves it as it was", async () => {
  const dir = mkdtempSync(join(tmpdir(), "asxlab-demo-"));
  try {
    writeFileSync(join(dir, "notes.txt"), "my lake");
    await assert.rejects(seedPipelineLake(dir), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /is not empty \(notes\.txt\)/);
      return true;
    });
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["notes.txt"]);
    assert.equal(readFileSync(join(dir, "notes.txt"), "utf8"), "my lake");
  } finally {
    rmSync(dir, { recursive: true });
  }
});

Deno.test("deno task pipeline:demo: a non-empty directory or extra arguments are one line and exit 2", async () => {
  const dir = mkdtempSync(join(tmpdir(), "asxlab-demo-cli-"));
  const script = new URL("../../scripts/pipeline_demo.ts", import.meta.url).pathname;
  const config = new URL("../../deno.dev.json", import.meta.url).pathname;
  const run = async (...args: string[]) => {
    const r = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-q", "--allow-all", "--config", config, script, ...args],
      stdout: "piped",
      stderr: "piped",
    }).output();
    return { code: r.code, stderr: new TextDecoder().decode(r.stderr) };
  };
  try {
    writeFileSync(join(dir, "notes.txt"), "my lake");
    const full = await run(dir);
    assert.equal(full.code, 2);
    assert.match(
      full.stderr,
      /^error: .* is not empty \(notes\.txt\): the demo only seeds a new lake/,
    );
    assert.equal(full.stderr.trim().split("\n").length, 1);
    assert.equal(readFileSync(join(dir, "notes.txt"), "utf8"), "my lake");
    const extra = await run(dir, "more");
    assert.equal(extra.code, 2);
    assert.match(
      extra.stderr,
      /^error: Unexpected arguments .*usage: deno task pipeline:demo \[DIR\]/,
    );
  } finally {
    rmSync(dir, { recursive: true });
  }
});

Deno.test("pipelineHealth: runs that merged nothing report every due session as a gap, not an error", async () => {
  const demo = await demoLake();
  const dir = mkdtempSync(join(tmpdir(), "asxlab-health-nothing-"));
  try {
    // The backfill's summary and fetch log, without the bars it merged: as if none had arrived.
    const day = SEED_PLAN.backfill.to;
    for (const key of [`runs/${day}.json`, `raw-data/${day}-batch-0.json`]) {
      Deno.mkdirSync(join(dir, key, ".."), { recursive: true });
      Deno.copyFileSync(join(demo, key), join(dir, key));
    }
    const h = await healthOf(dir);
    const may = [...tradingDays(SEED_PLAN.backfill.from, day)].map(formatDate);
    assert.deepEqual(h.symbols, [...SEED_SYMBOLS].sort());
    assert.equal(h.gaps.length, SEED_SYMBOLS.length);
    for (const g of h.gaps) {
      assert.deepEqual([g.from, g.to, g.sessions, g.open], [may[0], may.at(-1), may.length, true]);
    }
  } finally {
    rmSync(dir, { recursive: true });
  }
});
