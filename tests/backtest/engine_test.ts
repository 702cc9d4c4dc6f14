/** Engine invariants as property tests, plus multi-symbol and look-ahead behaviour. */
import { deepStrictEqual as eq, ok, throws } from "node:assert";
import fc from "fast-check";
import { PlainBars } from "../../src/core/plain_bars.ts";
import { ConfigError } from "../../src/core/errors.ts";
import {
  type BacktestResult,
  type BarContext,
  Breakout,
  type InitContext,
  MovingAverageCrossover,
  RSIMeanReversion,
  runBacktest,
  STAT_KEYS,
  Strategy,
  type StrategyClass,
} from "../../src/backtest/mod.ts";
import { sma } from "../../src/indicators/sma.ts";
import { didYouMean } from "../../src/core/_did_you_mean.ts";
import { near, scripted, walk } from "./_helpers.ts";

/** Cash and positions replayed from the transactions, marked at each bar's close. */
function replayEquity(r: BacktestResult, bars: PlainBars, cash: number): Float64Array {
  const close = bars.close;
  const out = new Float64Array(r.equity.length);
  let pos = 0, k = 0;
  for (let t = 0; t < out.length; t++) {
    while (k < r.transactions.length && r.transactions[k]!.bar === t) {
      const x = r.transactions[k++]!;
      cash -= x.size * x.price + x.fee;
      pos += x.size;
    }
    out[t] = cash + pos * close[t]!;
  }
  return out;
}

/** Trades on a deterministic hash of the bar it sees: a busy strategy with stops and limits. */
class Noisy extends Strategy<{ seed: number }> {
  params = { seed: 1 };
  onBar(ctx: BarContext): void {
    const h = Math.sin(ctx.i * 12.9898 + this.params.seed * 78.233 + ctx.close[ctx.i]!) *
      43758.5453;
    const u = h - Math.floor(h);
    if (u < 0.1) ctx.buy({ size: 0.5 + u * 4 });
    else if (u < 0.2) ctx.sell({ slPct: 0.05 });
    else if (u < 0.25) ctx.closePosition();
    else if (u < 0.3) ctx.buy({ limit: ctx.close[ctx.i]! * 0.99, tpPct: 0.03 });
    else if (u < 0.33) ctx.buy({ shares: 1 + Math.floor(u * 100) });
  }
}

const costs = fc.record({
  commission: fc.double({ min: 0, max: 0.01, noNaN: true }),
  minFee: fc.double({ min: 0, max: 20, noNaN: true }),
  slippage: fc.double({ min: 0, max: 0.005, noNaN: true }),
  spread: fc.double({ min: 0, max: 0.005, noNaN: true }),
  fillOn: fc.constantFrom("open" as const, "close" as const),
});

Deno.test("property: equity = cash + positions marked at the close, at every bar", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 1e6 }),
      fc.integer({ min: 40, max: 300 }),
      costs,
      (seed, n, c) => {
        const bars = walk(n, seed);
        for (
          const [Strat, params] of [[Noisy, { seed }], [MovingAverageCrossover, {
            fast: 3,
            slow: 9,
            short: true,
          }]] as const
        ) {
          const r = runBacktest(bars, Strat as unknown as StrategyClass, {
            cash: 50_000,
            ...c,
            params,
          });
          const replay = replayEquity(r, bars, 50_000);
          for (let t = 0; t < n; t++) near(r.equity.values[t]!, replay[t]!, `bar ${t}`, 1e-9);
        }
      },
    ),
    { numRuns: 60 },
  );
});

Deno.test("property: costs are never negative, the minimum fee always applies, fills are whole shares", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 1e6 }), costs, (seed, c) => {
      const bars = walk(150, seed);
      const r = runBacktest(bars, Noisy as unknown as StrategyClass, {
        cash: 20_000,
        ...c,
        params: { seed },
      });
      ok(r.stats["Commissions [$]"] >= 0);
      for (const t of r.transactions) {
        ok(t.fee >= 0 && t.fee >= c.minFee - 1e-12, `fee ${t.fee}`);
        ok(t.size !== 0 && Number.isInteger(t.size), `whole shares ${t.size}`);
      }
      for (const t of r.trades) ok(t.commission >= 0);
    }),
    { numRuns: 60 },
  );
});

