/** Shared helpers of the backtest tests: tiny bar series and a scripted strategy. */
import { PlainBars } from "../../src/core/plain_bars.ts";
import { type BarContext, type Fill, Strategy } from "../../src/backtest/mod.ts";

/** Bars from [open, high, low, close] rows on consecutive days from 2020-01-01 (epoch day 18262). */
export function ohlc(rows: [number, number, number, number][], symbol = "TEST"): PlainBars {
  const col = (k: number) => Float64Array.from(rows, (r) => r[k]!);
  return new PlainBars({
    symbol,
    dates: Int32Array.from(rows, (_, i) => 18262 + i),
    open: col(0),
    high: col(1),
    low: col(2),
    close: col(3),
    volume: Float64Array.from(rows, () => 1000),
  });
}

/** Bars whose open, high, low and close are all `c[i]`. */
export function flat(c: number[], symbol = "TEST"): PlainBars {
  return ohlc(c.map((x) => [x, x, x, x]), symbol);
}

/** A strategy running a script: actions per symbol-local bar index. */
export function scripted(script: Record<number, (ctx: BarContext) => void>, fills: Fill[] = []) {
  return class Scripted extends Strategy<Record<string, never>> {
    params: Record<string, never> = {};
    onBar(ctx: BarContext): void {
      script[ctx.i]?.(ctx);
    }
    override onOrderFilled(fill: Fill): void {
      fills.push(fill);
    }
  };
}

/** A seeded geometric random walk with plausible OHLC (deterministic). */
export function walk(n: number, seed = 7, symbol = "WALK", startDay = 12_000): PlainBars {
  let x = seed >>> 0;
  const rnd = () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const o = new Float64Array(n),
    h = new Float64Array(n),
    l = new Float64Array(n),
    c = new Float64Array(n);
  let p = 50;
  for (let i = 0; i < n; i++) {
    o[i] = p * (1 + (rnd() - 0.5) * 0.01);
    p *= Math.exp((rnd() - 0.5) * 0.04);
    c[i] = p;
    h[i] = Math.max(o[i]!, c[i]!) * (1 + rnd() * 0.01);
    l[i] = Math.min(o[i]!, c[i]!) * (1 - rnd() * 0.01);
  }
  return new PlainBars({
    symbol,
    dates: Int32Array.from({ length: n }, (_, i) => startDay + i + 2 * Math.floor(i / 5)),
    open: o,
    high: h,
    low: l,
    close: c,
    volume: Float64Array.from(c, () => 1e6),
  });
}

/** Asserts |actual − expected| ≤ tol · max(1, |expected|). */
export function near(actual: number, expected: number, msg = "", tol = 1e-9): void {
  if (!(Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)))) {
    throw new Error(`${msg ? msg + ": " : ""}expected ${expected}, got ${actual}`);
  }
}

/**
 * One {@link PlainBars} holding several symbols' random walks (each 2..3 % a day,
 * on the same weekdays), in the order given.
 *
 * @param n Bars per symbol.
 * @param symbols Symbol → seed.
 */
export function universe(n: number, symbols: Record<string, number>): PlainBars {
  const parts = Object.entries(symbols).map(([symbol, seed]) => walk(n, seed, symbol));
  const cat = (k: "open" | "high" | "low" | "close" | "volume") => {
    const out = new Float64Array(n * parts.length);
    parts.forEach((p, j) => out.set(p[k], j * n));
    return out;
  };
  const dates = new Int32Array(n * parts.length);
  parts.forEach((p, j) => dates.set(p.dates, j * n));
  return new PlainBars({
    symbol: parts.map((p, j) => [p.symbols()[0]!, j * n, (j + 1) * n] as [string, number, number]),
    dates,
    open: cat("open"),
    high: cat("high"),
    low: cat("low"),
    close: cat("close"),
    volume: cat("volume"),
  });
}
