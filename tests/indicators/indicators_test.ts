/**
 * Hand-worked values (derivations in the comments), TA-Lib reference values, edge cases
 * and parameter checks for every indicator.
 */
import assert, { deepStrictEqual, strictEqual, throws } from "node:assert";
import fc from "fast-check";
import {
  atr,
  bollinger,
  crosses,
  crossover,
  crossunder,
  ema,
  logReturns,
  macd,
  obv,
  returns,
  rollingMax,
  rollingMin,
  rsi,
  sma,
  stochastic,
  trueRange,
  vwap,
  wma,
} from "../../src/indicators/mod.ts";

const N = NaN;
/** Same values, NaN == NaN, exact equality otherwise (or within `tol`). */
function same(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 0): void {
  strictEqual(actual.length, expected.length, "length");
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!, e = expected[i]!;
    if (Number.isNaN(e)) assert(Number.isNaN(a), `index ${i}: expected NaN, got ${a}`);
    else assert(Math.abs(a - e) <= tol, `index ${i}: expected ${e}, got ${a}`);
  }
}

Deno.test("sma: hand-worked, period 1, period > length, NaN inside", () => {
  same(sma([1, 2, 3, 4, 5], 3), [N, N, 2, 3, 4]); // (1+2+3)/3, (2+3+4)/3, (3+4+5)/3
  same(sma([4, 5, 6], 1), [4, 5, 6]);
  same(sma([1, 2], 3), [N, N]);
  same(sma([], 3), []);
  // the NaN restarts the window: 4.5 = (4+5)/2 needs two valid values after the gap
  same(sma([1, 2, N, 4, 5, 6], 2), [N, 1.5, N, N, 4.5, 5.5]);
});

Deno.test("ema: seeded with the SMA, then k = 2/(n+1)", () => {
  // n = 3, k = 0.5: seed (1+2+3)/3 = 2; (4-2)*0.5+2 = 3; (5-3)*0.5+3 = 4; (1-4)*0.5+4 = 2.5
  same(ema([1, 2, 3, 4, 5, 1], 3), [N, N, 2, 3, 4, 2.5]);
  same(ema([7, 8], 1), [7, 8]); // k = 1: the EMA is the input
  same(ema([1, 2], 5), [N, N]);
  // after the gap the EMA is re-seeded with the mean of the next 2 values
  same(ema([1, 3, N, 10, 20, 30], 2), [N, 2, N, N, 15, (30 - 15) * (2 / 3) + 15]);
});

Deno.test("wma: weights 1..n over n(n+1)/2", () => {
  // (1*1+2*2+3*3)/6 = 14/6; (2*1+3*2+4*3)/6 = 20/6
  same(wma([1, 2, 3, 4], 3), [N, N, 14 / 6, 20 / 6], 1e-15);
  same(wma([1, N, 3], 1), [1, N, 3]);
});

Deno.test("rsi: Wilder smoothing, flat series, monotonic series", () => {
  // period 2; changes +1, -1, +2, 0.
  // seed: gain (1+0)/2 = 0.5, loss (0+1)/2 = 0.5 → 50
  // next: gain (0.5*1 + 2)/2 = 1.25, loss (0.5*1 + 0)/2 = 0.25 → 100*1.25/1.5
  // next: gain (1.25 + 0)/2 = 0.625, loss 0.25/2 = 0.125 → 100*0.625/0.75
  same(rsi([10, 11, 10, 12, 12], 2), [N, N, 50, 100 * (1.25 / 1.5), 100 * (0.625 / 0.75)]);
  same(rsi([5, 5, 5, 5], 2), [N, N, 0, 0]); // no gains, no losses: 0 (TA-Lib)
  same(rsi([1, 2, 3, 4], 2), [N, N, 100, 100]);
  same(rsi([1, 2, 3], 14), [N, N, N]);
});

Deno.test("macd: TA-Lib alignment and a straight line", () => {
  // On a line x_i = 100 + i the SMA seed lags by (n-1)/2, which is also the EMA's
  // steady-state lag (1-k)/k, so fast - slow = (26-1)/2 - (12-1)/2 = 7 exactly in
  // exact arithmetic; the signal is then 7 and the histogram 0.
  const line = Array.from({ length: 60 }, (_, i) => 100 + i);
  const m = macd(line);
  strictEqual(m.macd.findIndex((v) => !Number.isNaN(v)), 33);
  strictEqual(m.signal.findIndex((v) => !Number.isNaN(v)), 33);
  strictEqual(m.histogram.findIndex((v) => !Number.isNaN(v)), 33);
  same(m.macd.subarray(33), new Array(27).fill(7), 1e-9);
  same(m.histogram.subarray(33), new Array(27).fill(0), 1e-9);
  // fast 2, slow 3, signal 2 on 1,2,3,4: EMAs seed at index 2: slow (1+2+3)/3 = 2,
  // fast (2+3)/2 = 2.5 (closes slow-fast..slow-1); MACD 0.5. Index 3: fast
  // (4-2.5)*(2/3)+2.5 = 3.5, slow (4-2)*0.5+2 = 3, MACD 0.5; signal = mean(0.5, 0.5).
  const s = macd([1, 2, 3, 4], 2, 3, 2);
  same(s.macd, [N, N, N, 0.5]);
  same(s.signal, [N, N, N, 0.5]);
  same(s.histogram, [N, N, N, 0]);
});

