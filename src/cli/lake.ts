/**
 * `deno task lake`: inspect and query the Parquet lake.
 *
 * ```sh
 * deno task lake info
 * deno task lake symbols
 * deno task lake query "select symbol, max(close) from ohlcv group by 1"
 * deno task lake verify
 * deno task lake cache clear
 * deno task lake --lake s3://bucket/prefix --engine native info
 * ```
 *
 * @module
 */

import type { Table } from "apache-arrow";
import { ConfigError } from "../core/errors.ts";
import { cliPath, formatRows, runCli } from "./_cli.ts";
import { parseFlags } from "./_flags.ts";

const HELP = `usage: deno task lake [options] <command>

commands:
  info              the lake's symbols, date range, rows and size
  symbols           the symbols held, one per line
  query "<sql>"     run one read-only SQL statement; tables: ohlcv (curated), raw (raw batches)
  verify            check every curated file against the manifest's SHA-256; exit 2 naming
                    each bad file
  manifest          record the curated files as they are now in ohlcv/_manifest.json (for a
                    lake written before manifests, or after repairing files by hand)
  cache clear       delete the local cache of S3 objects

options:
  --lake <uri>      a directory, file://… or s3://bucket/prefix (default: $ASXLAB_LAKE or the
                    shipped sample in data-cache/lake)
  --engine <name>   wasm (default) or native (@duckdb/node-api, faster for large local work)
  --endpoint <url>  S3 endpoint (e.g. a local S3 server)
  --cache-dir <dir> where S3 objects are cached (default data-cache/s3)
  --json            print query results as JSON lines
  --max-rows <n>    rows printed by query (default 50)
  -h, --help        this help`;

function printTable(table: Table, maxRows: number, json: boolean): void {
  const names = table.schema.fields.map((f) => f.name);
  if (json) {
    for (const row of table) {
      console.log(JSON.stringify(row.toJSON(), (_k, v) => typeof v === "bigint" ? Number(v) : v));
    }
    return;
  }
  const rows: string[][] = [];
  const n = Math.min(table.numRows, maxRows);
  for (let i = 0; i < n; i++) {
    const row = table.get(i)!.toJSON() as Record<string, unknown>;
    rows.push(
      names.map((name) =>
        cell(row[name], table.schema.fields[names.indexOf(name)]!.type.toString())
      ),
    );
  }
  console.log(formatRows(names, rows));
  if (table.numRows > n) console.log(`… ${table.numRows - n} more rows (--max-rows to see more)`);
  console.log(`(${table.numRows} row${table.numRows === 1 ? "" : "s"})`);
}

function cell(value: unknown, type: string): string {
  if (value === null || value === undefined) return "";
  if (type.startsWith("Date") && typeof value === "number") {
    return new Date(value).toISOString().slice(0, 10);
  }
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  return String(value);
}

