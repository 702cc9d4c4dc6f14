/**
 * Lambda entry point of the `AggregateResults` state: settings from the
 * environment (`ASXLAB_LAKE`, …), then `aggregateResults`.
 *
 * @module
 */

import { type AggregateEvent, aggregateResults, type RunSummary } from "../aggregate_results.ts";
import { lambdaDeps } from "./_deps.ts";

/**
 * @param event Run date, the symbol step's metadata, the batch results.
 * @returns The run summary.
 */
export async function handler(event: AggregateEvent): Promise<RunSummary> {
  return await aggregateResults(event, (await lambdaDeps()).aggregate);
}