Deno.test("bollinger: population sigma, flat series", () => {
  // window [1, 3]: mean 2, population variance ((1-2)² + (3-2)²)/2 = 1
  const b = bollinger([1, 3, 5], 2, 2);
  same(b.middle, [N, 2, 4]);
  same(b.upper, [N, 4, 6]);
  same(b.lower, [N, 0, 2]);
  const flat = bollinger([3, 3, 3, 3], 3);
  same(flat.upper, [N, N, 3, 3]);
  same(flat.lower, [N, N, 3, 3]);
  same(bollinger([1, 2], 1, 2).upper, [1, 2]); // period 1: σ = 0
});

Deno.test("stochastic: hand-worked, high == low gives 0", () => {
  // kPeriod 2, slowing 2, d 1. fast %K at 1: window highs 10,12 lows 8,9 → (11-8)/(4/100) = 75
  // at 2: highs 12,11 lows 9,10 → lowest 9, highest 12, close 10 → 1/0.03 = 33.33…
  // slow %K at 2 = (75 + 33.33…)/2
  const s = stochastic([10, 12, 11], [8, 9, 10], [9, 11, 10], 2, 2, 1);
  same(s.k, [N, N, (75 + 1 / 0.03) / 2], 1e-12);
  same(s.d, s.k);
  const flat = stochastic([5, 5, 5, 5, 5], [5, 5, 5, 5, 5], [5, 5, 5, 5, 5], 2, 2, 2);
  same(flat.k, [N, N, N, 0, 0]);
  same(flat.d, [N, N, N, 0, 0]);
  strictEqual(
    stochastic(new Array(30).fill(1), new Array(30).fill(0), new Array(30).fill(0.5)).k
      .findIndex((v) => !Number.isNaN(v)),
    17,
  ); // 14 + 3 + 3 - 3
});

Deno.test("true range and atr: gaps, Wilder smoothing, period 1", () => {
  const high = [10, 11, 14, 13], low = [9, 9, 10, 12], close = [10, 10, 13, 12.5];
  // TR: bar 1 max(2, 1, 1) = 2; bar 2 max(4, |10-14|, |10-10|) = 4; bar 3 max(1, 0, 1) = 1
  same(trueRange(high, low, close), [N, 2, 4, 1]);
  // ATR(2): seed (2+4)/2 = 3, then (3*1 + 1)/2 = 2
  same(atr(high, low, close, 2), [N, N, 3, 2]);
  same(atr(high, low, close, 1), [N, 2, 4, 1]); // ATR(1) is the true range
  same(atr(high, low, close, 14), [N, N, N, N]);
  same(trueRange([1, N, 3, 4], [0, 0, 2, 3], [1, 1, 3, 3.5]), [N, N, N, 1]); // restart after the gap
});

Deno.test("obv: starts at the first volume; zero volume and ties keep it", () => {
  same(obv([10, 11, 10.5, 10.5, 12], [100, 50, 30, 20, 0]), [100, 150, 120, 120, 120]);
  same(obv([10, N, 9, 8], [1, 2, 3, 4]), [1, N, 3, -1]); // restarts at its own volume after the gap
});

Deno.test("vwap: rolling, cumulative, zero volume", () => {
  const h = [11, 14, 10], l = [9, 12, 8], c = [10, 13, 9], v = [100, 300, 0];
  // typical prices 10, 13, 9: rolling-2 at 1 = (1000+3900)/400 = 12.25, at 2 = 3900/300 = 13
  same(vwap(h, l, c, v, 2), [N, 12.25, 13]);
  same(vwap(h, l, c, v), [10, 12.25, 12.25]);
  same(vwap([1, 1], [1, 1], [1, 1], [0, 0], 2), [N, N]); // nothing traded: undefined
  same(vwap([1, 2], [1, 2], [1, 2], [0, 5]), [N, 2]);
});

