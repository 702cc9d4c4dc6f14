/**
 * The stats-only loop (a sweep's rows) against `runBacktest` (the event loop):
 * the same trades, the same equity at every bar and the same stats, bit for
 * bit, over random series and every backtest option. The option cases are a
 * table over `keyof BacktestOptions` (`satisfies Record<…>`), so an option added
 * to the type without a case here fails to type-check.
 */
import { deepStrictEqual as eq, ok } from "node:assert";
import fc from "fast-check";
import {
  Backtest,
  type BacktestOptions,
  type Benchmark,
  BuyAndHold,
  MovingAverageCrossover,
  RSIMeanReversion,
  runBacktest,
  type SignalContext,
  type SignalMode,
  SignalStrategy,
  type StrategyClass,
  type Trade,
} from "../../src/backtest/mod.ts";
import { runSignals, runStats, Session, signalsOnlyApply } from "../../src/backtest/_engine.ts";
import { runSettings } from "../../src/backtest/_setup.ts";
import { EXIT_REASONS } from "../../src/backtest/_portfolio.ts";
import { rsi } from "../../src/indicators/rsi.ts";
import { walk } from "./_helpers.ts";

/** A benchmark that starts after the bars do and misses days. */
function benchmarkOf(seed: number): Benchmark {
  const index = walk(400, seed, "^INDEX", 12_003);
  return { symbol: "^INDEX", dates: index.dates, close: index.close };
}

/** Every option of a backtest, each with the values worth trying. */
const OPTION_CASES = {
  cash: fc.constantFrom(100, 5_000, 100_000),
  commission: fc.double({ min: 0, max: 0.01, noNaN: true }),
  minFee: fc.constantFrom(0, 10, 60),
  slippage: fc.double({ min: 0, max: 0.005, noNaN: true }),
  spread: fc.double({ min: 0, max: 0.005, noNaN: true }),
  size: fc.constantFrom(1, 0.5, 0.1),
  fillOn: fc.constantFrom("open" as const, "close" as const),
  keepOpen: fc.boolean(),
  benchmark: fc.integer({ min: 1, max: 1e6 }).map(benchmarkOf),
  annualization: fc.constantFrom(252, 52, 365),
} satisfies { [K in keyof Required<BacktestOptions>]: fc.Arbitrary<BacktestOptions[K]> };

/** Any subset of the options (absent ones take their defaults). */
const OPTIONS: fc.Arbitrary<BacktestOptions> = fc.record(OPTION_CASES, { requiredKeys: [] });

/** Short-only RSI: sell short when overbought, cover when oversold. */
class RsiShort extends SignalStrategy<{ period: number }> {
  params = { period: 6 };
  signals(ctx: SignalContext, signal: Float64Array): SignalMode {
    const r = ctx.indicator(rsi, ctx.close, this.params.period);
    r.forEach((v, i) => (signal[i] = v > 65 ? -1 : v < 35 ? 1 : 0));
    return "short";
  }
}

const CASES: [string, StrategyClass, Record<string, number | boolean>][] = [
  ["ma long", MovingAverageCrossover as unknown as StrategyClass, { fast: 3, slow: 9 }],
  ["ma reverse", MovingAverageCrossover as unknown as StrategyClass, {
    fast: 4,
    slow: 11,
    short: true,
  }],
  ["rsi", RSIMeanReversion as unknown as StrategyClass, {
    period: 5,
    oversold: 40,
    overbought: 60,
  }],
  ["rsi short", RsiShort as unknown as StrategyClass, { period: 6 }],
  ["buy & hold", BuyAndHold as unknown as StrategyClass, {}],
];

/** The trade log of a stats-only run, as the fields a `Trade` carries. */
function loggedTrades(run: ReturnType<typeof runSignals>) {
  const t = run.portfolio.trades;
  return Array.from({ length: t.count }, (_, k) => ({
    size: t.size[k]!,
    entryBar: t.entryBar[k]!,
    exitBar: t.exitBar[k]!,
    entryPrice: t.entryPrice[k]!,
    exitPrice: t.exitPrice[k]!,
    pnl: t.pnl[k]!,
    return: t.ret[k]!,
    commission: t.commission[k]!,
    exitReason: EXIT_REASONS[t.reason[k]!]!,
  }));
}

function tradeFields(t: Trade) {
  const { symbol: _s, entryDate: _e, exitDate: _x, duration: _d, ...rest } = t;
  return rest;
}

Deno.test("property: stats-only runs equal runBacktest in trades, equity per bar and every stat, for every option", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 1e6 }),
      fc.integer({ min: 20, max: 300 }),
      OPTIONS,
      (seed, n, options) => {
        const bars = walk(n, seed);
        for (const [name, Strat, params] of CASES) {
          const session = new Session(bars, runSettings(options));
          ok(signalsOnlyApply(session, Strat), name);
          const full = runBacktest(bars, Strat, { ...options, params });
          const only = runSignals(session, Strat, full.params);
          eq(loggedTrades(only), full.trades.map(tradeFields), `${name}: trades`);
          eq(Array.from(only.portfolio.equity), Array.from(full.equity.values), `${name}: equity`);
          eq(runStats(session, only), full.stats, `${name}: stats`);
          // The open position of a keepOpen run: the same lots.
          eq(
            only.portfolio.lots[0]!.map((l) => [l.size, l.entryBar, l.entryPrice]),
            full.openTrades.map((t) => [t.size, t.entryBar, t.entryPrice]),
            `${name}: open trades`,
          );
        }
      },
    ),
    { numRuns: 60 },
  );
});

Deno.test("property: every sweep row equals a stand-alone run, for every option", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 1e6 }),
      fc.integer({ min: 40, max: 250 }),
      OPTIONS,
      async (seed, n, options) => {
        const bars = walk(n, seed);
        const Strat = MovingAverageCrossover as unknown as StrategyClass;
        const bt = new Backtest(bars, Strat, options);
        const res = await bt.optimize({
          grid: { fast: [2, 4, 7], slow: [6, 12], short: [false, true] },
          workers: 0,
        });
        for (const row of res.rows) eq(row.stats, bt.run(row.params).stats);
      },
    ),
    { numRuns: 25 },
  );
});
