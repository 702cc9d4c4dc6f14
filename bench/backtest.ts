/**
 * `deno task bench backtest`: the backtest engine side by side with an npm peer.
 *
 * - MovingAverageCrossover (10/30, all-in, 0.1 % commission, full broker and
 *   portfolio accounting and every stat) over a 2,148-bar GOOG-like daily series
 *   and over 1,000,000 bars: bars/s. It is a signal strategy, so a one-symbol run
 *   takes the engine's signal loop; the same strategy forced through `onBar` on
 *   every bar (it listens to fills) is measured beside it.
 * - A 1,000-combination sweep (fast 5..54 × slow 60..250/10) in-process: runs/s
 *   (rows from stats-only runs, the best one re-run in full).
 * - The whole-process CLI sweep `deno task backtest --csv <2148-bar csv> --strategy
 *   ma-crossover --sweep fast=5:50:1,slow=20:200:10 --json` (810 admissible runs),
 *   timed from a subprocess as typed (`deno task …`, which adds the task runner's
 *   own start) and as the `deno run` the task starts.
 * - What any whole-process run of that sweep cannot go below on this machine,
 *   measured in the same run: Deno's own start, the CLI sweeping one combination,
 *   and, in this (warm) process, the CLI grid's 810 stats-only rows and the curve
 *   statistics alone (`statsOf` over the 810 runs' equity curves).
 * - A bare typed-array loop of the same crossover (no orders, trades or stats),
 *   measured in the same run: the engine's speed is reported as a share of it,
 *   which is steadier than absolute figures on a loaded machine.
 * - Peers: grademark 0.3.0 (npm, with data-forge; the only npm backtester found
 *   that runs here), on the same series with the same precomputed SMAs; and a
 *   naive per-bar object-array implementation written for this bench only.
 *
 * Data: a deterministic geometric random walk (seeded LCG) written as a Yahoo-
 * style CSV to bench/.build/. Results go to bench/results/backtest.json.
 *
 * @module
 */

import { DataFrame } from "data-forge";
import { backtest as grademarkBacktest } from "grademark";
import { fileURLToPath } from "node:url";
import { PlainBars, readCsvBars } from "../src/core/csv_bars.ts";
import {
  combinations,
  IndicatorCache,
  MovingAverageCrossover,
  range,
  runBacktest,
  statsOf,
  type StrategyClass,
  sweep,
} from "../src/backtest/mod.ts";
import { SignalRuns } from "../src/backtest/signal_runs.ts";
import { sma } from "../src/indicators/sma.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BUILD = `${ROOT}bench/.build`;
const CSV = `${BUILD}/goog_like_2148.csv`;
const MA = MovingAverageCrossover as unknown as StrategyClass;
const OPTIONS = { cash: 100_000, commission: 0.001 };
const PARAMS = { fast: 10, slow: 30 };

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

