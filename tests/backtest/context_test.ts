/**
 * What `onBar` reads (revealed multi-output indicators, `at()`, the bar's date,
 * price, cash, equity and pending orders), the multi-symbol loop with fills at
 * the close, and how results present themselves (Jupyter, text, JSON).
 */
import { deepStrictEqual as eq, ok, throws } from "node:assert";
import {
  Backtest,
  type BarContext,
  type InitContext,
  type Revealed,
  runBacktest,
  Strategy,
  type StrategyClass,
} from "../../src/backtest/mod.ts";
import { formatDate } from "../../src/core/dates.ts";
import { macd } from "../../src/indicators/macd.ts";
import { flat, near, universe, walk } from "./_helpers.ts";

Deno.test("onBar: MACD's three lines revealed bar by bar, at() counting back from the bar", () => {
  const bars = walk(120, 4);
  const whole = macd(bars.close);
  let seen = 0;
  class MacdReader extends Strategy<Record<string, never>> {
    params = {};
    m!: Record<"macd" | "signal" | "histogram", Revealed>;
    override init(ctx: InitContext): void {
      this.m = ctx.indicator(macd, ctx.close);
    }
    onBar(ctx: BarContext): void {
      const i = ctx.i;
      for (const k of ["macd", "signal", "histogram"] as const) {
        eq(this.m[k].at(-1), whole[k][i]);
        eq(this.m[k].at(-2), whole[k][i - 1]);
        ok(i + 1 >= bars.length || Number.isNaN(this.m[k][i + 1]!), `${k} after bar ${i}`);
      }
      eq(ctx.close.at(-1), bars.close[i]);
      eq(ctx.close.at(i), bars.close[i]);
      ok(Number.isNaN(ctx.close.at(-(i + 2))));
      seen++;
    }
  }
  runBacktest(bars, MacdReader as unknown as StrategyClass);
  eq(seen, 120 - 34); // every MACD output starts at index 33: trading from 34
});

Deno.test("onBar: the bar's date, price, cash, equity and pending orders", () => {
  const bars = flat([10, 10, 12, 12, 15]);
  const seen: unknown[] = [];
  class Reader extends Strategy<Record<string, never>> {
    params = {};
    onBar(ctx: BarContext): void {
      seen.push([ctx.date, ctx.price, ctx.cash, ctx.equity, ctx.orders.length, ctx.position]);
      if (ctx.i === 1) {
        ctx.buy({ shares: 10 });
        ctx.buy({ limit: 1 }); // never fills: stays pending
      }
    }
  }
  runBacktest(bars, Reader as unknown as StrategyClass, { cash: 1_000 });
  const day = (i: number) => formatDate(18262 + i);
  // No indicator: onBar runs from bar 1. It reads before placing its orders.
  eq(seen, [
    [day(1), 10, 1_000, 1_000, 0, 0],
    [day(2), 12, 880, 1_000, 1, 10], // 10 bought at bar 2's open (12), marked at its close
    [day(3), 12, 880, 1_000, 1, 10], // the limit order at 1 still pending
    [day(4), 15, 880, 1_030, 1, 10],
  ]);
});

Deno.test("multi-symbol with fillOn close: each symbol's order fills at its own close that day", () => {
  const bars = universe(60, { A: 1, B: 2 });
  const a = bars.of("A"), b = bars.of("B");
  class Twice extends Strategy<Record<string, never>> {
    params = {};
    onBar(ctx: BarContext): void {
      if (ctx.i === 10) ctx.buy({ size: 0.4 });
      if (ctx.i === 30) ctx.closePosition();
    }
  }
  const r = runBacktest(bars, Twice as unknown as StrategyClass, {
    cash: 10_000,
    fillOn: "close",
  });
  eq(r.transactions.map((t) => [t.symbol, t.bar, t.price]), [
    ["A", 10, a.close[10]],
    ["B", 10, b.close[10]],
    ["A", 30, a.close[30]],
    ["B", 30, b.close[30]],
  ]);
  // A's order is sized from the equity before B's: 0.4 of 10 000; B's from the cash left.
  eq(r.transactions[0]!.size, Math.floor(4_000 / a.close[10]!));
  near(r.equity.values[59]!, r.stats["Equity Final [$]"]);
});

