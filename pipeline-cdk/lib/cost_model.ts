/**
 * What the deployed pipeline costs a month, from its parameters, with the
 * arithmetic shown: Lambda GB-seconds, Step Functions transitions, S3 storage
 * and requests, CloudWatch alarms and logs, X-Ray; for the daily run and for a
 * one-off 20-year backfill. `deno task cost` prints it.
 *
 * The prices are AWS list prices for ap-southeast-2 (Sydney) as published on
 * the services' pricing pages; they are assumptions, dated, and not fetched
 * (nothing here reaches AWS): check them before relying on the totals.
 *
 * @module
 */

import { PIPELINE_HANDLERS } from "./handlers.ts";
import { DEFAULT_SETTINGS } from "./settings.ts";

/** AWS list prices used, USD, ap-southeast-2. */
export const PRICES = {
  /** As read from aws.amazon.com/<service>/pricing (ap-southeast-2 column). */
  asOf: "2026-11",
  region: "ap-southeast-2",
  /** Lambda duration, arm64, first 7.5 billion GB-s a month. */
  lambdaArmGbSecond: 0.0000133334,
  /** Lambda duration, x86_64, first 6 billion GB-s a month. */
  lambdaX86GbSecond: 0.0000166667,
  /** Lambda requests. */
  lambdaRequest: 0.20 / 1e6,
  /** Step Functions Standard, per state transition. */
  sfnTransition: 0.025 / 1000,
  /** Step Functions Express, per request. */
  expressRequest: 1.0 / 1e6,
  /** Step Functions Express duration, per GB-s (billed in 64 MB steps, 100 ms). */
  expressGbSecond: 0.00001667,
  /** S3 Standard storage, first 50 TB. */
  s3GbMonth: 0.025,
  /** S3 PUT, COPY, POST, LIST requests. */
  s3Put: 0.0055 / 1000,
  /** S3 GET, HEAD (and all other) requests. */
  s3Get: 0.00044 / 1000,
  /** CloudWatch standard-resolution alarm, per metric it evaluates. */
  alarmMetric: 0.10,
  /** CloudWatch Logs ingestion (standard class). */
  logsIngestGb: 0.57,
  /** X-Ray traces recorded. */
  xrayTrace: 5.0 / 1e6,
  /** A customer-managed KMS key (only with asxlab:encryption=kms). */
  kmsKeyMonth: 1.0,
  /** Athena, per TB scanned (10 MB minimum per query). */
  athenaTb: 5.0,
} as const;

/** The always-free allowances (they do not expire after the first year). */
export const FREE_TIER = {
  lambdaGbSeconds: 400_000,
  lambdaRequests: 1_000_000,
  sfnTransitions: 4_000,
  alarmMetrics: 10,
  logsIngestGb: 5,
  xrayTraces: 100_000,
} as const;

/**
 * Metrics the alarms evaluate (a metric-math alarm counts each metric):
 * ExecutionsFailed 1, ExecutionsTimedOut 1, function errors 3, throttles 3,
 * no successful run 1. test/cost_model_test.ts counts them in the template.
 */
export const ALARM_METRICS = 9;

