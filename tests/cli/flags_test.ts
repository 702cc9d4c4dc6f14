/** The CLIs' flag parser: grammar, exact messages, and agreement with node:util parseArgs. */
import assert from "node:assert/strict";
import { parseArgs } from "node:util";
import fc from "fast-check";
import { FlagError, type FlagProblem, parseFlags } from "../../src/cli/_flags.ts";
import { didYouMean } from "../../src/core/_did_you_mean.ts";

const SPECS = {
  csv: { type: "string" },
  "start-date": { type: "string" },
  out: { type: "string", short: "o" },
  json: { type: "boolean" },
  verbose: { type: "boolean", short: "v" },
  help: { type: "boolean", short: "h" },
  "max-rows": { type: "string", default: "50" },
} as const;

Deno.test("parseFlags reads every form of flag, defaults, positionals and --", () => {
  const { values, positionals } = parseFlags(
    ["--csv", "a.csv", "--start-date=2020-01-01", "-vh", "-ofile", "x", "--", "--json", "-"],
    SPECS,
    { positionals: true },
  );
  assert.deepEqual(values, {
    csv: "a.csv",
    "start-date": "2020-01-01",
    out: "file",
    json: undefined,
    verbose: true,
    help: true,
    "max-rows": "50",
  });
  assert.deepEqual(positionals, ["x", "--json", "-"]);
  // Values after "=" are taken whole, even empty, dashed or holding "="; the last one wins.
  const second = parseFlags(
    ["--csv=", "--out=-x=y", "-o", "-", "--csv", "b", "--csv=c=d", "--max-rows=7"],
    SPECS,
  );
  assert.deepEqual(
    [second.values.csv, second.values.out, second.values["max-rows"]],
    ["c=d", "-", "7"],
  );
  assert.deepEqual(parseFlags(["-o", "f"], SPECS).values.out, "f");
  assert.deepEqual(parseFlags([], SPECS).positionals, []);
});

/** Runs parseFlags and returns its FlagError, failing the test when it does not throw one. */
function refusal(args: string[], options: Parameters<typeof parseFlags>[2] = {}): FlagError {
  try {
    parseFlags(args, SPECS, options);
  } catch (err) {
    assert.ok(err instanceof FlagError, String(err));
    assert.equal(err.name, "FlagError");
    return err;
  }
  assert.fail(`parseFlags accepted ${JSON.stringify(args)}`);
}

Deno.test("parseFlags refuses bad command lines with one exact message each", () => {
  const cases: [string[], FlagProblem, string, string][] = [
    [["--csv", "a", "--jsn"], "unknown-flag", "--jsn", 'Unknown flag "--jsn"; see --help'],
    [["--nope=1"], "unknown-flag", "--nope", 'Unknown flag "--nope"; see --help'],
    [["-x"], "unknown-flag", "-x", 'Unknown flag "-x"; see --help'],
    [["-hx"], "unknown-flag", "-x", 'Unknown flag "-x"; see --help'],
    [["--=x"], "unknown-flag", "--=x", 'Unknown flag "--=x"; see --help'],
    [
      ["--constructor"],
      "unknown-flag",
      "--constructor",
      'Unknown flag "--constructor"; see --help',
    ],
    [["--__proto__"], "unknown-flag", "--__proto__", 'Unknown flag "--__proto__"; see --help'],
    [["pos"], "unexpected-argument", "pos", 'Unexpected argument "pos"; see --help'],
    [["--", "--json"], "unexpected-argument", "--json", 'Unexpected argument "--json"; see --help'],
    [["--csv"], "missing-value", "--csv", "Missing value for --csv; see --help"],
    [["-o"], "missing-value", "-o", "Missing value for -o; see --help"],
    [
      ["-o", "-v"],
      "ambiguous-value",
      "-o",
      'Missing value for -o: "-v" looks like a flag (write --out=-v if it is the value); see --help',
    ],
    [
      ["--csv", "--json"],
      "ambiguous-value",
      "--csv",
      'Missing value for --csv: "--json" looks like a flag (write --csv=--json if it is the value); see --help',
    ],
    [
      ["--max-rows", "-1"],
      "ambiguous-value",
      "--max-rows",
      'Missing value for --max-rows: "-1" looks like a flag (write --max-rows=-1 if it is the value); see --help',
    ],
    [
      ["--json=1"],
      "unexpected-value",
      "--json",
      'Flag --json takes no value, got "--json=1"; see --help',
    ],
  ];
  for (const [args, problem, arg, message] of cases) {
    const err = refusal(args);
    assert.deepEqual([err.problem, err.arg, err.message], [problem, arg, message], args.join(" "));
  }
});

