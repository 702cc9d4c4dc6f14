/**
 * `deno task cost`: the pipeline's monthly cost from its parameters, with the
 * arithmetic and the prices it assumes.
 *
 * ```sh
 * deno task cost [--symbols 2200] [--pause-ms 2000] [--fetch-memory 256] [--x86] [--kms] [--json]
 * ```
 *
 * @module
 */

import process from "node:process";
import { parseArgs } from "node:util";
import {
  backfillBill,
  type CostParams,
  dailyBill,
  DEFAULT_COST_PARAMS,
  expressComparison,
  formatBills,
  FREE_TIER,
  pauseForBudget,
  PRICES,
  SEED_MONTHLY,
} from "../lib/cost_model.ts";
import { runScript } from "../lib/cli.ts";

function main(): number {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      symbols: { type: "string" },
      "pause-ms": { type: "string" },
      "fetch-memory": { type: "string" },
      years: { type: "string" },
      x86: { type: "boolean", default: false },
      kms: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
    },
  });
  const num = (name: string, v: string | undefined, fallback: number) => {
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) {
      throw new TypeError(`--${name} must be a number >= 0, got "${v}"`);
    }
    return n;
  };
  const p: CostParams = {
    ...DEFAULT_COST_PARAMS,
    symbols: num("symbols", values.symbols, DEFAULT_COST_PARAMS.symbols),
    pauseMs: num("pause-ms", values["pause-ms"], DEFAULT_COST_PARAMS.pauseMs),
    years: num("years", values.years, DEFAULT_COST_PARAMS.years),
    memoryMb: {
      ...DEFAULT_COST_PARAMS.memoryMb,
      fetch: num("fetch-memory", values["fetch-memory"], DEFAULT_COST_PARAMS.memoryMb.fetch),
    },
    architecture: values.x86 ? "x86_64" : "arm64",
    kms: values.kms,
  };
  const daily = dailyBill(p);
  const backfill = backfillBill(p);
  const express = expressComparison(p);
  if (values.json) {
    console.log(
      JSON.stringify(
        { params: p, prices: PRICES, freeTier: FREE_TIER, daily, backfill, express },
        null,
        2,
      ),
    );
    return 0;
  }
  console.log(
    `asxlab pipeline: what AWS bills, USD, ${PRICES.region} list prices as of ${PRICES.asOf} ` +
      `(assumptions: check aws.amazon.com/<service>/pricing)\n`,
  );
  console.log(formatBills([daily, backfill]));
  const money = (n: number) => `$${n.toFixed(2)}`;
  const budget = 0.5;
  const pause = pauseForBudget(p, budget);
  console.log(
    [
      `Goal, at most ${money(budget)} a month for the daily run: ${
        money(daily.run.list)
      } at list price, ` +
      `${money(daily.run.afterFreeTier)} within the always-free allowances (Lambda ` +
      `${FREE_TIER.lambdaGbSeconds.toLocaleString("en-AU")} GB-s, Step Functions ` +
      `${
        FREE_TIER.sfnTransitions.toLocaleString("en-AU")
      } transitions, ${FREE_TIER.alarmMetrics} alarm metrics, ` +
      `${FREE_TIER.logsIngestGb} GB of logs).`,
      `The fetcher waiting ${p.pauseMs} ms between symbols is ${
        money(daily.lines[0]!.list)
      } of it` +
      (pause === undefined
        ? "."
        : `; a pause of ${pause} ms (-c asxlab:fetchPauseMs=${pause}) brings the run to ${
          money(budget)
        }.`),
      `Watching it (alarms, logs, traces): ${money(daily.observability.list)} at list price, ${
        money(daily.observability.afterFreeTier)
      } within the free 10 alarm metrics. The seed's estimate: ${money(SEED_MONTHLY)}.`,
      `As an Express workflow the orchestration would cost $${
        express.monthly.toFixed(3)
      } a month, but a run ` +
      `lasts ~${
        Math.round(express.runSeconds / 60)
      } minutes and Express workflows stop at 5: Standard it is.`,
    ].join("\n"),
  );
  return 0;
}

await runScript(main);
