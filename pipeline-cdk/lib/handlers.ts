/**
 * The pipeline's three Lambda functions, in one table that the app (which
 * deploys `<bundles>/<entry>/`, as `scripts/bundle_lambdas.ts` writes them),
 * the fetch-functions construct, the cost model and the tests all read: which
 * Task state each serves, which `src/pipeline/lambda/` module it runs, its
 * size, and the lake prefixes it may touch.
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
  /** Module under `src/pipeline/lambda/`, without `.ts`; it exports `handler`. Its bundle is `<bundles>/<entry>/`. */
  entry: string;
  /** The definition's resource it fills (`${…FunctionArn}`). */
  resource: keyof StateMachineResources;
  /** Memory, MB: sized from the measurements noted beside each. */
  memoryMb: number;
  /** What it may do in the lake. */
  lake: LakeAccess;
}

/**
 * The three functions. Memory, from peaks measured here under node 20 with
 * the deployed bundles and Lambda's heap limits for each size (VmHWM of the
 * process; tests/helpers/node_lambda.ts runs them so):
 * - a bundle imports in 74 MB; opening the lake (duckdb-wasm 1.28) takes the
 *   list step to 135-180 MB (the recorded list of 1,978 companies: 170 MB),
 *   so 256 MB holds it below 80 %.
 * - the fetcher peaked at 195-201 MB on the daily run of 2,200 symbols in
 *   batches of 100 (one day each) and at 201 MB on the tests' two-symbol
 *   batches: the engine writing a Parquet file, not the rows. 256 MB left it at
 *   79 %, so 320 MB (63 %). It spends 90 % of its time in the politeness
 *   pause, so its memory is most of the bill (README "What it costs"). A
 *   20-year backfill batch of 100 symbols (510 k rows) peaked at 555-630 MB,
 *   320 of them duckdb-wasm's memory: backfills run from a workstation.
 * - the aggregator: merging a day of 2,200 symbols into a 7-month year file
 *   peaked at 356 MB in 3.5 s, into an 11-month one (December) at 496 MB in
 *   3.3 s. 2 GB leaves room for years with more symbols and buys a whole vCPU.
 * tests/pipeline_cdk checks each function's peak under node stays below 80 %
 * of its memory when it runs the deployed bundles.
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
    memoryMb: 320,
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
