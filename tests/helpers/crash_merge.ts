/**
 * A merge that is killed (SIGKILL, as `kill -9`) at a chosen point, as its own
 * process, for the crash tests. The lake's store is a LocalStore wrapped so that
 * the process kills itself right before or right after one of the merge's writes:
 *
 * - `before-delete`: before it deletes an old part of a year (after the year's new file).
 * - `before-year`: before it replaces a year file (after recording it as pending).
 * - `after-year`: right after it replaced a year file (before the manifest records it).
 * - `mid-year`: halfway through writing a year file's temp file (a torn temp file is left).
 * - `mid-raw`: instead of merging, writes raw batch 0 of `<date>` (one row) and is
 *   killed halfway through writing its temp file.
 *
 * Usage: deno run -A crash_merge.ts <dir> <date> <wasm|native> <point>
 */

import { open } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Lake } from "../../src/lake/lake.ts";
import { LocalStore } from "../../src/lake/local_store.ts";
import { openEngine } from "../../src/lake/open_engine.ts";
import type { ObjectInfo } from "../../src/lake/store.ts";

const [dir, date, engine, point] = Deno.args;
const YEAR_FILE = /^ohlcv\/year=\d{4}\/part-0\.parquet$/;
const RAW_FILE = /^raw-data\/.*\.parquet$/;

class CrashingStore extends LocalStore {
  override async put(key: string, body: Uint8Array): Promise<ObjectInfo> {
    if (YEAR_FILE.test(key) && point === "before-year") die();
    if (
      (YEAR_FILE.test(key) && point === "mid-year") || (RAW_FILE.test(key) && point === "mid-raw")
    ) {
      // What writeFileAtomic leaves when killed mid-write: a hidden, torn temp file.
      const path = this.pathOf(key);
      const tmp = join(dirname(path), `.${path.slice(dirname(path).length + 1)}.0123456789.tmp`);
      await Deno.mkdir(dirname(path), { recursive: true });
      const fh = await open(tmp, "w");
      await fh.write(body.subarray(0, body.length >> 1));
      await fh.close();
      die();
    }
    const info = await super.put(key, body);
    if (YEAR_FILE.test(key) && point === "after-year") die();
    return info;
  }
  override async delete(key: string): Promise<void> {
    if (key.startsWith("ohlcv/") && point === "before-delete") die();
    await super.delete(key);
  }
}

function die(): never {
  Deno.kill(Deno.pid, "SIGKILL");
  throw new Error("unreachable");
}

const lake = new Lake(new CrashingStore(dir!), await openEngine(engine as "wasm" | "native"));
if (point === "mid-raw") {
  await lake.writeRawBatch(date!, 0, {
    symbol: ["BHP.AX"],
    date: ["2024-07-31"],
    open: [40],
    high: [41],
    low: [39],
    close: [40.5],
    volume: [1000],
    adjusted_close: [40.5],
    fetch_timestamp: "2024-08-01T08:00:00Z",
  });
} else await lake.mergeDailyBatches(date!);
console.log("finished without crashing");
await lake.close();
Deno.exit(0);