Deno.test("rolling max/min and returns", () => {
  same(rollingMax([1, 3, 2, 0, -1], 2), [N, 3, 3, 2, 0]);
  same(rollingMin([1, 3, 2, 0, -1], 3), [N, N, 1, 0, -1]);
  same(rollingMax([1, N, 2, 5], 2), [N, N, N, 5]);
  same(returns([100, 110, 99]), [N, 0.1, -0.1], 1e-15);
  same(logReturns([1, Math.E, 1]), [N, 1, -1]);
});

Deno.test("crossover / crossunder need strict inequalities on both bars", () => {
  const fast = [1, 3, 3, 1], slow = [2, 2, 3, 2];
  assert(crossover(fast, slow, 1));
  assert(!crossover(fast, slow, 2)); // 3 == 3 is not a cross
  assert(!crossover(fast, slow, 0));
  assert(!crossunder(fast, slow, 3)); // the previous bar was equal, not above
  assert(crossunder([3, 1], 2, 1));
  same(crosses([1, 3, 1, N, 3], 2), [N, 1, -1, 0, 0]);
});

Deno.test("crosses: +1/−1/0 exactly where crossover/crossunder say, for series and levels (property)", () => {
  // Few distinct values, so ties (no cross) and NaNs (no cross) are common.
  const value = fc.constantFrom(1, 2, 3, 4, N, -0, 0);
  fc.assert(
    fc.property(
      fc.array(fc.tuple(value, value), { minLength: 1, maxLength: 60 }),
      fc.constantFrom(2, 2.5, N, 0),
      (pairs, level) => {
        const a = pairs.map(([x]) => x), b = pairs.map(([, y]) => y);
        for (const [out, other] of [[crosses(a, b), b], [crosses(a, level), level]] as const) {
          assert(Number.isNaN(out[0]!));
          for (let i = 1; i < a.length; i++) {
            const want = crossover(a, other, i) ? 1 : crossunder(a, other, i) ? -1 : 0;
            assert(Object.is(out[i], want), `bar ${i}: ${out[i]} ≠ ${want}`);
          }
        }
      },
    ),
    { numRuns: 500 },
  );
});

Deno.test("invalid parameters throw RangeError quoting the value", () => {
  throws(() => sma([1], 0), { name: "RangeError", message: /period 0/ });
  throws(() => ema([1], 2.5), { name: "RangeError", message: /period 2\.5/ });
  throws(() => rsi([1], -3), { name: "RangeError", message: /-3/ });
  throws(() => macd([1], 26, 12), { name: "RangeError", message: /26/ });
  throws(() => bollinger([1], 20, NaN), { name: "RangeError", message: /NaN/ });
  throws(() => stochastic([1], [1], [1], 14, 0), { name: "RangeError", message: /kSlowing 0/ });
  throws(() => vwap([1], [1], [1], [1], -1), { name: "RangeError", message: /-1/ });
  throws(() => atr([1, 2], [1], [1, 2]), { name: "RangeError", message: /low/ });
  throws(() => sma([1, 2], 1, new Float64Array(3)), { name: "RangeError", message: /length 3/ });
});

Deno.test("out buffers are written in place and returned", () => {
  const out = new Float64Array(3);
  strictEqual(sma([1, 2, 3], 2, out), out);
  deepStrictEqual(Array.from(out.subarray(1)), [1.5, 2.5]);
});

Deno.test("TA-Lib C reference: all outputs bit-identical (fixture from bench/talib_harness.c)", async () => {
  const fixture = JSON.parse(
    await Deno.readTextFile(new URL("./fixtures/talib_reference.json", import.meta.url)),
  ) as { input: Record<string, number[]>; talib: Record<string, (number | null)[]> };
  const { high, low, close, volume } = fixture.input as Record<string, number[]>;
  const m = macd(close!), st = stochastic(high!, low!, close!), bb = bollinger(close!, 20, 2);
  const ours: Record<string, Float64Array> = {
    sma_20: sma(close!, 20),
    ema_12: ema(close!, 12),
    wma_20: wma(close!, 20),
    rsi_14: rsi(close!, 14),
    macd: m.macd,
    macd_signal: m.signal,
    macd_histogram: m.histogram,
    stoch_k: st.k,
    stoch_d: st.d,
    bb_upper: bb.upper,
    bb_middle: bb.middle,
    bb_lower: bb.lower,
    atr_14: atr(high!, low!, close!, 14),
    obv: obv(close!, volume!),
  };
  for (const [name, expected] of Object.entries(fixture.talib)) {
    const got = ours[name]!;
    for (let i = 0; i < expected.length; i++) {
      const e = expected[i];
      if (e === null) assert(Number.isNaN(got[i]!), `${name}[${i}] should be NaN`);
      else assert(Object.is(got[i], e), `${name}[${i}]: TA-Lib ${e}, ours ${got[i]}`);
    }
  }
});