function writeCsv(path: string, n: number): void {
  const s = synthetic(n, 42);
  const lines = ["Date,Open,High,Low,Close,Adj Close,Volume"];
  for (let i = 0; i < n; i++) {
    const d = new Date(s.dates[i]! * 86_400_000).toISOString().slice(0, 10);
    const f = (v: number) => v.toFixed(4);
    lines.push(
      [d, f(s.open[i]!), f(s.high[i]!), f(s.low[i]!), f(s.close[i]!), f(s.close[i]!), s.volume[i]]
        .join(","),
    );
  }
  Deno.mkdirSync(BUILD, { recursive: true });
  Deno.writeTextFileSync(path, lines.join("\n") + "\n");
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

/** asxlab: one full run (fresh indicator cache, so the SMAs are computed each time). */
function asxlabRun(bars: PlainBars, Strat: StrategyClass = MA) {
  return runBacktest(bars, Strat, { ...OPTIONS, params: PARAMS, cache: new IndicatorCache() });
}

/** The same strategy through `onBar` on every bar: listening to fills takes the engine's general loop. */
class OnBarCrossover extends MovingAverageCrossover {
  override onOrderFilled(): void {}
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

/**
 * The CLI grid's 810 rows with warm code (this process has run the engine many
 * times): the stats-only rows a sweep computes, and the curve statistics alone
 * over the same runs' equity curves (no trades, so statsOf's per-bar pass is all
 * that is timed). Best of 5 passes; seconds per 810 rows.
 */
function warmRows(bars: PlainBars): { rows: number; curveOnly: number; count: number } {
  const grid = { fast: range(5, 50), slow: range(20, 200, 10) };
  const { combos } = combinations(MA, grid);
  const runs = new SignalRuns(bars, MA, {}, new IndicatorCache());
  const curves = combos.map((params) => runBacktest(bars, MA, { params }).equity);
  const noTrades = {
    count: 0,
    pnl: new Float64Array(0),
    ret: new Float64Array(0),
    duration: new Float64Array(0),
    covered: 0,
  };
  const best = (fn: () => void) => {
    let b = Infinity;
    for (let i = 0; i < 7; i++) {
      const t0 = performance.now();
      fn();
      if (i >= 2) b = Math.min(b, (performance.now() - t0) / 1000);
    }
    return b;
  };
  const rows = best(() => {
    for (const p of combos) runs.stats(p);
  });
  const curveOnly = best(() => {
    for (const equity of curves) {
      statsOf({
        dates: bars.dates,
        equity,
        commissions: 0,
        buyHoldReturn: 0,
        market: bars.close,
      }, noTrades);
    }
  });
  return { rows, curveOnly, count: combos.length };
}

const SWEEP_ARGS = [
  "--csv",
  CSV,
  "--strategy",
  "ma-crossover",
  "--sweep",
  "fast=5:50:1,slow=20:200:10",
  "--json",
];

/**
 * Whole-process wall time of a `deno` command, median and best of 7 (from the
 * shell's view), and the sweep rows it printed (0 when it prints no sweep).
 */
async function cliSweep(
  args: string[],
): Promise<{ seconds: number; best: number; runs: number }> {
  const times: number[] = [];
  let runs = 0;
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    const out = await new Deno.Command(Deno.execPath(), {
      args,
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    times.push((performance.now() - t0) / 1000);
    if (out.code !== 0) {
      throw new Error(`CLI sweep failed: ${new TextDecoder().decode(out.stderr)}`);
    }
    const text = new TextDecoder().decode(out.stdout);
    runs = text.startsWith("{") ? JSON.parse(text).sweep.rows.length : 0;
  }
  times.sort((a, b) => a - b);
  return { seconds: times[3]!, best: times[0]!, runs };
}

/**
 * Runs the bench and writes bench/results/backtest.json.
 *
 * @param _args Unused.
 * @returns Nothing.
 */
export async function run(_args: string[]): Promise<void> {
  writeCsv(CSV, 2148);
  const bars = await readCsvBars(CSV, { symbol: "GOOG" });
  const big = synthetic(1_000_000, 7);
  const bigBars = new PlainBars({ symbol: "BIG", ...big });

  const r2148 = asxlabRun(bars);
  const tSmall = time(() => asxlabRun(bars), 1000, 300);
  const tBig = time(() => asxlabRun(bigBars), 9, 2);
  const OnBar = OnBarCrossover as unknown as StrategyClass;
  const tOnBar = time(() => asxlabRun(bars, OnBar), 1000, 300);
  const tOnBarBig = time(() => asxlabRun(bigBars, OnBar), 9, 2);
  const smaF = sma(bars.close, PARAMS.fast), smaS = sma(bars.close, PARAMS.slow);
  const tBare = time(() => bareRun(bars.close, bars.open, smaF, smaS), 1000, 300);
  const bigTrades = asxlabRun(bigBars).stats["# Trades"];

  const grid = { fast: range(5, 54), slow: range(60, 250, 10) };
  const t0 = performance.now();
  const sw = await sweep(bars, MA, grid, { ...OPTIONS, workers: 0 });
  const tSweep = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  const swW = await sweep(bars, MA, grid, {
    ...OPTIONS,
    workers: navigator.hardwareConcurrency || 2,
  });
  const tSweepW = (performance.now() - t1) / 1000;

  const cli = await cliSweep(["task", "-q", "backtest", ...SWEEP_ARGS]);
  const cliRun = await cliSweep(["run", "--allow-all", "src/cli/backtest.ts", ...SWEEP_ARGS]);
  // What the goal's 0.1 s has to fit in: Deno's own start through a task and as a
  // plain run (no asxlab code), and the same CLI sweeping a single combination.
  const empty = `${BUILD}/empty.ts`;
  Deno.writeTextFileSync(empty, "\n");
  const floorTask = await cliSweep(["task", "-q", "--eval", "echo"]);
  const floorRun = await cliSweep(["run", empty]);
  const one = SWEEP_ARGS.map((a) => a === "fast=5:50:1,slow=20:200:10" ? "fast=5,slow=20" : a);
  const cliOne = await cliSweep(["task", "-q", "backtest", ...one]);
  // The goal's command exactly as the issue writes it: no --json, a stats table and the top 10.
  const cliTable = await cliSweep(["task", "-q", "backtest", ...SWEEP_ARGS.slice(0, -1)]);
  const warm = warmRows(bars);

  const gmTrades = grademarkRun(bars);
  const tGm = time(() => grademarkRun(bars), 5, 1);
  const naiveTrades = naiveRun(bars);
  const tNaive = time(() => naiveRun(bars), 20, 2);

  const perSec = (n: number, s: number) => Math.round(n / s);
  const results = {
    date: new Date().toISOString(),
    machine: {
      cores: navigator.hardwareConcurrency,
      loadavg: Deno.loadavg(),
      deno: Deno.version.deno,
      note: "shared 2-core machine; other jobs were running, so absolute figures are conservative",
    },
    series: {
      csv: "bench/.build/goog_like_2148.csv (seeded geometric random walk)",
      bars: bars.length,
    },
    strategy: "MovingAverageCrossover fast=10 slow=30, all-in, commission 0.1 %, full stats",
    asxlab: {
      run2148: {
        secondsPerRun: tSmall,
        barsPerSecond: perSec(2148, tSmall),
        trades: r2148.stats["# Trades"],
      },
      run1M: { secondsPerRun: tBig, barsPerSecond: perSec(1_000_000, tBig), trades: bigTrades },
      onBarPath: {
        what: "the same runs with onBar called on every bar (the engine's general loop)",
        run2148: { secondsPerRun: tOnBar, barsPerSecond: perSec(2148, tOnBar) },
        run1M: { secondsPerRun: tOnBarBig, barsPerSecond: perSec(1_000_000, tOnBarBig) },
      },
      sweep1000: {
        runs: sw.rows.length,
        seconds: tSweep,
        runsPerSecond: perSec(sw.rows.length, tSweep),
      },
      sweep1000Workers: {
        workers: swW.workers,
        seconds: tSweepW,
        runsPerSecond: perSec(swW.rows.length, tSweepW),
      },
      cliSweep810: {
        command:
          "deno task -q backtest --csv bench/.build/goog_like_2148.csv --strategy ma-crossover --sweep fast=5:50:1,slow=20:200:10 --json",
        runs: cli.runs,
        wallSecondsMedianOf7: cli.seconds,
        wallSecondsBestOf7: cli.best,
        asWrittenWithoutJson: {
          command: "the same without --json (a stats table and the top 10 rows)",
          wallSecondsMedianOf7: cliTable.seconds,
          wallSecondsBestOf7: cliTable.best,
        },
        asDenoRun: {
          command: "deno run --allow-all src/cli/backtest.ts <same flags>",
          wallSecondsMedianOf7: cliRun.seconds,
          wallSecondsBestOf7: cliRun.best,
        },
        floor: {
          what:
            "Deno's start with no asxlab code (a task running echo; deno run of an empty file), and the CLI sweeping one combination, same run",
          taskEchoBestOf7: floorTask.best,
          denoRunEmptyBestOf7: floorRun.best,
          cliSweepOneCombinationBestOf7: cliOne.best,
          cliSweepOneCombinationMedianOf7: cliOne.seconds,
          warmRows810: {
            what:
              "the 810 stats-only rows in this process with warm code (best of 5), and statsOf's curve pass alone over the same 810 equity curves",
            rows: warm.count,
            rowsSeconds: warm.rows,
            curveStatsOnlySeconds: warm.curveOnly,
          },
          lowerBoundSeconds: {
            what:
              "CLI sweeping one combination (best) + the 810 rows at warm speed: the whole process if every row ran at warm speed from the first (and with the curve statistics alone)",
            withWarmRows: +(cliOne.best + warm.rows).toFixed(4),
            withCurveStatsOnly: +(cliOne.best + warm.curveOnly).toFixed(4),
          },
        },
      },
    },
    bareLoop: {
      what:
        "the same crossover over precomputed SMAs in a bare typed-array loop (no orders, trades or stats), same run",
      secondsPerRun: tBare,
      barsPerSecond: perSec(2148, tBare),
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
      asxlabShareOfBareLoopSpeed: +(tBare / tSmall).toFixed(3),
      asxlabVsGrademark: +(tGm / tSmall).toFixed(1),
      asxlabVsNaive: +(tNaive / tSmall).toFixed(1),
      signalLoopVsOnBar: +(tOnBar / tSmall).toFixed(2),
      cliSweepVsBacktestingPyOptimize: +(10 / cli.seconds).toFixed(1),
      cliSweepBestVsBacktestingPyOptimize: +(10 / cli.best).toFixed(1),
    },
    reference:
      "backtesting.py (not installable here): 20-44 ms per 2,148-bar run; optimize of the 810-run grid ≈ 10 s",
  };
  Deno.mkdirSync(`${ROOT}bench/results`, { recursive: true });
  Deno.writeTextFileSync(
    `${ROOT}bench/results/backtest.json`,
    JSON.stringify(results, null, 2) + "\n",
  );
  const m = (x: number) => (x / 1e6).toFixed(2);
  console.log(
    `asxlab 2,148 bars:  ${(tSmall * 1e3).toFixed(3)} ms/run  ${
      m(results.asxlab.run2148.barsPerSecond)
    } M bars/s`,
  );
  console.log(
    `asxlab 1 M bars:    ${(tBig * 1e3).toFixed(1)} ms/run  ${
      m(results.asxlab.run1M.barsPerSecond)
    } M bars/s`,
  );
  console.log(
    `onBar path:         ${m(results.asxlab.onBarPath.run2148.barsPerSecond)} M bars/s (2,148), ${
      m(results.asxlab.onBarPath.run1M.barsPerSecond)
    } M bars/s (1 M)`,
  );
  console.log(
    `asxlab sweep 1000:  ${
      tSweep.toFixed(3)
    } s  ${results.asxlab.sweep1000.runsPerSecond} runs/s (in-process)`,
  );
  console.log(
    `asxlab sweep 1000:  ${
      tSweepW.toFixed(3)
    } s  ${results.asxlab.sweep1000Workers.runsPerSecond} runs/s (${swW.workers} workers)`,
  );
  console.log(
    `CLI sweep (810):    ${cli.seconds.toFixed(3)} s wall median, ${
      cli.best.toFixed(3)
    } s best of 7 (deno task); deno run: ${cliRun.seconds.toFixed(3)} median, ${
      cliRun.best.toFixed(3)
    } best`,
  );
  console.log(
    `floor:              task echo ${floorTask.best.toFixed(3)} s, deno run empty ${
      floorRun.best.toFixed(3)
    } s, CLI sweep of 1 combination ${cliOne.best.toFixed(3)} s (best of 7)`,
  );
  console.log(
    `810 rows, warm:     ${(warm.rows * 1e3).toFixed(1)} ms (curve stats alone ${
      (warm.curveOnly * 1e3).toFixed(1)
    } ms); without --json the CLI sweep takes ${cliTable.best.toFixed(3)} s best, ${
      cliTable.seconds.toFixed(3)
    } s median`,
  );
  console.log(
    `bare loop 2,148:    ${(tBare * 1e3).toFixed(3)} ms/run  ${
      m(results.bareLoop.barsPerSecond)
    } M bars/s (asxlab at ${(100 * tBare / tSmall).toFixed(1)} % of it)`,
  );
  console.log(
    `grademark 2,148:    ${(tGm * 1e3).toFixed(1)} ms/run  ${
      m(results.peers.grademark.barsPerSecond)
    } M bars/s`,
  );
  console.log(
    `naive 2,148:        ${(tNaive * 1e3).toFixed(2)} ms/run  ${
      m(results.peers.naive.barsPerSecond)
    } M bars/s`,
  );
  console.log(`ratios: ${JSON.stringify(results.ratios)}`);
}