Deno.test("property: appending future bars never changes past decisions", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 1e6 }),
      fc.integer({ min: 60, max: 250 }),
      costs,
      (seed, n, c) => {
        const full = walk(n + 40, seed);
        const cut = (a: Float64Array) => a.slice(0, n);
        const prefix = new PlainBars({
          symbol: "WALK",
          dates: full.dates.slice(0, n),
          open: cut(full.open),
          high: cut(full.high),
          low: cut(full.low),
          close: cut(full.close),
          volume: cut(full.volume),
        });
        const strategies: [StrategyClass, Record<string, number | boolean>][] = [
          [MovingAverageCrossover as unknown as StrategyClass, { fast: 4, slow: 12, short: true }],
          [RSIMeanReversion as unknown as StrategyClass, {
            period: 5,
            oversold: 40,
            overbought: 60,
          }],
          [Noisy as unknown as StrategyClass, { seed }],
          [Breakout as unknown as StrategyClass, { channel: 10, atr: 5, mult: 2 }],
        ];
        for (const [Strat, params] of strategies) {
          const a = runBacktest(prefix, Strat, { ...c, params });
          const b = runBacktest(full, Strat, { ...c, params });
          // Orders placed on the prefix's bars are the same; fills before its last bar too.
          const placed = (r: BacktestResult) =>
            r.orders.filter((o) => o.placedAt < n).map((
              o,
            ) => [o.placedAt, o.side, o.kind, JSON.stringify(o.options)]);
          eq(placed(a), placed(b));
          const fills = (r: BacktestResult) =>
            r.transactions.filter((t) => t.bar < n - 1).map((
              t,
            ) => [t.bar, t.size, t.price, t.fee, t.reason]);
          eq(fills(a), fills(b));
          for (let t = 0; t < n - 1; t++) eq(a.equity.values[t], b.equity.values[t]);
        }
      },
    ),
    { numRuns: 40 },
  );
});

Deno.test("onBar sees prices and indicators only up to the current bar", () => {
  let checked = 0;
  class Peek extends Strategy<Record<string, never>> {
    params = {};
    ma: Float64Array = new Float64Array();
    override init(ctx: InitContext): void {
      ok(!Number.isNaN(ctx.close[ctx.close.length - 1]!), "init sees the whole series");
      this.ma = ctx.indicator(sma, ctx.close, 5);
    }
    onBar(ctx: BarContext): void {
      ok(!Number.isNaN(ctx.close[ctx.i]!) && !Number.isNaN(this.ma[ctx.i]!));
      if (ctx.i + 1 < ctx.close.length) {
        ok(
          Number.isNaN(ctx.close[ctx.i + 1]!) && Number.isNaN(this.ma[ctx.i + 1]!) &&
            Number.isNaN(ctx.high[ctx.i + 1]!),
        );
      }
      checked++;
    }
  }
  const bars = walk(50, 3);
  runBacktest(bars, Peek as unknown as StrategyClass);
  eq(checked, 50 - 5); // warm-up: SMA(5) defined from bar 4, trading from bar 5
});

Deno.test("revealed series hold every past value, however many onBar reveals lazily", () => {
  const bars = walk(40, 11);
  const fast = sma(bars.close, 3), slow = sma(bars.close, 7);
  let checked = 0;
  class Many extends Strategy<Record<string, never>> {
    params = {};
    f: Float64Array = new Float64Array();
    s: Float64Array = new Float64Array();
    override init(ctx: InitContext): void {
      this.f = ctx.indicator(sma, ctx.close, 3);
      this.s = ctx.indicator(sma, ctx.close, 7);
    }
    onBar(ctx: BarContext): void {
      // Two series revealed in init; close, open, high, low are revealed on first use here,
      // so the engine's count of revealed series grows from 2 to 6 during the run.
      const series: [Float64Array, Float64Array][] = [[this.f, fast], [this.s, slow]];
      if (ctx.i >= 9) series.push([ctx.close, bars.close], [ctx.open, bars.open]);
      if (ctx.i >= 12) series.push([ctx.high, bars.high], [ctx.low, bars.low]);
      for (const [seen, whole] of series) {
        for (let j = 0; j < whole.length; j++) {
          const want = j <= ctx.i ? whole[j]! : NaN;
          ok(Object.is(seen[j], want), `bar ${ctx.i}: value ${j} is ${seen[j]}, expected ${want}`);
        }
      }
      if (ctx.i % 5 === 0) ctx.position === 0 ? ctx.buy() : ctx.closePosition();
      checked++;
    }
  }
  const r = runBacktest(bars, Many as unknown as StrategyClass);
  eq(checked, 40 - 7);
  ok(r.trades.length > 0);
});

