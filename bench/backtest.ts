/**
 * `deno task bench backtest`: the backtest engine side by side with its peers,
 * in one run.
 *
 * - MovingAverageCrossover (10/30, all-in, 0.1 % commission, the full broker,
 *   portfolio and every stat: `runBacktest`, i.e. `new Backtest(…).run()`) over
 *   GOOG's 2,148 real daily bars (backtesting.py's test data,
 *   tests/fixtures/backtest/GOOG.csv) and over 1,000,000 synthetic bars: bars/s.
 * - The sweep of issue 15, side by side with backtesting.py on GOOG: SmaCross
 *   long-only, fast 5..50 × slow 20..200/10 with fast < slow (810
 *   combinations), maximise SQN, backtesting.py's defaults on both sides (10,000
 *   cash, all-in orders, trades left open at the end out of the statistics:
 *   `--initial-capital 10000 --keep-open`). Whole process against whole process (`deno task
 *   backtest … --sweep …` against `python3 bench/backtesting_py.py optimize`,
 *   imports included), and the sweep's own cost (the CLI with 810 combinations
 *   minus the CLI with one) against `optimize()` alone, which the python harness
 *   times inside its process. Both must find the same best combination and SQN.
 *   backtesting.py runs only when it is there (`$BACKTESTING_PY`, or
 *   bench/.build/backtesting.py holding its `backtesting` package, with pandas and
 *   numpy for `/usr/bin/python3` or `$PYTHON`); otherwise the results say it was
 *   not run, and no python figure is reported.
 * - What the stats-only loop earns: the same 810 rows in-process through it and
 *   through the event loop (the strategy's signal applied by `onBar` on every bar).
 * - Peers on npm: grademark 0.3.0 (with data-forge), and a naive per-bar
 *   object-array engine written for this bench only; a bare typed-array loop of the
 *   same crossover (no orders, trades or stats) as the floor.
 * - Reading a CSV: `readCsvBars` of a 4,780-row Yahoo export (what `--csv` costs).
 *
 * Results go to bench/results/backtest.json.
 *
 * @module
 */

import { DataFrame } from "data-forge";
import { backtest as grademarkBacktest } from "grademark";
import { fileURLToPath } from "node:url";
import { readCsvBars } from "../src/core/read_csv_bars.ts";
import { PlainBars } from "../src/core/plain_bars.ts";
import {
  Backtest,
  MovingAverageCrossover,
  range,
  runBacktest,
  type StrategyClass,
} from "../src/backtest/mod.ts";
import { sma } from "../src/indicators/sma.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BUILD = `${ROOT}bench/.build`;
const GOOG = `${ROOT}tests/fixtures/backtest/GOOG.csv`;
const MA = MovingAverageCrossover as unknown as StrategyClass;
const OPTIONS = { cash: 100_000, commission: 0.001 };
const PARAMS = { fast: 10, slow: 30 };
/** backtesting.py's defaults, given to both sides of the sweep. */
const PEER_OPTIONS = { cash: 10_000, keepOpen: true };
const SWEEP_GRID = { fast: range(5, 50), slow: range(20, 200, 10) };

/** Deterministic GOOG-like OHLCV (geometric random walk, seeded LCG), weekdays from 2004-08-19. */
function synthetic(n: number, seed: number) {
  let x = seed >>> 0;
  const rnd = () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const dates = new Int32Array(n);
  const open = new Float64Array(n), high = new Float64Array(n), low = new Float64Array(n);
  const close = new Float64Array(n), volume = new Float64Array(n);
  let p = 100;
  let day = Date.UTC(2004, 7, 19) / 86_400_000;
  for (let i = 0; i < n; i++) {
    while ((day + 4) % 7 === 0 || (day + 4) % 7 === 6) day++; // skip Sun (0) and Sat (6)
    dates[i] = day++;
    const o = p;
    p *= Math.exp((rnd() - 0.5) * 0.04 + 0.0004);
    open[i] = o;
    close[i] = p;
    high[i] = Math.max(o, p) * (1 + rnd() * 0.01);
    low[i] = Math.min(o, p) * (1 - rnd() * 0.01);
    volume[i] = Math.round(1e6 + rnd() * 1e6);
  }
  return { dates, open, high, low, close, volume };
}

/** Median seconds per call over `reps` calls after `warm` warm-up calls. */
function time(fn: () => void, reps: number, warm = 2): number {
  for (let i = 0; i < warm; i++) fn();
  const t: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    t.push((performance.now() - t0) / 1000);
  }
  t.sort((a, b) => a - b);
  return t[Math.floor(t.length / 2)]!;
}

