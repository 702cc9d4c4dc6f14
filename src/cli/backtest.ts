/**
 * `deno task backtest`: runs a strategy (or a parameter sweep) over the shipped
 * sample lake, another lake, or a CSV, and prints the stats table (or JSON).
 *
 * ```sh
 * deno task backtest                                   # MA crossover on the sample's CBA.AX
 * deno task backtest --symbols BHP,CBA --strategy rsi-mean-reversion --commission 0.001 --min-fee 10
 * deno task backtest --csv GOOG.csv --strategy ma-crossover --sweep fast=5:50:1,slow=20:200:10 --json
 * deno task backtest --symbols BHP --out report.html         # stats, the chart with its trades, the trades
 * ```
 *
 * Thin by design: flags become library calls. With `--csv` the lake (and
 * apache-arrow) is never loaded, so whole-process sweeps start fast.
 *
 * @module
 */

import { type CsvDateFormat, readCsvBarsWith } from "../core/csv_bars.ts";
import { type BarsLike, PlainBars } from "../core/plain_bars.ts";
import { adjusted } from "../core/adjusted.ts";
import { resolveRange } from "../core/dates.ts";
import { didYouMean } from "../core/_did_you_mean.ts";
import { ConfigError } from "../core/errors.ts";
import { toYahooSymbol } from "../core/symbol.ts";
import { Backtest, type BacktestOptions, type Benchmark, type Grid } from "../backtest/backtest.ts";
import { alignDecimals, statsText, statValue } from "../backtest/_display.ts";
import { combinations, range } from "../backtest/_sweep.ts";
import { isNumericStat, type NumericStatKey, STAT_KEYS } from "../backtest/metrics.ts";
import type { BacktestResult, SweepResult } from "../backtest/result.ts";
import {
  mergeParams,
  type ParamValue,
  type StrategyClass,
  strategyName,
} from "../backtest/strategy.ts";
import { STRATEGIES } from "../backtest/strategies/mod.ts";
import { cliPath, formatRows, runCli } from "./_cli.ts";
import { type FlagValues, parseFlags } from "./_flags.ts";

const USAGE = `usage: deno task backtest [flags]

  --strategy NAME|FILE.json  ma-crossover (default), rsi-mean-reversion, golden-cross, buy-hold,
                             breakout, or a composite JSON file
  --symbols BHP,CBA          ASX codes, with or without .AX (default: CBA.AX)
  --start-date YYYY-MM-DD    first date (inclusive)
  --end-date YYYY-MM-DD      last date (inclusive)
  --initial-capital N        starting cash (default 100000)
  --commission F             fraction of traded value, e.g. 0.001 (default 0)
  --min-fee N                minimum fee per fill, e.g. 10 (default 0)
  --slippage F               fraction of price against the trader (default 0)
  --spread F                 the whole bid/ask spread as a fraction, paid once per round trip at entry (default 0)
  --size F                   fraction of equity per order, in (0, 1] (default 1: all-in)
  --fill-on open|close       market orders fill at the next open (default) or this close
  --keep-open                leave trades open at the end (not in trade statistics)
  --params k=v,k=v           strategy parameters, e.g. fast=10,slow=30
  --sweep k=a:b:s,k=v|v      sweep parameters (ranges inclusive, or |-separated values)
  --maximize "STAT"          stat the sweep maximises (default "Sharpe Ratio")
  --workers N|auto           sweep workers (default auto)
  --benchmark SYM|none       Alpha/Beta benchmark from the lake (default ^AXJO when present)
  --lake URI                 lake to read (default: the shipped sample in data-cache/lake)
  --engine wasm|native       the lake's query engine (default wasm; native: @duckdb/node-api)
  --csv FILE                 read bars from a Date,Open,High,Low,Close,Volume CSV instead of a lake
  --adjusted                 trade adjusted prices: open, high, low and close scaled by adjusted
                             close / close on each bar (splits and dividends), volume as traded;
                             a --csv file needs an Adj Close column
  --date-format FORMAT       with --csv: YYYY-MM-DD, DD/MM/YYYY or MM/DD/YYYY (default: detected)
  --json                     print {"stats", "trades", "equity"} as JSON on stdout
  --out FILE.html|FILE.json  write the report: .html is one offline page (stats, the chart of each
                             traded symbol with its trades, the trades), .json the --json output;
                             a relative path is relative to the directory you ran the task from
  -h, --help                 this help`;