Deno.test("results: Jupyter display (HTML and text), toString, JSON, the equity curve's rows", () => {
  const bars = walk(300, 12);
  const bt = new Backtest(
    bars,
    (class extends Strategy<{ every: number }> {
      params = { every: 20 };
      onBar(ctx: BarContext): void {
        if (ctx.i % this.params.every === 0) ctx.position === 0 ? ctx.buy() : ctx.closePosition();
      }
    }) as unknown as StrategyClass,
    { commission: 0.001 },
  );
  const r = bt.run();
  const shown = (r as unknown as Record<symbol, () => Record<string, string>>)[
    Symbol.for("Jupyter.display")
  ]!();
  ok(shown["text/html"]!.includes("<td>Sharpe Ratio</td>"));
  ok(shown["text/html"]!.includes(`${r.trades.length} trades`));
  ok(shown["text/html"]!.includes(r.trades[0]!.entryDate));
  ok(shown["text/plain"]!.startsWith(r.title));
  ok(/Equity Final \[\$\]\s+\d{1,3}(,\d{3})*\.\d\d/.test(r.toString()));
  const json = JSON.parse(JSON.stringify(r));
  eq(json.equity.length, 300);
  eq(json.equity[5], { date: r.equity.dates[5], equity: r.equity.values[5], drawdown: 0 });
  eq(r.equity.at(-1).equity, r.stats["Equity Final [$]"]);
  near(Math.max(...r.equity.drawdown) * -100, r.stats["Max. Drawdown [%]"]);
  throws(() => r.equity.at(300), /No bar 300/);
});

Deno.test("sweeps: sortBy, pivot, Jupyter display, a maximize function, maxTries and errors", async () => {
  const bars = walk(400, 6);
  const { MovingAverageCrossover } = await import("../../src/backtest/mod.ts");
  const bt = new Backtest(bars, MovingAverageCrossover);
  const res = await bt.optimize({
    ranges: { fast: [2, 8, 2], slow: [10, 30, 10] },
    maximize: (s) => s["Return [%]"] - s["Max. Drawdown [%]"],
  });
  eq(res.rows.length, 12);
  eq(res.maximize, "custom");
  const top = res.sortBy()[0]!;
  eq(top.params, res.best.params);
  const pv = res.pivot("fast", "slow", "Return [%]");
  eq([pv.x, pv.y], [[2, 4, 6, 8], [10, 20, 30]]);
  eq(
    pv.z[1]![2],
    res.rows.find((r) => r.params.fast === 6 && r.params.slow === 20)!.stats["Return [%]"],
  );
  throws(
    () => res.pivot("fats", "slow"),
    /Cannot pivot on "fats": the parameters are fast, slow, short/,
  );
  const shown = (res as unknown as Record<symbol, () => Record<string, string>>)[
    Symbol.for("Jupyter.display")
  ]!();
  ok(shown["text/html"]!.includes("12 runs (0 skipped by the constraint), top 10 by custom"));
  const sampled = await bt.optimize({
    grid: { fast: [2, 3, 4, 5], slow: [20, 30] },
    maxTries: 0.5,
    seed: 9,
  });
  eq(sampled.rows.length, 4);
  await bt.optimize({ grid: {} }).then(
    () => ok(false),
    (e) => ok(/Nothing to optimize/.test(e.message)),
  );
  await bt.optimize({ grid: { fast: [2] }, ranges: { fast: [2, 4] } }).then(
    () => ok(false),
    (e) => ok(/in both the grid and the ranges/.test(e.message)),
  );
  await bt.optimize({ grid: { fast: [2] }, constraint: () => false }).then(
    () => ok(false),
    (e) =>
      ok(
        /No admissible parameter combination to sweep \(1 rejected by the constraint or MovingAverageCrossover\)/
          .test(e.message),
      ),
  );
  throws(
    () => new Backtest(bars, MovingAverageCrossover, { comission: 0.1 } as never),
    /Unknown backtest option "comission" \(did you mean "commission"\?\)/,
  );
});
