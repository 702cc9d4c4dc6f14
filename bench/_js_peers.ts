/**
 * The JavaScript peers of the indicator bench (npm `technicalindicators` and
 * `trading-signals`), run in a subprocess so that their large heaps (millions of result
 * objects at 10 M bars) neither exhaust nor skew the main bench process.
 *
 * usage: deno run -A --v8-flags=--max-old-space-size=16384 bench/_js_peers.ts
 *          <technicalindicators|trading-signals> <input.bin> <output.bin> <repetitions> <warm-ups>
 * Input/output formats: see bench/_bench_io.ts. stdout: {"name": best_ms | null, ...,
 * "errors": {...}}.
 *
 * @module
 */
import * as TI from "technicalindicators";
import * as TS from "trading-signals";
import {
  alignRight,
  type BenchBars,
  bestMs,
  type Name,
  NAMES,
  OUTPUTS,
  type Outputs,
  readBars,
} from "./_bench_io.ts";

type Runner = () => Outputs;

/** npm technicalindicators: plain arrays in, trimmed arrays (no warm-up) out. */
export function technicalIndicators(d: BenchBars): Record<Name, Runner> {
  const high = Array.from(d.high), low = Array.from(d.low);
  const close = Array.from(d.close), volume = Array.from(d.volume);
  const pick = <T>(rows: T[], key: keyof T) => rows.map((r) => (r[key] as number) ?? NaN);
  return {
    sma: () => ({ sma: TI.SMA.calculate({ period: 20, values: close }) }),
    ema: () => ({ ema: TI.EMA.calculate({ period: 12, values: close }) }),
    wma: () => ({ wma: TI.WMA.calculate({ period: 20, values: close }) }),
    rsi: () => ({ rsi: TI.RSI.calculate({ period: 14, values: close }) }),
    macd: () => {
      const r = TI.MACD.calculate({
        values: close,
        fastPeriod: 12,
        slowPeriod: 26,
        signalPeriod: 9,
        SimpleMAOscillator: false,
        SimpleMASignal: false,
      });
      return {
        macd: pick(r, "MACD"),
        signal: pick(r, "signal"),
        histogram: pick(r, "histogram"),
      };
    },
    stochastic: () => {
      // technicalindicators has no %K slowing: its k is fast %K (compared with ours at slowing 1)
      const r = TI.Stochastic.calculate({ high, low, close, period: 14, signalPeriod: 3 });
      return { k: pick(r, "k"), d: pick(r, "d") };
    },
    bollinger: () => {
      const r = TI.BollingerBands.calculate({ period: 20, values: close, stdDev: 2 });
      return { upper: pick(r, "upper"), middle: pick(r, "middle"), lower: pick(r, "lower") };
    },
    atr: () => ({ atr: TI.ATR.calculate({ high, low, close, period: 14 }) }),
    obv: () => ({ obv: TI.OBV.calculate({ close, volume }) }),
    vwap: () => ({ vwap: TI.VWAP.calculate({ high, low, close, volume }) }),
  };
}

/** npm trading-signals: streaming classes only; results collected into Float64Arrays. */
export function tradingSignals(d: BenchBars): Record<Name, Runner> {
  const { high, low, close, volume } = d;
  const n = close.length;
  const series = (make: () => { update(v: number, r: boolean): number | null }) => () => {
    const ind = make(), out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = ind.update(close[i]!, false) ?? NaN;
    return out;
  };
  return {
    sma: () => ({ sma: series(() => new TS.SMA(20))() }),
    ema: () => ({ ema: series(() => new TS.EMA(12))() }),
    wma: () => ({ wma: series(() => new TS.WMA(20))() }),
    rsi: () => ({ rsi: series(() => new TS.RSI(14))() }),
    macd: () => {
      const m = new TS.MACD(new TS.EMA(12), new TS.EMA(26), new TS.EMA(9));
      const a = new Float64Array(n), s = new Float64Array(n), h = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const r = m.update(close[i]!, false);
        a[i] = r?.macd ?? NaN, s[i] = r?.signal ?? NaN, h[i] = r?.histogram ?? NaN;
      }
      return { macd: a, signal: s, histogram: h };
    },
    stochastic: () => {
      const st = new TS.StochasticOscillator({ kPeriod: 14, kSlowingPeriod: 3, dPeriod: 3 });
      const k = new Float64Array(n), dd = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const r = st.update({ high: high[i]!, low: low[i]!, close: close[i]! }, false);
        k[i] = r?.stochK ?? NaN, dd[i] = r?.stochD ?? NaN;
      }
      return { k, d: dd };
    },
    bollinger: () => {
      const bb = new TS.BollingerBands(20, 2);
      const u = new Float64Array(n), m = new Float64Array(n), l = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const r = bb.update(close[i]!, false);
        u[i] = r?.upper ?? NaN, m[i] = r?.middle ?? NaN, l[i] = r?.lower ?? NaN;
      }
      return { upper: u, middle: m, lower: l };
    },
    atr: () => {
      const a = new TS.ATR(14), out = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        out[i] = a.update({ high: high[i]!, low: low[i]!, close: close[i]! }, false) ?? NaN;
      }
      return { atr: out };
    },
    obv: () => {
      const o = new TS.OBV(2), out = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const c = close[i]!;
        out[i] = o.update(
          { open: c, high: high[i]!, low: low[i]!, close: c, volume: volume[i]! },
          false,
        ) ??
          NaN;
      }
      return { obv: out };
    },
    vwap: () => {
      const v = new TS.VWAP(), out = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        out[i] =
          v.update({ high: high[i]!, low: low[i]!, close: close[i]!, volume: volume[i]! }, false) ??
            NaN;
      }
      return { vwap: out };
    },
  };
}

if (import.meta.main) {
  const [peer, input, output, reps, warm] = Deno.args;
  const bars = readBars(input!);
  const runners = peer === "technicalindicators"
    ? technicalIndicators(bars)
    : peer === "trading-signals"
    ? tradingSignals(bars)
    : null;
  if (!runners) throw new RangeError(`Unknown peer "${peer}"`);
  const file = Deno.openSync(output!, { write: true, create: true, truncate: true });
  const n = bars.close.length;
  const timings: Record<string, number | null> = {};
  const errors: Record<string, string> = {};
  for (const name of NAMES) {
    let out: Outputs = {};
    try {
      timings[name] = bestMs(() => (out = runners[name]()), Number(reps), Number(warm));
    } catch (e) {
      timings[name] = null;
      errors[name] = (e as Error).message;
    }
    for (const o of OUTPUTS[name]) {
      const aligned = alignRight(out[o] ?? [], n);
      const bytes = new Uint8Array(aligned.buffer);
      for (let at = 0; at < bytes.length;) at += file.writeSync(bytes.subarray(at));
    }
  }
  file.close();
  console.log(JSON.stringify({ timings, errors }));
}
