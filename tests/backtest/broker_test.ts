/**
 * Hand-computed fills: every expected number below is worked out in the comment
 * next to it, from the bar prices of the scenario.
 */
import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert";
import { Breakout, riskSize, runBacktest } from "../../src/backtest/mod.ts";
import { atr } from "../../src/indicators/atr.ts";
import { affordableShares, feeFor } from "../../src/backtest/_rules.ts";
import { flat, near, ohlc, scripted } from "./_helpers.ts";

Deno.test("market buy fills at the next open, all-in after commission; closed at the last close", () => {
  const bars = ohlc([[100, 100, 100, 100], [100, 100, 100, 100], [100, 105, 99, 104], [
    104,
    104,
    104,
    104,
  ]]);
  const r = runBacktest(bars, scripted({ 1: (c) => c.buy() }), { cash: 10_000, commission: 0.001 });
  // floor(10000 / (100 · 1.001)) = floor(99.9001) = 99 shares; fee 0.001 · 9900 = 9.9; cash 90.1
  const [buy, sell] = r.transactions;
  assertEquals([buy!.bar, buy!.size, buy!.price], [2, 99, 100]);
  near(buy!.fee, 9.9);
  near(r.equity.values[2]!, 90.1 + 99 * 104); // marked at the close
  // End: sold at the last close 104, fee 0.001 · 10296 = 10.296
  assertEquals([sell!.bar, sell!.size, sell!.price, sell!.reason], [3, -99, 104, "end"]);
  near(r.equity.values[3]!, 90.1 + 10_296 - 10.296);
  const t = r.trades[0]!;
  near(t.pnl, 99 * 4 - (9.9 + 10.296)); // 375.804
  near(t.return, 0.04 - 20.196 / 9900);
  near(t.commission, 20.196);
  near(r.stats["Commissions [$]"], 20.196);
  assertEquals(t.duration, 1);
});

Deno.test("minimum fee: max($10, 0.1 %) limits the size and is charged per fill", () => {
  const bars = flat([10, 10, 10, 12]);
  const r = runBacktest(bars, scripted({ 1: (c) => c.buy() }), {
    cash: 1_000,
    commission: 0.001,
    minFee: 10,
  });
  // 99 · 10 = 990 + max(10, 0.99) = 1000 fits; 100 shares would need 1010
  assertEquals(r.transactions[0]!.size, 99);
  near(r.transactions[0]!.fee, 10);
  // exit 99 · 12 = 1188, fee max(10, 1.188) = 10 → cash 0 + 1188 − 10
  near(r.stats["Equity Final [$]"], 1178);
  near(r.stats["Commissions [$]"], 20);
  assertEquals(feeFor(50_000, 0.001, 10), 50);
  assertEquals(affordableShares(1_000, 10, 0.001, 10), 99);
});

Deno.test("spread is paid once, at entry; slippage moves both fills against the trader", () => {
  const bars = flat([100, 100, 100, 110]);
  const r = runBacktest(bars, scripted({ 1: (c) => c.buy() }), {
    cash: 10_000,
    spread: 0.001,
    slippage: 0.002,
  });
  // buy at 100 · (1 + 0.001 + 0.002) = 100.3: floor(10000/100.3) = 99 shares, cash 70.3
  near(r.transactions[0]!.price, 100.3);
  assertEquals(r.transactions[0]!.size, 99);
  // sell at 110 · (1 − 0.002) = 109.78 (no spread on the exit): cash 70.3 + 99 · 109.78
  near(r.transactions[1]!.price, 109.78);
  near(r.stats["Equity Final [$]"], 70.3 + 99 * 109.78);
  near(r.stats["Commissions [$]"], 0);
  // a short pays the spread on its entry too: sells at 100 · (1 − 0.003), covers at 110 · 1.002
  const s = runBacktest(bars, scripted({ 1: (c) => c.sell() }), {
    cash: 10_000,
    spread: 0.001,
    slippage: 0.002,
  });
  assertEquals(s.transactions.map((t) => t.price), [100 * (1 - 0.003), 110 * (1 + 0.002)]);
});

