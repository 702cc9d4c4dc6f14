/** Metric formulas on tiny equity curves and trade lists, worked by hand in the comments. */
import { deepStrictEqual as eq } from "node:assert";
import fc from "fast-check";
import type { Trade } from "../../src/backtest/mod.ts";
import { computeStats, drawdowns, geometricMean } from "../../src/backtest/metrics.ts";
import { near } from "./_helpers.ts";

function trade(
  pnl: number,
  ret: number,
  entryBar: number,
  exitBar: number,
  duration: number,
): Trade {
  return {
    symbol: "T",
    size: 10,
    entryBar,
    exitBar,
    entryDate: "",
    exitDate: "",
    entryPrice: 1,
    exitPrice: 1,
    pnl,
    return: ret,
    commission: 0,
    duration,
    exitReason: "order",
  };
}

Deno.test("returns, volatility, Sharpe, Sortino, CAGR on a four-bar curve", () => {
  // E = 100, 110, 99, 108.9: r = +0.1, −0.1, +0.1 (N − 1 = 3 returns)
  const dates = new Int32Array([0, 1, 2, 365]);
  const s = computeStats({
    dates,
    equity: new Float64Array([100, 110, 99, 108.9]),
    trades: [],
    buyHoldReturn: 0.2,
    market: [10, 11, 9.9, 10.89],
  });
  const A = 252;
  const g = Math.cbrt(1.089) - 1; // exp(mean ln(1+r)) − 1 = 1.089^(1/3) − 1
  near(s["Return [%]"], 8.9);
  near(s["Return (Ann.) [%]"], ((1 + g) ** A - 1) * 100);
  // var(r, ddof 1): mean 1/30; deviations 1/15, −2/15, 1/15 → (1/225 + 4/225 + 1/225)/2 = 1/75
  const v = 1 / 75;
  const vol = Math.sqrt((v + (1 + g) ** 2) ** A - (1 + g) ** (2 * A));
  near(s["Volatility (Ann.) [%]"], vol * 100, "vol", 1e-7);
  near(s["Sharpe Ratio"], ((1 + g) ** A - 1) / vol, "sharpe", 1e-7);
  // downside: sqrt(mean(min(r,0)²)) = sqrt(0.01/3)
  near(
    s["Sortino Ratio"],
    ((1 + g) ** A - 1) / (Math.sqrt(0.01 / 3) * Math.sqrt(A)),
    "sortino",
    1e-9,
  );
  near(s["CAGR [%]"], (1.089 ** (365.25 / 365) - 1) * 100);
  eq([s.Start, s.End, s.Duration], ["1970-01-01", "1971-01-01", 365]);
  near(s["Equity Peak [$]"], 110);
  near(s["Buy & Hold Return [%]"], 20);
  // The equity moves exactly like the market (same ratios): β = 1, α = 8.9 − 1 · 20
  near(s.Beta, 1);
  near(s["Alpha [%]"], 8.9 - 20);
});

Deno.test("drawdowns: max, average episode peak, durations, Calmar", () => {
  // E: 100, 90, 100, 80, 90 → dd: 0, .1, 0, .2, 1/9; episodes [0→2] peak .1 (2 days), [2→4] peak .2 (last bar closes it)
  const dates = new Int32Array([0, 1, 3, 4, 10]);
  const e = new Float64Array([100, 90, 100, 80, 90]);
  const d = drawdowns(e, dates);
  eq(d.peaks.map((x) => +x.toFixed(12)), [0.1, 0.2]);
  eq(d.durations, [3, 7]);
  const s = computeStats({
    dates,
    equity: e,
    trades: [],
    buyHoldReturn: 0,
    market: [1, 1, 1, 1, 1.1],
  });
  near(s["Max. Drawdown [%]"], -20);
  near(s["Avg. Drawdown [%]"], -15);
  eq([s["Max. Drawdown Duration"], s["Avg. Drawdown Duration"]], [7, 5]);
  near(s["Calmar Ratio"], (s["Return (Ann.) [%]"] / 100) / 0.2);
  // A one-bar dip at the very end is not an episode (backtesting.py's rule)
  eq(drawdowns([100, 110, 105], [0, 1, 2]).peaks.length, 0);
});

