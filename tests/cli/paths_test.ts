/**
 * Relative paths on the command line are the user's: every CLI resolves them
 * against the directory `deno task` was run in (`INIT_CWD`), not the project
 * root where the task runs. Tested through real `deno task` processes started
 * from a folder outside the project.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { cliPath } from "../../src/cli/_cli.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CONFIG = join(ROOT, "deno.json");
const CSV = join(ROOT, "tests/fixtures/backtest/goog_like_600.csv");
const SAMPLE_YEAR = join(ROOT, "data-cache/lake/ohlcv/year=2020/part-0.parquet");

/** Runs `deno task <args>` in `cwd` as a user would: no INIT_CWD inherited from this test run. */
async function task(cwd: string, ...args: string[]) {
  const env = Deno.env.toObject();
  delete env.INIT_CWD;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "-q", "--config", CONFIG, ...args],
    cwd,
    env: { ...env, NO_COLOR: "1" },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("cliPath: relative paths resolve against INIT_CWD; absolute paths and URIs stay", () => {
  const saved = Deno.env.get("INIT_CWD");
  try {
    Deno.env.set("INIT_CWD", "/home/user/research");
    assert.equal(cliPath("my.csv"), "/home/user/research/my.csv");
    assert.equal(cliPath("../lake"), "/home/user/research/../lake");
    assert.equal(cliPath("/data/my.csv"), "/data/my.csv");
    assert.equal(cliPath("s3://bucket/asx"), "s3://bucket/asx");
    assert.equal(cliPath("file:///data/lake"), "file:///data/lake");
    Deno.env.delete("INIT_CWD");
    assert.equal(cliPath("my.csv"), `${Deno.cwd()}/my.csv`);
  } finally {
    if (saved === undefined) Deno.env.delete("INIT_CWD");
    else Deno.env.set("INIT_CWD", saved);
  }
});

Deno.test("deno task backtest from another folder: --csv, --strategy FILE.json and --out are the user's", async () => {
  const dir = await Deno.makeTempDir({ prefix: "asxlab-paths-" });
  try {
    await Deno.copyFile(CSV, join(dir, "mine.csv"));
    await Deno.writeTextFile(
      join(dir, "setup.json"),
      JSON.stringify({
        name: "Pullback",
        trigger: { crossesAbove: [{ rsi: 14 }, 30] },
        exit: { when: { above: [{ rsi: 14 }, 70] } },
      }),
    );
    const r = await task(
      dir,
      "backtest",
      "--csv",
      "mine.csv",
      "--strategy",
      "setup.json",
      "--out",
      "report.json",
      "--json",
    );
    assert.equal(r.code, 0, r.stderr);
    const printed = JSON.parse(r.stdout);
    const written = JSON.parse(await Deno.readTextFile(join(dir, "report.json")));
    assert.equal(written.strategy, printed.strategy);
    assert.deepEqual(written.stats, printed.stats);
    // A file that is not in the user's folder is reported with the path that was tried.
    const missing = await task(dir, "backtest", "--csv", "nope.csv");
    assert.equal(missing.code, 2);
    assert.ok(missing.stderr.includes(join(dir, "nope.csv")), missing.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task lake from another folder: --lake and --cache-dir are the user's", async () => {
  const dir = await Deno.makeTempDir({ prefix: "asxlab-paths-" });
  try {
    await Deno.mkdir(join(dir, "mylake/ohlcv/year=2020"), { recursive: true });
    await Deno.copyFile(SAMPLE_YEAR, join(dir, "mylake/ohlcv/year=2020/part-0.parquet"));
    const info = await task(dir, "lake", "--lake", "mylake", "info");
    assert.equal(info.code, 0, info.stderr);
    assert.match(info.stdout, new RegExp(`lake {8}${join(dir, "mylake")}\\n`));
    assert.match(info.stdout, /dates {7}2020-01-02 \.\. 2020-12-31/);
    await Deno.mkdir(join(dir, "cache/x"), { recursive: true });
    const clear = await task(dir, "lake", "--cache-dir", "cache", "cache", "clear");
    assert.equal(clear.code, 0, clear.stderr);
    await assert.rejects(Deno.stat(join(dir, "cache")), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