Deno.test("short: sell opens a short, PnL is size · (exit − entry)", () => {
  const bars = flat([100, 100, 100, 90]);
  const r = runBacktest(bars, scripted({ 1: (c) => c.sell() }), { cash: 10_000 });
  // floor(10000/100) = 100 shares short at 100: cash 20000; marked at 90: 20000 − 9000
  assertEquals(r.transactions[0]!.size, -100);
  near(r.equity.values[2]!, 20_000 - 100 * 100);
  near(r.equity.values[3]!, 11_000);
  const t = r.trades[0]!;
  assertEquals(t.size, -100);
  near(t.pnl, 1_000);
  near(t.return, 0.1);
});

Deno.test("stop-loss and take-profit inside one bar: the stop-loss is assumed hit first", () => {
  const bars = ohlc([[100, 100, 100, 100], [100, 100, 100, 100], [100, 101, 99, 100], [
    100,
    112,
    94,
    100,
  ], [100, 100, 100, 100]]);
  const r = runBacktest(bars, scripted({ 1: (c) => c.buy({ sl: 95, tp: 110 }) }), { cash: 10_000 });
  const t = r.trades[0]!;
  assertEquals([t.exitReason, t.exitPrice, t.exitBar], ["sl", 95, 3]);
  near(t.pnl, 100 * (95 - 100));
});

Deno.test("gaps fill at the open: through the stop-loss, through the take-profit", () => {
  const gapDown = ohlc([[100, 100, 100, 100], [100, 100, 100, 100], [100, 101, 99, 100], [
    90,
    92,
    88,
    91,
  ]]);
  const a = runBacktest(gapDown, scripted({ 1: (c) => c.buy({ sl: 95, tp: 110 }) }), {
    cash: 10_000,
  });
  assertEquals([a.trades[0]!.exitReason, a.trades[0]!.exitPrice], ["sl", 90]);
  const gapUp = ohlc([[100, 100, 100, 100], [100, 100, 100, 100], [100, 101, 99, 100], [
    115,
    116,
    114,
    115,
  ]]);
  const b = runBacktest(gapUp, scripted({ 1: (c) => c.buy({ sl: 95, tp: 110 }) }), {
    cash: 10_000,
  });
  assertEquals([b.trades[0]!.exitReason, b.trades[0]!.exitPrice], ["tp", 115]);
});

Deno.test("stop-loss as a fraction of the entry fill, checked on the entry bar after an open fill", () => {
  // entry at the open 100 → stop at 92; the entry bar's own low 91 reaches it
  const bars = ohlc([[100, 100, 100, 100], [100, 100, 100, 100], [100, 101, 91, 95], [
    95,
    95,
    95,
    95,
  ]]);
  const r = runBacktest(bars, scripted({ 1: (c) => c.buy({ slPct: 0.08 }) }), { cash: 10_000 });
  assertEquals([r.trades[0]!.exitReason, r.trades[0]!.exitPrice, r.trades[0]!.exitBar], [
    "sl",
    92,
    2,
  ]);
  // short: stop above the entry, take-profit below
  const s = runBacktest(
    ohlc([[100, 100, 100, 100], [100, 100, 100, 100], [100, 101, 99, 100], [99, 100, 89, 92]]),
    scripted({ 1: (c) => c.sell({ slPct: 0.05, tpPct: 0.1 }) }),
    { cash: 10_000 },
  );
  assertEquals([s.trades[0]!.exitReason, s.trades[0]!.exitPrice], ["tp", 90]);
  near(s.trades[0]!.pnl, -100 * (90 - 100));
});

Deno.test("fillOn close fills market orders at the placing bar's close", () => {
  const bars = ohlc([[100, 100, 100, 100], [100, 102, 98, 101], [103, 104, 102, 103]]);
  const r = runBacktest(bars, scripted({ 1: (c) => c.buy() }), { cash: 10_000, fillOn: "close" });
  assertEquals([r.transactions[0]!.bar, r.transactions[0]!.price, r.transactions[0]!.size], [
    1,
    101,
    99,
  ]);
});

