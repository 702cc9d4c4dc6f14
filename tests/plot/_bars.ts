/** Bars for the plot tests: a universe made of seeded random walks. */
import { PlainBars } from "../../src/mod.ts";
import { walk } from "../backtest/_helpers.ts";

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
