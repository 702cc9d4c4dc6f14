/**
 * A writer for the readers-during-writes test, run as its own process: it
 * replaces every curated year file of a local lake again and again, through the
 * store's atomic put (temp file + rename), alternating two versions of each
 * year that hold the same rows in different layouts (row groups), until a stop
 * file appears. Prints "ready" once every year has been replaced once.
 *
 * Usage: deno run -A year_replacer.ts <lake dir> <versions dir> <stop file>
 * where the versions dir holds `<year>-a.parquet` and `<year>-b.parquet`.
 */

import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { LocalStore } from "../../src/lake/local_store.ts";

const [lakeDir, versionsDir, stopFile] = Deno.args;
if (!lakeDir || !versionsDir || !stopFile) throw new Error("usage: <lake> <versions> <stop>");
const store = new LocalStore(lakeDir);
const years = [...new Set((await readdir(versionsDir)).map((f) => f.slice(0, 4)))].sort();
const versions = new Map<string, Uint8Array>();
for (const y of years) {
  for (const v of ["a", "b"]) {
    versions.set(`${y}-${v}`, await Deno.readFile(join(versionsDir, `${y}-${v}.parquet`)));
  }
}
let round = 0;
while (!existsSync(stopFile)) {
  const v = round % 2 === 0 ? "b" : "a";
  for (const y of years) {
    await store.put(`ohlcv/year=${y}/part-0.parquet`, versions.get(`${y}-${v}`)!);
  }
  if (round === 0) console.log("ready");
  round++;
}
console.log(`rounds ${round}`);