/** asxlab: one full run (the SMAs computed each time: nothing is kept between runs). */
function asxlabRun(bars: PlainBars) {
  return runBacktest(bars, MA, { ...OPTIONS, params: PARAMS });
}

/** The crossover with its signal applied by `onBar` on every bar: sweep rows take the event loop. */
class OnBarCrossover extends MovingAverageCrossover {
  override onBar(ctx: Parameters<MovingAverageCrossover["onBar"]>[0]): void {
    super.onBar(ctx);
  }
}

/** grademark: the same crossover on the same bars, SMAs precomputed into the data frame. */
function grademarkRun(bars: PlainBars): number {
  const fast = sma(bars.close, PARAMS.fast), slow = sma(bars.close, PARAMS.slow);
  const rows = [];
  for (let i = PARAMS.slow; i < bars.length; i++) {
    rows.push({
      time: new Date(bars.dates[i]! * 86_400_000),
      open: bars.open[i]!,
      high: bars.high[i]!,
      low: bars.low[i]!,
      close: bars.close[i]!,
      volume: bars.volume[i]!,
      fast: fast[i]!,
      slow: slow[i]!,
      prevFast: fast[i - 1]!,
      prevSlow: slow[i - 1]!,
    });
  }
  const df = new DataFrame(rows).setIndex("time");
  type Bar = { fast: number; slow: number; prevFast: number; prevSlow: number };
  const trades = grademarkBacktest({
    entryRule: (enter: () => void, a: { bar: Bar }) => {
      if (a.bar.prevFast < a.bar.prevSlow && a.bar.fast > a.bar.slow) enter();
    },
    exitRule: (exit: () => void, a: { bar: Bar }) => {
      if (a.bar.prevFast > a.bar.prevSlow && a.bar.fast < a.bar.slow) exit();
    },
  } as never, df as never);
  return (trades as unknown[]).length;
}

/** A naive engine for comparison only: bars as objects, per-bar SMA windows, a Map portfolio. */
function naiveRun(bars: PlainBars): number {
  type Bar = { date: number; open: number; high: number; low: number; close: number };
  const list: Bar[] = [];
  for (let i = 0; i < bars.length; i++) {
    list.push({
      date: bars.dates[i]!,
      open: bars.open[i]!,
      high: bars.high[i]!,
      low: bars.low[i]!,
      close: bars.close[i]!,
    });
  }
  const avg = (k: number, p: number) =>
    list.slice(k - p + 1, k + 1).reduce((s, b) => s + b.close, 0) / p;
  let cash = OPTIONS.cash;
  const positions = new Map<string, number>();
  const trades: { entry: number; exit?: number; pnl?: number }[] = [];
  const equity: number[] = [];
  let pending: "buy" | "sell" | undefined;
  for (let k = 0; k < list.length; k++) {
    const bar = list[k]!;
    if (pending) {
      const held = positions.get("X") ?? 0;
      if (pending === "buy") {
        const n = Math.floor(cash / (bar.open * (1 + OPTIONS.commission)));
        cash -= n * bar.open * (1 + OPTIONS.commission);
        positions.set("X", n);
        trades.push({ entry: bar.open });
      } else {
        cash += held * bar.open * (1 - OPTIONS.commission);
        positions.set("X", 0);
        const t = trades[trades.length - 1]!;
        t.exit = bar.open;
        t.pnl = held * (bar.open - t.entry);
      }
      pending = undefined;
    }
    if (k > PARAMS.slow) {
      const f0 = avg(k - 1, PARAMS.fast), s0 = avg(k - 1, PARAMS.slow);
      const f1 = avg(k, PARAMS.fast), s1 = avg(k, PARAMS.slow);
      const held = positions.get("X") ?? 0;
      if (f0 < s0 && f1 > s1 && held === 0) pending = "buy";
      else if (f0 > s0 && f1 < s1 && held > 0) pending = "sell";
    }
    equity.push(cash + (positions.get("X") ?? 0) * bar.close);
  }
  return trades.length;
}

/**
 * The bare typed-array loop the engine is measured against: the same crossover
 * over precomputed SMAs, all-in at the next open with commission, equity at
 * every close, no orders, trades or stats.
 */
