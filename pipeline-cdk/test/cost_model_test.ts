import assert from "node:assert/strict";
import {
  ALARM_METRICS,
  backfillBill,
  dailyBill,
  DEFAULT_COST_PARAMS,
  expressComparison,
  FREE_TIER,
  pauseForBudget,
  PRICES,
} from "../lib/cost_model.ts";
import { PIPELINE_HANDLERS } from "../lib/handlers.ts";
import { app, resources } from "./_app.ts";

const near = (a: number, b: number, what: string) =>
  assert.ok(Math.abs(a - b) < 1e-9 * Math.max(1, Math.abs(b)), `${what}: ${a} != ${b}`);

Deno.test("cost model: the fetcher's line is the arithmetic it prints", () => {
  const b = dailyBill(DEFAULT_COST_PARAMS);
  const fetch = b.lines.find((l) => l.item === "Lambda FetchStockData")!;
  // 22 batches × (3 s + 100 × 0.35 s + 99 × 2 s) = 5,192 s a run, at 320 MB, 30.4375 runs.
  const gbS = 22 * (3 + 35 + 198) * (320 / 1024) * (365.25 / 12);
  near(fetch.list, gbS * PRICES.lambdaArmGbSecond, "fetch list");
  assert.match(
    fetch.usage,
    /22 batches × \(3\.0 s \+ 100 × 0\.35 s \+ 99 × 2\.00 s pause\) = 5,192 s/,
  );
  assert.match(fetch.usage, /= 49,385 GB-s$/);
});

Deno.test("cost model: totals add up, by group, and the free tier only ever lowers them", () => {
  for (const b of [dailyBill(DEFAULT_COST_PARAMS), backfillBill(DEFAULT_COST_PARAMS)]) {
    near(b.list, b.lines.reduce((s, l) => s + l.list, 0), "list");
    near(b.list, b.run.list + b.observability.list, "groups");
    for (const l of b.lines) assert.ok(l.afterFreeTier <= l.list + 1e-12, l.item);
  }
  // Lambda's 400,000 free GB-s cover the daily run's ~50,000.
  const d = dailyBill(DEFAULT_COST_PARAMS);
  assert.equal(
    d.lines.filter((l) => l.item.startsWith("Lambda")).reduce((s, l) => s + l.afterFreeTier, 0),
    0,
  );
  assert.ok(FREE_TIER.lambdaGbSeconds > 51_000);
});

Deno.test("cost model: arm64 is 20 % cheaper than x86 per GB-s; no pause, a much cheaper fetcher", () => {
  const arm = dailyBill(DEFAULT_COST_PARAMS).lines[0]!.list;
  const x86 = dailyBill({ ...DEFAULT_COST_PARAMS, architecture: "x86_64" }).lines[0]!.list;
  near(arm / x86, PRICES.lambdaArmGbSecond / PRICES.lambdaX86GbSecond, "arm/x86");
  assert.ok(Math.abs(arm / x86 - 0.8) < 1e-5);
  const noPause = dailyBill({ ...DEFAULT_COST_PARAMS, pauseMs: 0 }).lines[0]!.list;
  assert.ok(noPause < arm / 4);
  const p = pauseForBudget(DEFAULT_COST_PARAMS, 0.5)!;
  assert.ok(dailyBill({ ...DEFAULT_COST_PARAMS, pauseMs: p }).run.list <= 0.5);
  assert.ok(dailyBill({ ...DEFAULT_COST_PARAMS, pauseMs: p + 100 }).run.list > 0.5);
  assert.equal(pauseForBudget(DEFAULT_COST_PARAMS, 0.0001), undefined);
});

Deno.test("cost model: an Express workflow could not run the pipeline (over 5 minutes)", () => {
  const e = expressComparison(DEFAULT_COST_PARAMS);
  assert.ok(e.runSeconds > 300, `${e.runSeconds} s`);
});

Deno.test("cost model: its memory sizes and alarm metrics are the deployed ones", () => {
  const t = app().pipelineTemplate;
  const fns = Object.values(resources(t, "AWS::Lambda::Function"));
  const memory = (entry: string) =>
    fns.find((f) => String(f.Properties.Description).includes(`${entry}.ts`))!.Properties
      .MemorySize;
  const m = DEFAULT_COST_PARAMS.memoryMb;
  assert.deepEqual(
    [m.update, m.fetch, m.aggregate],
    PIPELINE_HANDLERS.map((h) => memory(h.entry)),
  );
  let metrics = 0;
  for (const a of Object.values(resources(t, "AWS::CloudWatch::Alarm"))) {
    const list = a.Properties.Metrics as { MetricStat?: unknown }[] | undefined;
    metrics += list ? list.filter((x) => x.MetricStat).length : 1;
  }
  assert.equal(ALARM_METRICS, metrics);
});

Deno.test("cost model: the README's cost table is what the model prints", () => {
  const readme = Deno.readTextFileSync(new URL("../../README.md", import.meta.url));
  const b = dailyBill(DEFAULT_COST_PARAMS);
  const cell = (label: string) => {
    const row = readme.split("\n").find((l) => l.startsWith(`| ${label}`));
    assert.ok(row, `README has a "${label}" row`);
    return row.split("|").map((c) => c.trim().replaceAll("*", ""));
  };
  const money = (n: number) => `$${n.toFixed(2)}`;
  assert.equal(cell("**the run**")[3], money(b.run.list));
  assert.equal(cell("**the run**")[4], money(b.run.afterFreeTier));
  assert.equal(cell("**total**")[3], money(b.list));
  assert.equal(cell("Lambda FetchStockData")[3], money(b.lines[0]!.list));
  assert.equal(cell("CloudWatch alarms")[3], money(ALARM_METRICS * PRICES.alarmMetric));
  assert.match(readme, new RegExp(`fetchPauseMs=${pauseForBudget(DEFAULT_COST_PARAMS, 0.5)}\\b`));
});
