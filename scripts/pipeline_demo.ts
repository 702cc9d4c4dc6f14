/**
 * A demo pipeline lake for notebook 05 (and anyone who wants to see the
 * pipeline work without Yahoo): real local pipeline runs — the runner behind
 * `deno task pipeline`, in-process — against the project's fake Yahoo server
 * (synthetic prices), for 20 symbols over May and June 2024, with the faults a
 * month of real runs brings:
 *
 * - a May backfill in which Yahoo sends every other bar of one symbol empty
 *   (null bars: sessions the lake never gets, behind the watermark);
 * - daily runs on every June session but one (2024-06-19 is skipped: the next
 *   run catches up);
 * - a symbol that answers 503 for three days, then recovers;
 * - a symbol that answers 404 ("delisted") from 2024-06-17 on;
 * - two one-day price spikes without a split (quarantined by the pipeline's
 *   jump check; the first is fetched clean by the next run, the second is on
 *   the last day), and one bar whose high is below its close (quarantined at
 *   the lake's door, fetched clean the next day);
 * - 5 % of requests failing once with 429/500/503/malformed bodies (retried).
 *
 * ```sh
 * deno task pipeline:demo            # into data-cache/pipeline-lake (must be empty or absent)
 * deno task pipeline:demo /tmp/demo  # anywhere else
 * ```
 *
 * It refuses a directory that already holds anything: the demo never writes
 * into a lake with real runs.
 *
 * @module
 */

import { readdirSync } from "node:fs";
import { cliPath, runCli } from "../src/cli/_cli.ts";
import { tradingDays } from "../src/core/calendar.ts";
import { formatDate, parseDate } from "../src/core/dates.ts";
import { ConfigError } from "../src/core/errors.ts";
import { DEFAULT_PIPELINE_LAKE_DIR } from "../src/lake/defaults.ts";
import { closeEngines } from "../src/lake/open_engine.ts";
import { type LocalRunResult, runPipelineLocally } from "../src/pipeline/local_runner.ts";
import { type FaultKind, startFakeYahoo } from "../tests/fakes/fake_yahoo.ts";

/** The universe: 19 large caps and the index. */
export const SEED_SYMBOLS: readonly string[] = [
  "ANZ.AX",
  "BHP.AX",
  "CBA.AX",
  "COL.AX",
  "CSL.AX",
  "FMG.AX",
  "GMG.AX",
  "MQG.AX",
  "NAB.AX",
  "ORG.AX",
  "QBE.AX",
  "REA.AX",
  "RIO.AX",
  "STO.AX",
  "TCL.AX",
  "TLS.AX",
  "WBC.AX",
  "WDS.AX",
  "WES.AX",
  "^AXJO",
];

/** What the seeded lake holds, for tests to check the notebook's findings against. */
export const SEED_PLAN = {
  backfill: { from: "2024-05-01", to: "2024-05-31" },
  /** The daily runs cover June's sessions except this one. */
  skipped: "2024-06-19",
  lastRun: "2024-06-28",
  nullBars: "WES.AX",
  outage: { symbol: "QBE.AX", from: "2024-06-05", to: "2024-06-07" },
  delisted: { symbol: "ORG.AX", from: "2024-06-17" },
  spikes: [{ symbol: "FMG.AX", date: "2024-06-13" }, { symbol: "RIO.AX", date: "2024-06-28" }],
  badOhlc: { symbol: "TLS.AX", date: "2024-06-24" },
} as const;

/** The symbol faults of one run date. */
function faultsOn(date: string): Record<string, FaultKind> {
  const p = SEED_PLAN;
  const out: Record<string, FaultKind> = {};
  if (date >= p.outage.from && date <= p.outage.to) out[p.outage.symbol] = "503";
  if (date >= p.delisted.from) out[p.delisted.symbol] = "404";
  for (const s of p.spikes) if (s.date === date) out[s.symbol] = "spike";
  if (p.badOhlc.date === date) out[p.badOhlc.symbol] = "bad-ohlc";
  return out;
}