Deno.test("parseFlags options: suggestions, the 'option' wording, the positional hint", () => {
  assert.equal(
    refusal(["--sart-date", "x"], { suggest: didYouMean }).message,
    'Unknown flag "--sart-date" (did you mean "--start-date"?); see --help',
  );
  assert.equal(
    refusal(["--zzzzzz"], { suggest: didYouMean }).message,
    'Unknown flag "--zzzzzz"; see --help',
  );
  assert.equal(
    refusal(["--nope"], { noun: "option" }).message,
    "Unknown option '--nope'; see --help",
  );
  assert.equal(
    refusal(["--help=x"], { noun: "option" }).message,
    'Option --help takes no value, got "--help=x"; see --help',
  );
  assert.equal(
    refusal(["a.csv"], { positionalHint: ": every value needs its flag" }).message,
    'Unexpected argument "a.csv": every value needs its flag; see --help',
  );
});

/** Command-line tokens: the declared flags in every form, unknown flags, values, positionals. */
const token = fc.oneof(
  fc.constantFrom(
    "--csv",
    "--out",
    "-o",
    "--json",
    "-v",
    "-h",
    "-vh",
    "-hv",
    "-vo",
    "--max-rows",
    "--",
    "-",
    "--nope",
    "-x",
    "--json=1",
    "--csv=",
  ),
  fc.string({ maxLength: 6 }),
  fc.string({ maxLength: 6 }).map((s) => `--csv=${s}`),
  fc.string({ maxLength: 6 }).map((s) => `-o${s}`),
);

Deno.test("parseFlags agrees with node:util parseArgs (strict) on accepting and on values", () => {
  const nodeOptions = Object.fromEntries(
    Object.entries(SPECS).map(([k, v]) => [k, { ...v }]),
  ) as typeof SPECS;
  fc.assert(
    fc.property(fc.array(token, { maxLength: 8 }), fc.boolean(), (args, allowPositionals) => {
      let ours: unknown, theirs: unknown;
      try {
        ours = parseFlags(args, SPECS, { positionals: allowPositionals });
      } catch (err) {
        assert.ok(err instanceof FlagError, String(err));
        ours = "refused";
      }
      try {
        const r = parseArgs({ args, options: nodeOptions, strict: true, allowPositionals });
        theirs = { values: { ...r.values }, positionals: r.positionals };
      } catch {
        theirs = "refused";
      }
      // node:util leaves absent flags out; ours lists them as undefined.
      if (typeof ours === "object") {
        const o = ours as { values: Record<string, unknown>; positionals: string[] };
        for (const k of Object.keys(o.values)) if (o.values[k] === undefined) delete o.values[k];
        ours = { values: { ...o.values }, positionals: o.positionals };
      }
      assert.deepEqual(ours, theirs, JSON.stringify(args));
    }),
    { numRuns: 3_000 },
  );
});

Deno.test("parseFlags round-trips any set of flag values, however each is written", () => {
  const value = fc.string({ maxLength: 8 });
  const assignment = fc.record({
    csv: fc.option(value, { nil: undefined }),
    "start-date": fc.option(value, { nil: undefined }),
    out: fc.option(value, { nil: undefined }),
    json: fc.option(fc.constant(true), { nil: undefined }),
    verbose: fc.option(fc.constant(true), { nil: undefined }),
    help: fc.option(fc.constant(true), { nil: undefined }),
    "max-rows": value,
  });
  fc.assert(
    fc.property(assignment, fc.infiniteStream(fc.nat(2)), fc.nat(), (want, forms, seed) => {
      const chunks: string[][] = [];
      for (const [name, v] of Object.entries(want)) {
        if (v === undefined) continue;
        const form = forms.next().value as number;
        const short = (SPECS as Record<string, { short?: string }>)[name]!.short;
        if (v === true) chunks.push([form === 0 && short ? `-${short}` : `--${name}`]);
        else if (form === 0 && short && v !== "") chunks.push([`-${short}${v}`]);
        // A separate value must not look like a flag; "=" carries any value.
        else if (form === 1 && !(v.startsWith("-") && v !== "-")) chunks.push([`--${name}`, v]);
        else chunks.push([`--${name}=${v}`]);
      }
      // Flags may come in any order.
      const order = chunks.map((c, i) => [(seed * (i + 7)) % 13, c] as const);
      const args = order.sort((a, b) => a[0] - b[0]).flatMap(([, c]) => c);
      assert.deepEqual(parseFlags(args, SPECS), { values: { ...want }, positionals: [] });
    }),
    { numRuns: 2_000 },
  );
});