function bareRun(c: Float64Array, o: Float64Array, fast: Float64Array, slow: Float64Array): number {
  const n = c.length;
  const equity = new Float64Array(n);
  let cash = OPTIONS.cash, pos = 0, pending = 0;
  const k = OPTIONS.commission;
  for (let t = 1; t < n; t++) {
    if (pending === 1) {
      pos = Math.floor(cash / (o[t]! * (1 + k)));
      cash -= pos * o[t]! * (1 + k);
    } else if (pending === -1) {
      cash += pos * o[t]! * (1 - k);
      pos = 0;
    }
    pending = 0;
    const f0 = fast[t - 1]!, s0 = slow[t - 1]!, f1 = fast[t]!, s1 = slow[t]!;
    if (f0 < s0 && f1 > s1 && pos === 0) pending = 1;
    else if (f0 > s0 && f1 < s1 && pos > 0) pending = -1;
    equity[t] = cash + pos * c[t]!;
  }
  return equity[n - 1]!;
}

/** Best seconds of `reps` calls after two warm-up calls. */
function best(fn: () => Promise<unknown> | unknown, reps: number): Promise<number> {
  return (async () => {
    let b = Infinity;
    for (let i = 0; i < reps + 2; i++) {
      const t0 = performance.now();
      await fn();
      if (i >= 2) b = Math.min(b, (performance.now() - t0) / 1000);
    }
    return b;
  })();
}

const SWEEP_ARGS = [
  "--csv",
  GOOG,
  "--strategy",
  "ma-crossover",
  "--sweep",
  "fast=5:50:1,slow=20:200:10",
  "--maximize",
  "SQN",
  "--initial-capital",
  "10000",
  "--keep-open",
  "--workers",
  "0",
  "--json",
];

/**
 * Whole-process wall time of a `deno` command, median and best of 7 (from the
 * shell's view), and the sweep rows it printed (0 when it prints no sweep).
 */
interface Timed {
  /** Median wall seconds. */
  seconds: number;
  /** Best wall seconds. */
  best: number;
  /** The last run's stdout. */
  stdout: string;
}

