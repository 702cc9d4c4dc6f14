import { deepStrictEqual as eq, ok, rejects, throws } from "node:assert";
import { ConfigError } from "../../src/core/errors.ts";
import { combinations } from "../../src/backtest/_sweep.ts";
import {
  type BarContext,
  Breakout,
  compositeStrategy,
  type InitContext,
  MovingAverageCrossover,
  range,
  type Revealed,
  runBacktest,
  type SignalContext,
  type SignalMode,
  Strategy,
  type StrategyClass,
  sweep,
  validateComposite,
} from "../../src/backtest/mod.ts";
import { sma } from "../../src/indicators/sma.ts";
import { flat, walk } from "./_helpers.ts";

const MA = MovingAverageCrossover as unknown as StrategyClass;

Deno.test("composite: errors name the field path", () => {
  throws(
    () => validateComposite({ trigger: { above: ["close", 1] }, exit: { stopLoss: "8%" } }),
    (e: Error) =>
      e instanceof ConfigError &&
      e.message.includes('exit.stopLoss: expected a number between 0 and 1, got "8%"'),
  );
  throws(
    () => validateComposite({ trigger: { abve: ["close", 1] }, exit: { stopLoss: 0.1 } }),
    /trigger: .*did you mean "above"/,
  );
  throws(
    () =>
      validateComposite({
        setup: { all: [{ above: ["close", { sma: 0 }] }] },
        trigger: { below: ["clsoe", 3] },
        exit: {},
      }),
    (e: Error) =>
      e.message.includes("setup.all[0].above[1].sma: expected a whole period ≥ 1, got 0") &&
      e.message.includes('trigger.below[0]: unknown price "clsoe" (did you mean "close"?)') &&
      e.message.includes("exit: needs at least one of when, stopLoss, takeProfit"),
  );
  throws(() => validateComposite({ trigger: { above: ["close", 1] } }), /exit: required/);
});

Deno.test("composite: setup → trigger → exit with a stop-loss, by hand", () => {
  // close above its SMA(3) (setup) and close crosses above 10 (trigger) → buy; exit when close < 9 or −8 %
  const Cls = compositeStrategy({
    name: "Breakout",
    setup: { above: ["close", { sma: 3 }] },
    trigger: { crossesAbove: ["close", 10] },
    exit: { when: { below: ["close", 9] }, stopLoss: 0.08 },
  });
  eq(Cls.name, "Breakout");
  const bars = flat([8, 8, 8, 9, 11, 12, 12, 10, 8.5, 8.5]);
  const r = runBacktest(bars, Cls, { cash: 1_000 });
  // bar 4: close 11 crosses 10, above SMA3 (9.33) → buy at bar 5's open 12: 83 shares.
  // stop at 12 · 0.92 = 11.04: bar 7 opens at 10 (gap) → exit at 10.
  eq(
    r.trades.map((t) => [t.entryBar, t.entryPrice, t.size, t.exitBar, t.exitPrice, t.exitReason]),
    [[5, 12, 83, 7, 10, "sl"]],
  );
});

Deno.test("sweep: grid skips inadmissible combinations; indicators computed once per distinct value", async () => {
  const { combos, skipped } = combinations("MA", new MA(), {
    fast: range(5, 50, 1),
    slow: range(20, 200, 10),
  });
  eq([combos.length, skipped], [810, 64]);
  const bars = walk(400, 11);
  let calls = 0;
  const counting = (v: Float64Array, p: number) => (calls++, sma(v, p));
  // The MA crossover's own signals, with its SMA swapped for the counting one.
  class Counted extends MovingAverageCrossover {
    override signals(ctx: SignalContext, signal: Float64Array): SignalMode {
      return super.signals({
        ...ctx,
        close: ctx.close,
        indicator: ((fn: (...a: unknown[]) => Float64Array, ...args: unknown[]) =>
          ctx.indicator(fn === (sma as unknown) ? counting as never : fn, ...args)) as never,
      }, signal);
    }
  }
  const grid = { fast: range(5, 20, 5), slow: range(10, 40, 10) };
  const res = await sweep(bars, Counted as unknown as StrategyClass, grid, {
    maximize: "Return [%]",
    workers: 0,
  });
  // 4 fast × 4 slow − (fast ≥ slow: 10/10, 15/10, 20/10, 15/... ) → admissible rows
  eq(res.rows.length + res.skipped, 16);
  eq(calls, new Set([...grid.fast, ...grid.slow]).size); // 5,10,15,20,30,40 → 6 SMAs
  const best = Math.max(...res.rows.map((r) => r.stats["Return [%]"]));
  eq(res.best.stats["Return [%]"], best);
  const sorted = res.sortBy("Return [%]");
  eq(sorted[0]!.stats["Return [%]"], best);
  ok(
    sorted.every((r, k) => k === 0 || r.stats["Return [%]"] <= sorted[k - 1]!.stats["Return [%]"]),
  );
  // Each row equals a stand-alone run.
  const one = runBacktest(bars, MA, { params: res.rows[3]!.params });
  eq(one.stats, res.rows[3]!.stats);
});

