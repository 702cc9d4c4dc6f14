/**
 * Lambda entry point of the `FetchStockData` state: settings from the
 * environment (`ASXLAB_LAKE`, `ASXLAB_YAHOO_URL`, `ASXLAB_FETCH_PAUSE_MS`, …),
 * then `fetchBatch`.
 *
 * @module
 */

import { fetchBatch, type FetchBatchEvent, type FetchBatchOutput } from "../fetch_batch.ts";
import { lambdaDeps } from "./_deps.ts";

/**
 * @param event One batch: symbols, batch number, run date, backfill start.
 * @returns The batch's metadata.
 */
export async function handler(event: FetchBatchEvent): Promise<FetchBatchOutput> {
  return await fetchBatch(event, (await lambdaDeps()).fetchBatch);
}