/** What the model needs; defaults are the deployment's and the measurements noted. */
export interface CostParams {
  /** Symbols fetched a day. @default {2200} */
  symbols: number;
  /** Symbols per batch (the pipeline's default). @default {100} */
  batchSize: number;
  /** Runs a month (daily, weekends included: the schedule runs every day). @default {30.44} */
  runsPerMonth: number;
  /** Pause between two symbols of a batch, ms (asxlab:fetchPauseMs). */
  pauseMs: number;
  /** One Yahoo chart request from Lambda in Sydney, ms (assumed). @default {350} */
  yahooMs: number;
  /** Per fetch invocation: cold start, lake open, Parquet write, ms (assumed). @default {3000} */
  batchOverheadMs: number;
  /** UpdateASXSymbols, seconds a run: download and diff the ASX list (assumed). @default {10} */
  updateSeconds: number;
  /**
   * AggregateResults, seconds a run. Measured: 4.3 s in Deno on this 2-core machine to merge
   * a day of 2,200 symbols into a 7-month year file; 15 s allows for a cold start and S3.
   * @default {15}
   */
  aggregateSeconds: number;
  /** Memory of each function, MB (from PIPELINE_HANDLERS). */
  memoryMb: { update: number; fetch: number; aggregate: number };
  /** `arm64` as deployed, or `x86_64` for comparison. @default {"arm64"} */
  architecture: "arm64" | "x86_64";
  /** Years of history in the lake. @default {20} */
  years: number;
  /** Trading days a year. @default {252} */
  tradingDays: number;
  /** Curated Parquet bytes per row (measured on the shipped sample lake: 2.10 MB / 67,276 rows). */
  bytesPerRow: number;
  /** Raw bytes a batch leaves under raw-data/ (Parquet + its JSON log), assumed. @default {12000} */
  rawBytesPerBatch: number;
  /** Old versions kept (asxlab:noncurrentVersionDays). */
  noncurrentDays: number;
  /** CloudWatch Logs ingested a run, bytes (Lambda + state machine events, no payloads; assumed). */
  logBytesPerRun: number;
  /** Whether the lake uses a customer-managed KMS key. @default {false} */
  kms: boolean;
}

const memoryOf = (state: string) => PIPELINE_HANDLERS.find((h) => h.state === state)!.memoryMb;

/** The deployment's defaults. */
export const DEFAULT_COST_PARAMS: Readonly<CostParams> = {
  symbols: 2200,
  batchSize: 100,
  runsPerMonth: 365.25 / 12,
  pauseMs: DEFAULT_SETTINGS.fetchPauseMs,
  yahooMs: 350,
  batchOverheadMs: 3000,
  updateSeconds: 10,
  aggregateSeconds: 15,
  memoryMb: {
    update: memoryOf("UpdateASXSymbols"),
    fetch: memoryOf("FetchStockData"),
    aggregate: memoryOf("AggregateResults"),
  },
  architecture: "arm64",
  years: 20,
  tradingDays: 252,
  bytesPerRow: 2.10e6 / 67_276,
  rawBytesPerBatch: 12_000,
  noncurrentDays: DEFAULT_SETTINGS.noncurrentVersionDays,
  logBytesPerRun: 150_000,
  kms: false,
};

/** One line of the bill. */
export interface CostLine {
  /** What is billed. */
  item: string;
  /** The run itself (compute, orchestration, storage) or watching it (alarms, logs, traces). */
  group: "run" | "observability";
  /** The arithmetic, in words and numbers. */
  usage: string;
  /** At list price, USD a month (or once, for the backfill). */
  list: number;
  /** After the always-free allowances, USD. */
  afterFreeTier: number;
}

/** Totals at list price and after the always-free allowances, USD. */
export interface Totals {
  list: number;
  afterFreeTier: number;
}