Deno.test("sweep: workers give the same table as in-process; random search samples admissible rows", async () => {
  const bars = walk(300, 5);
  const grid = { fast: range(3, 9, 2), slow: range(10, 30, 10) };
  const a = await sweep(bars, MA, grid, { workers: 0 });
  let progress = 0;
  const b = await sweep(bars, MA, grid, { workers: 2, onProgress: (d) => (progress = d) });
  eq(b.workers, 2);
  eq(progress, a.rows.length);
  eq(b.rows.map((r) => r.stats), a.rows.map((r) => r.stats));
  eq(b.best.params, a.best.params);
  const rnd = await sweep(bars, MA, { fast: range(2, 30), slow: range(5, 60) }, {
    method: "random",
    maxTries: 7,
    seed: 3,
    workers: 0,
  });
  eq(rnd.rows.length, 7);
  ok(rnd.rows.every((r) => (r.params.fast as number) < (r.params.slow as number)));
  await rejects(sweep(bars, MA, { fsat: [1] }), /did you mean "fast"/);
  await rejects(sweep(bars, MA, grid, { maximize: "Sharpe" as never }), /not a numeric stat/);
});

Deno.test("composite: every operand and condition kind, short with a take-profit, equals the same rules written by hand", async () => {
  const { ema } = await import("../../src/indicators/ema.ts");
  const { rsi } = await import("../../src/indicators/rsi.ts");
  const { atr } = await import("../../src/indicators/atr.ts");
  const { rollingMax } = await import("../../src/indicators/rolling_max.ts");
  const { rollingMin } = await import("../../src/indicators/rolling_min.ts");
  const { crossunder } = await import("../../src/indicators/crossover.ts");
  const spec = {
    name: "Kitchen sink",
    side: "short",
    size: 0.5,
    setup: {
      all: [
        { above: ["close", { lowest: 20, of: "low" }] },
        { not: { above: [{ rsi: 7 }, 90] } },
        { any: [{ above: ["volume", 0] }, { below: [{ atr: 5 }, 0] }] },
      ],
    },
    trigger: { crossesBelow: ["close", { ema: 10 }] },
    exit: { when: { above: ["high", { highest: 10 }] }, takeProfit: 0.05, stopLoss: 0.1 },
  };
  const Composite = compositeStrategy(spec);
  class ByHand extends Strategy<Record<string, never>> {
    params = {};
    e!: Revealed;
    r!: Revealed;
    a!: Revealed;
    lo!: Revealed;
    hi!: Revealed;
    override init(ctx: InitContext): void {
      this.e = ctx.indicator(ema, ctx.close, 10);
      this.r = ctx.indicator(rsi, ctx.close, 7);
      this.a = ctx.indicator(atr, ctx.high, ctx.low, ctx.close, 5);
      this.lo = ctx.indicator(rollingMin, ctx.low, 20);
      this.hi = ctx.indicator(rollingMax, ctx.close, 10);
    }
    onBar(ctx: BarContext): void {
      const i = ctx.i;
      if (ctx.position === 0) {
        const setup = ctx.close[i]! > this.lo[i]! && !(this.r[i]! > 90) &&
          (ctx.volume[i]! > 0 || this.a[i]! < 0);
        if (ctx.orders.length === 0 && setup && crossunder(ctx.close, this.e, i)) {
          ctx.sell({ size: 0.5, slPct: 0.1, tpPct: 0.05 });
        }
      } else if (ctx.high[i]! > this.hi[i]!) ctx.closePosition();
    }
  }
  const bars = walk(600, 17);
  const a = runBacktest(bars, Composite, { commission: 0.001 });
  const b = runBacktest(bars, ByHand as unknown as StrategyClass, { commission: 0.001 });
  ok(a.trades.length > 3, `${a.trades.length} trades`);
  ok(a.trades.some((t) => t.exitReason === "tp"));
  ok(a.trades.every((t) => t.size < 0));
  eq(a.trades, b.trades);
  eq(a.stats, b.stats);
});

Deno.test("sweep of an onBar strategy in-process: every row equals its stand-alone run", async () => {
  const bars = walk(500, 23);
  const Strat = Breakout as unknown as StrategyClass;
  const res = await sweep(bars, Strat, { channel: [10, 20], mult: [1.5, 3] }, { workers: 0 });
  eq(res.rows.length, 4);
  for (const row of res.rows) eq(row.stats, runBacktest(bars, Strat, { params: row.params }).stats);
});
