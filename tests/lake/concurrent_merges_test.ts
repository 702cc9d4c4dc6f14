/**
 * Two merges at once, as two processes on one local lake, on both engines:
 * with the lock's bounded wait both land every row (one after the other); with
 * no wait, the loser fails with one clear `Locked` line and nothing of the
 * winner's is lost. On main both exited 0 with thousands of rows missing, or
 * died with errors that read like file corruption.
 */

import assert from "node:assert/strict";
import type { EngineKind } from "../../src/lake/engine.ts";
import { Lake } from "../../src/lake/lake.ts";
import { LocalStore } from "../../src/lake/local_store.ts";
import { closeEngines, openEngine } from "../../src/lake/open_engine.ts";
import { market, rows, tradingDays } from "../helpers/lake_rows.ts";

const DAYS = [...tradingDays("2023-09-01", 80), ...tradingDays("2024-01-02", 80)];
const A = Array.from({ length: 30 }, (_, i) => `A${i}.AX`);
const B = Array.from({ length: 30 }, (_, i) => `B${i}.AX`);

function mergeProcess(dir: string, date: string, engine: EngineKind, waitMs?: number) {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "tests/helpers/merge_process.ts", dir, date, engine],
    stdout: "piped",
    stderr: "piped",
    env: waitMs === undefined ? {} : { ASXLAB_LOCK_WAIT_MS: String(waitMs) },
  }).output();
}

for (const kind of ["wasm", "native"] as const) {
  Deno.test(`two merge processes at once (${kind}): every row lands, or the loser fails clearly`, async () => {
    for (const waitMs of [undefined, 0]) {
      const dir = await Deno.makeTempDir({ prefix: "asxlab-concurrent-" });
      const lake = new Lake(new LocalStore(dir), await openEngine(kind));
      try {
        await lake.writeRawBatch("2024-07-01", 0, rows(market(A, DAYS), "2024-07-01T08:00:00Z"));
        await lake.writeRawBatch("2024-07-02", 0, rows(market(B, DAYS), "2024-07-02T08:00:00Z"));
        const [ra, rb] = await Promise.all([
          mergeProcess(dir, "2024-07-01", kind, waitMs),
          mergeProcess(dir, "2024-07-02", kind, waitMs),
        ]);
        const landed: string[][] = [];
        for (const [r, symbols] of [[ra, A], [rb, B]] as const) {
          const err = new TextDecoder().decode(r.stderr);
          if (r.code === 0) {
            landed.push(symbols);
            continue;
          }
          assert.equal(waitMs, 0, `with a wait both merges succeed: ${err}`);
          assert.equal(r.code, 2, err);
          assert.equal(err.trim().split("\n").length, 1, err);
          assert.match(err, /^error: The lake at .* is being written by pid \d+ .*merge/);
        }
        assert.ok(landed.length >= 1, "at least one merge landed");
        const bars = await lake.loadAll();
        const want = landed.flat().sort();
        assert.deepEqual(bars.symbols(), want);
        assert.equal(bars.length, want.length * DAYS.length, "every row of every landed merge");
        assert.equal(await lake.store.head("_lock"), undefined, "no lock left behind");
        if (landed.length === 1) {
          // The loser's rerun converges.
          const again = await mergeProcess(
            dir,
            landed[0] === A ? "2024-07-02" : "2024-07-01",
            kind,
          );
          assert.equal(again.code, 0, new TextDecoder().decode(again.stderr));
          assert.equal((await lake.loadAll()).length, 2 * A.length * DAYS.length);
        }
      } finally {
        await lake.close();
        await Deno.remove(dir, { recursive: true });
      }
    }
    await closeEngines();
  });
}
