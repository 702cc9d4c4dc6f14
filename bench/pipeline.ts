/**
 * `deno task bench pipeline [--symbols N] [--backfill-symbols N] [--years N]
 * [--latency-ms N] [--fault-rate X] [--out path]`: the pipeline's state machine
 * run locally (aws-local-stepfunctions, local handlers, a fresh local lake)
 * against the fake Yahoo server in a child process, as a user runs it with
 * `deno task pipeline --yahoo-url …`:
 *
 * - daily: 2,200 symbols × one day (pause 0, 20 ms latency per request, 2 %
 *   transient faults: 429, 500, 503, stalls, truncated and non-JSON bodies),
 *   with the default 10 s request timeout and with a 2 s one (a stall costs a
 *   whole timeout);
 * - the fetch floor: the same requests with the same fetcher, 10 at a time,
 *   no state machine and no lake, to show what the pipeline adds;
 * - backfill: 200 symbols × 20 years in one run.
 *
 * Reports wall time, symbols/s, retries and the faults the server injected;
 * the goal is a daily run under 30 s on this machine. Results go to
 * `bench/results/pipeline.json`.
 *
 * @module
 */

import os from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { syntheticSymbolNames } from "../src/core/synthetic.ts";
import { closeEngines } from "../src/lake/open_engine.ts";
import { runPipelineLocally } from "../src/pipeline/local_runner.ts";
import { fetchDailyBars, YahooError } from "../src/sources/yahoo.ts";

type Json = Record<string, unknown>;

const FAKE_CLI = fileURLToPath(new URL("../tests/fakes/fake_yahoo_cli.ts", import.meta.url));
const DAILY_GOAL_S = 30;

interface Served {
  requests: number;
  faults: number;
  byKind: Record<string, number>;
}

interface FakeChild {
  url: string;
  /** Stops it and returns what it served: chart requests, faults injected, by kind. */
  stop(): Promise<Served>;
}

