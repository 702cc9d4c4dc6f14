// Times TA-Lib through the npm `talib` node addon (run by bench/indicators.ts under node:
// the addon uses the legacy nan ABI, which Deno cannot load).
// usage: node _talib_addon.mjs <addon.node> <input.bin> <output.bin> <repetitions>
// Input and output formats are those of bench/talib_harness.c; stdout is one JSON object
// {"name": best_ms, ...}. Timings include the addon's marshalling of JS arrays, which is
// how node users call it.
import { createRequire } from "node:module";
import { readFileSync, writeFileSync } from "node:fs";

const [addonPath, inputPath, outputPath, repsText] = process.argv.slice(2);
const talib = createRequire(import.meta.url)(addonPath);
const bytes = readFileSync(inputPath);
const n = Number(bytes.readBigInt64LE(0));
const all = new Float64Array(
  bytes.buffer.slice(bytes.byteOffset + 8, bytes.byteOffset + 8 + 32 * n),
);
// The addon wants plain arrays, as its users pass them.
const [high, low, close, volume] = [0, 1, 2, 3].map((k) =>
  Array.from(all.subarray(k * n, (k + 1) * n))
);
const base = { startIdx: 0, endIdx: n - 1 };
const calls = [
  ["sma", { name: "SMA", inReal: close, optInTimePeriod: 20 }, ["outReal"]],
  ["ema", { name: "EMA", inReal: close, optInTimePeriod: 12 }, ["outReal"]],
  ["wma", { name: "WMA", inReal: close, optInTimePeriod: 20 }, ["outReal"]],
  ["rsi", { name: "RSI", inReal: close, optInTimePeriod: 14 }, ["outReal"]],
  ["macd", {
    name: "MACD",
    inReal: close,
    optInFastPeriod: 12,
    optInSlowPeriod: 26,
    optInSignalPeriod: 9,
  }, ["outMACD", "outMACDSignal", "outMACDHist"]],
  ["stochastic", {
    name: "STOCH",
    high,
    low,
    close,
    optInFastK_Period: 14,
    optInSlowK_Period: 3,
    optInSlowK_MAType: 0,
    optInSlowD_Period: 3,
    optInSlowD_MAType: 0,
  }, ["outSlowK", "outSlowD"]],
  ["bollinger", {
    name: "BBANDS",
    inReal: close,
    optInTimePeriod: 20,
    optInNbDevUp: 2,
    optInNbDevDn: 2,
    optInMAType: 0,
  }, ["outRealUpperBand", "outRealMiddleBand", "outRealLowerBand"]],
  ["atr", { name: "ATR", high, low, close, optInTimePeriod: 14 }, ["outReal"]],
  ["obv", { name: "OBV", inReal: close, volume }, ["outReal"]],
];
const reps = Number(repsText);
const timings = {};
const chunks = [];
for (const [key, params, outputs] of calls) {
  const p = { ...base, ...params };
  // one repetition: time the first call (10 M bars take seconds per call); else warm up first
  let r = reps > 1 ? talib.execute(p) : null;
  let best = Infinity;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    r = talib.execute(p);
    best = Math.min(best, performance.now() - t0);
  }
  if (r.error) throw new Error(`talib ${params.name}: ${r.error}`);
  timings[key] = best;
  for (const name of outputs) {
    const aligned = new Float64Array(n).fill(NaN);
    aligned.set(r.result[name], r.begIndex);
    chunks.push(Buffer.from(aligned.buffer));
  }
}
writeFileSync(outputPath, Buffer.concat(chunks));
console.log(JSON.stringify(timings));
