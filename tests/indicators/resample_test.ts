/** Resampling to weekly, monthly and N-trading-day bars, per symbol. */
import assert, { deepStrictEqual, strictEqual, throws } from "node:assert";
import fc from "fast-check";
import { Bars, formatDate, parseDate } from "../../src/core/mod.ts";
import { isTradingDay } from "../../src/core/calendar.ts";
import { FIBONACCI_RULES, resample } from "../../src/indicators/mod.ts";

/** Trading days from `start`, `n` of them, with prices that identify the row. */
function dailyBars(symbol: string, start: string, n: number): Bars {
  const days: number[] = [];
  for (let d = parseDate(start); days.length < n; d++) if (isTradingDay(d)) days.push(d);
  return Bars.fromColumns({
    symbol,
    date: Int32Array.from(days),
    open: days.map((_, i) => 100 + i),
    high: days.map((_, i) => 101 + i + (i % 4)),
    low: days.map((_, i) => 99 + i - (i % 3)),
    close: days.map((_, i) => 100.5 + i),
    volume: days.map((_, i) => 1000 + i),
    adjusted_close: days.map((_, i) => 50 + i),
  });
}

Deno.test("weekly: ISO weeks, dated at the last trading day; Good Friday week ends Thursday", () => {
  // 2024-03-25 (Mon) .. 2024-04-05: Good Friday 29 Mar and Easter Monday 1 Apr are closed.
  const daily = dailyBars("BHP.AX", "2024-03-25", 8);
  deepStrictEqual(daily.dateStrings(), [
    "2024-03-25",
    "2024-03-26",
    "2024-03-27",
    "2024-03-28",
    "2024-04-02",
    "2024-04-03",
    "2024-04-04",
    "2024-04-05",
  ]);
  const w = resample(daily, "weekly");
  deepStrictEqual(w.dateStrings(), ["2024-03-28", "2024-04-05"]);
  deepStrictEqual(Array.from(w.open), [100, 104]); // first open
  deepStrictEqual(Array.from(w.close), [103.5, 107.5]); // last close
  deepStrictEqual(Array.from(w.adjustedClose), [53, 57]);
  deepStrictEqual(Array.from(w.volume), [1000 + 1001 + 1002 + 1003, 1004 + 1005 + 1006 + 1007]);
  // highs 101+i+(i%4): week 1 i=0..3 → 101,103,105,107; week 2 i=4..7 → 105,107,109,111
  deepStrictEqual(Array.from(w.high), [107, 111]);
  // lows 99+i-(i%3): week 1 → 99,99,99,102; week 2 → 102,102,105,105
  deepStrictEqual(Array.from(w.low), [99, 102]);
});

Deno.test("monthly: calendar months, dated at the last trading day, per symbol", () => {
  const a = dailyBars("AAA.AX", "2023-12-20", 12); // Dec 20-22, 27-29 (25-26 closed); Jan 2-5, 8-9 (1 Jan closed)
  const b = dailyBars("BBB.AX", "2024-01-30", 3);
  const both = new Bars(a.table.concat(b.table));
  const m = resample(both, "monthly");
  deepStrictEqual(m.symbols(), ["AAA.AX", "BBB.AX"]);
  deepStrictEqual(m.dateStrings(), ["2023-12-29", "2024-01-09", "2024-01-31", "2024-02-01"]);
  deepStrictEqual(Array.from(m.open), [100, 106, 100, 102]);
});

Deno.test("N-trading-day bars for the Fibonacci set: grouping, last partial bar kept", () => {
  const daily = dailyBars("CBA.AX", "2022-01-03", 100);
  for (const rule of FIBONACCI_RULES) {
    const r = resample(daily, rule);
    strictEqual(r.length, Math.ceil(100 / rule), `rule ${rule}`);
    strictEqual(r.open[1], daily.open[rule]);
    strictEqual(r.close[0], daily.close[rule - 1]);
    strictEqual(r.dates[0], daily.dates[rule - 1]);
    strictEqual(r.dates[r.length - 1], daily.dates[99]);
  }
});

Deno.test("rows on non-trading days are dropped before grouping", () => {
  const daily = Bars.fromColumns({
    symbol: "X.AX",
    date: ["2024-12-24", "2024-12-25", "2024-12-27"], // Christmas Day row from a feed
    open: [1, 50, 2],
    high: [1, 50, 2],
    low: [1, 50, 2],
    close: [1, 50, 2],
    volume: [10, 0, 20],
  });
  const r = resample(daily, 3);
  strictEqual(r.length, 1);
  strictEqual(r.high[0], 2);
  strictEqual(formatDate(r.dates[0]!), "2024-12-27");
  strictEqual(resample(daily, 3, { tradingDaysOnly: false }).high[0], 50);
});

Deno.test("property: totals and extremes are preserved by every rule", () => {
  const daily = dailyBars("P.AX", "2019-06-03", 400);
  fc.assert(
    fc.property(
      fc.constantFrom<"weekly" | "monthly" | number>("weekly", "monthly", ...FIBONACCI_RULES, 1, 2),
      (rule) => {
        const r = resample(daily, rule);
        strictEqual(r.volume.reduce((s, v) => s + v, 0), daily.volume.reduce((s, v) => s + v, 0));
        strictEqual(Math.max(...r.high), Math.max(...daily.high));
        strictEqual(Math.min(...r.low), Math.min(...daily.low));
        strictEqual(r.close[r.length - 1], daily.close[daily.length - 1]);
        for (let i = 1; i < r.length; i++) assert(r.dates[i]! > r.dates[i - 1]!);
      },
    ),
  );
  deepStrictEqual(Array.from(resample(daily, 1).close), Array.from(daily.close));
});

Deno.test("invalid rules throw RangeError quoting the rule", () => {
  const daily = dailyBars("P.AX", "2019-06-03", 5);
  throws(() => resample(daily, 0), { name: "RangeError", message: /rule 0/ });
  throws(() => resample(daily, "daily" as never), { name: "RangeError", message: /"daily"/ });
});
