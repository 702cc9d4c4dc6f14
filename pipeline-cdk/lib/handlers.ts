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
 * The three functions. Memory from peak RSS measured under node on a daily run
 * (README "Cost"): the fetcher waits on Yahoo and its pause most of the time,
 * so it gets the least memory that holds duckdb-wasm comfortably; the
 * aggregator merges a whole year of 2,200 symbols, and more memory also buys
 * it CPU.
 */
export const PIPELINE_HANDLERS: readonly PipelineHandler[] = [
  {
    state: "UpdateASXSymbols",
    id: "UpdateSymbols",
    entry: "update_symbols",
    resource: "updateSymbolsFunction",
    memoryMb: 512,
    lake: { read: ["symbols/*"], put: ["symbols/*"], delete: [] },
  },
  {
    state: "FetchStockData",
    id: "FetchStockData",
    entry: "fetch_stock_data",
    resource: "fetchStockDataFunction",
    memoryMb: 512,
    lake: { read: ["state/*"], put: ["raw-data/*"], delete: [] },
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
