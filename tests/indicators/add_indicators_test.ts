/** addIndicators: the seed's columns, per symbol, and custom specs. */
import assert, { deepStrictEqual, strictEqual, throws } from "node:assert";
import { Bars } from "../../src/core/mod.ts";
import {
  addIndicators,
  atr,
  ema,
  macd,
  rsi,
  SEED_INDICATORS,
  sma,
} from "../../src/indicators/mod.ts";

function bars(symbol: string, n: number, base: number): Bars {
  const close = Array.from({ length: n }, (_, i) => base + 10 * Math.sin(i / 5) + i / 10);
  return Bars.fromColumns({
    symbol,
    date: Int32Array.from(close, (_, i) => 19_000 + i),
    open: close,
    high: close.map((c) => c + 1),
    low: close.map((c) => c - 1.5),
    close,
    volume: close.map((_, i) => 1000 + i),
  });
}

Deno.test("addIndicators adds the seed's columns, computed per symbol", () => {
  const a = bars("AAA.AX", 80, 50), b = bars("BBB.AX", 60, 200);
  const both = new Bars(a.table.concat(b.table));
  const out = addIndicators(both);
  const names = out.table.schema.fields.map((f) => f.name);
  deepStrictEqual(names.slice(-10), [
    "sma_20",
    "sma_50",
    "ema_12",
    "ema_26",
    "rsi_14",
    "macd",
    "macd_signal",
    "bollinger_upper",
    "bollinger_lower",
    "atr_14",
  ]);
  strictEqual(SEED_INDICATORS.length, 10);
  const bb = out.of("BBB.AX");
  // the second symbol warms up on its own history: no value leaks from AAA.AX
  deepStrictEqual(Array.from(bb.column("sma_20")), Array.from(sma(b.close, 20)));
  deepStrictEqual(Array.from(bb.column("ema_26")), Array.from(ema(b.close, 26)));
  deepStrictEqual(Array.from(bb.column("rsi_14")), Array.from(rsi(b.close, 14)));
  deepStrictEqual(Array.from(bb.column("macd_signal")), Array.from(macd(b.close).signal));
  deepStrictEqual(Array.from(bb.column("atr_14")), Array.from(atr(b.high, b.low, b.close, 14)));
  assert(Number.isNaN(bb.column("sma_50")[48]!) && !Number.isNaN(bb.column("sma_50")[49]!));
  strictEqual(out.length, 140);
});

Deno.test("addIndicators accepts custom specs and rejects bad ones", () => {
  const a = bars("AAA.AX", 30, 50);
  const out = addIndicators(a, [{ column: "sma_3", compute: (p) => sma(p.close, 3) }]);
  strictEqual(out.column("sma_3")[2], (a.close[0]! + a.close[1]! + a.close[2]!) / 3);
  throws(() => addIndicators(a, [{ column: "x", compute: () => new Float64Array(2) }]), {
    name: "RangeError",
    message: /"x" returned 2 values/,
  });
  throws(
    () => addIndicators(a, [SEED_INDICATORS[0]!, SEED_INDICATORS[0]!]),
    { name: "RangeError", message: /sma_20/ },
  );
});