const FLAGS = {
  strategy: { type: "string" },
  symbols: { type: "string" },
  "start-date": { type: "string" },
  "end-date": { type: "string" },
  "initial-capital": { type: "string" },
  commission: { type: "string" },
  "min-fee": { type: "string" },
  slippage: { type: "string" },
  spread: { type: "string" },
  size: { type: "string" },
  "fill-on": { type: "string" },
  "keep-open": { type: "boolean" },
  params: { type: "string" },
  sweep: { type: "string" },
  maximize: { type: "string" },
  workers: { type: "string" },
  benchmark: { type: "string" },
  lake: { type: "string" },
  engine: { type: "string" },
  csv: { type: "string" },
  adjusted: { type: "boolean" },
  "date-format": { type: "string" },
  json: { type: "boolean" },
  out: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

type Values = FlagValues<typeof FLAGS>;

function parse(args: string[]): Values {
  return parseFlags(args, FLAGS, {
    suggest: didYouMean,
    positionalHint: ": every value needs its flag, e.g. --symbols BHP",
  }).values;
}

function num(
  values: Values,
  flag: keyof typeof FLAGS,
  lo: number,
  hi: number,
  what: string,
): number | undefined {
  const text = values[flag] as string | undefined;
  if (text === undefined) return undefined;
  const v = Number(text);
  if (text.trim() === "" || !Number.isFinite(v) || v < lo || v > hi) {
    throw new ConfigError(`Invalid --${flag} "${text}": expected ${what}`);
  }
  return v;
}

function paramValue(text: string): ParamValue {
  if (text === "true" || text === "false") return text === "true";
  const v = Number(text);
  return text.trim() !== "" && Number.isFinite(v) ? v : text;
}

function parseParams(text: string): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const part of text.split(",")) {
    const m = /^\s*([A-Za-z_][\w]*)\s*=\s*(.+?)\s*$/.exec(part);
    if (!m) {
      throw new ConfigError(
        `Invalid --params "${text}": expected name=value pairs like fast=10,slow=30`,
      );
    }
    out[m[1]!] = paramValue(m[2]!);
  }
  return out;
}

function parseGrid(text: string): Grid {
  const grid: Grid = {};
  for (const part of text.split(",")) {
    const m = /^\s*([A-Za-z_][\w]*)\s*=\s*(.+?)\s*$/.exec(part);
    if (!m) {
      throw new ConfigError(
        `Invalid --sweep "${text}": expected name=start:stop:step pairs like fast=5:50:5`,
      );
    }
    const [, name, spec] = m as unknown as [string, string, string];
    if (spec.includes(":")) {
      const bits = spec.split(":").map(Number);
      if (bits.length < 2 || bits.length > 3 || bits.some((b) => !Number.isFinite(b))) {
        throw new ConfigError(
          `Invalid --sweep range "${name}=${spec}": expected start:stop[:step] numbers`,
        );
      }
      try {
        grid[name] = range(bits[0]!, bits[1]!, bits[2] ?? 1);
      } catch (err) {
        throw new ConfigError(`Invalid --sweep range "${name}=${spec}": ${(err as Error).message}`);
      }
    } else grid[name] = spec.split("|").map(paramValue);
  }
  return grid;
}

async function loadStrategy(name: string): Promise<StrategyClass> {
  const builtin = STRATEGIES[name];
  if (builtin) return builtin;
  if (name.endsWith(".json")) {
    let text: string;
    try {
      text = await Deno.readTextFile(name);
    } catch (err) {
      throw new ConfigError(`Cannot read strategy file "${name}": ${(err as Error).message}`);
    }
    let spec: unknown;
    try {
      spec = JSON.parse(text);
    } catch (err) {
      throw new ConfigError(`Strategy file "${name}" is not valid JSON: ${(err as Error).message}`);
    }
    // Loaded only for JSON strategies. The URL specifier is deliberate: Deno cannot
    // analyse it, so it does not load the module at start-up (see dynamicImport).
    const { compositeStrategy } = await dynamicImport<typeof import("../backtest/composite.ts")>(
      "../backtest/composite.ts",
    );
    return compositeStrategy(spec);
  }
  const names = Object.keys(STRATEGIES);
  throw new ConfigError(
    `Unknown strategy "${name}"${didYouMean(name, names)}; expected one of ${
      names.join(", ")
    } or a .json file`,
  );
}