/** The fake Yahoo in its own process (its own core), as Yahoo would be. */
async function spawnFake(args: string[]): Promise<FakeChild> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "--allow-all", FAKE_CLI, "--port", "0", ...args],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!/fake Yahoo on (http:\S+)/.test(text)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the fake Yahoo did not start: ${text}`);
    text += value;
  }
  const url = /fake Yahoo on (http:\S+)/.exec(text)![1]!;
  return {
    url,
    async stop() {
      child.kill("SIGINT");
      let rest = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        rest += value;
      }
      await child.status;
      const m = /served (\d+) chart requests, (\d+) with faults (\{.*\})/.exec(rest);
      if (!m) throw new Error(`the fake Yahoo did not report what it served: ${rest}`);
      return { requests: Number(m[1]), faults: Number(m[2]), byKind: JSON.parse(m[3]!) };
    },
  };
}

const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

async function pipelineRun(
  label: string,
  fakeArgs: string[],
  options: { symbols: string[]; date: string; backfillFrom?: string; timeoutMs?: number },
): Promise<Json> {
  const fake = await spawnFake(fakeArgs);
  const dir = await Deno.makeTempDir({ prefix: "asxlab-bench-pipeline-" });
  try {
    const t0 = performance.now();
    const result = await runPipelineLocally({
      config: {
        lake: dir,
        yahooUrl: fake.url,
        pauseMs: 0,
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      },
      date: options.date,
      symbols: options.symbols,
      ...(options.backfillFrom === undefined ? {} : { backfillFrom: options.backfillFrom }),
    });
    const wall = (performance.now() - t0) / 1000;
    const served = await fake.stop();
    const s = result.summary!;
    const aggregate = (Date.parse(s.finished_at) - Date.parse(s.started_at)) / 1000;
    const out = {
      status: result.status,
      symbols: options.symbols.length,
      wall_s: round(wall),
      symbols_per_s: round(options.symbols.length / wall, 1),
      aggregate_s: round(aggregate),
      rows: s.rows.raw,
      rows_per_s: round(s.rows.raw / wall, 0),
      retries: s.retries,
      failed: s.symbols_failed.length,
      quarantined: s.rows.quarantined,
      requests: served.requests,
      faults_injected: served.faults,
      faults_by_kind: served.byKind,
      timeout_ms: options.timeoutMs ?? 10_000,
    };
    console.log(
      `${label}: ${out.wall_s} s wall, ${out.symbols_per_s} symbols/s, ${out.rows} rows, ${out.retries} retries (${served.faults} faults injected in ${served.requests} requests: ${
        JSON.stringify(served.byKind)
      }), ${out.failed} failed, aggregate ${out.aggregate_s} s`,
    );
    return out;
  } finally {
    await closeEngines();
    await Deno.remove(dir, { recursive: true });
  }
}

/** The fetch floor: the same requests, 10 workers, no state machine, no lake. */
async function fetchFloor(fakeArgs: string[], symbols: string[], date: string): Promise<Json> {
  const fake = await spawnFake(fakeArgs);
  let next = 0, retries = 0, failed = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < symbols.length) {
      const symbol = symbols[next++]!;
      try {
        const bars = await fetchDailyBars(symbol, { start: date, end: date, baseUrl: fake.url });
        retries += bars.attempts - 1;
      } catch (err) {
        if (!(err instanceof YahooError)) throw err;
        retries += err.attempts - 1;
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: 10 }, worker));
  const wall = (performance.now() - t0) / 1000;
  const served = await fake.stop();
  console.log(`fetch floor: ${round(wall)} s wall, ${retries} retries, ${failed} failed`);
  return {
    symbols: symbols.length,
    wall_s: round(wall),
    symbols_per_s: round(symbols.length / wall, 1),
    retries,
    failed,
    requests: served.requests,
    faults_injected: served.faults,
    timeout_ms: 10_000,
  };
}

/**
 * Runs the bench and writes `bench/results/pipeline.json`.
 *
 * @param args Bench options (see the module doc).
 */
export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      symbols: { type: "string", default: "2200" },
      "backfill-symbols": { type: "string", default: "200" },
      years: { type: "string", default: "20" },
      "latency-ms": { type: "string", default: "20" },
      "fault-rate": { type: "string", default: "0.02" },
      out: { type: "string" },
    },
  });
  const n = Number(values.symbols), nb = Number(values["backfill-symbols"]);
  const years = Number(values.years);
  const common = ["--latency-ms", values["latency-ms"]!, "--fault-rate", values["fault-rate"]!];
  const date = "2024-08-01";
  const loadStart = os.loadavg().map((x) => round(x, 1));
  const daily = syntheticSymbolNames(n);
  // A short market for the daily runs: the fake generates each series from its start.
  const dailyFake = [...common, "--market-start", "2024-01-01"];
  const results: Json = {
    generated: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpu: os.cpus()[0]?.model,
      deno: Deno.version.deno,
      loadAverageAtStart: loadStart,
    },
    method:
      "runPipelineLocally in this process (the same ASL and handlers as `deno task pipeline`; aws-local-stepfunctions; Map concurrency 10; batches of 100; pause 0) into a fresh local lake, against tests/fakes/fake_yahoo.ts in a child process (its own core) with the given latency and fault rate (faults drawn per symbol and attempt from 429 with Retry-After 1 s, 500, 503, stall, stall-body, truncated and non-JSON bodies). Wall clock from the first state to the run summary. The fetch floor makes the same requests with fetchDailyBars, 10 workers, no state machine and no lake.",
    params: {
      latency_ms: Number(values["latency-ms"]),
      fault_rate: Number(values["fault-rate"]),
      pause_ms: 0,
    },
  };
  results.daily = await pipelineRun(`daily ${n} × 1 day (10 s timeout)`, dailyFake, {
    symbols: daily,
    date,
  });
  results.daily_timeout_2s = await pipelineRun(`daily ${n} × 1 day (2 s timeout)`, dailyFake, {
    symbols: daily,
    date,
    timeoutMs: 2000,
  });
  results.fetch_floor = await fetchFloor(dailyFake, daily, date);
  const end = "2024-12-31", start = `${2024 - years + 1}-01-01`;
  results.backfill = await pipelineRun(`backfill ${nb} × ${years} years`, common, {
    symbols: syntheticSymbolNames(nb),
    date: end,
    backfillFrom: start,
  });
  const d = results.daily as { wall_s: number; faults_by_kind: Record<string, number> };
  const d2 = results.daily_timeout_2s as { wall_s: number };
  const f = results.fetch_floor as { wall_s: number };
  const stalls = (d.faults_by_kind.stall ?? 0) + (d.faults_by_kind["stall-body"] ?? 0);
  results.goal = {
    daily_under_s: DAILY_GOAL_S,
    daily_wall_s: d.wall_s,
    met: d.wall_s < DAILY_GOAL_S,
    daily_wall_s_with_2s_timeout: d2.wall_s,
    met_with_2s_timeout: d2.wall_s < DAILY_GOAL_S,
    pipeline_over_fetch_floor: round(d.wall_s / f.wall_s),
    why:
      `each injected stall costs one whole client timeout: ${stalls} stalls × 10 s over 10 lanes ≈ ${
        round(stalls * 10 / 10, 1)
      } s of the default run, × 2 s ≈ ${round(stalls * 2 / 10, 1)} s with a 2 s timeout`,
  };
  (results.machine as Json).loadAverageAtEnd = os.loadavg().map((x) => round(x, 1));
  const out = values.out ??
    join(fileURLToPath(new URL("./results/", import.meta.url)), "pipeline.json");
  await Deno.writeTextFile(out, JSON.stringify(results, null, 2) + "\n");
  console.log(
    `goal: daily run under ${DAILY_GOAL_S} s: ${d.wall_s} s (${
      (results.goal as Json).met ? "met" : "not met"
    }); written ${out}`,
  );
}