/** Whole-process wall time of a command, median and best of `reps` (from the shell's view). */
async function wall(cmd: string, args: string[], reps: number): Promise<Timed> {
  const times: number[] = [];
  let stdout = "";
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const out = await new Deno.Command(cmd, { args, cwd: ROOT, stdout: "piped", stderr: "piped" })
      .output();
    times.push((performance.now() - t0) / 1000);
    if (out.code !== 0) {
      throw new Error(`${cmd} ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
    }
    stdout = new TextDecoder().decode(out.stdout);
  }
  times.sort((a, b) => a - b);
  return { seconds: times[Math.floor(reps / 2)]!, best: times[0]!, stdout };
}

/** Where backtesting.py is, and the python that can import it; or why it cannot run. */
async function findPeer(): Promise<{ python: string; dir: string; commit: string } | string> {
  const dir = Deno.env.get("BACKTESTING_PY") ?? `${BUILD}/backtesting.py`;
  const python = Deno.env.get("PYTHON") ?? "/usr/bin/python3";
  try {
    Deno.statSync(`${dir}/backtesting/backtesting.py`);
  } catch {
    return `backtesting.py not found in ${dir} (set BACKTESTING_PY to a directory holding its ` +
      "`backtesting` package, or put it in bench/.build/backtesting.py)";
  }
  try {
    const out = await new Deno.Command(python, {
      args: ["-c", "import pandas, numpy"],
      stdout: "null",
      stderr: "piped",
    }).output();
    if (out.code !== 0) return `${python} cannot import pandas and numpy`;
  } catch (err) {
    return `${python} cannot run: ${(err as Error).message}`;
  }
  let commit = "unknown";
  try {
    commit = Deno.readTextFileSync(`${dir}/COMMIT`).trim();
  } catch { /* not recorded */ }
  return { python, dir, commit };
}

/**
 * Runs the bench and writes bench/results/backtest.json.
 *
 * @param _args Unused.
 * @returns Nothing.
 */
export async function run(_args: string[]): Promise<void> {
  Deno.mkdirSync(BUILD, { recursive: true });
  const bars = await readCsvBars(GOOG, { symbol: "GOOG" });
  const big = synthetic(1_000_000, 7);
  const bigBars = new PlainBars({ symbol: "BIG", ...big });

  // 1. One full run: 2,148 real bars and 1 M bars.
  const r2148 = asxlabRun(bars);
  const tSmall = time(() => asxlabRun(bars), 1000, 300);
  const tBig = time(() => asxlabRun(bigBars), 9, 2);
  const bigTrades = asxlabRun(bigBars).stats["# Trades"];
  const smaF = sma(bars.close, PARAMS.fast), smaS = sma(bars.close, PARAMS.slow);
  const tBare = time(() => bareRun(bars.close, bars.open, smaF, smaS), 1000, 300);

  // 2. The sweep's rows in-process: the stats-only loop, and the event loop.
  const grid = { grid: SWEEP_GRID, maximize: "SQN" as const, workers: 0 };
  const btMa = new Backtest(bars, MA, PEER_OPTIONS);
  const btOnBar = new Backtest(bars, OnBarCrossover as unknown as StrategyClass, PEER_OPTIONS);
  const swept = await btMa.optimize(grid);
  const tRowsStatsOnly = await best(() => btMa.optimize(grid), 5);
  const tRowsEvents = await best(() => btOnBar.optimize(grid), 5);

  // 3. Whole processes: the CLI sweep (810 and 1 combination), and backtesting.py.
  const deno = Deno.execPath();
  const cli810 = await wall(deno, ["task", "-q", "backtest", ...SWEEP_ARGS], 7);
  const one = SWEEP_ARGS.map((a) => a === "fast=5:50:1,slow=20:200:10" ? "fast=10,slow=30" : a);
  const cli1 = await wall(deno, ["task", "-q", "backtest", ...one], 7);
  const cliRows = JSON.parse(cli810.stdout).sweep.rows.length as number;
  const ours = JSON.parse(cli810.stdout);
  const peer = await findPeer();
  let python: Record<string, unknown> = { available: false, why: peer };
  let ratios: Record<string, number> = {};
  if (typeof peer !== "string") {
    const py = await wall(peer.python, ["bench/backtesting_py.py", "optimize", GOOG], 3);
    const out = JSON.parse(py.stdout);
    const sameBest = out.best.n1 === ours.params.fast && out.best.n2 === ours.params.slow &&
      Math.abs(out.best.SQN - ours.stats.SQN) <= 1e-9 * Math.abs(out.best.SQN);
    python = {
      available: true,
      backtestingPy: `kernc/backtesting.py @ ${peer.commit}`,
      python: peer.python,
      pandas: out.pandas,
      numpy: out.numpy,
      command: "python3 bench/backtesting_py.py optimize tests/fixtures/backtest/GOOG.csv",
      wallSecondsMedianOf3: py.seconds,
      wallSecondsBestOf3: py.best,
      optimizeSecondsLastRun: out.optimizeSeconds,
      importSecondsLastRun: out.importSeconds,
      best: out.best,
      sameBestAsAsxlab: sameBest,
    };
    const ownCost = cli810.seconds - cli1.seconds;
    ratios = {
      wholeProcessVsWholeProcess: +(py.seconds / cli810.seconds).toFixed(1),
      sweepOwnCostVsOptimize: +(out.optimizeSeconds / ownCost).toFixed(1),
    };
  }

  // 4. Peers on the same crossover, and reading a CSV.
  const gmTrades = grademarkRun(bars);
  const tGm = time(() => grademarkRun(bars), 5, 1);
  const naiveTrades = naiveRun(bars);
  const tNaive = time(() => naiveRun(bars), 20, 2);
  const asx = `${ROOT}tests/fixtures/asx-ohlcv/vvilp-stock/BHP.csv`;
  const asxRows = (await readCsvBars(asx)).length;
  const tCsv = await best(() => readCsvBars(asx), 20);

  const perSec = (n: number, s: number) => Math.round(n / s);
  const results = {
    date: new Date().toISOString(),
    machine: {
      cores: navigator.hardwareConcurrency,
      loadavg: Deno.loadavg(),
      deno: Deno.version.deno,
      note:
        "shared 2-core machine; other jobs were running: compare the ratios, measured in one run",
    },
    strategy: "MovingAverageCrossover fast=10 slow=30, all-in, commission 0.1 %, full stats",
    run: {
      goog2148: {
        secondsPerRun: tSmall,
        barsPerSecond: perSec(2148, tSmall),
        trades: r2148.stats["# Trades"],
        goalBarsPerSecond: 10_000_000,
      },
      synthetic1M: {
        secondsPerRun: tBig,
        barsPerSecond: perSec(1_000_000, tBig),
        trades: bigTrades,
        goalBarsPerSecond: 10_000_000,
      },
      bareLoop2148: {
        what:
          "the same crossover over precomputed SMAs in a bare typed-array loop, no orders, trades or stats",
        secondsPerRun: tBare,
        barsPerSecond: perSec(2148, tBare),
      },
    },
    sweep810: {
      what:
        "SmaCross long-only on GOOG, fast 5..50 × slow 20..200/10, fast < slow, maximize SQN, cash 10,000, all-in, trades left open (backtesting.py's defaults)",
      rows: swept.rows.length,
      best: { params: swept.best.params, SQN: swept.best.stats.SQN },
      inProcess: {
        statsOnlyLoopSecondsBestOf5: tRowsStatsOnly,
        eventLoopSecondsBestOf5: tRowsEvents,
        statsOnlyLoopVsEventLoop: +(tRowsEvents / tRowsStatsOnly).toFixed(2),
      },
      asxlabCli: {
        command: `deno task -q backtest ${SWEEP_ARGS.join(" ").replace(GOOG, "GOOG.csv")}`,
        rows: cliRows,
        wallSecondsMedianOf7: cli810.seconds,
        wallSecondsBestOf7: cli810.best,
        oneCombinationMedianOf7: cli1.seconds,
        oneCombinationBestOf7: cli1.best,
        sweepOwnCostSeconds: cli810.seconds - cli1.seconds,
      },
      backtestingPy: python,
      goals: { wholeProcessVsWholeProcess: 50, sweepOwnCostVsOptimize: 100 },
    },
    csv: {
      file: "tests/fixtures/asx-ohlcv/vvilp-stock/BHP.csv",
      rows: asxRows,
      bestSecondsOf20: tCsv,
    },
    peers: {
      grademark: {
        package: "grademark@0.3.0 (with data-forge@1.10.5)",
        secondsPerRun: tGm,
        barsPerSecond: perSec(2148, tGm),
        trades: gmTrades,
        note:
          "SMAs precomputed into the DataFrame; grademark has no commission model; trades only, no stats",
      },
      naive: {
        package: "none: a naive per-bar object-array engine written for this bench only",
        secondsPerRun: tNaive,
        barsPerSecond: perSec(2148, tNaive),
        trades: naiveTrades,
      },
    },
    ratios: {
      ...ratios,
      asxlabShareOfBareLoopSpeed: +(tBare / tSmall).toFixed(3),
      asxlabVsGrademark: +(tGm / tSmall).toFixed(1),
      asxlabVsNaive: +(tNaive / tSmall).toFixed(1),
    },
  };
  Deno.mkdirSync(`${ROOT}bench/results`, { recursive: true });
  Deno.writeTextFileSync(
    `${ROOT}bench/results/backtest.json`,
    JSON.stringify(results, null, 2) + "\n",
  );
  const m = (x: number) => (x / 1e6).toFixed(2);
  const ms = (x: number) => (x * 1e3).toFixed(1);
  console.log(
    `run, GOOG 2,148 bars:  ${(tSmall * 1e3).toFixed(3)} ms  ${
      m(perSec(2148, tSmall))
    } M bars/s (goal 10)`,
  );
  console.log(`run, 1 M bars:         ${ms(tBig)} ms  ${m(perSec(1e6, tBig))} M bars/s (goal 10)`);
  console.log(
    `sweep 810 in-process:  stats-only loop ${ms(tRowsStatsOnly)} ms, event loop ${
      ms(tRowsEvents)
    } ms (${(tRowsEvents / tRowsStatsOnly).toFixed(2)}×)`,
  );
  console.log(
    `CLI sweep 810:         ${cli810.seconds.toFixed(3)} s median (best ${
      cli810.best.toFixed(3)
    }); one combination ${cli1.seconds.toFixed(3)} s; sweep's own cost ${
      (cli810.seconds - cli1.seconds).toFixed(3)
    } s`,
  );
  if (python.available) {
    console.log(
      `backtesting.py:        ${
        (python.wallSecondsMedianOf3 as number).toFixed(2)
      } s whole process, optimize() ${
        (python.optimizeSecondsLastRun as number).toFixed(2)
      } s; same best: ${python.sameBestAsAsxlab}`,
    );
  } else console.log(`backtesting.py:        NOT RUN: ${peer}`);
  console.log(`CSV ${asxRows} rows:       ${ms(tCsv)} ms`);
  console.log(`grademark 2,148:       ${ms(tGm)} ms/run; naive ${ms(tNaive)} ms/run`);
  console.log(`ratios: ${JSON.stringify(results.ratios)}`);
}