Deno.test("close then reverse: the new short is sized with the cash after the close", () => {
  const bars = flat([100, 100, 100, 110, 110]);
  const r = runBacktest(
    bars,
    scripted({ 1: (c) => c.buy(), 2: (c) => (c.closePosition(), c.sell()) }),
    {
      cash: 10_000,
    },
  );
  // long 100 @ 100 (cash 0); at 110: close → cash 11000; short floor(11000/110) = 100 → cash 22000
  assertEquals(r.transactions.map((t) => [t.bar, t.size, t.price]), [
    [2, 100, 100],
    [3, -100, 110],
    [3, -100, 110],
    [4, 100, 110],
  ]);
  near(r.trades[0]!.pnl, 1000);
  near(r.stats["Equity Final [$]"], 11_000);
});

Deno.test("limit and stop orders: at their price inside the range, at the open on a gap", () => {
  const bars = ohlc([[100, 100, 100, 100], [100, 100, 100, 100], [100, 101, 96, 100], [
    97,
    98,
    94,
    96,
  ], [96, 96, 96, 96]]);
  const lim = runBacktest(bars, scripted({ 1: (c) => c.buy({ limit: 95 }) }), { cash: 10_000 });
  assertEquals([lim.transactions[0]!.bar, lim.transactions[0]!.price], [3, 95]);
  const gap = ohlc([[100, 100, 100, 100], [100, 100, 100, 100], [93, 94, 92, 93], [
    93,
    93,
    93,
    93,
  ]]);
  assertEquals(
    runBacktest(gap, scripted({ 1: (c) => c.buy({ limit: 95 }) }), { cash: 10_000 })
      .transactions[0]!.price,
    93,
  );
  const st = ohlc([[100, 100, 100, 100], [100, 100, 100, 100], [100, 106, 99, 104], [
    104,
    104,
    104,
    104,
  ]]);
  assertEquals(
    runBacktest(st, scripted({ 1: (c) => c.buy({ stop: 105 }) }), { cash: 10_000 }).transactions[0]!
      .price,
    105,
  );
  const stGap = ohlc([[100, 100, 100, 100], [100, 100, 100, 100], [107, 108, 106, 107], [
    107,
    107,
    107,
    107,
  ]]);
  assertEquals(
    runBacktest(stGap, scripted({ 1: (c) => c.buy({ stop: 105 }) }), { cash: 10_000 })
      .transactions[0]!.price,
    107,
  );
});

Deno.test("fixed shares, fixed value, fraction of equity, cancel, and rejected orders", () => {
  const bars = flat([10, 10, 10, 10, 10]);
  const shares = runBacktest(bars, scripted({ 1: (c) => c.buy({ shares: 7 }) }), { cash: 1_000 });
  assertEquals(shares.transactions[0]!.size, 7);
  const value = runBacktest(bars, scripted({ 1: (c) => c.buy({ value: 255 }) }), { cash: 1_000 });
  assertEquals(value.transactions[0]!.size, 25);
  const half = runBacktest(bars, scripted({ 1: (c) => c.buy({ size: 0.5 }) }), {
    cash: 1_000,
    commission: 0.01,
  });
  assertEquals(half.transactions[0]!.size, 49); // floor(500 / 10.1)
  const capped = runBacktest(bars, scripted({ 1: (c) => c.buy({ shares: 500 }) }), { cash: 1_000 });
  assertEquals(capped.transactions[0]!.size, 100); // never more than cash allows
  const cancelled = runBacktest(bars, scripted({ 1: (c) => c.cancel(c.buy({ limit: 5 })) }), {
    cash: 1_000,
  });
  assertEquals([cancelled.transactions.length, cancelled.orders[0]!.status], [0, "cancelled"]);
  const poor = runBacktest(flat([500, 500, 500]), scripted({ 1: (c) => c.buy() }), { cash: 100 });
  assertEquals([poor.transactions.length, poor.orders[0]!.status], [0, "rejected"]);
  assertEquals(riskSize(100_000, 0.01, 50, 48), 500);
  assertThrows(() => riskSize(100_000, 2, 50, 48), RangeError);
});

