/** `deno task backtest --out report.html`: one offline page, where the user ran the task. */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { runTask } from "../helpers/run_cli.ts";
import { externalLoads, figuresOf } from "../helpers/report_html.ts";

const CSV = fileURLToPath(new URL("../fixtures/backtest/goog_like_600.csv", import.meta.url));
const ARGS = ["--csv", CSV, "--params", "fast=10,slow=30", "--commission", "0.002"];

Deno.test("cli --out report.html: stats, the chart with every trade marked, the trades; offline", async () => {
  const cwd = await Deno.makeTempDir({ prefix: "asxlab-report-cli-" });
  try {
    const json = await runTask(cwd, "backtest", ...ARGS, "--json");
    assert.equal(json.code, 0, json.stderr);
    const expected: { trades: { entryDate: string; exitDate: string; entryPrice: number }[] } = JSON
      .parse(json.stdout);
    assert.equal(expected.trades.length, 9);

    // A relative path is the user's directory's (INIT_CWD), not the project's; parents are made.
    const r = await runTask(cwd, "backtest", ...ARGS, "--out", "reports/goog.html");
    assert.equal(r.code, 0, r.stderr);
    const file = `${cwd}/reports/goog.html`;
    assert.ok(r.stdout.endsWith(`\nReport written to ${file}\n`), r.stdout);
    const html = await Deno.readTextFile(file);

    assert.deepEqual(externalLoads(html), []);
    assert.equal(html.split("plotly.js v4.1.2").length - 1, 1, "plotly.js inlined once");
    assert.match(
      html,
      /<h1>MovingAverageCrossover\(fast=10, slow=30, short=false\) on GOOG_LIKE_600<\/h1>/,
    );
    assert.ok(html.includes("deno task backtest --csv"), "the page says how it was made");
    assert.match(html, /<td>Equity Final \[\$\]<\/td><td class="num">133,380\.39<\/td>/);

    // The chart marks each trade at its entry and exit fill.
    const figures = figuresOf(html);
    assert.equal(figures.length, 1);
    const traces = figures[0]!.data;
    const marked = (kind: string) =>
      traces.filter((t) => t.uid?.endsWith(`-${kind}`)).flatMap((t) =>
        t.x!.map((x, k) => [x, t.y![k]])
      ).sort();
    assert.deepEqual(
      marked("entries"),
      expected.trades.map((t) => [t.entryDate, t.entryPrice]).sort(),
    );
    assert.deepEqual(
      marked("exits").map(([x]) => x),
      expected.trades.map((t) => t.exitDate).sort(),
    );
    assert.ok(traces.some((t) => t.name === "equity") && traces[0]!.type === "candlestick");

    // The trades table: one row per trade, after the stats table's rows.
    const tradesTable = html.slice(html.indexOf("<caption>Trades (9)</caption>"));
    assert.equal(tradesTable.match(/<tr>/g)!.length, 1 + 9);

    // --out r.json writes the --json report there too.
    const j = await runTask(cwd, "backtest", ...ARGS, "--out", "r.json");
    assert.equal(j.code, 0, j.stderr);
    assert.deepEqual(JSON.parse(await Deno.readTextFile(`${cwd}/r.json`)), expected);
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("cli --out: a sweep's report adds its heatmap and best rows; bad targets are one line, exit 2", async () => {
  const cwd = await Deno.makeTempDir({ prefix: "asxlab-report-cli-" });
  try {
    const r = await runTask(
      cwd,
      "backtest",
      "--csv",
      CSV,
      "--sweep",
      "fast=5:15:5,slow=20:40:10",
      "--maximize",
      "SQN",
      "--out",
      `${cwd}/sweep.html`,
    );
    assert.equal(r.code, 0, r.stderr);
    const html = await Deno.readTextFile(`${cwd}/sweep.html`);
    const figures = figuresOf(html);
    assert.equal(figures.length, 2);
    const heat = figures[1]!.data[0]!;
    assert.equal(heat.type, "heatmap");
    assert.deepEqual([heat.x, heat.y], [["5", "10", "15"], ["20", "30", "40"]]);
    assert.ok(html.includes("<caption>The ten best runs</caption>"));

    // Checked before any bars load: a wrong extension; then a path that cannot be written.
    await Deno.writeTextFile(`${cwd}/file`, "");
    const cases: [string, RegExp][] = [
      [
        "report.txt",
        /^error: Invalid --out ".*\/report\.txt": name a \.html file .* or a \.json file$/,
      ],
      ["file/report.html", /^error: Cannot write the HTML report ".*\/file\/report\.html": /],
    ];
    for (const [out, message] of cases) {
      const bad = await runTask(cwd, "backtest", "--csv", CSV, "--out", out);
      assert.equal(bad.code, 2, bad.stderr);
      assert.equal(bad.stderr.trimEnd().split("\n").length, 1, bad.stderr);
      assert.match(bad.stderr.trimEnd(), message);
    }
    assert.deepEqual([...Deno.readDirSync(cwd)].map((e) => e.name).sort(), ["file", "sweep.html"]);
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});
