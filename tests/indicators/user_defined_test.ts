/**
 * A user-defined indicator (Keltner Channels from EMA + ATR, as in the docs of
 * src/indicators/mod.ts) implements the same interface and passes the same contract.
 */
import assert, { strictEqual } from "node:assert";
import fc from "fast-check";
import { ATR, atr, type BarInput, EMA, ema, type Indicator, runIndicator } from "../../src/mod.ts";

interface Keltner {
  upper: number;
  middle: number;
  lower: number;
}

function keltner(
  high: number[],
  low: number[],
  close: number[],
  period: number,
  atrPeriod: number,
) {
  const middle = ema(close, period), range = atr(high, low, close, atrPeriod);
  return {
    upper: middle.map((m, i) => m + 2 * range[i]!),
    middle,
    lower: middle.map((m, i) => m - 2 * range[i]!),
  };
}

class KeltnerChannels implements Indicator<BarInput, Keltner> {
  readonly warmup: number;
  #ema: EMA;
  #atr: ATR;
  #result: Keltner | null = null;
  constructor(period: number, atrPeriod: number) {
    this.#ema = new EMA(period);
    this.#atr = new ATR(atrPeriod);
    this.warmup = Math.max(this.#ema.warmup, this.#atr.warmup);
  }
  get isStable(): boolean {
    return this.#result !== null;
  }
  add(bar: BarInput) {
    return this.#combine(this.#ema.add(bar.close), this.#atr.add(bar));
  }
  replace(bar: BarInput) {
    return this.#combine(this.#ema.replace(bar.close), this.#atr.replace(bar));
  }
  getResult() {
    return this.#result;
  }
  reset() {
    this.#ema.reset(), this.#atr.reset(), this.#result = null;
  }
  #combine(m: number | null, r: number | null): Keltner | null {
    return this.#result = m === null || r === null
      ? null
      : { upper: m + 2 * r, middle: m, lower: m - 2 * r };
  }
}

Deno.test("user-defined Keltner Channels: batch == streaming (with replace) on random bars", () => {
  const bar = fc.record({
    close: fc.double({ min: 1, max: 100, noNaN: true }),
    range: fc.double({ min: 0, max: 3, noNaN: true }),
  });
  fc.assert(
    fc.property(
      fc.array(bar, { maxLength: 60 }),
      fc.integer({ min: 1, max: 15 }),
      fc.integer({ min: 1, max: 15 }),
      (bars, period, atrPeriod) => {
        const close = bars.map((b) => b.close);
        const high = bars.map((b) => b.close + b.range), low = bars.map((b) => b.close - b.range);
        const batch = keltner(high, low, close, period, atrPeriod);
        const s = new KeltnerChannels(period, atrPeriod);
        for (let i = 0; i < bars.length; i++) {
          const input = { high: high[i]!, low: low[i]!, close: close[i]! };
          if (i % 2) s.add({ ...input, close: input.close + 1 });
          const r = i % 2 ? s.replace(input) : s.add(input);
          if (r === null) assert(Number.isNaN(batch.middle[i]!) || Number.isNaN(batch.upper[i]!));
          else {
            strictEqual(r.upper, batch.upper[i]);
            strictEqual(r.middle, batch.middle[i]);
            strictEqual(r.lower, batch.lower[i]);
          }
        }
        if (bars.length >= s.warmup) assert(s.isStable);
      },
    ),
  );
});

Deno.test("runIndicator turns the user-defined indicator into batch outputs", () => {
  const close = Array.from({ length: 40 }, (_, i) => 50 + 5 * Math.sin(i / 3));
  const high = close.map((c) => c + 1), low = close.map((c) => c - 1);
  const bars = close.map((c, i) => ({ high: high[i]!, low: low[i]!, close: c }));
  const out = runIndicator(new KeltnerChannels(10, 5), bars, ["upper", "middle", "lower"]);
  const batch = keltner(high, low, close, 10, 5);
  for (const k of ["upper", "middle", "lower"] as const) {
    for (let i = 0; i < close.length; i++) assert(Object.is(out[k][i], batch[k][i]), `${k}[${i}]`);
  }
  strictEqual(runIndicator(new EMA(3), close)[2], ema(close, 3)[2]);
});
