import assert from "node:assert/strict";
import fc from "fast-check";
import {
  backtestChart,
  candles,
  correlationHeatmap,
  correlationMatrix,
  drawdownChart,
  equityCompare,
  Figure,
  htmlPage,
  htmlTable,
  JUPYTER_DISPLAY,
  MovingAverageCrossover,
  parseDate,
  PLOTLY_MIME,
  positionSeries,
  recordTable,
  returnsHistogram,
  rsi,
  runBacktest,
  saveHtml,
  sweepHeatmap,
} from "../../src/mod.ts";
import { rangebreaks } from "../../src/plot/_series.ts";
import { universe, walk } from "../backtest/_helpers.ts";

const PLOTLY_BANNER = "plotly.js v4.1.2";

Deno.test("Figure JSON: typed arrays become arrays, NaN becomes null", () => {
  const fig = new Figure({
    data: [{ type: "scatter", x: Int32Array.of(1, 2), y: Float64Array.of(1.5, NaN) }],
    layout: {},
  });
  const json = fig.toJSON();
  assert.deepEqual(json.data[0]!.x, [1, 2]);
  assert.deepEqual(json.data[0]!.y, [1.5, null]);
  assert.equal(json.config.displaylogo, false);
});

Deno.test("Figure HTML: a trace name cannot close the script element", () => {
  const fig = new Figure({
    data: [{ type: "bar", name: "</script><script>alert(1)</script>", x: [1], y: [1] }],
    layout: {},
  });
  const html = fig.toHtmlFragment();
  assert.equal(html.match(/<\/script>/g)!.length, 1);
  assert.ok(html.includes("\\u003c/script>"));
});

Deno.test("Jupyter display: plotly JSON, HTML and text; plotly.js inlined once per process", async () => {
  const fig = () => new Figure({ data: [{ type: "bar", x: ["a"], y: [1] }], layout: {} });
  const first = await fig()[JUPYTER_DISPLAY]();
  const second = await fig()[JUPYTER_DISPLAY]();
  for (const bundle of [first, second]) {
    assert.deepEqual(Object.keys(bundle).sort(), [PLOTLY_MIME, "text/html", "text/plain"].sort());
    assert.deepEqual((bundle[PLOTLY_MIME] as { data: unknown[] }).data, [{
      type: "bar",
      x: ["a"],
      y: [1],
    }]);
  }
  // Another test in this process may have displayed first; the second never carries it.
  assert.ok(!(second["text/html"] as string).includes(PLOTLY_BANNER));
  assert.match(second["text/html"] as string, /if \(!window\.Plotly\)/);
  assert.match(second["text/plain"] as string, /^Figure \(bar; 1 points\)$/);
});

Deno.test("rangebreaks: weekends by rule, each weekday without a bar by value", () => {
  // Thu 2022-12-22 .. Fri 2022-12-30 without Christmas (Mon 26) and Boxing Day (Tue 27).
  const days = ["2022-12-22", "2022-12-23", "2022-12-28", "2022-12-29", "2022-12-30"].map(
    parseDate,
  );
  const breaks = rangebreaks(Int32Array.from(days));
  assert.deepEqual(breaks, [{ bounds: ["sat", "mon"] }, {
    values: ["2022-12-26", "2022-12-27"],
  }]);
  // A second series fills a gap: only days missing from both are hidden.
  const other = Int32Array.of(parseDate("2022-12-27"));
  assert.deepEqual(rangebreaks(Int32Array.from(days), other)[1], { values: ["2022-12-26"] });
});

function bars2() {
  return universe(300, { "AAA.AX": 3, "BBB.AX": 5 });
}

