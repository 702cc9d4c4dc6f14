/** Signal strategies: the rule per mode, bad signals, the signal buffer. */
import { deepStrictEqual as eq, ok, throws } from "node:assert";
import { applySignal } from "../../src/backtest/signals.ts";
import {
  Backtest,
  runBacktest,
  type SignalContext,
  type SignalMode,
  SignalStrategy,
  type StrategyClass,
} from "../../src/backtest/mod.ts";
import { flat, walk } from "./_helpers.ts";

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
});

Deno.test("signals() writes into a zeroed buffer reused by the rows of a sweep", async () => {
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
  const Strat = Once as unknown as StrategyClass;
  const res = await new Backtest(bars, Strat).optimize({ grid: { at: [5, 20] }, workers: 0 });
  eq(seen[0], seen[1]);
  const [a, b] = res.rows.map((r) => r.stats);
  ok(a!["Exposure Time [%]"] > b!["Exposure Time [%]"]);
  eq(a, runBacktest(bars, Strat, { params: { at: 5 } }).stats);
});
