/**
 * `deno task bench indicators`: the ten indicators over 1 M and 10 M bars, side by side
 * with npm `technicalindicators`, npm `trading-signals`, TA-Lib C called directly (a
 * gcc-compiled harness) and TA-Lib through the npm `talib` node addon; plus each peer's
 * agreement with our output. Writes `bench/results/indicators.json`.
 *
 * Options: `--sizes 1000000,10000000`, `--reps 5` (best of; halved at 10 M, JS peers run
 * once at 10 M), `--no-peers` (ours and TA-Lib C only).
 *
 * @module
 */
import { parseArgs } from "node:util";
import os from "node:os";
import * as TI from "technicalindicators";
import * as TS from "trading-signals";
import {
  atr,
  bollinger,
  ema,
  macd,
  obv,
  rsi,
  sma,
  stochastic,
  vwap,
  wma,
} from "../src/indicators/mod.ts";
import { type SyntheticBars, syntheticBars, writeHarnessInput } from "./_data.ts";
import { BUILD_DIR, buildAddon, buildHarness } from "./_talib_build.ts";

const NAMES = [
  "sma",
  "ema",
  "wma",
  "rsi",
  "macd",
  "stochastic",
  "bollinger",
  "atr",
  "obv",
  "vwap",
] as const;
type Name = typeof NAMES[number];
/** The six whose total is compared with TA-Lib C (the goal). */
const SIX: readonly Name[] = ["sma", "ema", "rsi", "macd", "bollinger", "atr"];
/** Output series per indicator, in the harness's order. */
const OUTPUTS: Record<Name, string[]> = {
  sma: ["sma"],
  ema: ["ema"],
  wma: ["wma"],
  rsi: ["rsi"],
  macd: ["macd", "signal", "histogram"],
  stochastic: ["k", "d"],
  bollinger: ["upper", "middle", "lower"],
  atr: ["atr"],
  obv: ["obv"],
  vwap: ["vwap"],
};
const PARAMS: Record<Name, string> = {
  sma: "20",
  ema: "12",
  wma: "20",
  rsi: "14",
  macd: "12/26/9",
  stochastic: "14/3/3",
  bollinger: "20, 2σ",
  atr: "14",
  obv: "",
  vwap: "cumulative",
};

type Outputs = Record<string, ArrayLike<number>>;
type Runner = () => Outputs;

function best(fn: () => unknown, reps: number, warm: number): number {
  for (let i = 0; i < warm; i++) fn();
  let min = Infinity;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    min = Math.min(min, performance.now() - t0);
  }
  return min;
}

/** Our batch functions; `reuse` passes preallocated `out` buffers, as a sweep would. */
function ours(d: SyntheticBars, reuse: boolean): Record<Name, Runner> {
  const n = d.close.length;
  const [a, b, c] = reuse
    ? [new Float64Array(n), new Float64Array(n), new Float64Array(n)]
    : [undefined, undefined, undefined];
  const { high, low, close, volume } = d;
  return {
    sma: () => ({ sma: sma(close, 20, a) }),
    ema: () => ({ ema: ema(close, 12, a) }),
    wma: () => ({ wma: wma(close, 20, a) }),
    rsi: () => ({ rsi: rsi(close, 14, a) }),
    macd: () => ({ ...macd(close, 12, 26, 9, a && { macd: a, signal: b, histogram: c }) }),
    stochastic: () => ({ ...stochastic(high, low, close, 14, 3, 3, a && { k: a, d: b }) }),
    bollinger: () => ({ ...bollinger(close, 20, 2, a && { upper: a, middle: b, lower: c }) }),
    atr: () => ({ atr: atr(high, low, close, 14, a) }),
    obv: () => ({ obv: obv(close, volume, a) }),
    vwap: () => ({ vwap: vwap(high, low, close, volume, 0, a) }),
  };
}

