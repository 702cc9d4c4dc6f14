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
import { bestMs, type Name, NAMES, OUTPUTS, type Outputs, readSeries } from "./_bench_io.ts";
import { BUILD_DIR, buildAddon, buildHarness } from "./_talib_build.ts";

/** The six whose total is compared with TA-Lib C (the goal). */
/** The development config: the peers run in child processes need its imports. */
const DEV_CONFIG = new URL("../deno.dev.json", import.meta.url).pathname;
const SIX: readonly Name[] = ["sma", "ema", "rsi", "macd", "bollinger", "atr"];
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

type Runner = () => Outputs;

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

/**
 * Largest |ours − peer| where both are defined (so from our first value on), over two
 * aligned series.
 */
function agreement(ours: ArrayLike<number>, peer: ArrayLike<number>): number | null {
  const n = ours.length;
  let max = -1;
  for (let i = 0; i < n; i++) {
    const a = ours[i]!, b = peer[i]!;
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
    const files: Record<string, { path: string; names: readonly Name[] }> = {};
    const peerErrors: Record<string, string> = {};
    const record = (peer: string, name: Name, ms: number | null) => {
      (timings[name] ??= {})[peer] = ms === null ? null : round(ms);
    };

    // ours: with out buffers reused (a sweep), and allocating each call
    const reuse = ours(data, true), alloc = ours(data, false);
    for (const name of NAMES) {
      record("asxlab", name, bestMs(reuse[name], r, 3));
      record("asxlab (alloc)", name, bestMs(alloc[name], r, 1));
    }

    // every peer reads the same bars from one file and writes its outputs to another
    const input = `${BUILD_DIR}input-${n}.bin`;
    Deno.mkdirSync(BUILD_DIR, { recursive: true });
    writeHarnessInput(input, data);
    const harnessNames = NAMES.filter((x) => x !== "vwap");
    if (harness.ok) {
      try {
        const path = `${BUILD_DIR}talib-c-${n}.bin`;
        const t = JSON.parse(await runBinary(harness.path, [input, path, String(r)])) as Record<
          string,
          number
        >;
        for (const name of harnessNames) record("talib-c", name, t[name]!);
        record("talib-c", "vwap", null);
        files["talib-c"] = { path, names: harnessNames };
      } catch (e) {
        peerErrors["talib-c"] = (e as Error).message;
      }
    }
    if (addon?.ok && !skipped["talib-addon"]) {
      try {
        const path = `${BUILD_DIR}talib-addon-${n}.bin`;
        const script = new URL("./_talib_addon.mjs", import.meta.url).pathname;
        const t = JSON.parse(
          await runBinary("node", [
            "--max-old-space-size=16384",
            script,
            addon.path,
            input,
            path,
            String(big ? 1 : r),
          ]),
        ) as Record<string, number>;
        for (const name of harnessNames) record("talib-addon", name, t[name]!);
        record("talib-addon", "vwap", null);
        files["talib-addon"] = { path, names: harnessNames };
      } catch (e) {
        peerErrors["talib-addon"] = (e as Error).message;
      }
    }
    if (!opts["no-peers"]) {
      const script = new URL("./_js_peers.ts", import.meta.url).pathname;
      for (const peer of ["technicalindicators", "trading-signals"]) {
        try {
          const path = `${BUILD_DIR}${peer}-${n}.bin`;
          const out = JSON.parse(
            await runBinary(Deno.execPath(), [
              "run",
              "--config",
              DEV_CONFIG,
              "--allow-all",
              "--v8-flags=--max-old-space-size=16384",
              script,
              peer,
              input,
              path,
              String(big ? 1 : Math.min(r, 3)),
              big ? "0" : "1",
            ]),
          ) as { timings: Record<string, number | null>; errors: Record<string, string> };
          for (const name of NAMES) record(peer, name, out.timings[name] ?? null);
          for (const [name, err] of Object.entries(out.errors)) {
            peerErrors[`${peer} ${name}`] = err;
          }
          files[peer] = { path, names: NAMES };
        } catch (e) {
          peerErrors[peer] = (e as Error).message;
        }
      }
    }

    // agreement: max |ours - peer| after our warm-up, per output series
    const agree: Record<string, Record<string, Record<string, number | null>>> = {};
    for (const name of NAMES) {
      const mine = alloc[name]();
      for (const [peer, file] of Object.entries(files)) {
        if (!file.names.includes(name) || timings[name]?.[peer] === null) continue;
        // technicalindicators has no %K slowing: compare with ours at slowing 1
        const reference: Outputs = peer === "technicalindicators" && name === "stochastic"
          ? { ...stochastic(data.high, data.low, data.close, 14, 1, 3) }
          : mine;
        for (const o of OUTPUTS[name]) {
          const series = readSeries(file.path, n, file.names, name, o);
          ((agree[name] ??= {})[peer] ??= {})[o] = series && agreement(reference[o]!, series);
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
