/**
 * Golden run: every stat of MovingAverageCrossover 10/30 (long-only, 100 000
 * cash, 0.2 % commission) on tests/fixtures/backtest/goog_like_600.csv.
 *
 * The expected values were produced by tests/backtest/golden_reference.py, an
 * independent standard-library Python re-implementation of the fills and of the
 * DESIGN.md formulas (two-pass variances, math.log per bar); the engine agrees
 * to ~2e-16 relative. Re-run the script to audit them.
 */
import { deepStrictEqual as eq } from "node:assert";
import { fileURLToPath } from "node:url";
import {
  MovingAverageCrossover,
  runBacktest,
  STAT_KEYS,
  type StrategyClass,
} from "../../src/backtest/mod.ts";
import { readCsvBars } from "../../src/core/read_csv_bars.ts";
import { near } from "./_helpers.ts";

const EXPECTED: Record<string, number | string> = {
  "Start": "2004-08-19",
  "End": "2006-12-06",
  "Duration": 839,
  "Exposure Time [%]": 48.16666666666667,
  "Equity Final [$]": 133380.3857568,
  "Equity Peak [$]": 147600.76505500003,
  "Commissions [$]": 4231.9474432,
  "Return [%]": 33.38038575680001,
  "Buy & Hold Return [%]": 5.604599547902689,
  "Return (Ann.) [%]": 12.882426821397864,
  "Volatility (Ann.) [%]": 14.329755607810176,
  "CAGR [%]": 13.359389691953982,
  "Sharpe Ratio": 0.8989983621476787,
  "Sortino Ratio": 1.54077244933359,
  "Calmar Ratio": 1.257768434824669,
  "Alpha [%]": 30.588292777795697,
  "Beta": 0.49817885383963756,
  "Max. Drawdown [%]": -10.242288218334606,
  "Avg. Drawdown [%]": -2.605566941204226,
  "Max. Drawdown Duration": 231,
  "Avg. Drawdown Duration": 23.838709677419356,
  "# Trades": 9,
  "Win Rate [%]": 44.44444444444444,
  "Best Trade [%]": 35.216535189858504,
  "Worst Trade [%]": -2.742992536299727,
  "Avg. Trade [%]": 3.258448867754038,
  "Max. Trade Duration": 140,
  "Avg. Trade Duration": 43.55555555555556,
  "Profit Factor": 4.781478521731038,
  "Expectancy [%]": 3.7924447958110625,
  "SQN": 0.9119570380293176,
  "Kelly Criterion": 0.33352609447587406,
  "Avg. Win [$]": 11120.364529750004,
  "Avg. Loss [$]": -2220.214472439997,
};

Deno.test("golden: MA crossover 10/30 pins every stat", async () => {
  const csv = fileURLToPath(new URL("../fixtures/backtest/goog_like_600.csv", import.meta.url));
  const bars = await readCsvBars(csv);
  const r = runBacktest(bars, MovingAverageCrossover as unknown as StrategyClass, {
    cash: 100_000,
    commission: 0.002,
    params: { fast: 10, slow: 30 },
  });
  eq(Object.keys(r.stats), [...STAT_KEYS]);
  eq(Object.keys(EXPECTED), [...STAT_KEYS]);
  for (const key of STAT_KEYS) {
    const want = EXPECTED[key]!;
    const got = r.stats[key];
    if (typeof want === "string") eq(got, want, key);
    else near(got as number, want, key, 1e-12);
  }
  eq(r.trades.length, 9);
});
