import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { runScript } from "../helpers/run_cli.ts";

const run = (script: string, ...args: string[]) =>
  runScript(fileURLToPath(new URL(script, import.meta.url)), ...args);

Deno.test("sample:build refuses a missing source folder with one line and exit 2, writing nothing", async () => {
  const lake = await Deno.makeTempDir({ prefix: "asxlab-sample-cli-" });
  try {
    const r = await run("../../src/cli/sample_build.ts", "--data", `${lake}/nope`, "--lake", lake);
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /^error: Cannot read the sample sources at ".*\/nope": pass --data <asx-ohlcv dir>\n$/,
    );
    assert.deepEqual([...Deno.readDirSync(lake)], [], "nothing was written");
    const flag = await run("../../src/cli/sample_build.ts", "--dat", "x");
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /^error: Unknown option '--dat'/);
  } finally {
    await Deno.remove(lake, { recursive: true });
  }
});

Deno.test("bench: an unknown bench name is refused with exit 2", async () => {
  const r = await run("../../bench/main.ts", "lak");
  assert.equal(r.code, 2);
  assert.match(
    r.stderr,
    /^error: Unknown bench "lak": expected one of lake, indicators, backtest, pipeline or all\n$/,
  );
  const help = await run("../../bench/main.ts", "--help");
  assert.equal(help.code, 0);
  assert.match(
    help.stdout,
    /^usage: deno task bench \[lake\|indicators\|backtest\|pipeline\|all\]/,
  );
});