Deno.test("onOrderFilled sees every fill, including stop exits", () => {
  const fills: { reason: string }[] = [];
  const bars = ohlc([[100, 100, 100, 100], [100, 100, 100, 100], [100, 101, 99, 100], [
    100,
    100,
    80,
    85,
  ]]);
  runBacktest(bars, scripted({ 1: (c) => c.buy({ sl: 90 }) }, fills as never), { cash: 10_000 });
  assertEquals(fills.map((f) => f.reason), ["market", "sl"]);
});

Deno.test("keepOpen leaves the trade open: in equity, not in the trade statistics", () => {
  const bars = flat([100, 100, 100, 120]);
  const r = runBacktest(bars, scripted({ 1: (c) => c.buy() }), { cash: 10_000, keepOpen: true });
  assertEquals([r.trades.length, r.openTrades.length, r.stats["# Trades"]], [0, 1, 0]);
  near(r.stats["Equity Final [$]"], 12_000);
  near(r.openTrades[0]!.pnl, 2_000);
});

Deno.test("keepOpen: Exposure Time and Commissions count the closed trades only", () => {
  // bars 0..7; a round trip bar 2 → 4 (closed), then a buy at bar 6 left open.
  const bars = flat([100, 100, 100, 100, 110, 110, 110, 120]);
  const script = scripted({ 1: (c) => c.buy(), 3: (c) => c.closePosition(), 5: (c) => c.buy() });
  const r = runBacktest(bars, script, { cash: 10_000, commission: 0.001, keepOpen: true });
  assertEquals([r.trades.length, r.openTrades.length], [1, 1]);
  const closed = r.trades[0]!;
  assertEquals([closed.entryBar, closed.exitBar], [2, 4]);
  // 3 of 8 bars inside [2, 4]; the open trade's bars 6-7 do not count
  near(r.stats["Exposure Time [%]"], (3 / 8) * 100);
  // the closed trade's entry and exit fees; not the open trade's entry fee
  near(r.stats["Commissions [$]"], closed.commission);
  near(closed.commission, 0.001 * 99 * 100 + 0.001 * 99 * 110);
  assertEquals(r.openTrades[0]!.commission > 0, true);
  // in equity all the same: cash after the open entry plus the position at the last close
  const open = r.openTrades[0]!;
  near(
    r.stats["Equity Final [$]"],
    r.equity.values[5]! - open.commission + open.size * (120 - 110),
  );
});

Deno.test("breakout: a stop buy at the channel high, then a stop trailing mult ATRs below the close", () => {
  const rows: [number, number, number, number][] = [
    [100, 103, 99, 100],
    [100, 102, 99, 100],
    [100, 101, 99, 100],
    [100, 100.5, 99, 100], // channel high of bars 1-3: 102, not reached on bar 4
    [100, 100.5, 99, 100], // channel high of bars 2-4: 101
    [100, 105, 99.5, 104], // the high breaks 101: bought at 101 (it opened below)
    [104, 110, 103, 109],
    [109, 112, 108, 111],
    [111, 111, 100, 101], // falls to the trailing stop
    [101, 102, 100, 101],
  ];
  const bars = ohlc(rows);
  const r = runBacktest(bars, Breakout as never, {
    cash: 10_000,
    params: { channel: 3, atr: 2, mult: 1 },
  });
  const t = r.trades[0]!;
  assertEquals([t.entryBar, t.entryPrice, t.size], [5, 101, 99]); // floor(10000 / 101)
  // The stop set on each bar held long: close − ATR(2), kept when it rises.
  const range = atr(bars.high, bars.low, bars.close, 2);
  let stop = -Infinity;
  for (const b of [5, 6, 7]) stop = Math.max(stop, bars.close[b]! - range[b]!);
  assertEquals(bars.low[8]! <= stop && bars.open[8]! > stop, true);
  assertEquals([t.exitBar, t.exitPrice, t.exitReason], [8, stop, "order"]);
  assertEquals(r.transactions.map((x) => x.reason), ["stop", "stop"]);
});
