/**
 * `adjusted(bars)`: splits in the traded prices disappear, bar shapes and volume
 * are kept, bad adjusted closes are refused by name; on the shipped sample the
 * unadjusted splits of RMD.AX, SOL.AX and CPU.AX are gone.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { adjusted } from "../../src/core/adjusted.ts";
import { formatDate, parseDate } from "../../src/core/dates.ts";
import { PlainBars } from "../../src/core/plain_bars.ts";
import { syntheticBars } from "../../src/core/synthetic.ts";
import { openLake } from "../../src/lake/lake.ts";
import { closeEngines } from "../../src/lake/open_engine.ts";

/** The largest |close[t] / close[t-1] - 1| within each symbol. */
function largestMove(bars: { close: Float64Array; ranges(): Map<string, [number, number]> }) {
  let worst = 0;
  for (const [, [s, e]] of bars.ranges()) {
    for (let i = s + 1; i < e; i++) {
      worst = Math.max(worst, Math.abs(bars.close[i]! / bars.close[i - 1]! - 1));
    }
  }
  return worst;
}

Deno.test("adjusted: the splits of a synthetic market vanish from the prices; shapes, volume and symbols are kept", () => {
  const market = syntheticBars({
    symbols: 6,
    start: "2015-01-01",
    days: 1500,
    seed: 11,
    splitRate: 0.002,
    suspensionRate: 0,
  });
  const c = market.columns;
  assert.ok(market.splits.length >= 5, `${market.splits.length} splits`);
  const ranges: [string, number, number][] = [];
  for (let i = 0; i < c.symbol.length;) {
    let j = i;
    while (j < c.symbol.length && c.symbol[j] === c.symbol[i]) j++;
    ranges.push([c.symbol[i]!, i, j]);
    i = j;
  }
  const bars = new PlainBars({
    symbol: ranges,
    dates: c.date,
    open: c.open,
    high: c.high,
    low: c.low,
    close: c.close,
    volume: c.volume,
    adjustedClose: c.adjusted_close,
  });
  const before = c.close.slice();
  const adj = adjusted(bars);

  // Each split is a jump of its ratio in the traded close, and a day like any other once adjusted.
  for (const split of market.splits) {
    const [, s, e] = ranges.find(([sym]) => sym === split.symbol)!;
    const t = s + bars.dates.subarray(s, e).indexOf(split.date);
    assert.ok(t > s, `${split.symbol} ${formatDate(split.date)}`);
    const traded = bars.close[t]! / bars.close[t - 1]!;
    const smooth = adj.close[t]! / adj.close[t - 1]!;
    assert.ok(Math.abs(traded * split.ratio / smooth - 1) < 1e-9, `${split.symbol} ${split.ratio}`);
    assert.ok(Math.abs(Math.log(smooth)) < 0.25, `${split.symbol}: ${smooth}`);
  }
  assert.ok(largestMove(bars) > 0.45);
  assert.ok(largestMove(adj) < 0.25, `largest adjusted move ${largestMove(adj)}`);

  assert.deepEqual([...adj.ranges()], [...bars.ranges()]);
  assert.deepEqual(adj.dates, bars.dates);
  assert.deepEqual(adj.volume, bars.volume); // volume as traded
  assert.deepEqual(adj.close, bars.adjustedClose);
  assert.equal(adj.adjustedClose, adj.close);
  assert.deepEqual(bars.close, before); // the input is untouched
  for (let i = 0; i < adj.length; i++) {
    assert.ok(adj.low[i]! <= Math.min(adj.open[i]!, adj.close[i]!) * (1 + 1e-12));
    assert.ok(adj.high[i]! >= Math.max(adj.open[i]!, adj.close[i]!) * (1 - 1e-12));
  }
});

