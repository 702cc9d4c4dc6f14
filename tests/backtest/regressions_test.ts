/**
 * Two silent wrong results of the engine's old fast paths (issue 15), each
 * pinned by a test that failed before the fix:
 * - a signal strategy that overrides `onBar` (or `init`) must have it called on
 *   one symbol as on many, in a run and in every row of a sweep;
 * - editing a bars array in place and running again must give the results of
 *   the edited data, never those of the data as it was on an earlier run.
 */
import { deepStrictEqual as eq, ok } from "node:assert";
import { PlainBars } from "../../src/core/plain_bars.ts";
import {
  type BarContext,
  type InitContext,
  MovingAverageCrossover,
  runBacktest,
  type StrategyClass,
  sweep,
} from "../../src/backtest/mod.ts";
import { walk } from "./_helpers.ts";

/** The MA crossover with a stop-loss added in `onBar`: closes a long 2 % under its entry close. */
class CrossoverWithStop extends MovingAverageCrossover {
  static calls = 0;
  static stops = 0;
  entry = NaN;
  override onBar(ctx: BarContext): void {
    CrossoverWithStop.calls++;
    const close = ctx.close[ctx.i]!;
    if (ctx.position > 0 && close < this.entry * 0.98) {
      CrossoverWithStop.stops++;
      ctx.closePosition();
      this.entry = NaN;
      return;
    }
    if (ctx.position === 0 && this.signal[ctx.i]! > 0) this.entry = close;
    super.onBar(ctx);
  }
}

/** Two symbols of the same series: the same decisions on each. */
function twice(bars: PlainBars): PlainBars {
  const n = bars.length;
  const cat = (a: Float64Array) => {
    const out = new Float64Array(2 * n);
    out.set(a);
    out.set(a, n);
    return out;
  };
  const dates = new Int32Array(2 * n);
  dates.set(bars.dates);
  dates.set(bars.dates, n);
  return new PlainBars({
    symbol: [["A", 0, n], ["B", n, 2 * n]],
    dates,
    open: cat(bars.open),
    high: cat(bars.high),
    low: cat(bars.low),
    close: cat(bars.close),
    volume: cat(bars.volume),
  });
}

Deno.test("a signal strategy's own onBar runs on one symbol as on two (no fast path skips it)", () => {
  const bars = walk(500, 21);
  const Strat = CrossoverWithStop as unknown as StrategyClass;
  const params = { fast: 5, slow: 20 };
  CrossoverWithStop.calls = CrossoverWithStop.stops = 0;
  const one = runBacktest(bars, Strat, { params });
  const [oneCalls, oneStops] = [CrossoverWithStop.calls, CrossoverWithStop.stops];
  CrossoverWithStop.calls = CrossoverWithStop.stops = 0;
  const two = runBacktest(twice(bars), Strat, { params, size: 0.5 });
  ok(oneCalls > 0 && oneStops > 0, `onBar called ${oneCalls} times, ${oneStops} stops`);
  eq(2 * oneCalls, CrossoverWithStop.calls);
  eq(2 * oneStops, CrossoverWithStop.stops);
  eq(one.trades.length * 2, two.trades.length);
});

Deno.test("a signal strategy's own init runs on one symbol", () => {
  let inits = 0;
  class Counted extends MovingAverageCrossover {
    override init(ctx: InitContext): void {
      inits++;
      super.init(ctx);
    }
  }
  runBacktest(walk(100, 2), Counted as unknown as StrategyClass, { params: { fast: 3, slow: 9 } });
  eq(inits, 1);
});

Deno.test("every sweep row of a signal strategy with its own onBar equals a full run", async () => {
  const bars = walk(400, 5);
  const Strat = CrossoverWithStop as unknown as StrategyClass;
  const res = await sweep(bars, Strat, { fast: [3, 5, 8], slow: [13, 21] }, { workers: 0 });
  for (const row of res.rows) {
    eq(
      row.stats,
      runBacktest(bars, Strat, { params: row.params }).stats,
      JSON.stringify(row.params),
    );
  }
});

Deno.test("editing the bars in place, then running again, gives the edited data's results", () => {
  const bars = walk(600, 8);
  const params = { fast: 10, slow: 30 };
  const Strat = MovingAverageCrossover as unknown as StrategyClass;
  const before = runBacktest(bars, Strat, { params });
  // A different market in the same arrays: another walk copied over the old one.
  const other = walk(600, 99);
  for (const k of ["open", "high", "low", "close", "volume"] as const) bars[k].set(other[k]);
  const after = runBacktest(bars, Strat, { params });
  const fresh = runBacktest(other, Strat, { params });
  ok(
    before.stats["# Trades"] !== fresh.stats["# Trades"] ||
      before.stats["Return [%]"] !== fresh.stats["Return [%]"],
  );
  eq(after.stats, fresh.stats);
  eq(after.trades, fresh.trades);
});

Deno.test("editing the bars in place between two sweeps gives the edited data's rows", async () => {
  const bars = walk(500, 3);
  const grid = { fast: [5, 10], slow: [20, 40] };
  const Strat = MovingAverageCrossover as unknown as StrategyClass;
  await sweep(bars, Strat, grid, { workers: 0 });
  const other = walk(500, 77);
  for (const k of ["open", "high", "low", "close", "volume"] as const) bars[k].set(other[k]);
  const after = await sweep(bars, Strat, grid, { workers: 0 });
  const fresh = await sweep(other, Strat, grid, { workers: 0 });
  eq(after.rows, fresh.rows);
});