Deno.test("trade statistics: win rate, best/worst, geometric average, PF, expectancy, SQN, Kelly", () => {
  // PnL 100, −50, 20; returns +10 %, −5 %, +2 %
  const trades = [trade(100, 0.1, 1, 3, 2), trade(-50, -0.05, 5, 6, 1), trade(20, 0.02, 8, 9, 6)];
  trades.forEach((t, k) => (t.commission = [5, 2.5, 5][k]!)); // Commissions [$]: their sum
  const s = computeStats({
    dates: Int32Array.from({ length: 10 }, (_, i) => i),
    equity: new Float64Array(10).fill(1000),
    trades,
    buyHoldReturn: 0,
    market: new Float64Array(10).fill(5),
  });
  eq(s["# Trades"], 3);
  near(s["Win Rate [%]"], 200 / 3);
  near(s["Best Trade [%]"], 10);
  near(s["Worst Trade [%]"], -5);
  near(s["Avg. Trade [%]"], (Math.cbrt(1.1 * 0.95 * 1.02) - 1) * 100);
  near(s["Profit Factor"], 0.12 / 0.05); // 2.4
  near(s["Expectancy [%]"], (0.07 / 3) * 100);
  // mean PnL 70/3; deviations 230/3, −220/3, −10/3 → Σ² = (52900 + 48400 + 100)/9 = 11266.67; /2 → var 5633.33
  near(s.SQN, Math.sqrt(3) * (70 / 3) / Math.sqrt(101400 / 18));
  // W = 2/3; mean win 60, mean |loss| 50 → 2/3 − (1/3)/(60/50) = 0.38889
  near(s["Kelly Criterion"], 2 / 3 - (1 / 3) / 1.2);
  eq([s["Avg. Win [$]"], s["Avg. Loss [$]"]], [60, -50]);
  // durations are exit date − entry date: 2, 1, 1 days
  eq([s["Max. Trade Duration"], s["Avg. Trade Duration"]], [2, 4 / 3]);
  // exposure: bars 1-3, 5-6, 8-9 = 7 of 10
  near(s["Exposure Time [%]"], 70);
  near(s["Commissions [$]"], 12.5);
  // flat equity: no volatility → Sharpe undefined (NaN), β undefined when the market is flat
  eq([Number.isNaN(s["Sharpe Ratio"]), Number.isNaN(s.Beta)], [true, true]);
});

Deno.test("no trades: trade statistics are NaN, counts are 0", () => {
  const s = computeStats({
    dates: new Int32Array([0, 1]),
    equity: new Float64Array([100, 100]),
    trades: [],
    buyHoldReturn: 0,
    market: [1, 2],
  });
  eq(s["# Trades"], 0);
  for (
    const k of ["Win Rate [%]", "Best Trade [%]", "Avg. Trade [%]", "SQN", "Profit Factor"] as const
  ) {
    eq(Number.isNaN(s[k]), true, k);
  }
  near(geometricMean([0.1, -0.1]), Math.sqrt(0.99) - 1);
  eq(geometricMean([-1.5, 0.1]), 0);
});

Deno.test("property: the stats' drawdowns agree with drawdowns() on curves with flat stretches", () => {
  // Equity that often repeats (flat while out of the market), at and below its peak, to the last bar.
  const curve = fc.array(
    fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: -30, max: 30 })),
    { minLength: 2, maxLength: 60 },
  ).map((steps) => {
    let e = 1000;
    return Float64Array.from(steps, (d, i) => (i === 0 ? e : (e = Math.max(1, e + d))));
  });
  fc.assert(
    fc.property(curve, (e) => {
      const dates = Int32Array.from(e, (_, i) => i + Math.floor(i / 5) * 2);
      const d = drawdowns(e, dates);
      const s = computeStats({
        dates,
        equity: e,
        trades: [],
        buyHoldReturn: 0,
        market: Float64Array.from(e, (_, i) => 1 + i / 100),
      });
      const n = d.peaks.length;
      // dd is 1 − E·(1/peak) in the stats and 1 − E/peak in drawdowns(): equal to the last bits.
      near(s["Max. Drawdown [%]"], -Math.max(0, ...d.dd) * 100, "max dd", 1e-12);
      if (n) {
        near(
          s["Avg. Drawdown [%]"],
          -(d.peaks.reduce((a, b) => a + b, 0) / n) * 100,
          "avg dd",
          1e-12,
        );
      } else eq(s["Avg. Drawdown [%]"], NaN);
      eq(s["Max. Drawdown Duration"], n ? Math.max(...d.durations) : NaN);
      eq(s["Avg. Drawdown Duration"], n ? d.durations.reduce((a, b) => a + b, 0) / n : NaN);
    }),
    { numRuns: 300 },
  );
});
