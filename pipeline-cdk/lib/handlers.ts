/**
 * The pipeline's three Lambda functions, in one table that the bundling
 * script, the fetch-functions construct, the cost model and the tests all
 * read: which Task state each serves, which `src/pipeline/lambda/` module it
 * runs, its size, and the lake prefixes it may touch.
 *
 * @module
 */

import {
  RESOURCE_PLACEHOLDERS,
  type StateMachineResources,
} from "../../src/pipeline/state_machine.ts";

/**
 * S3 key patterns (relative to the lake's root, e.g. `raw-data/*`) one
 * function may use, by kind of access: each becomes one S3 grant.
 */
export interface LakeAccess {
  /** May get (and list the bucket): `bucket.grantRead`. */
  read: readonly string[];
  /** May put: `bucket.grantPut`. */
  put: readonly string[];
  /** May delete: `bucket.grantDelete`. */
  delete: readonly string[];
}

/** One Lambda of the daily pipeline. */
export interface PipelineHandler {
  /** The Task state that invokes it. */
  state: "UpdateASXSymbols" | "FetchStockData" | "AggregateResults";
  /** Construct ID (and the stem of the function's name). */
  id: string;
  /** Module under `src/pipeline/lambda/`, without `.ts`; it exports `handler`. */
  entry: string;
  /** The definition's resource it fills (`${…FunctionArn}`). */
  resource: keyof StateMachineResources;
  /** Memory, MB: sized from the measurements noted beside each. */
  memoryMb: number;
  /** What it may do in the lake. */
  lake: LakeAccess;
}

/**
 * The three functions. Memory, from measurements on this machine:
 * - list and fetch steps (a few thousand rows each): under node, importing a
 *   bundle takes the process to 77 MB, and duckdb-wasm 1.28 starting and writing
 *   a Parquet file adds ~70 MB, so 256 MB is the least with a fifth to spare.
 *   The fetcher spends 90 % of its time in the politeness pause, so its memory
 *   is most of the bill (README "What it costs").
 * - the aggregator: merging a day of 2,200 symbols into a 7-month year file
 *   peaked at 611 MB in Deno (duckdb-wasm 1.32, whose start alone takes the
 *   process to 266 MB) and took 5.1 s; a December merge holds twice the year.
 *   2 GB leaves room for that and buys a whole vCPU.
 * tests/pipeline_cdk checks each function's peak RSS under node stays below
 * 80 % of its memory when it runs the deployed bundles.
 */
export const PIPELINE_HANDLERS: readonly PipelineHandler[] = [
  {
    state: "UpdateASXSymbols",
    id: "UpdateSymbols",
    entry: "update_symbols",
    resource: "updateSymbolsFunction",
    memoryMb: 256,
    lake: { read: ["symbols/*"], put: ["symbols/*"], delete: [] },
  },
  {
    state: "FetchStockData",
    id: "FetchStockData",
    entry: "fetch_stock_data",
    resource: "fetchStockDataFunction",
    memoryMb: 256,
    // writeRawBatch files rows that fail the lake's checks in quarantine/DATE/batch-N.parquet.
    lake: { read: ["state/*"], put: ["raw-data/*", "quarantine/*"], delete: [] },
  },
  {
    state: "AggregateResults",
    id: "AggregateResults",
    entry: "aggregate_results",
    resource: "aggregateResultsFunction",
    memoryMb: 2048,
    lake: {
      read: [
        "raw-data/*",
        "ohlcv/*",
        "quarantine/*",
        "state/*",
        "events/*",
        "_lock",
      ],
      put: [
        "ohlcv/*",
        "quarantine/*",
        "state/*",
        "runs/*",
        "events/*",
        "_lock",
      ],
      delete: ["quarantine/*", "_lock"],
    },
  },
];

/**
 * The `definitionSubstitutions` key of a resource: `"${UpdateSymbolsFunctionArn}"`
 * → `"UpdateSymbolsFunctionArn"`.
 *
 * @param resource A key of the definition's resources.
 * @returns The substitution's name.
 * @throws {TypeError} When the placeholder is not of the form `${Name}`.
 */
export function substitutionName(
  resource: keyof StateMachineResources,
): string {
  const placeholder = RESOURCE_PLACEHOLDERS[resource];
  const m = /^\$\{([A-Za-z0-9]+)\}$/.exec(placeholder);
  if (!m?.[1]) {
    throw new TypeError(
      `Placeholder "${placeholder}" is not of the form \${Name}`,
    );
  }
  return m[1];
}