Deno.test("adjusted: every price of a bar is scaled by that bar's adjusted close / close (property)", () => {
  const bar = fc.record({
    low: fc.double({ min: 0.01, max: 1000, noNaN: true }),
    spread: fc.tuple(
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.double({ min: 0, max: 2, noNaN: true }),
    ),
    factor: fc.double({ min: 1e-4, max: 1e4, noNaN: true }),
    volume: fc.nat(),
  });
  fc.assert(fc.property(fc.array(bar, { minLength: 1, maxLength: 40 }), (rows) => {
    const low = Float64Array.from(rows, (r) => r.low);
    const high = Float64Array.from(rows, (r) => r.low * (1 + r.spread[2]));
    const open = Float64Array.from(rows, (r, i) => low[i]! + (high[i]! - low[i]!) * r.spread[0]);
    const close = Float64Array.from(rows, (r, i) => low[i]! + (high[i]! - low[i]!) * r.spread[1]);
    const bars = new PlainBars({
      symbol: "P.AX",
      dates: Int32Array.from(rows, (_, i) => 19_000 + i),
      open,
      high,
      low,
      close,
      volume: Float64Array.from(rows, (r) => r.volume),
      adjustedClose: Float64Array.from(rows, (r, i) => close[i]! * r.factor),
    });
    const adj = adjusted(bars);
    for (let i = 0; i < rows.length; i++) {
      const f = bars.adjustedClose[i]! / close[i]!;
      assert.equal(adj.open[i], open[i]! * f);
      assert.equal(adj.high[i], high[i]! * f);
      assert.equal(adj.low[i], low[i]! * f);
      assert.equal(adj.close[i], bars.adjustedClose[i]);
      assert.equal(adj.volume[i], rows[i]!.volume);
    }
  }));
});

Deno.test("adjusted: a bar without a usable adjusted close is refused, naming the symbol, date and values", () => {
  const make = (adj: number) =>
    new PlainBars({
      symbol: [["A.AX", 0, 1], ["B.AX", 1, 3]],
      dates: Int32Array.of(
        parseDate("2024-08-01"),
        parseDate("2024-08-01"),
        parseDate("2024-08-02"),
      ),
      open: Float64Array.of(10, 20, 21),
      high: Float64Array.of(11, 22, 22),
      low: Float64Array.of(9, 19, 20),
      close: Float64Array.of(10, 21, 21.5),
      volume: Float64Array.of(1, 2, 3),
      adjustedClose: Float64Array.of(10, 21, adj),
    });
  for (const bad of [0, -3, NaN, Infinity]) {
    assert.throws(
      () => adjusted(make(bad)),
      new RangeError(
        `Cannot adjust B.AX: 2024-08-02 has adjusted close ${bad} for close 21.5 (expected both positive)`,
      ),
    );
  }
  assert.throws(
    () => adjusted(make(0), { source: "b.csv" }),
    /^RangeError: Cannot adjust "b.csv": 2024-08-02/,
  );
});

Deno.test("adjusted: the sample lake's unadjusted splits (RMD.AX, SOL.AX, CPU.AX) are gone from adjusted bars", async () => {
  const lake = await openLake();
  try {
    const bars = await lake.loadSymbols(["CPU.AX", "RMD.AX", "SOL.AX"], { end: "2012-12-31" });
    const adj = adjusted(bars);
    const jumps = (b: typeof adj | typeof bars) => {
      const out: string[] = [];
      for (const [symbol, [s, e]] of b.ranges()) {
        for (let i = s + 1; i < e; i++) {
          const r = b.close[i]! / b.close[i - 1]!;
          if (r < 0.55 || r > 1.8) { // a halving or worse, a doubling or more
            out.push(`${symbol} ${formatDate(b.dates[i]!)}`);
          }
        }
      }
      return out;
    };
    assert.deepEqual(jumps(bars), [
      "CPU.AX 1999-10-19",
      "RMD.AX 2000-03-08",
      "RMD.AX 2005-09-09",
      "RMD.AX 2010-08-12",
      "SOL.AX 2002-06-27",
    ]);
    assert.deepEqual(jumps(adj), []);
    assert.ok(largestMove(adj) < 0.4, `largest adjusted move ${largestMove(adj)}`); // real moves remain
  } finally {
    await lake.close();
    await closeEngines();
  }
});