async function main(): Promise<number> {
  const { values, positionals } = parseFlags(Deno.args, {
    lake: { type: "string" },
    engine: { type: "string" },
    endpoint: { type: "string" },
    "cache-dir": { type: "string" },
    json: { type: "boolean", default: false },
    "max-rows": { type: "string", default: "50" },
    help: { type: "boolean", short: "h", default: false },
  }, { positionals: true, noun: "option" });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  // Paths on the command line are the user's, relative to where they ran the command.
  const lakeUri = values.lake === undefined ? undefined : cliPath(values.lake);
  const cacheDir = values["cache-dir"] === undefined ? undefined : cliPath(values["cache-dir"]);
  const [command, ...rest] = positionals;
  if (!command) {
    throw new ConfigError(
      `No command given: expected info, symbols, query, verify, manifest or cache (see --help)`,
    );
  }
  const engine = values.engine;
  if (engine !== undefined && engine !== "wasm" && engine !== "native") {
    throw new ConfigError(`Unknown engine "${engine}": expected wasm or native`);
  }
  const maxRows = Number(values["max-rows"]);
  if (!Number.isInteger(maxRows) || maxRows < 0) {
    throw new ConfigError(`Invalid --max-rows "${values["max-rows"]}": expected a whole number`);
  }
  const { openLake, DEFAULT_CACHE_DIR } = await import("../lake/lake.ts");
  if (command === "cache") {
    if (rest[0] !== "clear" || rest.length !== 1) {
      throw new ConfigError(`Unknown cache command "${rest.join(" ")}": expected "cache clear"`);
    }
    const dir = cacheDir ?? DEFAULT_CACHE_DIR;
    await Deno.remove(dir, { recursive: true }).catch((err) => {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    });
    console.log(`cleared ${dir}`);
    return 0;
  }
  const { closeEngines } = await import("../lake/open_engine.ts");
  const lake = await openLake(lakeUri, { engine, endpoint: values.endpoint, cacheDir });
  try {
    switch (command) {
      case "info": {
        if (rest.length) {
          throw new ConfigError(`"info" takes no arguments, got "${rest.join(" ")}"`);
        }
        const info = await lake.info();
        console.log(`lake        ${info.uri}`);
        if (info.objects === 0) {
          console.log("empty       no curated bars yet (nothing under ohlcv/)");
        } else {
          console.log(`symbols     ${info.symbols.length}: ${info.symbols.join(", ")}`);
          console.log(`dates       ${info.start ?? "-"} .. ${info.end ?? "-"}`);
          console.log(`rows        ${info.rows.toLocaleString("en-AU")}`);
          console.log(
            `objects     ${info.objects} curated Parquet files, ${
              (info.bytes / 1e6).toFixed(2)
            } MB`,
          );
        }
        const q = info.quarantine;
        const names = Object.entries(q.byName).map(([n, r]) => `${n} ${r.toLocaleString("en-AU")}`);
        console.log(
          q.files === 0
            ? "quarantine  none"
            : `quarantine  ${q.rows.toLocaleString("en-AU")} rows in ${q.files} file${
              q.files === 1 ? "" : "s"
            } (${names.join(", ")}); latest ${q.latest?.date ?? "-"}: ${
              (q.latest?.rows ?? 0).toLocaleString("en-AU")
            } rows`,
        );
        return 0;
      }
      case "symbols": {
        if (rest.length) {
          throw new ConfigError(`"symbols" takes no arguments, got "${rest.join(" ")}"`);
        }
        for (const s of await lake.symbols()) console.log(s);
        return 0;
      }
      case "query": {
        if (rest.length !== 1) {
          throw new ConfigError(
            `"query" takes one SQL string in quotes, got ${rest.length} arguments`,
          );
        }
        printTable(await lake.sql(rest[0]!), maxRows, values.json);
        return 0;
      }
      case "verify": {
        if (rest.length) {
          throw new ConfigError(`"verify" takes no arguments, got "${rest.join(" ")}"`);
        }
        const report = await lake.verify();
        for (const key of report.repaired) {
          console.log(`repaired  ${key}: the cached copy was corrupt; downloaded again`);
        }
        for (const p of report.problems) console.log(`BAD  ${p.key}: ${p.problem}`);
        if (report.problems.length > 0) {
          console.error(
            `error: ${report.problems.length} problem${
              report.problems.length === 1 ? "" : "s"
            } in ${report.uri}: ${report.problems.map((p) => p.key).join(", ")}`,
          );
          return 2;
        }
        console.log(
          report.manifest
            ? `ok  ${report.checked} curated files match the manifest (SHA-256) in ${report.uri}`
            : `ok  ${report.uri} holds no curated files yet`,
        );
        return 0;
      }
      case "manifest": {
        if (rest.length) {
          throw new ConfigError(`"manifest" takes no arguments, got "${rest.join(" ")}"`);
        }
        const m = await lake.rebuildManifest();
        console.log(
          `recorded ${Object.keys(m.files).length} curated files in ohlcv/_manifest.json`,
        );
        return 0;
      }
      default:
        throw new ConfigError(
          `Unknown command "${command}": expected info, symbols, query, verify, manifest or cache`,
        );
    }
  } finally {
    await lake.close();
    await closeEngines();
  }
}

if (import.meta.main) await runCli(main);
