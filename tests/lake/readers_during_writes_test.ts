/**
 * Readers see whole files: while another process replaces every year file of
 * the lake again and again (two versions with the same rows in different
 * row-group layouts, each installed by an atomic rename), loads on both engines
 * keep returning exactly the lake's rows. On main the wasm engine planned from
 * one version's footer and read another's pages: short results, no error.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { Lake } from "../../src/lake/lake.ts";
import { LocalStore } from "../../src/lake/local_store.ts";
import { closeEngines, openEngine } from "../../src/lake/open_engine.ts";
import type { EngineKind } from "../../src/lake/engine.ts";
import { market, rows, tradingDays } from "../helpers/lake_rows.ts";

const YEARS = [2019, 2020, 2021];
const SYMBOLS = Array.from({ length: 24 }, (_, i) => `S${String(i).padStart(2, "0")}.AX`);

/** Builds the lake's years twice, with small and large row groups; returns the versions dir. */
async function versions(root: string): Promise<string> {
  const dir = join(root, "versions");
  await Deno.mkdir(dir);
  const days = YEARS.flatMap((y) => tradingDays(`${y}-01-02`, 240));
  for (const [v, rowGroupSize] of [["a", 2048], ["b", 8192]] as const) {
    const lake = new Lake(new LocalStore(join(root, v)), await openEngine("native"), rowGroupSize);
    try {
      await lake.replaceCurated(rows(market(SYMBOLS, days), "2022-01-05T00:00:00.000Z"));
    } finally {
      await lake.close();
    }
    for (const y of YEARS) {
      await Deno.copyFile(
        join(root, v, `ohlcv/year=${y}/part-0.parquet`),
        join(dir, `${y}-${v}.parquet`),
      );
    }
  }
  await Deno.mkdir(join(root, "lake"));
  await Deno.rename(join(root, "a", "ohlcv"), join(root, "lake", "ohlcv"));
  return dir;
}

for (const kind of ["wasm", "native"] as const satisfies readonly EngineKind[]) {
  Deno.test(`readers (${kind}) during a writer replacing every year get every row, every time`, async () => {
    const root = await Deno.makeTempDir({ prefix: "asxlab-rdw-" });
    const stop = join(root, "stop");
    let writer: Deno.ChildProcess | undefined;
    const lake = new Lake(new LocalStore(join(root, "lake")), await openEngine(kind));
    try {
      const dir = await versions(root);
      const all = await lake.loadAll();
      const want = { rows: all.length, sum: all.close.reduce((a, b) => a + b, 0) };
      assert.equal(want.rows, YEARS.length * 240 * SYMBOLS.length);
      const few = ["S03.AX", "S17.AX"];
      const wantFew = (await lake.loadSymbols(few)).close.reduce((a, b) => a + b, 0);

      writer = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "tests/helpers/year_replacer.ts", join(root, "lake"), dir, stop],
        stdout: "piped",
        stderr: "inherit",
      }).spawn();
      const reader = writer.stdout.pipeThrough(new TextDecoderStream()).getReader();
      assert.match((await reader.read()).value ?? "", /ready/);

      const problems: string[] = [];
      for (let i = 0; i < 40; i++) {
        try {
          const bars = await lake.loadAll();
          const sum = bars.close.reduce((a, b) => a + b, 0);
          if (bars.length !== want.rows || sum !== want.sum) {
            problems.push(`load ${i}: ${bars.length} rows, sum ${sum}`);
          }
          const some = await lake.loadSymbols(few, { start: "2020-01-01" });
          const all2 = await lake.loadSymbols(few);
          if (all2.close.reduce((a, b) => a + b, 0) !== wantFew || some.length !== 2 * 480) {
            problems.push(`load ${i}: ${some.length} rows of two symbols`);
          }
        } catch (err) {
          problems.push(`load ${i}: ${(err as Error).message.split("\n")[0]}`);
        }
      }
      await Deno.writeTextFile(stop, "");
      let rest = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        rest += value;
      }
      assert.equal((await writer.status).code, 0);
      writer = undefined;
      const rounds = Number(/rounds (\d+)/.exec(rest)?.[1]);
      assert.ok(rounds >= 2, `the writer replaced the years ${rounds} times meanwhile`);
      assert.deepEqual(problems, [], `${problems.length} of 40 loads were wrong`);
    } finally {
      if (writer) {
        await Deno.writeTextFile(stop, "");
        await writer.status;
      }
      await lake.close();
      await closeEngines();
      await Deno.remove(root, { recursive: true });
    }
  });
}