Deno.test("candles: candlesticks, volume coloured by direction, overlays and panels on their axes", () => {
  const bars = walk(400);
  const fig = candles(bars, {
    overlays: [{ sma: 20 }, { bollinger: 20, stdDevs: 2 }, { name: "mine", values: bars.close }],
    panels: ["rsi", { macd: [12, 26, 9] }, "stochastic", {
      name: "custom",
      values: { a: bars.close },
    }],
  });
  const byName = new Map(fig.data.map((t) => [t.name, t]));
  const candle = fig.data[0]!;
  assert.equal(candle.type, "candlestick");
  assert.equal((candle.x as string[]).length, 400);
  assert.deepEqual(candle.close, bars.close);
  const volume = byName.get("volume")!;
  assert.equal(volume.yaxis, "y2");
  const colors = (volume.marker as { color: string[] }).color;
  for (let i = 0; i < 400; i++) {
    assert.equal(colors[i], bars.close[i]! >= bars.open[i]! ? "#26a69a" : "#ef5350");
  }
  assert.equal(byName.get("RSI(14)")!.yaxis, "y3");
  assert.deepEqual(
    Array.from(byName.get("RSI(14)")!.y as Float64Array),
    Array.from(rsi(bars.close, 14)),
  );
  assert.equal(byName.get("MACD")!.yaxis, "y4");
  assert.equal(byName.get("%D")!.yaxis, "y5");
  assert.equal(byName.get("custom a")!.yaxis, "y6");
  for (const name of ["SMA(20)", "BB(20, 2)", "mine"]) assert.equal(byName.get(name)!.yaxis, "y");
  // RSI 30/70, MACD 0 and Stochastic 20/80 reference lines, each on its own axis.
  const shapes = fig.layout.shapes as { yref: string; y0: number }[];
  assert.deepEqual(shapes.map((s) => `${s.yref}:${s.y0}`), [
    "y3:30",
    "y3:70",
    "y4:0",
    "y5:20",
    "y5:80",
  ]);
  // Bands stack top to bottom without overlapping; the x-axis sits under the last one.
  const domains = [1, 2, 3, 4, 5, 6].map((k) =>
    (fig.layout[k === 1 ? "yaxis" : `yaxis${k}`] as { domain: [number, number] }).domain
  );
  for (let k = 1; k < domains.length; k++) assert.ok(domains[k]![1] < domains[k - 1]![0]);
  assert.equal(domains.at(-1)![0], 0);
  assert.equal((fig.layout.xaxis as { anchor: string }).anchor, "y6");
  // 400 bars: the range slider is on; 3,000 bars: off by default, on when asked.
  assert.equal(
    (fig.layout.xaxis as { rangeslider: { visible: boolean } }).rangeslider.visible,
    true,
  );
  const long = walk(3_000);
  const slider = (f: Figure) =>
    (f.layout.xaxis as { rangeslider: { visible: boolean } }).rangeslider;
  assert.equal(slider(candles(long)).visible, false);
  assert.equal(slider(candles(long, { rangeSlider: true })).visible, true);
});

Deno.test("candles: clear errors for an ambiguous symbol and a misaligned series", () => {
  const bars = bars2();
  assert.throws(() => candles(bars), /hold 2 symbols \(AAA\.AX, BBB\.AX…\): say which one/);
  assert.throws(() => candles(bars, { symbol: "CCC.AX" }), /No bars for "CCC\.AX"/);
  assert.deepEqual(candles(bars, { symbol: "BBB.AX" }).data[0]!.close, bars.close.subarray(300));
  assert.throws(
    () => candles(bars, { symbol: "AAA.AX", overlays: [{ name: "x", values: bars.close }] }),
    /"x" has 600 values but AAA\.AX has 300 bars/,
  );
  assert.throws(() => candles(bars, { symbol: "AAA.AX", panels: [{ rsi: 0 }] }), RangeError);
});

Deno.test("positionSeries: shares held at each close, checked bar by bar", () => {
  const trade = fc.record({
    entryBar: fc.integer({ min: 0, max: 40 }),
    len: fc.integer({ min: 0, max: 20 }),
    size: fc.integer({ min: -50, max: 50 }),
    exitReason: fc.constantFrom("order", "sl", "end", "open") as fc.Arbitrary<
      "order" | "sl" | "end" | "open"
    >,
  });
  fc.assert(fc.property(fc.array(trade, { maxLength: 8 }), (specs) => {
    const n = 50;
    const trades = specs.map((t) => ({
      symbol: "X",
      size: t.size,
      entryBar: t.entryBar,
      exitBar: Math.min(n - 1, t.entryBar + t.len),
      entryPrice: 1,
      exitPrice: 1,
      pnl: 0,
      return: 0,
      exitReason: t.exitReason,
      entryDate: "2020-01-01",
      exitDate: "2020-01-01",
    }));
    const pos = positionSeries(trades, n);
    for (let i = 0; i < n; i++) {
      let held = 0;
      for (const t of trades) {
        const last = t.exitReason === "end" || t.exitReason === "open" ? t.exitBar : t.exitBar - 1;
        if (t.entryBar <= i && i <= last) held += t.size;
      }
      assert.equal(pos[i], held);
    }
  }));
});