/**
 * Runs the pipeline into `dir`: a May backfill, then a run per June session
 * (one skipped), each at 19:00 Sydney time on its date.
 *
 * @param dir The lake directory: absent or empty (it is created).
 * @param onRun Called after each run.
 * @returns Each run's result.
 * @throws {ConfigError} When `dir` holds anything already.
 * @throws {Error} When a run does not succeed.
 */
export async function seedPipelineLake(
  dir: string,
  onRun?: (result: LocalRunResult) => void,
): Promise<LocalRunResult[]> {
  let entries: string[] = [];
  try {
    entries = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  if (entries.length > 0) {
    throw new ConfigError(
      `${dir} is not empty (${entries.slice(0, 3).join(", ")}${
        entries.length > 3 ? ", …" : ""
      }): ` +
        "the demo only seeds a new lake. Give an empty or new directory, or remove that one.",
    );
  }
  const fake = await startFakeYahoo({
    faultRate: 0.05,
    faultKinds: ["429", "500", "503", "malformed"],
    retryAfterSeconds: 0,
  });
  const results: LocalRunResult[] = [];
  try {
    const run = async (date: string, backfillFrom?: string) => {
      for (const symbol of SEED_SYMBOLS) fake.setSymbolFault(symbol, undefined);
      const faults = backfillFrom === undefined
        ? faultsOn(date)
        : { [SEED_PLAN.nullBars]: "null-bars" as const };
      for (const [symbol, fault] of Object.entries(faults)) fake.setSymbolFault(symbol, fault);
      // The clock of a run at 19:00 in Sydney (09:00 UTC) on its date, ticking.
      const offset = parseDate(date) * 86_400_000 + 9 * 3_600_000 - Date.now();
      const result = await runPipelineLocally({
        config: {
          lake: dir,
          yahooUrl: fake.url,
          pauseMs: 0,
          timeoutMs: 2_000,
          retries: 4,
          retryBaseMs: 5,
          retryMaxMs: 50,
        },
        date,
        symbols: [...SEED_SYMBOLS],
        ...(backfillFrom === undefined ? {} : { backfillFrom }),
        retryWaitMs: 0,
        preflight: false,
        now: () => new Date(Date.now() + offset),
      });
      if (result.status !== "SUCCEEDED") {
        throw new Error(`Seeding ${dir}: the run of ${date} failed: ${result.error?.message}`);
      }
      results.push(result);
      onRun?.(result);
    };
    await run(SEED_PLAN.backfill.to, SEED_PLAN.backfill.from);
    for (const day of tradingDays("2024-06-01", SEED_PLAN.lastRun)) {
      const date = formatDate(day);
      if (date !== SEED_PLAN.skipped) await run(date);
    }
  } finally {
    await fake.close();
    await closeEngines();
  }
  return results;
}

/** Where `deno task pipeline:demo` seeds by default: the pipeline's own default lake. */
const DEMO_LAKE = DEFAULT_PIPELINE_LAKE_DIR;

const USAGE = "usage: deno task pipeline:demo [DIR]   seeds a demo pipeline lake (20 symbols, " +
  "May-June 2024, with faults) from the fake Yahoo server into DIR, which must be empty or " +
  `absent (default: ${DEMO_LAKE})`;

if (import.meta.main) {
  runCli(async () => {
    if (Deno.args.includes("-h") || Deno.args.includes("--help")) {
      console.log(USAGE);
      return 0;
    }
    if (Deno.args.length > 1 || Deno.args[0]?.startsWith("-")) {
      throw new ConfigError(`Unexpected arguments ${JSON.stringify(Deno.args)}. ${USAGE}`);
    }
    const dir = Deno.args[0] === undefined ? DEMO_LAKE : cliPath(Deno.args[0]);
    const started = Date.now();
    await seedPipelineLake(dir, (r) => {
      const s = r.summary!;
      console.error(
        `${r.date}: ${s.symbols_fetched} fetched, ${s.symbols_failed.length} failed, ` +
          `${s.rows.quarantined} quarantined, ${s.retries} retries`,
      );
    });
    console.error(
      `seeded ${dir} in ${((Date.now() - started) / 1000).toFixed(1)} s; ` +
        "open notebooks/05_pipeline_health.ipynb" +
        (dir === DEMO_LAKE ? "" : ` with ASXLAB_LAKE=${dir}`),
    );
    return 0;
  });
}