/** npm technicalindicators: plain arrays in, trimmed arrays (no warm-up) out. */
function technicalIndicators(d: SyntheticBars): Record<Name, Runner> {
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
function tradingSignals(d: SyntheticBars): Record<Name, Runner> {
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

/**
 * Largest |ours − peer| where both are defined, from our first defined value on. A peer
 * series shorter than ours (trimmed warm-up) is aligned on its last value.
 */
function agreement(ours: ArrayLike<number>, peer: ArrayLike<number>): number | null {
  const n = ours.length, shift = n - peer.length;
  let max = -1;
  for (let i = Math.max(0, shift); i < n; i++) {
    const a = ours[i]!, b = peer[i - shift]!;
    if (Number.isFinite(a) && Number.isFinite(b)) max = Math.max(max, Math.abs(a - b));
  }
  return max < 0 ? null : max;
}

async function runBinary(cmd: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  if (!out.success) {
    throw new Error(
      `${cmd} exited with ${out.code}: ${new TextDecoder().decode(out.stderr).trim()}`,
    );
  }
  return new TextDecoder().decode(out.stdout);
}

/** Splits a harness output file (every output series, n doubles each) per indicator. */
function readOutputs(path: string, n: number, names: readonly Name[]): Record<string, Outputs> {
  const all = new Float64Array(Deno.readFileSync(path).buffer);
  const result: Record<string, Outputs> = {};
  let k = 0;
  for (const name of names) {
    const outs: Outputs = {};
    for (const o of OUTPUTS[name]) outs[o] = all.subarray(k * n, ++k * n);
    result[name] = outs;
  }
  return result;
}

const round = (x: number, digits = 3) => Number(x.toFixed(digits));

/**
 * Runs the bench.
 *
 * @param args Command-line options (see the module doc).
 */
export async function run(args: string[]): Promise<void> {
  const { values: opts } = parseArgs({
    args,
    options: {
      sizes: { type: "string", default: "1000000,10000000" },
      reps: { type: "string", default: "5" },
      "no-peers": { type: "boolean", default: false },
    },
  });
  const sizes = opts.sizes!.split(",").map(Number);
  for (const s of sizes) {
    if (!Number.isInteger(s) || s < 100) {
      throw new RangeError(`Invalid --sizes entry ${s}: expected integers ≥ 100`);
    }
  }
  const reps = Number(opts.reps);
  if (!Number.isInteger(reps) || reps < 1) {
    throw new RangeError(`Invalid --reps ${opts.reps}: expected an integer ≥ 1`);
  }
  const log = (m: string) => console.log(`  ${m}`);
  const skipped: Record<string, string> = {};
  const harness = await buildHarness(log);
  if (!harness.ok) skipped["talib-c"] = harness.reason;
  const addon = opts["no-peers"] ? null : await buildAddon(log);
  if (addon && !addon.ok) skipped["talib-addon"] = addon.reason;
  if (opts["no-peers"]) {
    for (const p of ["talib-addon", "technicalindicators", "trading-signals"]) {
      skipped[p] = "--no-peers";
    }
  }
  let nodeVersion = "";
  try {
    nodeVersion = (await runBinary("node", ["--version"])).trim();
  } catch (e) {
    if (addon?.ok) skipped["talib-addon"] = `node is not runnable: ${(e as Error).message}`;
  }

  const results: Record<string, unknown> = {};
  for (const n of sizes) {
    const big = n >= 5_000_000;
    const r = big ? Math.max(1, Math.floor(reps / 2)) : reps;
    console.log(`\n## ${n.toLocaleString("en-AU")} bars (best of ${r})`);
    const data = syntheticBars(n);
    const timings: Record<string, Record<string, number | null>> = {};
    const outputs: Record<string, Record<string, Outputs>> = {};
    const peerErrors: Record<string, string> = {};
    const record = (peer: string, name: Name, ms: number | null) => {
      (timings[name] ??= {})[peer] = ms === null ? null : round(ms);
    };

    // ours: with out buffers reused (a sweep), and allocating each call
    const reuse = ours(data, true), alloc = ours(data, false);
    outputs["asxlab"] = {};
    for (const name of NAMES) {
      record("asxlab", name, best(reuse[name], r, 3));
      record("asxlab (alloc)", name, best(alloc[name], r, 1));
      outputs["asxlab"][name] = alloc[name]();
    }
    // our fast %K, to compare with technicalindicators (which has no slowing)
    const fastK = stochastic(data.high, data.low, data.close, 14, 1, 3);

    // TA-Lib C and the addon read the same bars from one file
    const input = `${BUILD_DIR}input-${n}.bin`;
    if (harness.ok || addon?.ok) writeHarnessInput(input, data);
    const harnessNames = NAMES.filter((x) => x !== "vwap");
    if (harness.ok) {
      try {
        const outFile = `${BUILD_DIR}talib-c-${n}.bin`;
        const t = JSON.parse(await runBinary(harness.path, [input, outFile, String(r)])) as Record<
          string,
          number
        >;
        for (const name of harnessNames) record("talib-c", name, t[name]!);
        record("talib-c", "vwap", null);
        outputs["talib-c"] = readOutputs(outFile, n, harnessNames);
      } catch (e) {
        peerErrors["talib-c"] = (e as Error).message;
      }
    }
    if (addon?.ok && !skipped["talib-addon"]) {
      try {
        const outFile = `${BUILD_DIR}talib-addon-${n}.bin`;
        const script = new URL("./_talib_addon.mjs", import.meta.url).pathname;
        const t = JSON.parse(
          await runBinary("node", [
            "--max-old-space-size=8192",
            script,
            addon.path,
            input,
            outFile,
            String(big ? 1 : r),
          ]),
        ) as Record<string, number>;
        for (const name of harnessNames) record("talib-addon", name, t[name]!);
        record("talib-addon", "vwap", null);
        outputs["talib-addon"] = readOutputs(outFile, n, harnessNames);
      } catch (e) {
        peerErrors["talib-addon"] = (e as Error).message;
      }
    }
    if (!opts["no-peers"]) {
      for (
        const [peer, make] of [["technicalindicators", technicalIndicators], [
          "trading-signals",
          tradingSignals,
        ]] as const
      ) {
        const runners = make(data);
        outputs[peer] = {};
        for (const name of NAMES) {
          try {
            let out: Outputs = {};
            const ms = best(() => (out = runners[name]()), big ? 1 : Math.min(r, 3), big ? 0 : 1);
            record(peer, name, ms);
            outputs[peer][name] = out;
          } catch (e) {
            record(peer, name, null);
            peerErrors[`${peer} ${name}`] = (e as Error).message;
          }
        }
      }
    }

    // agreement: max |ours - peer| after our warm-up, per output series
    const agree: Record<string, Record<string, Record<string, number | null>>> = {};
    for (const [peer, perName] of Object.entries(outputs)) {
      if (peer === "asxlab") continue;
      for (const [name, outs] of Object.entries(perName)) {
        const mine = peer === "technicalindicators" && name === "stochastic"
          ? { k: fastK.k, d: fastK.d }
          : outputs["asxlab"][name]!;
        for (const [o, series] of Object.entries(outs)) {
          ((agree[name] ??= {})[peer] ??= {})[o] = agreement(mine[o]!, series);
        }
      }
    }

    // totals and ratios
    const total = (peer: string, names: readonly Name[]) => {
      let sum = 0;
      for (const name of names) {
        const v = timings[name]?.[peer];
        if (v === null || v === undefined) return null;
        sum += v;
      }
      return round(sum);
    };
    const peers = Object.keys(timings["sma"] ?? {});
    const totals6: Record<string, number | null> = {};
    const totalsAll: Record<string, number | null> = {};
    for (const p of peers) {
      totals6[p] = total(p, SIX), totalsAll[p] = total(p, NAMES.filter((x) => x !== "vwap"));
    }
    const ratio = (a: number | null | undefined, b: number | null | undefined) =>
      a && b ? round(a / b, 3) : null;
    const ratios = {
      "asxlab / talib-c (six)": ratio(totals6["asxlab"], totals6["talib-c"]),
      "asxlab (alloc) / talib-c (six)": ratio(totals6["asxlab (alloc)"], totals6["talib-c"]),
      "asxlab / talib-c (nine)": ratio(totalsAll["asxlab"], totalsAll["talib-c"]),
      "technicalindicators / asxlab (six)": ratio(
        totals6["technicalindicators"],
        totals6["asxlab"],
      ),
      "trading-signals / asxlab (six)": ratio(totals6["trading-signals"], totals6["asxlab"]),
      "talib-addon / asxlab (six)": ratio(totals6["talib-addon"], totals6["asxlab"]),
    };

    // console table
    const cols = [
      "asxlab",
      "asxlab (alloc)",
      "talib-c",
      "talib-addon",
      "technicalindicators",
      "trading-signals",
    ]
      .filter((p) => peers.includes(p));
    const pad = (s: string, w: number) => s.padStart(w);
    console.log(["indicator".padEnd(22), ...cols.map((c) => pad(c, 20))].join(""));
    for (const name of NAMES) {
      const cells = cols.map((c) => {
        const v = timings[name]?.[c];
        return pad(v === null || v === undefined ? "—" : `${v.toFixed(2)} ms`, 20);
      });
      console.log([`${name} ${PARAMS[name]}`.padEnd(22), ...cells].join(""));
    }
    console.log(
      ["six total".padEnd(22), ...cols.map((c) => pad(`${totals6[c] ?? "—"} ms`, 20))].join(""),
    );
    for (const [k, v] of Object.entries(ratios)) console.log(`  ${k}: ${v ?? "—"}`);
    if (Object.keys(peerErrors).length) console.log("  peer errors:", peerErrors);

    results[String(n)] = {
      repetitions: r,
      timingsMs: timings,
      totalsMs: { six: totals6, nineWithTalib: totalsAll },
      ratios,
      agreementMaxAbs: agree,
      peerErrors,
    };
  }

  const report = {
    generated: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpu: os.cpus()[0]?.model ?? "unknown",
      deno: Deno.version.deno,
      v8: Deno.version.v8,
      node: nodeVersion || null,
    },
    method: "Best of N wall-clock runs (performance.now / CLOCK_MONOTONIC) after warm-up, " +
      "same deterministic bars (bench/_data.ts, seed 42) for every peer. asxlab: batch " +
      "functions with out buffers reused; '(alloc)' allocates outputs per call. TA-Lib C: " +
      "bench/talib_harness.c compiled with gcc -O2 against TA-Lib built by npm talib's " +
      "build.js (-O2), outputs preallocated. talib-addon: npm talib under node (the addon " +
      "uses the legacy nan ABI, which Deno cannot load), plain arrays in and out. JS peers: " +
      "one run at ≥ 5 M bars. 'six' = sma, ema, rsi, macd, bollinger, atr. Agreement: max " +
      "|ours − peer| where both are defined, from our first value on (technicalindicators' " +
      "stochastic has no %K slowing and is compared with ours at slowing 1; vwap is cumulative " +
      "for every peer; TA-Lib has no vwap).",
    parameters: PARAMS,
    skipped,
    sizes: results,
  };
  const path = new URL("./results/indicators.json", import.meta.url).pathname;
  Deno.mkdirSync(new URL("./results/", import.meta.url).pathname, { recursive: true });
  Deno.writeTextFileSync(path, JSON.stringify(report, null, 2) + "\n");
  if (Object.keys(skipped).length) console.log("\nskipped:", skipped);
  console.log(`\nwrote ${path}`);
}