/** A bill: its lines and totals, overall and by group. */
export interface Bill extends Totals {
  title: string;
  lines: CostLine[];
  /** The run's own cost. */
  run: Totals;
  /** Alarms, logs and traces. */
  observability: Totals;
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString("en-AU", { minimumFractionDigits: digits, maximumFractionDigits: digits });

function totals(lines: readonly CostLine[]): Totals {
  return {
    list: lines.reduce((s, l) => s + l.list, 0),
    afterFreeTier: lines.reduce((s, l) => s + l.afterFreeTier, 0),
  };
}

function bill(title: string, lines: CostLine[]): Bill {
  return {
    title,
    lines,
    ...totals(lines),
    run: totals(lines.filter((l) => l.group === "run")),
    observability: totals(lines.filter((l) => l.group === "observability")),
  };
}

/** Seconds one fetch batch of `n` symbols runs: pauses between symbols, requests, overhead. */
function batchSeconds(p: CostParams, n: number): number {
  return (p.batchOverheadMs + n * p.yahooMs + Math.max(0, n - 1) * p.pauseMs) / 1000;
}

/**
 * The monthly bill of the daily run, the lake holding `years` of history.
 *
 * @param params The model's parameters.
 * @returns Each line with its arithmetic, and the totals.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_COST_PARAMS, dailyBill } from "./cost_model.ts";
 * const b = dailyBill(DEFAULT_COST_PARAMS);
 * assert.ok(b.list > b.afterFreeTier);
 * ```
 */
export function dailyBill(params: CostParams): Bill {
  const p = params;
  const runs = p.runsPerMonth;
  const batches = Math.ceil(p.symbols / p.batchSize);
  const perGbS = p.architecture === "arm64" ? PRICES.lambdaArmGbSecond : PRICES.lambdaX86GbSecond;
  const fetchS = batches * batchSeconds(p, p.batchSize);
  const fetchGbS = fetchS * (p.memoryMb.fetch / 1024) * runs;
  const updateGbS = p.updateSeconds * (p.memoryMb.update / 1024) * runs;
  const aggGbS = p.aggregateSeconds * (p.memoryMb.aggregate / 1024) * runs;
  const gbS = fetchGbS + updateGbS + aggGbS;
  const invocations = (batches + 2) * runs;
  const freeGbS = Math.min(gbS, FREE_TIER.lambdaGbSeconds);
  // Lambda's free GB-seconds are shared by the three functions: give them out in proportion.
  const share = (x: number) => x * perGbS * (1 - freeGbS / gbS);
  const transitions = (batches + 3) * runs;
  const rows = p.symbols * p.tradingDays * p.years;
  const curatedGb = (rows * p.bytesPerRow) / 1e9;
  const yearFileGb = (p.symbols * p.tradingDays * p.bytesPerRow) / 1e9;
  // Each merge replaces this year's file; on average it is half a year's size.
  const versionsGb = p.noncurrentDays * (yearFileGb / 2);
  const rawGbAYear = (batches * p.rawBytesPerBatch * 365.25) / 1e9;
  const storageGb = curatedGb + versionsGb + rawGbAYear;
  // Requests a run, as the deployed-pipeline test counts them: the list step LISTs once and
  // PUTs 2; each batch HEADs/GETs its watermarks and PUTs 2; the aggregator LISTs, reads 2 per
  // batch plus the year file and the watermarks, and PUTs ~6.
  const puts = (1 + 2 + 2 * batches + 1 + 6) * runs;
  const gets = (2 * batches + 2 * batches + 4) * runs;
  const logsGb = (p.logBytesPerRun * runs) / 1e9;
  const traces = (batches + 3) * runs;
  const lines: CostLine[] = [
    {
      item: "Lambda FetchStockData",
      group: "run",
      usage: `${batches} batches × (${fmt(p.batchOverheadMs / 1000, 1)} s + ${p.batchSize} × ${
        fmt(p.yahooMs / 1000, 2)
      } s + ${p.batchSize - 1} × ${fmt(p.pauseMs / 1000, 2)} s pause) = ${fmt(fetchS)} s × ${
        fmt(p.memoryMb.fetch / 1024, 3)
      } GB × ${fmt(runs, 2)} runs = ${fmt(fetchGbS)} GB-s`,
      list: fetchGbS * perGbS,
      afterFreeTier: share(fetchGbS),
    },
    {
      item: "Lambda UpdateASXSymbols",
      group: "run",
      usage: `${p.updateSeconds} s × ${fmt(p.memoryMb.update / 1024, 3)} GB × ${fmt(runs, 2)} = ${
        fmt(updateGbS)
      } GB-s`,
      list: updateGbS * perGbS,
      afterFreeTier: share(updateGbS),
    },
    {
      item: "Lambda AggregateResults",
      group: "run",
      usage: `${p.aggregateSeconds} s × ${fmt(p.memoryMb.aggregate / 1024, 3)} GB × ${
        fmt(runs, 2)
      } = ${fmt(aggGbS)} GB-s`,
      list: aggGbS * perGbS,
      afterFreeTier: share(aggGbS),
    },
    {
      item: "Lambda requests",
      group: "run",
      usage: `(${batches} + 2) invocations × ${fmt(runs, 2)} = ${fmt(invocations)}`,
      list: invocations * PRICES.lambdaRequest,
      afterFreeTier: Math.max(0, invocations - FREE_TIER.lambdaRequests) * PRICES.lambdaRequest,
    },
    {
      item: "Step Functions (Standard)",
      group: "run",
      usage: `(${batches} fetches + 3 states) transitions × ${fmt(runs, 2)} = ${fmt(transitions)}`,
      list: transitions * PRICES.sfnTransition,
      afterFreeTier: Math.max(0, transitions - FREE_TIER.sfnTransitions) * PRICES.sfnTransition,
    },
    {
      item: "S3 storage",
      group: "run",
      usage: `${fmt(rows)} curated rows × ${fmt(p.bytesPerRow, 1)} B = ${
        fmt(curatedGb, 3)
      } GB + ${p.noncurrentDays} old versions of this year's file ${
        fmt(versionsGb, 3)
      } GB + a year of raw ${fmt(rawGbAYear, 3)} GB = ${fmt(storageGb, 3)} GB`,
      list: storageGb * PRICES.s3GbMonth,
      afterFreeTier: storageGb * PRICES.s3GbMonth,
    },
    {
      item: "S3 requests",
      group: "run",
      usage: `${fmt(puts)} PUT/LIST + ${fmt(gets)} GET/HEAD`,
      list: puts * PRICES.s3Put + gets * PRICES.s3Get,
      afterFreeTier: puts * PRICES.s3Put + gets * PRICES.s3Get,
    },
    {
      item: "CloudWatch alarms",
      group: "observability",
      usage: `${ALARM_METRICS} alarm metrics (10 free)`,
      list: ALARM_METRICS * PRICES.alarmMetric,
      afterFreeTier: Math.max(0, ALARM_METRICS - FREE_TIER.alarmMetrics) * PRICES.alarmMetric,
    },
    {
      item: "CloudWatch Logs",
      group: "observability",
      usage: `${fmt(p.logBytesPerRun / 1000)} KB a run × ${fmt(runs, 2)} = ${fmt(logsGb, 4)} GB`,
      list: logsGb * PRICES.logsIngestGb,
      afterFreeTier: Math.max(0, logsGb - FREE_TIER.logsIngestGb) * PRICES.logsIngestGb,
    },
    {
      item: "X-Ray",
      group: "observability",
      usage: `${fmt(traces)} traces`,
      list: traces * PRICES.xrayTrace,
      afterFreeTier: Math.max(0, traces - FREE_TIER.xrayTraces) * PRICES.xrayTrace,
    },
  ];
  if (p.kms) {
    lines.push({
      item: "KMS key",
      group: "run",
      usage: "1 customer-managed key (requests are few: bucket key on)",
      list: PRICES.kmsKeyMonth,
      afterFreeTier: PRICES.kmsKeyMonth,
    });
  }
  return bill(
    `Daily run: ${fmt(p.symbols)} symbols in ${batches} batches of ${p.batchSize}, ${
      fmt(runs, 2)
    } runs a month, ${p.architecture}`,
    lines,
  );
}

/**
 * What a run costs in Step Functions as an Express workflow, for comparison
 * (Express workflows stop after 5 minutes; a daily run lasts longer).
 *
 * @param params The model's parameters.
 * @returns The monthly cost and the run's length in seconds.
 */
export function expressComparison(params: CostParams): { monthly: number; runSeconds: number } {
  const batches = Math.ceil(params.symbols / params.batchSize);
  const waves = Math.ceil(batches / 10); // Map MaxConcurrency 10
  const runSeconds = params.updateSeconds + waves * batchSeconds(params, params.batchSize) +
    params.aggregateSeconds;
  // 64 MB, the smallest billed memory step, holds this run's state.
  const monthly = params.runsPerMonth *
    (PRICES.expressRequest + runSeconds * (64 / 1024) * PRICES.expressGbSecond);
  return { monthly, runSeconds };
}

/**
 * The one-off bill of a backfill of `years` for every symbol through the
 * deployed pipeline: Yahoo returns a symbol's whole range in one chart
 * request, so fetching stays pause-bound, and the work moves to parsing and
 * to the aggregator.
 *
 * @param params The model's parameters.
 * @returns Each line with its arithmetic, and the totals.
 */
export function backfillBill(params: CostParams): Bill {
  const p = params;
  const batches = Math.ceil(p.symbols / p.batchSize);
  const perGbS = p.architecture === "arm64" ? PRICES.lambdaArmGbSecond : PRICES.lambdaX86GbSecond;
  const rows = p.symbols * p.tradingDays * p.years;
  // A 20-year response is ~1 MB of JSON: assume it doubles the request time.
  const slower = { ...p, yahooMs: 2 * p.yahooMs };
  const fetchS = batches * batchSeconds(slower, p.batchSize);
  const fetchGbS = fetchS * (p.memoryMb.fetch / 1024);
  // The aggregator merges every year at once. The pipeline bench merged 1.02 M rows (200 symbols ×
  // 20 years) in 9.7 s; 11 M rows would take ~110 s at that rate: assume 300 s.
  const aggSeconds = 300;
  const aggGbS = aggSeconds * (p.memoryMb.aggregate / 1024);
  const gb = (rows * p.bytesPerRow) / 1e9;
  const puts = 2 * batches + p.years + 10;
  const lines: CostLine[] = [
    {
      item: "Lambda FetchStockData",
      group: "run",
      usage: `${batches} × ${fmt(batchSeconds(slower, p.batchSize))} s × ${
        fmt(p.memoryMb.fetch / 1024, 3)
      } GB = ${fmt(fetchGbS)} GB-s`,
      list: fetchGbS * perGbS,
      afterFreeTier: 0,
    },
    {
      item: "Lambda AggregateResults",
      group: "run",
      usage: `${aggSeconds} s × ${fmt(p.memoryMb.aggregate / 1024, 3)} GB = ${fmt(aggGbS)} GB-s`,
      list: aggGbS * perGbS,
      afterFreeTier: 0,
    },
    {
      item: "S3 requests",
      group: "run",
      usage: `~${fmt(puts)} PUTs (raw batches, ${p.years} year files, bookkeeping)`,
      list: puts * PRICES.s3Put,
      afterFreeTier: puts * PRICES.s3Put,
    },
    {
      item: "S3 storage added",
      group: "run",
      usage: `${fmt(rows)} rows × ${fmt(p.bytesPerRow, 1)} B = ${fmt(gb, 3)} GB, a month`,
      list: gb * PRICES.s3GbMonth,
      afterFreeTier: gb * PRICES.s3GbMonth,
    },
  ];
  return bill(`Backfill, once: ${fmt(p.symbols)} symbols × ${p.years} years`, lines);
}

/**
 * The longest fetch pause (whole 100 ms) at which the run itself costs at most
 * `budget` a month at list price, or `undefined` when even no pause is over it.
 *
 * @param params The model's parameters (its `pauseMs` is ignored).
 * @param budget USD a month.
 * @returns The pause, ms.
 */
export function pauseForBudget(params: CostParams, budget: number): number | undefined {
  const cost = (pauseMs: number) => dailyBill({ ...params, pauseMs }).run.list;
  if (cost(0) > budget) return undefined;
  let ms = 0;
  while (cost(ms + 100) <= budget && ms < 60_000) ms += 100;
  return ms;
}

/** The seed's estimate for the same pipeline (issue 13), USD a month. */
export const SEED_MONTHLY = 1.41;

/**
 * The bills as a plain-text table.
 *
 * @param bills Bills to print.
 * @returns Text, one line per item, the arithmetic beneath the item.
 */
export function formatBills(bills: readonly Bill[]): string {
  const money = (n: number) => `$${n.toFixed(n < 0.01 && n > 0 ? 4 : 2)}`;
  const row = (name: string, t: Totals) =>
    `  ${name.padEnd(26)}${money(t.list).padStart(9)}${money(t.afterFreeTier).padStart(12)}`;
  const out: string[] = [];
  for (const b of bills) {
    out.push(b.title, `${"".padEnd(28)}${"list".padStart(9)}${"free tier".padStart(12)}`);
    for (const l of b.lines) out.push(row(l.item, l), `      ${l.usage}`);
    if (b.observability.list > 0) {
      out.push(row("The run", b.run), row("Alarms, logs, traces", b.observability));
    }
    out.push(row("Total", b), "");
  }
  return out.join("\n");
}