Deno.test("backtestChart: every trade marked at its fill, equity and position panels", async () => {
  const bars = walk(600, 11, "DEMO.AX");
  const result = runBacktest(bars, MovingAverageCrossover, { params: { fast: 5, slow: 20 } });
  assert.ok(result.trades.length >= 5);
  const fig = backtestChart(result, bars, { overlays: [{ sma: 5 }, { sma: 20 }] });
  const entries = fig.data.filter((t) => String(t.name).endsWith("entries"));
  const exits = fig.data.filter((t) => String(t.name).endsWith("exits"));
  const marked = entries.flatMap((t) => (t.y as number[]));
  assert.equal(marked.length, result.trades.length);
  assert.deepEqual(
    marked.sort((a, b) => a - b),
    result.trades.map((t) => t.entryPrice).sort((a, b) => a - b),
  );
  assert.equal(exits.flatMap((t) => t.x as string[]).length, result.trades.length);
  const win = entries.find((t) => t.name === "winning entries");
  if (win) assert.equal((win.marker as { color: string }).color, "#26a69a");
  const equity = fig.data.find((t) => t.name === "equity")!;
  assert.equal(equity.y, result.equity.values);
  assert.equal(equity.yaxis, "y2");
  const position = fig.data.find((t) => t.name === "position")!;
  assert.equal(position.yaxis, "y3");
  const held = position.y as Float64Array;
  const first = result.trades[0]!;
  assert.equal(held[first.entryBar], first.size);
  assert.equal(held[first.entryBar - 1], 0);
  // Two lines (a long one runs under Plotly's mode bar); a page of the chart has a plain title.
  assert.match(
    fig.title!,
    /^MovingAverageCrossover\(fast=5, slow=20.*\) on DEMO\.AX<br><span[^>]*>return/,
  );
  const page = await htmlPage(fig);
  assert.match(
    page,
    /<title>MovingAverageCrossover\(fast=5, slow=20.*\) on DEMO\.AX · return [^<]*<\/title>/,
  );
});

Deno.test("sweepHeatmap: one cell per (x, y), the max over other parameters, the best starred", () => {
  const rows: { params: Record<string, number>; stats: Record<string, number> }[] = [];
  for (const fast of [5, 10]) {
    for (const slow of [20, 40]) {
      for (const k of [1, 2]) {
        rows.push({ params: { fast, slow, k }, stats: { SQN: fast * k - slow } });
      }
    }
  }
  const fig = sweepHeatmap({ rows, maximize: "SQN" }, "fast", "slow");
  assert.deepEqual(fig.data[0]!.z, [[-10, 0], [-30, -20]]);
  assert.deepEqual(fig.data[0]!.x, ["5", "10"]);
  assert.deepEqual([fig.data[1]!.x, fig.data[1]!.y], [["10"], ["20"]]);
  assert.deepEqual(sweepHeatmap({ rows }, "fast", "slow", "SQN", { agg: "mean" }).data[0]!.z, [
    [-12.5, -5],
    [-32.5, -25],
  ]);
  assert.throws(
    () => sweepHeatmap({ rows }, "fsat", "slow", "SQN"),
    /Cannot pivot on "fsat": the parameters are fast, slow, k/,
  );
  assert.throws(() => sweepHeatmap({ rows }, "fast", "slow", "Sharp"), /No stat "Sharp".*SQN/);
  assert.throws(() => sweepHeatmap({ rows: [] }, "fast", "slow"), /no rows/);
});

Deno.test("correlationMatrix: symmetric, within [-1, 1], 1 for an affine copy, pairwise-complete", () => {
  const series = fc.array(fc.integer({ min: -1000, max: 1000 }).map((v) => v / 100), {
    minLength: 5,
    maxLength: 40,
  });
  fc.assert(fc.property(series, fc.double({ min: 0.1, max: 10, noNaN: true }), (a, k) => {
    const b = a.map((v, i) => (i % 3 === 0 ? NaN : Math.sin(v * 7 + i)));
    const { matrix } = correlationMatrix({ a, b, c: a.map((v) => k * v + 3) });
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        const v = matrix[i]![j]!;
        assert.ok(Object.is(v, matrix[j]![i]) && (Number.isNaN(v) || Math.abs(v) <= 1));
      }
    }
    if (!Number.isNaN(matrix[0]![2]!)) assert.ok(Math.abs(matrix[0]![2]! - 1) < 1e-9);
  }));
  const m = correlationMatrix({ a: [1, 2, NaN, 4, 5], b: [2, 4, 100, 8, 10] });
  assert.equal(m.counts[0]![1], 4);
  assert.ok(Math.abs(m.matrix[0]![1]! - 1) < 1e-12);
  // Bars: returns aligned by date across symbols.
  const fig = correlationHeatmap(bars2());
  assert.deepEqual(fig.data[0]!.x, ["AAA.AX", "BBB.AX"]);
  assert.throws(() => correlationMatrix({ a: [1, 2], b: [1] }), /align them first/);
});