/** Keeps the rows of each symbol whose dates fall in [start, end]. */
function sliceDates(bars: BarsLike, start: number, end: number): PlainBars {
  const ranges: [string, number, number][] = [];
  const keep: number[] = [];
  for (const [symbol, [s, e]] of bars.ranges()) {
    const from = keep.length;
    for (let i = s; i < e; i++) if (bars.dates[i]! >= start && bars.dates[i]! <= end) keep.push(i);
    if (keep.length > from) ranges.push([symbol, from, keep.length]);
  }
  const take = (a: Float64Array) => Float64Array.from(keep, (i) => a[i]!);
  return new PlainBars({
    symbol: ranges,
    dates: Int32Array.from(keep, (i) => bars.dates[i]!),
    open: take(bars.open),
    high: take(bars.high),
    low: take(bars.low),
    close: take(bars.close),
    volume: take(bars.volume),
  });
}

/**
 * Imports a module of this package only when called. A literal `import("…")` is
 * statically analysable, so Deno builds its whole module graph before `main` runs:
 * for `../lake/lake.ts` that is apache-arrow and DuckDB, about 80 ms of every start-up
 * even for `--csv` runs that never open a lake. A computed URL is not analysed; the
 * type parameter (a type-only import, erased at run time) keeps the result checked.
 */
function dynamicImport<M>(relative: string): Promise<M> {
  return import(new URL(relative, import.meta.url).href) as Promise<M>;
}

interface Loaded {
  bars: BarsLike;
  benchmark?: Benchmark;
  source: string;
}

async function loadBars(values: Values): Promise<Loaded> {
  const rangeText = { start: values["start-date"], end: values["end-date"] };
  const [start, end] = resolveRange(rangeText);
  const span = `${rangeText.start ?? "the start"} to ${rangeText.end ?? "the end"}`;
  if (values.csv !== undefined) {
    if (values.lake !== undefined) throw new ConfigError(`Use either --csv or --lake, not both`);
    if (values.engine !== undefined) {
      throw new ConfigError(`--engine chooses the lake's engine; a --csv run reads no lake`);
    }
  } else if (values["date-format"] !== undefined) {
    throw new ConfigError(`--date-format applies to --csv files; a lake's dates need none`);
  }
  if (values.csv !== undefined) {
    const symbol = values.symbols !== undefined
      ? values.symbols.split(",")[0]!.trim().toUpperCase()
      : undefined;
    const dateFormat = values["date-format"];
    if (
      dateFormat !== undefined && !["YYYY-MM-DD", "DD/MM/YYYY", "MM/DD/YYYY"].includes(dateFormat)
    ) {
      throw new ConfigError(
        `Invalid --date-format "${dateFormat}": expected YYYY-MM-DD, DD/MM/YYYY or MM/DD/YYYY`,
      );
    }
    // Deno's own file read: node:fs would be the --csv start-up's only node: builtin (~20 ms).
    let bars: BarsLike = await readCsvBarsWith(Deno.readTextFile, values.csv, {
      ...(symbol ? { symbol } : {}),
      adjusted: values.adjusted ?? false,
      dateFormat: dateFormat as CsvDateFormat | undefined,
      onNote: (note) => console.error(`note: ${note}`),
    });
    if (start > -Infinity || end < Infinity) bars = sliceDates(bars, start, end);
    if (bars.length === 0) throw new ConfigError(`No bars in "${values.csv}" from ${span}`);
    return { bars, source: values.csv };
  }
  const { openLake } = await dynamicImport<typeof import("../lake/lake.ts")>("../lake/lake.ts");
  const engine = values.engine;
  if (engine !== undefined && engine !== "wasm" && engine !== "native") {
    throw new ConfigError(`Unknown engine "${engine}": expected wasm or native`);
  }
  const lake = await openLake(values.lake, engine ? { engine } : {});
  try {
    // The lake's symbol list costs a scan of every file: it is read only to explain
    // a symbol that came back without bars.
    let held: string[] | undefined;
    const available = async () => held ??= await lake.symbols();
    const wanted = (values.symbols ?? "CBA").split(",").filter((s) => s.trim() !== "").map(
      toYahooSymbol,
    );
    if (wanted.length === 0) {
      throw new ConfigError(`Invalid --symbols "${values.symbols}": no symbol given`);
    }
    const range = { start: rangeText.start, end: rangeText.end };
    const loaded = await lake.loadSymbols(wanted, range);
    const found = loaded.ranges();
    if (wanted.some((s) => !found.has(s))) {
      const all = await available();
      for (const s of wanted) {
        if (!all.includes(s)) {
          throw new ConfigError(
            `Unknown symbol "${s}" in the lake${
              didYouMean(s, all)
            }; it holds ${all.length} symbols, e.g. ${all.slice(0, 8).join(", ")}`,
          );
        }
      }
      if (loaded.length === 0) {
        throw new ConfigError(`No bars for ${wanted.join(", ")} from ${span}`);
      }
      for (const s of wanted) {
        if (!found.has(s)) throw new ConfigError(`No bars for "${s}" from ${span}`);
      }
    }
    let benchmark: Benchmark | undefined;
    const bench = values.benchmark ?? "^AXJO";
    if (bench !== "none") {
      const sym = bench.startsWith("^") ? bench.toUpperCase() : toYahooSymbol(bench);
      const b = await lake.loadSymbols([sym], range);
      const close = values.adjusted ? b.adjustedClose : b.close; // one basis for both
      if (b.length > 0) benchmark = { symbol: sym, dates: b.dates.slice(), close: close.slice() };
      else if (values.benchmark !== undefined) {
        // Asked for by name: unknown is an error; known but without bars in the range is no benchmark.
        const all = await available();
        if (!all.includes(sym)) {
          throw new ConfigError(`Unknown benchmark "${sym}" in the lake${didYouMean(sym, all)}`);
        }
      }
    }
    const bars = values.adjusted ? adjusted(loaded) : loaded;
    return { bars, benchmark, source: values.lake ?? "the sample lake" };
  } finally {
    await lake.close();
  }
}