Deno.test("multi-symbol: one cash account, shared calendar, no trading on a suspended day", () => {
  // A trades 5 days; B is suspended on day 2 (no bar) and only then.
  const dates = [0, 1, 2, 3, 4].map((d) => 18_262 + d);
  const bDates = dates.filter((_, i) => i !== 2);
  const col = (xs: number[]) => new Float64Array(xs);
  const bars = new PlainBars({
    symbol: [["A.AX", 0, 5], ["B.AX", 5, 9]],
    dates: new Int32Array([...dates, ...bDates]),
    open: col([10, 10, 10, 10, 10, 20, 20, 20, 20]),
    high: col([10, 10, 10, 10, 10, 20, 20, 20, 20]),
    low: col([10, 10, 10, 10, 10, 20, 20, 20, 20]),
    close: col([10, 10, 10, 10, 12, 20, 20, 20, 25]),
    volume: col([1, 1, 1, 1, 1, 1, 1, 1, 1]),
  });
  const seen: string[] = [];
  class Half extends Strategy<Record<string, never>> {
    params = {};
    onBar(ctx: BarContext): void {
      seen.push(`${ctx.symbol}@${ctx.bar}`);
      if (ctx.i === 1) ctx.buy({ size: 0.5 });
    }
  }
  const r = runBacktest(bars, Half as unknown as StrategyClass, { cash: 1_000 });
  eq(r.equity.length, 5);
  ok(!seen.includes("B.AX@2"), "B has no bar on day 2");
  // A buys at day 2's open: 0.5 · 1000 / 10 = 50 shares. B's i = 1 is day 1 too → fills day 3 (its next bar):
  // equity then 1000 (A marked at 10), budget min(500, 1000 − 500) = 500 → 25 shares at 20.
  eq(r.transactions.slice(0, 2).map((t) => [t.symbol, t.bar, t.size]), [["A.AX", 2, 50], [
    "B.AX",
    3,
    25,
  ]]);
  // Final: A 50 · 12 + B 25 · 25, all closed at the end → 1000 + 100 + 125
  near(r.stats["Equity Final [$]"], 1_225);
  near(r.stats["Buy & Hold Return [%]"], ((12 / 10 - 1) + (25 / 20 - 1)) / 2 * 100);
});

Deno.test("didYouMean: the nearest name, else the names it begins (3+ characters, at most 3)", () => {
  eq(didYouMean("slwo", ["fast", "slow"]), ' (did you mean "slow"?)');
  eq(didYouMean("Sharpe", STAT_KEYS), ' (did you mean "Sharpe Ratio"?)');
  eq(didYouMean("max. drawdown d", STAT_KEYS), ' (did you mean "Max. Drawdown Duration"?)');
  eq(didYouMean("RETURN", STAT_KEYS), ' (did you mean "Return [%]" or "Return (Ann.) [%]"?)');
  eq(didYouMean("Avg.", STAT_KEYS), ""); // begins 6 keys: too many to be a hint
  eq(didYouMean("Re", STAT_KEYS), ""); // too short to be a prefix hint
  eq(didYouMean("zzzzzz", ["fast", "slow"]), "");
});

Deno.test("parameters: misspelt names get a hint; constraints and bad options are ConfigErrors", () => {
  const bars = walk(80, 1);
  throws(
    () =>
      runBacktest(bars, MovingAverageCrossover as unknown as StrategyClass, {
        params: { fsat: 3 },
      }),
    (e: Error) => e instanceof ConfigError && e.message.includes('did you mean "fast"'),
  );
  throws(
    () =>
      runBacktest(bars, MovingAverageCrossover as unknown as StrategyClass, {
        params: { fast: 30, slow: 10 },
      }),
    (e: Error) =>
      e instanceof ConfigError && e.message.includes("fast (30) must be less than slow (10)"),
  );
  throws(
    () =>
      runBacktest(bars, MovingAverageCrossover as unknown as StrategyClass, {
        params: { fast: "10" },
      }),
    /must be a finite number, got "10"/,
  );
  throws(() => runBacktest(bars, scripted({}), { commission: -1 }), /commission/);
  throws(() => runBacktest(bars, scripted({}), { fillOn: "noon" as never }), /fillOn/);
});
