/** Signal strategies: the engine's signal loop against the onBar path, the rule, bad signals. */
import { deepStrictEqual as eq, ok, throws } from "node:assert";
import { PlainBars } from "../../src/core/csv_bars.ts";
import fc from "fast-check";
import {
  applySignal,
  type BacktestResult,
  BuyAndHold,
  type Fill,
  MovingAverageCrossover,
  RSIMeanReversion,
  runBacktest,
  type SignalContext,
  type SignalMode,
  SignalStrategy,
  type StrategyClass,
} from "../../src/backtest/mod.ts";
import { IndicatorCache } from "../../src/backtest/engine.ts";
import { SignalRuns, signalRunsApply } from "../../src/backtest/signal_runs.ts";
import { rsi } from "../../src/indicators/rsi.ts";
import { flat, walk } from "./_helpers.ts";

/** Short-only RSI: sell short when overbought, cover when oversold. */
class RsiShort extends SignalStrategy<{ period: number }> {
  params = { period: 6 };
  signals(ctx: SignalContext, signal: Float64Array): SignalMode {
    const r = ctx.indicator(rsi, ctx.close, this.params.period);
    r.forEach((v, i) => (signal[i] = v > 65 ? -1 : v < 35 ? 1 : 0));
    return "short";
  }
}

/**
 * The same strategy run through `onBar` bar by bar: a strategy that listens to
 * fills takes the engine's general loop (its `onBar` applies the same rule).
 */
function viaOnBar(Strat: StrategyClass): StrategyClass {
  const C = Strat as unknown as new () => RsiShort;
  return class extends C {
    override onOrderFilled(_fill: Fill): void {}
  } as unknown as StrategyClass;
}

/** Everything a run returns, as plain data (orders by what they were and became). */
function summary(r: BacktestResult) {
  return {
    stats: r.stats,
    equity: Array.from(r.equity),
    trades: r.trades,
    openTrades: r.openTrades,
    transactions: r.transactions,
    orders: r.orders.map((o) => [o.id, o.side, o.kind, o.placedAt, o.onClose, o.status]),
  };
}

const RUN_OPTIONS = fc.record({
  cash: fc.constantFrom(100, 5_000, 100_000),
  commission: fc.double({ min: 0, max: 0.01, noNaN: true }),
  minFee: fc.constantFrom(0, 10, 60),
  slippage: fc.double({ min: 0, max: 0.005, noNaN: true }),
  spread: fc.double({ min: 0, max: 0.005, noNaN: true }),
  size: fc.constantFrom(1, 0.5, 0.1),
  fillOn: fc.constantFrom("open" as const, "close" as const),
  keepOpen: fc.boolean(),
});

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

Deno.test("property: the signal loop and onBar give identical runs (fills, trades, equity, stats, orders)", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 1e6 }),
      fc.integer({ min: 20, max: 300 }),
      RUN_OPTIONS,
      (seed, n, options) => {
        const bars = walk(n, seed);
        for (const [name, Strat, params] of CASES) {
          const fast = runBacktest(bars, Strat, { ...options, params });
          const slow = runBacktest(bars, viaOnBar(Strat), { ...options, params });
          eq(summary(fast), summary(slow), name);
        }
      },
    ),
    { numRuns: 60 },
  );
});

Deno.test("property: a sweep's stats-only runs give runBacktest's stats bit for bit", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 1e6 }),
      fc.integer({ min: 20, max: 300 }),
      RUN_OPTIONS,
      fc.boolean(),
      (seed, n, options, withBenchmark) => {
        const bars = walk(n, seed);
        // A benchmark that starts after the bars and misses days.
        const index = walk(n, seed + 1, "^INDEX", bars.dates[3]!);
        const benchmark = withBenchmark
          ? { symbol: "^INDEX", dates: index.dates, close: index.close }
          : undefined;
        for (const [name, Strat, params] of CASES) {
          ok(signalRunsApply(bars, Strat), name);
          const runs = new SignalRuns(bars, Strat, { ...options, benchmark }, new IndicatorCache());
          const full = runBacktest(bars, Strat, { ...options, benchmark, params });
          eq(runs.stats(full.params), full.stats, name);
          // Runs reuse their buffers: a second run of the same parameters agrees too.
          eq(runs.stats(full.params), full.stats, `${name}, again`);
        }
      },
    ),
    { numRuns: 60 },
  );
});

