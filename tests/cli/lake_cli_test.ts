import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { runScript } from "../helpers/run_cli.ts";

const CLI = fileURLToPath(new URL("../../src/cli/lake.ts", import.meta.url));

const lake = (...args: string[]) => runScript(CLI, ...args);

Deno.test("lake CLI: info describes the shipped sample", async () => {
  const r = await lake("info");
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /symbols {5}20: ALL\.AX, ANZ\.AX, BHP\.AX, .*\^AXJO/);
  assert.match(r.stdout, /dates {7}1998-01-02 \.\. 2022-04-08/);
  assert.match(r.stdout, /rows {8}67,276/);
  assert.match(r.stdout, /quarantine {2}\d[\d,]* rows in 1 file \(sample-build\.csv \d/);
});

Deno.test("lake CLI: query prints a table; --json prints JSON lines", async () => {
  const sql =
    "select symbol, count(*) as n from ohlcv where symbol in ('BHP.AX', 'CBA.AX') group by 1 order by 1";
  const table = await lake("query", sql);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /BHP\.AX\s+5886\n/);
  const json = await lake("--json", "query", sql);
  assert.equal(json.code, 0, json.stderr);
  assert.deepEqual(json.stdout.trim().split("\n").map((l) => JSON.parse(l)), [
    { symbol: "BHP.AX", n: 5886 },
    { symbol: "CBA.AX", n: 4523 },
  ]);
});

Deno.test("lake CLI: bad input is one line on stderr and exit code 2", async () => {
  const cases: [string[], RegExp][] = [
    [[], /^error: No command given/],
    [["bogus"], /^error: Unknown command "bogus"/],
    [["--nope", "info"], /^error: Unknown option '--nope'/],
    [["--engine", "gpu", "info"], /^error: Unknown engine "gpu": expected wasm or native/],
    [["query", "delete from ohlcv"], /^error: Only one read-only statement is allowed/],
    [
      ["query", "select 1 first"],
      /^error: Cannot parse the SQL: Parser Error: syntax error at or near "first"/,
    ],
    [["cache", "purge"], /^error: Unknown cache command "purge"/],
    [["--lake", "ftp://x/y", "info"], /^error: .*"ftp:\/\/x\/y"/],
  ];
  for (const [args, message] of cases) {
    const r = await lake(...args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(" "));
    assert.equal(
      r.stderr.trim().split("\n").length,
      1,
      `one line for ${args.join(" ")}: ${r.stderr}`,
    );
    assert.equal(r.stdout, "");
  }
});

Deno.test("lake CLI: cache clear removes only the cache directory", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/cache/bucket`, { recursive: true });
    await Deno.writeTextFile(`${dir}/cache/bucket/x`, "x");
    await Deno.writeTextFile(`${dir}/keep`, "k");
    const r = await lake("--cache-dir", `${dir}/cache`, "cache", "clear");
    assert.equal(r.code, 0, r.stderr);
    await assert.rejects(Deno.stat(`${dir}/cache`), Deno.errors.NotFound);
    assert.equal(await Deno.readTextFile(`${dir}/keep`), "k");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lake CLI: a lake path with a typo is one line naming it and exit 2; an empty lake says so", async () => {
  const dir = await Deno.makeTempDir({ prefix: "asxlab-lake-cli-" });
  try {
    const typo = `${dir}/data-cache/lak`;
    for (const command of [["info"], ["symbols"], ["query", "select count(*) from ohlcv"]]) {
      const r = await lake("--lake", typo, ...command);
      assert.equal(r.code, 2, command.join(" "));
      assert.equal(r.stdout, "");
      assert.equal(
        r.stderr,
        `error: No lake at ${typo}: the directory does not exist. Check the path (a lake is ` +
          `created by writing to it, e.g. by the pipeline)\n`,
      );
    }
    await Deno.mkdir(`${dir}/empty/raw-data`, { recursive: true });
    const empty = await lake("--lake", `${dir}/empty`, "info");
    assert.equal(empty.code, 0, empty.stderr);
    assert.equal(
      empty.stdout,
      `lake        ${dir}/empty\nempty       no curated bars yet (nothing under ohlcv/)\n` +
        `quarantine  none\n`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