Deno.test("equityCompare, drawdownChart, returnsHistogram: values as documented", () => {
  const bars = walk(300);
  const result = runBacktest(bars, MovingAverageCrossover, { params: { fast: 5, slow: 20 } });
  const eq = equityCompare([result, { dates: bars.dates, values: bars.close }]);
  assert.match(String(eq.data[0]!.name), /^MovingAverageCrossover\(fast=5, slow=20/);
  assert.equal((eq.data[0]!.y as Float64Array)[0], 0);
  const dd = drawdownChart(result);
  const y = dd.data[0]!.y as Float64Array;
  const max = -Math.min(...y);
  assert.ok(Math.abs(max - result.stats["Max. Drawdown [%]"] * -1) < 1e-9);
  const hist = returnsHistogram([0.01, NaN, -0.01, 0.02]);
  assert.deepEqual(Array.from(hist.data[0]!.x as Float64Array), [1, -1, 2]);
  assert.equal(hist.data[1]!.type, "scatter");
  assert.throws(() => returnsHistogram([NaN]), /no finite return/);
  assert.throws(() => equityCompare({ a: { dates: [1, 2], values: [1] } }), /1 values but 2 dates/);
});

Deno.test("curve charts read a result's equity curve: its dates, values and drawdown", () => {
  const bars = walk(300, 4);
  const result = runBacktest(bars, MovingAverageCrossover, { params: { fast: 5, slow: 20 } });
  // The drawdown drawn is the result's own, bar for bar, on the result's dates.
  const dd = drawdownChart(result).data[0]!;
  assert.deepEqual(dd.x, [...result.equity.dates]);
  assert.deepEqual(
    Array.from(dd.y as Float64Array),
    Array.from(result.equity.drawdown, (v) => -100 * v),
  );
  // The equity curve alone is a curve too; records keep their names, lists label results.
  const eq = equityCompare({
    strategy: result,
    alone: result.equity,
    index: {
      dates: bars.dates,
      values: bars.close,
    },
  }, { normalize: false });
  assert.deepEqual(eq.data.map((t) => t.name), ["strategy", "alone", "index"]);
  assert.deepEqual(eq.data[0]!.y, Float64Array.from(result.equity.values));
  assert.deepEqual(eq.data[1]!.y, eq.data[0]!.y);
  assert.throws(
    () => equityCompare({ bad: { dates: bars.dates, equity: bars.close } } as never),
    /Curve "bad" is neither \{ dates, values \} nor a backtest result/,
  );
  // backtestChart: the equity band is the result's values on its calendar.
  const fig = backtestChart(result, bars);
  const band = fig.data.find((t) => t.name === "equity")!;
  assert.deepEqual(band.x, [...result.equity.dates]);
  const opened = result.trades[0]!;
  const entries = fig.data.filter((t) => String(t.name).endsWith("entries"));
  assert.ok(entries.some((t) => (t.x as string[]).includes(opened.entryDate)));
});

Deno.test("tables: escaped cells, units formatted, numbers right-aligned", () => {
  const t = htmlTable([{ name: "<b>x</b>", "PnL [$]": 1234.5 }]);
  const html = t.toHtmlFragment();
  assert.ok(html.includes("&lt;b&gt;x&lt;/b&gt;"));
  assert.ok(html.includes('<td class="num">1,234.50</td>'));
  const stats = recordTable({ "Equity Final [$]": 123456.789, "# Trades": 3, Start: "2020-01-02" });
  assert.equal(
    stats.toString(),
    [
      "key               value",
      "Equity Final [$]  123,456.79",
      "# Trades                   3",
      "Start             2020-01-02",
    ]
      .join("\n"),
  );
});

Deno.test("saveHtml: one file, plotly.js inlined once, atomic, clear error on a bad path", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const bars = walk(200);
    const path = await saveHtml({
      title: "Two charts",
      items: ["# Heading", candles(bars), "a paragraph", candles(bars, { panels: ["rsi"] })],
    }, `${dir}/sub/report.html`);
    const html = await Deno.readTextFile(path);
    assert.equal(html.split(PLOTLY_BANNER).length - 1, 1);
    assert.equal(html.match(/Plotly\.newPlot/g)!.length, 2);
    assert.ok(html.includes("<h2>Heading</h2>") && html.includes("<p>a paragraph</p>"));
    assert.ok(!/src="http|href="http/.test(html.replace(/<script[\s\S]*?<\/script>/g, "")));
    // A directory in the way: an error naming the path, no temp file left behind.
    await Deno.mkdir(`${dir}/taken.html`);
    await assert.rejects(
      () => saveHtml(candles(bars), `${dir}/taken.html`),
      /Cannot write the HTML report ".*taken\.html"/,
    );
    const left = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.deepEqual(left, ["sub", "taken.html"]);
    // Tables alone need no plotly.js.
    assert.ok(!(await htmlPage([htmlTable([{ a: 1 }])])).includes(PLOTLY_BANNER));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