Deno.test("stats-only runs apply to one symbol and a signal strategy that ignores fills", () => {
  const one = walk(50, 3);
  ok(!signalRunsApply(one, viaOnBar(MovingAverageCrossover as unknown as StrategyClass)));
  const two = new PlainBars({
    symbol: [["A", 0, 50], ["B", 50, 100]],
    dates: Int32Array.from({ length: 100 }, (_, i) => i % 50),
    open: new Float64Array(100).fill(1),
    high: new Float64Array(100).fill(1),
    low: new Float64Array(100).fill(1),
    close: new Float64Array(100).fill(1),
    volume: new Float64Array(100).fill(1),
  });
  ok(!signalRunsApply(two, BuyAndHold as unknown as StrategyClass));
  throws(
    () => new SignalRuns(two, BuyAndHold as unknown as StrategyClass, {}, new IndicatorCache()),
    /SignalRuns needs one symbol and a signal strategy that overrides none of init, onBar, onOrderFilled/,
  );
  throws(
    () =>
      new SignalRuns(
        one,
        BuyAndHold as unknown as StrategyClass,
        { commission: 2 },
        new IndicatorCache(),
      ),
    /Option "commission" must be a number ≥ 0 and ≤ 1, got 2/,
  );
});

Deno.test("applySignal: the rule per mode and position", () => {
  const table: [SignalMode, number, number, string][] = [
    ["long", 1, 0, "buy"],
    ["long", 1, 5, ""],
    ["long", -1, 5, "close"],
    ["long", -1, 0, ""],
    ["long", NaN, 0, ""],
    ["short", -1, 0, "sell"],
    ["short", 1, -5, "close"],
    ["short", -1, -5, ""],
    ["short", 1, 0, ""],
    ["reverse", 1, 0, "buy"],
    ["reverse", 1, -5, "close buy"],
    ["reverse", 1, 5, "close buy"],
    ["reverse", -1, 5, "close sell"],
    ["reverse", 0, 5, ""],
  ];
  for (const [mode, signal, position, want] of table) {
    const placed: string[] = [];
    const entry = {
      buy: () => (placed.push("buy"), undefined as never),
      sell: () => (placed.push("sell"), undefined as never),
      closePosition: () => (placed.push("close"), undefined as never),
    };
    applySignal(mode, signal, position, entry);
    eq(placed.join(" "), want, `${mode} ${signal} at ${position}`);
  }
});

Deno.test("signals(): an unknown mode is a clear error", () => {
  const bars = flat([1, 2, 3, 4]);
  class Odd extends SignalStrategy<Record<string, never>> {
    params = {};
    signals(): SignalMode {
      return "sideways" as SignalMode;
    }
  }
  throws(
    () => runBacktest(bars, Odd),
    /Odd\.signals\(\) returned mode "sideways"; expected "long", "short" or "reverse"/,
  );
  throws(
    () => new SignalRuns(bars, Odd, {}, new IndicatorCache()).stats({}),
    /Odd\.signals\(\) returned mode "sideways"/,
  );
});

Deno.test("signals() writes into a zeroed buffer reused from run to run", () => {
  const bars = walk(60, 9);
  const seen: Float64Array[] = [];
  class Once extends SignalStrategy<{ at: number }> {
    params = { at: 5 };
    signals(_ctx: SignalContext, signal: Float64Array): SignalMode {
      ok(signal.every((v) => v === 0)); // the previous run's signal is gone
      seen.push(signal);
      signal[this.params.at] = 1;
      return "long";
    }
  }
  const runs = new SignalRuns(bars, Once as unknown as StrategyClass, {}, new IndicatorCache());
  const a = runs.stats({ at: 5 }), b = runs.stats({ at: 20 });
  eq(seen[0], seen[1]);
  ok(a["Exposure Time [%]"] > b["Exposure Time [%]"]);
  eq(a, runBacktest(bars, Once as unknown as StrategyClass, { params: { at: 5 } }).stats);
});
