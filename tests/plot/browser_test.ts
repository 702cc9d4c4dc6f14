/**
 * The browser check: a saved report drawn by Debian's headless Chromium, offline.
 * It asserts the plots drew (their SVG traces are in the DOM after plotly.js ran)
 * and prints how long the 25-year candles took to draw (no timed assertion: the
 * machine is shared; the figure is quoted in the report).
 */
import assert from "node:assert/strict";
import {
  backtestChart,
  candles,
  MovingAverageCrossover,
  openLake,
  recordTable,
  runBacktest,
  saveHtml,
  tradesTable,
} from "../../src/mod.ts";
import {
  assertFound,
  findChromium,
  REQUIRE_TOOLCHAIN,
  toolTestName,
} from "../helpers/toolchain.ts";
import { externalLoads, figuresOf } from "../helpers/report_html.ts";
import { runTask } from "../helpers/run_cli.ts";

const chromium = await findChromium();

/** Loads a page in headless Chromium (fresh profile, no network services) and returns its DOM. */
async function dumpDom(bin: string, file: string): Promise<string> {
  const profile = await Deno.makeTempDir({ prefix: "asxlab-chromium-" });
  try {
    const r = await new Deno.Command(bin, {
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        `--user-data-dir=${profile}`,
        "--window-size=1400,1000",
        "--dump-dom",
        `file://${file}`,
      ],
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(120_000),
    }).output();
    assert.ok(r.success, `chromium failed: ${new TextDecoder().decode(r.stderr).slice(-2000)}`);
    return new TextDecoder().decode(r.stdout);
  } finally {
    await Deno.remove(profile, { recursive: true });
  }
}

Deno.test({
  name: toolTestName("browser: a saved report draws offline in headless Chromium", chromium),
  ignore: !chromium.path && !REQUIRE_TOOLCHAIN,
  fn: async () => {
    const bin = assertFound(chromium);
    const lake = await openLake();
    const dir = await Deno.makeTempDir({ prefix: "asxlab-report-" });
    try {
      const bhp = await lake.loadSymbols(["BHP.AX"]);
      const years = (bhp.dates.at(-1)! - bhp.dates[0]!) / 365.25;
      assert.ok(years > 23, `the sample's BHP.AX spans ${years.toFixed(1)} years`);
      const cba = await lake.loadSymbols(["CBA.AX"], { start: "2010-01-01" });
      const result = runBacktest(cba, MovingAverageCrossover, { params: { fast: 10, slow: 40 } });
      const file = `${dir}/report.html`;
      await saveHtml({
        title: "Browser check",
        items: [
          candles(bhp, { overlays: [{ sma: 50 }, { sma: 200 }] }),
          recordTable(result.stats, "Stats"),
          backtestChart(result, cba, { overlays: [{ sma: 10 }, { sma: 40 }] }),
          tradesTable(result.trades),
        ],
      }, file);
      const dom = await dumpDom(bin, file);
      const figures = [...dom.matchAll(/<div id="asxlab-[^"]*" class="asxlab-figure[^>]*>/g)].map(
        (m) => m[0],
      );
      assert.equal(figures.length, 2);
      const drawn = figures.map((f) => Number(/data-render-ms="(\d+)"/.exec(f)?.[1]));
      assert.ok(drawn.every(Number.isFinite), `a figure did not finish drawing: ${figures}`);
      // Candlesticks draw as box traces, lines as scatter traces; the trades table is there.
      assert.ok((dom.match(/class="trace boxes"/g) ?? []).length >= 2);
      assert.ok((dom.match(/class="trace scatter/g) ?? []).length >= 6);
      assert.ok(dom.includes("main-svg"));
      assert.ok((dom.match(/class="point"/g) ?? []).length > bhp.length, "candles drew");
      assert.equal(
        (dom.match(/<tr>/g) ?? []).length,
        1 + Object.keys(result.stats).length + 1 + result.trades.length,
      );
      console.log(
        `browser check: ${bhp.length.toLocaleString("en-AU")} daily bars (${
          years.toFixed(1)
        } years) + 2 overlays drew in ${drawn[0]} ms; backtest chart in ${drawn[1]} ms`,
      );
    } finally {
      await lake.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** The SVG of one drawn trace: from its group's opening tag to the next trace's. */
function traceSvg(dom: string, uid: string): string | undefined {
  const start = dom.indexOf(`<g class="trace scatter trace${uid}"`);
  if (start < 0) return undefined;
  const next = dom.indexOf('<g class="trace ', start + 1);
  return dom.slice(start, next < 0 ? undefined : next);
}

Deno.test({
  name: toolTestName(
    "browser: deno task backtest --out report.html draws every trade on the chart, offline",
    chromium,
  ),
  ignore: !chromium.path && !REQUIRE_TOOLCHAIN,
  fn: async () => {
    const bin = assertFound(chromium);
    const dir = await Deno.makeTempDir({ prefix: "asxlab-report-" });
    try {
      // The main job on the shipped sample (CBA.AX against ^AXJO), as the README runs it.
      const r = await runTask(dir, "backtest", "--commission", "0.001", "--out", "report.html");
      assert.equal(r.code, 0, r.stderr);
      const html = await Deno.readTextFile(`${dir}/report.html`);
      assert.deepEqual(externalLoads(html), []);
      const [spec] = figuresOf(html);
      const dom = await dumpDom(bin, `${dir}/report.html`);
      const figure = /<div id="asxlab-[^"]*" class="asxlab-figure[^>]*>/.exec(dom)?.[0] ?? "";
      const ms = Number(/data-render-ms="(\d+)"/.exec(figure)?.[1]);
      assert.ok(Number.isFinite(ms), `the chart did not finish drawing: ${figure}`);
      // Every entry and exit marker is a drawn point inside the plot, one per trade.
      let trades = 0;
      for (const uid of ["winning-entries", "losing-entries", "winning-exits", "losing-exits"]) {
        const want = spec!.data.find((t) => t.uid === uid)?.x?.length ?? 0;
        const svg = traceSvg(dom, uid) ?? "";
        const points = [
          ...svg.matchAll(/<path class="point" transform="translate\(([^,]+),([^)]+)\)"/g),
        ];
        assert.equal(points.length, want, `${uid}: ${points.length} points drawn of ${want}`);
        for (const [, x, y] of points) {
          assert.ok(Number(x) >= 0 && Number(y) >= 0, `${uid} at ${x},${y}`);
        }
        if (uid.endsWith("entries")) trades += points.length;
      }
      assert.ok(trades >= 5, `${trades} trades drawn`);
      const table = dom.slice(dom.indexOf(`<caption>Trades (${trades})</caption>`));
      assert.equal((table.match(/<tr>/g) ?? []).length, 1 + trades);
      console.log(`browser check: the CLI report's chart drew ${trades} trades in ${ms} ms`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
