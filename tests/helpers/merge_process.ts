/**
 * One merge as its own process, for the concurrency tests: opens the lake at
 * `<dir>` with `<engine>`, merges the raw batches of `<date>`, prints the merge
 * report as JSON and exits 0; a typed error is one line on stderr and exit 2,
 * as the CLIs do. Honours ASXLAB_LOCK_WAIT_MS.
 *
 * Usage: deno run -A merge_process.ts <dir> <date> <wasm|native>
 */

import { LakeError } from "../../src/core/errors.ts";
import { openLake } from "../../src/lake/lake.ts";
import { closeEngines } from "../../src/lake/open_engine.ts";

const [dir, date, engine] = Deno.args;
const lake = await openLake(dir, { engine: engine as "wasm" | "native" });
let code = 0;
try {
  console.log(JSON.stringify(await lake.mergeDailyBatches(date!)));
} catch (err) {
  if (!(err instanceof LakeError)) throw err;
  console.error(`error: ${err.message.split("\n")[0]}`);
  code = 2;
} finally {
  await lake.close();
  await closeEngines();
}
Deno.exit(code);
