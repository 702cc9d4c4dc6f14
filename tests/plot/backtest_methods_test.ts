/** `bt.plot()` and `sweep.heatmap()`: what they draw, and the seam that adds them from src/plot. */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  Backtest,
  backtestChart,
  backtestReport,
  ConfigError,
  Figure,
  htmlPage,
  HtmlTable,
  MovingAverageCrossover,
  RSIMeanReversion,
  sweepHeatmap,
} from "../../src/mod.ts";
import { universe, walk } from "../backtest/_helpers.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** A figure as JSON text: two builds of one chart give the same text. */
const json = (fig: { toJSONString(): string }) => fig.toJSONString();

Deno.test("bt.plot(): nothing before a run; then the last run; after optimize, the best run", async () => {
  const bars = walk(500, 21, "DEMO.AX");
  const bt = new Backtest(bars, MovingAverageCrossover, { commission: 0.001 });
  assert.equal(bt.lastResult, undefined);
  assert.throws(
    () => bt.plot(),
    (e) =>
      e instanceof ConfigError &&
      e.message ===
        "Nothing to plot yet: call bt.run() or bt.optimize() first, or pass { result }",
  );
  const first = bt.run({ fast: 5, slow: 20 });
  assert.equal(bt.lastResult, first);
  const overlays = [{ sma: 5 }, { sma: 20 }];
  assert.equal(json(bt.plot({ overlays })), json(backtestChart(first, bars, { overlays })));
  const second = bt.run({ fast: 10, slow: 40 });
  assert.match(bt.plot().title!, /^MovingAverageCrossover\(fast=10, slow=40/);
  // An earlier result on request.
  assert.match(bt.plot({ result: first }).title!, /^MovingAverageCrossover\(fast=5, slow=20/);
  const sweep = await bt.optimize({
    grid: { fast: [5, 10, 15], slow: [20, 40] },
    maximize: "Return [%]",
  });
  assert.equal(bt.lastResult, sweep.best);
  assert.notEqual(bt.lastResult, second);
  const equity = bt.plot().data.find((t) => t.name === "equity")!;
  assert.equal(equity.y, sweep.best.equity.values);
  // The methods are not enumerable, like a class's own.
  assert.ok(!Object.keys(Object.getPrototypeOf(bt)).includes("plot"));
});

Deno.test("bt.plot() on a universe: the chosen symbol's candles and trades, the portfolio's equity", () => {
  const bars = universe(400, { "AAA.AX": 3, "BBB.AX": 5, "CCC.AX": 8 });
  const bt = new Backtest(bars, RSIMeanReversion, { size: 0.3 });
  const result = bt.run();
  const traded = new Set(result.trades.map((t) => t.symbol));
  assert.ok(traded.size >= 2, `trades in ${[...traded]}`);
  const symbol = [...traded][1]!;
  const fig = bt.plot({ symbol });
  assert.equal(fig.data[0]!.type, "candlestick");
  assert.deepEqual(fig.data[0]!.close, bars.of(symbol).close);
  const marked = fig.data.filter((t) => String(t.name).endsWith("entries"))
    .flatMap((t) => t.x as string[]).sort();
  const own = result.trades.filter((t) => t.symbol === symbol).map((t) => t.entryDate).sort();
  assert.deepEqual(marked, own);
  assert.equal(fig.data.find((t) => t.name === "equity")!.y, result.equity.values);
  assert.throws(() => bt.plot({ symbol: "ZZZ.AX" }), /No bars for "ZZZ\.AX"/);
});

Deno.test("sweep.heatmap(): pivot's grid; the maximised stat by default, a custom score too", async () => {
  const bars = walk(600, 5);
  const bt = new Backtest(bars, MovingAverageCrossover);
  const sweep = await bt.optimize({
    grid: { fast: [3, 5, 8, 13], slow: [20, 30, 50], short: [false, true] },
    maximize: "SQN",
    constraint: (p) => p.fast * 3 <= p.slow,
  });
  const fig = sweep.heatmap("fast", "slow");
  const grid = sweep.pivot("fast", "slow", "SQN");
  assert.deepEqual(fig.data[0]!.x, grid.x.map(String));
  assert.deepEqual(
    fig.data[0]!.z,
    grid.z.map((row) => row.map((v) => (Number.isFinite(v) ? v : null))),
  );
  // fast=13, slow=20 broke the constraint: a blank cell, not a zero.
  assert.equal((fig.data[0]!.z as (number | null)[][])[0]![3], null);
  assert.match(fig.title!, /^SQN by fast and slow \(max over other parameters\)$/);
  assert.equal(json(fig), json(sweepHeatmap(sweep, "fast", "slow")));
  // The best cell is the best run's.
  const star = fig.data[1]!;
  assert.deepEqual([star.x, star.y], [[String(sweep.best.params.fast)], [
    String(sweep.best.params.slow),
  ]]);
  const mean = sweep.heatmap("fast", "slow", "Return [%]", { agg: "mean" });
  const cell = sweep.rows.filter((r) => r.params.fast === 3 && r.params.slow === 30)
    .map((r) => r.stats["Return [%]"]);
  const z = (mean.data[0]!.z as number[][])[1]![0]!; // slow=30 (row 1), fast=3 (column 0)
  assert.ok(Math.abs(z - (cell[0]! + cell[1]!) / 2) < 1e-9);
  assert.throws(() => sweep.heatmap("fast", "slwo" as never), /Cannot pivot on "slwo"/);

  const custom = await bt.optimize({
    grid: { fast: [3, 5], slow: [20, 30] },
    maximize: (s) => s["Return [%]"] / (1 + s["Max. Drawdown [%]"] * -1),
  });
  const scored = custom.heatmap("fast", "slow");
  assert.deepEqual(scored.data[0]!.z, custom.pivot("fast", "slow").z);
  assert.equal(
    (scored.data[0]!.colorbar as { title: { text: string } }).title.text,
    "score",
  );
});

/** Runs a TypeScript snippet from the repository root as its own process. */
async function script(source: string, check: boolean) {
  const dir = await Deno.makeTempDir({ prefix: "asxlab-seam-" });
  try {
    const file = `${dir}/main.ts`;
    await Deno.writeTextFile(file, source);
    const args = check ? ["check", file] : ["run", "--allow-all", file];
    const out = await new Deno.Command(Deno.execPath(), {
      args: [...args.slice(0, 1), "--config", `${ROOT}deno.json`, ...args.slice(1)],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    const text = (b: Uint8Array) => new TextDecoder().decode(b);
    return { ok: out.success, stdout: text(out.stdout), stderr: text(out.stderr) };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("the seam: src/mod.ts alone gives bt.plot(); src/backtest alone neither has nor imports it", async () => {
  const mod = `${ROOT}src/mod.ts`, backtest = `${ROOT}src/backtest/mod.ts`;
  // Written as `from ${q(url)}`: an import of a quoted literal here would read as this file's own.
  const q = (url: string) => JSON.stringify(url);
  const body = `const c = Float64Array.from({ length: 200 }, (_, i) => 50 + 5 * Math.sin(i / 9));
const bars = new PlainBars({ symbol: "X", dates: Int32Array.from(c, (_, i) => 19_000 + i),
  open: c, high: c, low: c, close: c, volume: c });
const bt = new Backtest(bars, MovingAverageCrossover);
bt.run({ fast: 5, slow: 20 });
`;
  const viaMod = await script(
    `import { Backtest, MovingAverageCrossover, PlainBars } from ${q(mod)};
${body}console.log(bt.plot().data.length > 3, typeof (await bt.optimize({ grid: { fast: [3, 5] } })).heatmap);`,
    false,
  );
  assert.equal(viaMod.stdout, "true function\n", viaMod.stderr);
  // Without the plot module the methods are absent, in the types and at run time.
  const alone = `import { Backtest, MovingAverageCrossover } from ${q(backtest)};
import { PlainBars } from ${q(`${ROOT}src/core/plain_bars.ts`)};
${body}`;
  const run = await script(`${alone}console.log("plot" in bt);`, false);
  assert.equal(run.stdout, "false\n", run.stderr);
  const typed = await script(`${alone}bt.plot();`, true);
  assert.ok(!typed.ok && /Property 'plot' does not exist/.test(typed.stderr), typed.stderr);
  // And the backtest module's graph holds nothing of src/plot (DESIGN's import direction).
  const info = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", backtest],
    stdout: "piped",
  }).output();
  const modules: { specifier: string }[] = JSON.parse(new TextDecoder().decode(info.stdout))
    .modules;
  assert.ok(modules.length > 10);
  assert.deepEqual(modules.filter((m) => m.specifier.includes("/src/plot/")), []);
});

Deno.test("backtestReport: notes, stats, a chart per traded symbol up to maxCharts, open trades", async () => {
  const bars = universe(400, { "AAA.AX": 3, "BBB.AX": 5, "CCC.AX": 8 });
  const bt = new Backtest(bars, RSIMeanReversion, {
    cash: 3_000,
    size: 0.3,
    keepOpen: true,
    minFee: 50,
  });
  const result = bt.run();
  assert.ok(result.notes.length > 0 && result.openTrades.length > 0);
  const traded = [...new Set([...result.trades, ...result.openTrades].map((t) => t.symbol))];
  assert.equal(traded.length, 3);
  const report = backtestReport(result, bars, { maxCharts: 2, subtitle: "made in a test" });
  assert.equal(report.title, result.title);
  const texts = report.items.filter((i) => typeof i === "string");
  assert.deepEqual(texts.slice(0, 2), ["made in a test", `Note: ${result.notes[0]}`]);
  assert.ok(texts.includes("## Charts of 2 of the 3 symbols"));
  const charts = report.items.filter((i) => i instanceof Figure);
  assert.deepEqual(
    charts.map((f) => (f as Figure).data[0]!.name),
    traded.slice(0, 2),
    "the first traded symbols, in order",
  );
  const tables = report.items.filter((i) => i instanceof HtmlTable) as HtmlTable[];
  assert.deepEqual(tables.map((t) => t.caption), [
    "Stats",
    `Trades (${result.trades.length})`,
    `Open at the end (${result.openTrades.length})`,
  ]);
  assert.match(tables[0]!.toString(), /Max\. Drawdown Duration\s+[\d,]+ days/);
  const page = await htmlPage(report);
  assert.equal(page.match(/Plotly\.newPlot/g)!.length, 2);
  assert.throws(() => backtestReport(result, bars, { symbols: ["ZZZ.AX"] }), /No bars for "ZZZ/);
});