/**
 * Where `--out` writes (already resolved by `cliPath`) and in which form, checked
 * before any bars load.
 *
 * @throws {ConfigError} When the name ends in neither .html nor .json.
 */
function reportTarget(text: string): { path: string; html: boolean } {
  const ext = /\.(html?|json)$/i.exec(text)?.[1]?.toLowerCase();
  if (!ext) {
    throw new ConfigError(
      `Invalid --out "${text}": name a .html file (the report page) or a .json file`,
    );
  }
  return { path: text, html: ext !== "json" };
}

/** The JSON report: the run's own, plus the sweep when there was one. */
function jsonReport(r: BacktestResult, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ ...r.toJSON(), ...extra });
}

/** Writes a line to stdout in one buffer (far cheaper than console.log for a large report). */
function printLine(text: string): void {
  const bytes = new TextEncoder().encode(text + "\n");
  for (let off = 0; off < bytes.length;) off += Deno.stdout.writeSync(bytes.subarray(off));
}

async function main(args: string[]): Promise<number> {
  const values = parse(args);
  for (const f of ["csv", "lake", "out"] as const) if (values[f]) values[f] = cliPath(values[f]);
  if (values.strategy?.endsWith(".json")) values.strategy = cliPath(values.strategy);
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const options: BacktestOptions = {
    cash: num(values, "initial-capital", Number.MIN_VALUE, Infinity, "a positive amount of cash"),
    commission: num(values, "commission", 0, 1, "a fraction of traded value in [0, 1], e.g. 0.001"),
    minFee: num(values, "min-fee", 0, Infinity, "a fee ≥ 0, e.g. 10"),
    slippage: num(values, "slippage", 0, 1, "a fraction of price in [0, 1], e.g. 0.0005"),
    spread: num(values, "spread", 0, 1, "a fraction of price in [0, 1], e.g. 0.001"),
    size: num(values, "size", Number.MIN_VALUE, 1, "a fraction of equity in (0, 1]"),
    keepOpen: values["keep-open"] ?? false,
  };
  const fillOn = values["fill-on"];
  if (fillOn !== undefined) {
    if (fillOn !== "open" && fillOn !== "close") {
      throw new ConfigError(`Invalid --fill-on "${fillOn}": expected open or close`);
    }
    options.fillOn = fillOn;
  }
  const maximize = (values.maximize ?? "Sharpe Ratio") as NumericStatKey;
  if (!isNumericStat(maximize)) {
    throw new ConfigError(
      `Invalid --maximize "${maximize}": not a numeric stat${didYouMean(maximize, STAT_KEYS)}`,
    );
  }
  let workers: number | "auto" = "auto";
  if (values.workers !== undefined && values.workers !== "auto") {
    workers = num(values, "workers", 0, 256, "a number of workers ≥ 0 or auto")!;
  }
  const out = values.out === undefined ? undefined : reportTarget(values.out);
  const Strat = await loadStrategy(values.strategy ?? "ma-crossover");
  const params = values.params !== undefined ? parseParams(values.params) : {};
  const grid = values.sweep !== undefined ? parseGrid(values.sweep) : undefined;
  // Parameters and sweep specs are checked before any bars load (a lake takes seconds).
  const probe = new Strat();
  const name = strategyName(Strat);
  if (grid) combinations(name, probe, grid, params);
  else mergeParams(name, probe.params, params, (q) => probe.validate(q));
  const { bars, benchmark, source } = await loadBars(values);
  if (benchmark) options.benchmark = benchmark;
  const bt = new Backtest(bars, Strat, options);

  let result: BacktestResult;
  let swept: SweepResult | undefined;
  if (grid) {
    const progress = !values.json && Deno.stderr.isTerminal();
    const enc = new TextEncoder();
    swept = await bt.optimize({
      grid,
      params,
      maximize,
      workers,
      onProgress: progress
        ? (d, t) => Deno.stderr.writeSync(enc.encode(`\rsweep ${d}/${t}`))
        : undefined,
    });
    if (progress) Deno.stderr.writeSync(enc.encode("\r\x1b[K"));
    result = swept.best;
  } else {
    result = bt.run(params);
  }
  for (const note of result.notes) console.error(`note: ${note}`);

  const extra = swept
    ? {
      sweep: {
        maximize: swept.maximize,
        skipped: swept.skipped,
        rows: swept.rows.map((r) => ({ ...r.params, ...r.stats })),
      },
    }
    : {};
  const basis = (benchmark ? `, benchmark ${benchmark.symbol}` : "") +
    (values.adjusted ? ", adjusted prices" : "");
  if (out?.html) {
    const { backtestReport, saveHtml } = await dynamicImport<typeof import("../plot/mod.ts")>(
      "../plot/mod.ts",
    );
    const subtitle = `${source}${basis} · deno task backtest ${args.join(" ")}`;
    try {
      await saveHtml(backtestReport(result, bars, { subtitle, sweep: swept }), out.path);
    } catch (err) {
      throw new ConfigError((err as Error).message);
    }
  } else if (out) {
    try {
      await Deno.writeTextFile(out.path, jsonReport(result, extra));
    } catch (err) {
      throw new ConfigError(`Cannot write the report to "${out.path}": ${(err as Error).message}`);
    }
  }
  if (values.json) {
    printLine(jsonReport(result, extra));
    return 0;
  }
  console.log(result.title + basis);
  console.log("");
  console.log(statsText(result.stats));
  if (swept) {
    const keys = Object.keys(grid!);
    const top = swept.sortBy(maximize).slice(0, 10);
    console.log("");
    console.log(
      `Sweep: ${swept.rows.length} runs (${swept.skipped} skipped by the constraint), top 10 by ${maximize}:`,
    );
    const cols = [...keys, maximize, "Return [%]", "Max. Drawdown [%]", "# Trades"] as string[];
    const cells = cols.map((c) =>
      alignDecimals(
        top.map((r) =>
          keys.includes(c) ? String(r.params[c]) : statValue(c, r.stats[c as NumericStatKey])
        ),
      )
    );
    console.log(formatRows(cols, top.map((_, k) => cols.map((_, j) => cells[j]![k]!))));
  }
  if (out) console.log(`\nReport written to ${out.path}`);
  return 0;
}

if (import.meta.main) await runCli(() => main(Deno.args));
