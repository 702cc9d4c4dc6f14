/**
 * `deno task sample:build`: rebuilds the shipped sample lake in
 * `data-cache/lake/` from `../shared/data/asx-ohlcv` (see its PROVENANCE.md).
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { ConfigError } from "../core/errors.ts";
import { cliPath, runCli } from "./_cli.ts";
import { parseFlags } from "./_flags.ts";

const HELP = `usage: deno task sample:build [--data <dir>] [--lake <dir>]

  --data <dir>   the asx-ohlcv source folder (default ../shared/data/asx-ohlcv)
  --lake <dir>   the lake to (re)build (default data-cache/lake)`;

async function main(): Promise<number> {
  const { values } = parseFlags(Deno.args, {
    data: { type: "string" },
    lake: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  }, { noun: "option", positionalHint: ": this command takes only flags" });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const data = values.data !== undefined
    ? cliPath(values.data)
    : fileURLToPath(new URL("../../../shared/data/asx-ohlcv", import.meta.url));
  try {
    if (!(await Deno.stat(data)).isDirectory) throw new Error("not a directory");
  } catch {
    throw new ConfigError(
      `Cannot read the sample sources at "${data}": pass --data <asx-ohlcv dir>`,
    );
  }
  const { openLake, DEFAULT_LAKE_DIR } = await import("../lake/lake.ts");
  const { buildSampleLake } = await import("../lake/sample_lake.ts");
  const { closeEngines } = await import("../lake/open_engine.ts");
  // Small row groups for a small lake (~250 rows per symbol and year): the smallest the wasm
  // engine writes exactly (it cuts groups at whole 2,048-row vectors).
  const lake = await openLake(values.lake !== undefined ? cliPath(values.lake) : DEFAULT_LAKE_DIR, {
    rowGroupSize: 2048,
    engine: "wasm",
  });
  try {
    const result = await buildSampleLake(data, lake);
    const rows = result.partitions.reduce((n, p) => n + p.rows, 0);
    console.log(
      `wrote ${rows} rows in ${result.partitions.length} partitions to ${lake.uri}; ` +
        `${result.quarantine.rows} rows quarantined in ${result.quarantine.key}`,
    );
  } finally {
    await lake.close();
    await closeEngines();
  }
  return 0;
}

if (import.meta.main) await runCli(main);
