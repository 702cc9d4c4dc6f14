/** The CLI as a whole process: stdout, stderr and exit codes. */
import { deepStrictEqual as eq, ok } from "node:assert";
import { fileURLToPath } from "node:url";
import { runScript } from "../helpers/run_cli.ts";

const CLI = fileURLToPath(new URL("../../src/cli/backtest.ts", import.meta.url));
const CSV = fileURLToPath(new URL("../fixtures/backtest/goog_like_600.csv", import.meta.url));

const run = (...args: string[]) => runScript(CLI, ...args);

Deno.test("cli --csv prints the stats table", async () => {
  const r = await run("--csv", CSV, "--params", "fast=10,slow=30", "--commission", "0.002");
  eq([r.code, r.stderr], [0, ""]);
  ok(r.stdout.startsWith("MovingAverageCrossover(fast=10, slow=30, short=false) on GOOG_LIKE_600"));
  ok(/Sharpe Ratio\s+0\.898998/.test(r.stdout), r.stdout);
  ok(/# Trades\s+9\n/.test(r.stdout));
});

Deno.test("cli --json prints only JSON with stats, trades and equity", async () => {
  const r = await run(
    "--csv",
    CSV,
    "--params",
    "fast=10,slow=30",
    "--commission",
    "0.002",
    "--json",
  );
  eq(r.code, 0);
  const j = JSON.parse(r.stdout);
  eq(j.stats["# Trades"], 9);
  eq(j.stats["Equity Final [$]"], 133380.3857568);
  eq(j.trades.length, 9);
  eq(j.equity.length, 600);
  eq(Object.keys(j.equity[0]), ["date", "equity", "drawdown"]);
});

Deno.test("cli --sweep --json holds the best run plus the sweep table", async () => {
  const r = await run(
    "--csv",
    CSV,
    "--sweep",
    "fast=5:15:5,slow=20:40:10",
    "--maximize",
    "Return [%]",
    "--json",
  );
  eq(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  eq(j.sweep.rows.length, 9);
  eq(j.sweep.maximize, "Return [%]");
  const best = Math.max(...j.sweep.rows.map((x: Record<string, number>) => x["Return [%]"]));
  eq(j.stats["Return [%]"], best);
  const table = await run("--csv", CSV, "--sweep", "fast=5:15:5,slow=20:40:10");
  ok(table.stdout.includes("Sweep: 9 runs (0 skipped by the constraint), top 10 by Sharpe Ratio"));
});

Deno.test("cli: bad input is one line on stderr and exit code 2", async () => {
  const cases: [string[], RegExp][] = [
    [["--fsat", "3"], /^error: Unknown flag "--fsat"/],
    [["--csv", CSV, "--params", "fsat=3"], /did you mean "fast"/],
    [
      ["--csv", CSV, "--start-date", "2006-01-01", "--end-date", "2005-01-01"],
      /start "2006-01-01" is after end/,
    ],
    [["--csv", CSV, "--start-date", "2030-01-01"], /No bars in/],
    [["--csv", CSV, "--commission", "abc"], /Invalid --commission "abc"/],
    [["--csv", CSV, "--strategy", "ma-crosover"], /did you mean "ma-crossover"/],
    [["--csv", CSV, "--fill-on", "noon"], /Invalid --fill-on "noon"/],
    [["--csv", "/nonexistent.csv"], /Cannot read bars from "\/nonexistent.csv"/],
    [["--csv", CSV, "--sweep", "fast=50:5:1"], /Invalid --sweep range/],
    [
      ["--csv", CSV, "--sweep", "fast=5:10:5", "--maximize", "Sharpe"],
      /not a numeric stat \(did you mean "Sharpe Ratio"\?\)$/,
    ],
    [
      ["--csv", CSV, "--sweep", "fast=5:10:5", "--maximize", "return"],
      /\(did you mean "Return \[%\]" or "Return \(Ann\.\) \[%\]"\?\)$/,
    ],
  ];
  for (const [args, pattern] of cases) {
    const r = await run(...args);
    eq(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    eq(r.stdout, "");
    const lines = r.stderr.trimEnd().split("\n");
    eq(lines.length, 1, r.stderr);
    ok(pattern.test(lines[0]!), `${args.join(" ")}: ${lines[0]}`);
  }
});

Deno.test("cli with no flags runs MA crossover on the sample lake's CBA.AX against ^AXJO", async () => {
  const r = await run();
  eq(r.code, 0, r.stderr);
  ok(
    r.stdout.startsWith(
      "MovingAverageCrossover(fast=20, slow=50, short=false) on CBA.AX, benchmark ^AXJO",
    ),
    r.stdout,
  );
  ok(/\n# Trades\s+\d+\n/.test(r.stdout));
  const bad = await run("--symbols", "CBA,NOPE9");
  eq(bad.code, 2);
  ok(/^error: Unknown symbol "NOPE9.AX" in the lake/.test(bad.stderr), bad.stderr);
});

Deno.test("cli on the lake: unknown or empty symbols and benchmarks get one-line messages", async () => {
  const cases: [string[], string][] = [
    [["--symbols", "NOPE9"], 'error: Unknown symbol "NOPE9.AX" in the lake'],
    [
      ["--symbols", "CBA", "--start-date", "2030-01-01"],
      "error: No bars for CBA.AX from 2030-01-01",
    ],
    [
      ["--symbols", "CBA,BHP", "--end-date", "1990-01-01"],
      "error: No bars for CBA.AX, BHP.AX from",
    ],
    [
      ["--benchmark", "^AXJP"],
      'error: Unknown benchmark "^AXJP" in the lake (did you mean "^AXJO"?)',
    ],
  ];
  for (const [args, prefix] of cases) {
    const r = await run(...args);
    eq([r.code, r.stdout], [2, ""], `${args.join(" ")}: ${r.stderr}`);
    ok(r.stderr.startsWith(prefix) && r.stderr.trimEnd().split("\n").length === 1, r.stderr);
  }
  // Without a benchmark the description says none; a known benchmark with no bars in the range is none too.
  const plain = await run("--benchmark", "none");
  eq(plain.code, 0, plain.stderr);
  ok(plain.stdout.startsWith("MovingAverageCrossover(fast=20, slow=50, short=false) on CBA.AX\n"));
});

Deno.test("cli: malformed flags get exact one-line messages and exit code 2", async () => {
  const cases: [string[], string][] = [
    [["--fsat", "3"], 'Unknown flag "--fsat"; see --help'],
    [["--JSON"], 'Unknown flag "--JSON" (did you mean "--json"?); see --help'],
    [["--sweeep=fast=5:9"], 'Unknown flag "--sweeep" (did you mean "--sweep"?); see --help'],
    [["-x"], 'Unknown flag "-x"; see --help'],
    [
      ["--csv", CSV, "extra"],
      'Unexpected argument "extra": every value needs its flag, e.g. --symbols BHP; see --help',
    ],
    [["--csv"], "Missing value for --csv; see --help"],
    [
      ["--commission", "-1"],
      'Missing value for --commission: "-1" looks like a flag (write --commission=-1 if it is the value); see --help',
    ],
    [["--json=yes"], 'Flag --json takes no value, got "--json=yes"; see --help'],
  ];
  for (const [args, message] of cases) {
    const r = await run(...args);
    eq([r.code, r.stdout, r.stderr], [2, "", `error: ${message}\n`], args.join(" "));
  }
});

Deno.test("cli --help prints the usage and exits 0; flags given with = work too", async () => {
  for (const flag of ["--help", "-h"]) {
    const r = await run(flag);
    eq([r.code, r.stderr], [0, ""]);
    ok(r.stdout.startsWith("usage: deno task backtest [flags]\n"), r.stdout);
  }
  const r = await run(`--csv=${CSV}`, "--params=fast=10,slow=30", "--commission=0.002", "--json");
  eq(r.code, 0, r.stderr);
  eq(JSON.parse(r.stdout).stats["# Trades"], 9);
});

Deno.test("cli start-up loads neither the lake, npm packages nor node: builtins", async () => {
  // Deno loads a script's whole static graph, literal dynamic imports included, before
  // it runs; only `code` edges count (type-only imports are erased).
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", CLI],
    stdout: "piped",
    stderr: "piped",
  }).output();
  eq(out.code, 0, new TextDecoder().decode(out.stderr));
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    roots: string[];
    modules: { specifier: string; dependencies?: { code?: { specifier: string } }[] }[];
  };
  const bySpecifier = new Map(info.modules.map((m) => [m.specifier, m]));
  const loaded = new Set<string>();
  const visit = (spec: string) => {
    if (loaded.has(spec)) return;
    loaded.add(spec);
    for (const d of bySpecifier.get(spec)?.dependencies ?? []) if (d.code) visit(d.code.specifier);
  };
  for (const root of info.roots) visit(root);
  const heavy = [...loaded].filter((s) =>
    s.startsWith("npm:") || s.startsWith("node:") || s.includes("/src/lake/")
  );
  eq(heavy, []);
  ok(loaded.size > 10, `the walk found the CLI's own graph: ${loaded.size} modules`);
});

Deno.test("cli --strategy FILE.json loads the composite strategy module on demand", async () => {
  const dir = await Deno.makeTempDir({ prefix: "asxlab-cli-composite-" });
  try {
    const file = `${dir}/pullback.json`;
    await Deno.writeTextFile(
      file,
      JSON.stringify({
        name: "Trend pullback",
        setup: { above: ["close", { sma: 50 }] },
        trigger: { crossesAbove: [{ rsi: 14 }, 30] },
        exit: { when: { above: [{ rsi: 14 }, 70] }, stopLoss: 0.08 },
      }),
    );
    const r = await run("--csv", CSV, "--strategy", file);
    eq([r.code, r.stderr], [0, ""]);
    ok(r.stdout.startsWith("Trend pullback("), r.stdout);
    ok(/\n# Trades\s+\d+\n/.test(r.stdout), r.stdout);
    await Deno.writeTextFile(file, JSON.stringify({ trigger: { above: ["close", 10] }, exit: {} }));
    const bad = await run("--csv", CSV, "--strategy", file);
    eq([bad.code, bad.stdout, bad.stderr.split("\n").length], [2, "", 2]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli: parameters and sweep specs are checked before any lake opens", async () => {
  // A lake that does not exist: a bad parameter is reported first, without trying to open it.
  const lake = "/nonexistent/lake";
  const bad = await run("--lake", lake, "--params", "fsat=5");
  eq(bad.code, 2);
  ok(/Unknown parameter "fsat" .*did you mean "fast"/.test(bad.stderr), bad.stderr);
  const sweep = await run("--lake", lake, "--sweep", "slwo=10:20:5");
  ok(/Cannot sweep "slwo".*did you mean "slow"/.test(sweep.stderr), sweep.stderr);
  const engine = await run("--engine", "duck", "--params", "fast=5");
  ok(/Unknown engine "duck": expected wasm or native/.test(engine.stderr), engine.stderr);
  const csvEngine = await run("--csv", CSV, "--engine", "native");
  ok(/a --csv run reads no lake/.test(csvEngine.stderr), csvEngine.stderr);
});

Deno.test("cli: notes on stderr for a range shorter than the warm-up and for fees above 5 % of a trade", async () => {
  const short = await run("--csv", CSV, "--end-date", "2004-09-20", "--params", "fast=10,slow=30");
  eq(short.code, 0);
  ok(
    /note: GOOG_LIKE_600 has 23 bars, fewer than the strategy's warm-up: its indicators are never all defined on them, so it never traded/
      .test(short.stderr),
    short.stderr,
  );
  const fees = await run("--csv", CSV, "--initial-capital", "300", "--min-fee", "10");
  eq(fees.code, 0);
  ok(/note: \d+ of \d+ trades paid fees above 5 % of their value/.test(fees.stderr), fees.stderr);
});

Deno.test("cli: dollar amounts with thousands separators, values aligned on the decimal point", async () => {
  const r = await run("--csv", CSV, "--params", "fast=10,slow=30", "--commission", "0.002");
  ok(/Equity Final \[\$\]\s+133,380\.39\n/.test(r.stdout), r.stdout);
  const lines = r.stdout.split("\n").filter((l) => /^(Return \[%\]|Sharpe Ratio|Beta) /.test(l));
  const dots = lines.map((l) => l.indexOf("."));
  eq(new Set(dots).size, 1, lines.join("\n"));
});

Deno.test("cli: the breakout strategy runs by name; CSV notes reach stderr", async () => {
  const r = await run("--csv", CSV, "--strategy", "breakout", "--params", "channel=20,mult=2");
  eq(r.code, 0, r.stderr);
  ok(r.stdout.startsWith("Breakout(channel=20, atr=14, mult=2) on GOOG_LIKE_600"), r.stdout);
  ok(/Adj Close column is not used/.test(r.stderr) === false); // its Adj Close equals Close
});

Deno.test("cli --adjusted on the lake: RMD.AX's unadjusted splits stop looking like crashes, and the trades change", async () => {
  const raw = await run("--symbols", "RMD", "--json");
  const adj = await run("--symbols", "RMD", "--adjusted", "--json");
  eq([raw.code, adj.code], [0, 0], raw.stderr + adj.stderr);
  const [r, a] = [JSON.parse(raw.stdout), JSON.parse(adj.stdout)];
  // Three 2-for-1 splits halve the traded close: holding it "lost" money; adjusted, it gained.
  ok(r.stats["Buy & Hold Return [%]"] < 0, String(r.stats["Buy & Hold Return [%]"]));
  ok(a.stats["Buy & Hold Return [%]"] > 500, String(a.stats["Buy & Hold Return [%]"]));
  const entries = (j: { trades: { entryDate: string; entryPrice: number }[] }) =>
    j.trades.map((t) => `${t.entryDate} ${t.entryPrice}`);
  ok(entries(r).join() !== entries(a).join(), "the trades differ");
  // Before the last split the adjusted prices are below the traded ones; after it, equal.
  const first = (j: typeof r) => j.trades[0] as { entryDate: string; entryPrice: number };
  ok(
    first(a).entryPrice < first(r).entryPrice / 4,
    `${first(a).entryPrice} vs ${first(r).entryPrice}`,
  );
  const table = await run("--symbols", "RMD", "--adjusted");
  ok(
    table.stdout.startsWith(
      "MovingAverageCrossover(fast=20, slow=50, short=false) on RMD.AX, benchmark ^AXJO, adjusted prices\n",
    ),
    table.stdout,
  );
  // The same function serves a CSV's Adj Close: GOOG_LIKE_600's equals its Close, so nothing changes.
  const csv = await run("--csv", CSV, "--params", "fast=10,slow=30", "--adjusted", "--json");
  eq(csv.code, 0, csv.stderr);
  eq(JSON.parse(csv.stdout).stats["# Trades"], 9);
});

Deno.test("cli --adjusted: bad combinations are one line on stderr and exit code 2", async () => {
  const dir = await Deno.makeTempDir({ prefix: "asxlab-cli-adjusted-" });
  try {
    const plain = `${dir}/plain.csv`;
    await Deno.writeTextFile(plain, "Date,Open,High,Low,Close,Volume\n2020-01-02,1,2,1,1.5,10\n");
    const zero = `${dir}/zero.csv`;
    await Deno.writeTextFile(
      zero,
      "Date,Open,High,Low,Close,Volume,Adj Close\n2020-01-02,1,2,1,1.5,10,1.5\n2020-01-03,1,2,1,1.5,10,0\n",
    );
    const cases: [string[], string][] = [
      [
        ["--symbols", "RMD", "--adjusted", "--date-format", "DD/MM/YYYY"],
        "error: --date-format applies to --csv files; a lake's dates need none",
      ],
      [
        ["--csv", plain, "--adjusted"],
        `error: Cannot read adjusted bars from "${plain}": it has no "Adj Close" column`,
      ],
      [
        ["--csv", zero, "--adjusted"],
        `error: Cannot adjust "${zero}": 2020-01-03 has adjusted close 0 for close 1.5 (expected both positive)`,
      ],
      [
        ["--csv", plain, "--adjusted", "--lake", dir],
        "error: Use either --csv or --lake, not both",
      ],
    ];
    for (const [args, line] of cases) {
      const res = await run(...args);
      eq([res.code, res.stdout, res.stderr], [2, "", line + "\n"], args.join(" "));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
