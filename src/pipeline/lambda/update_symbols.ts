/**
 * Lambda entry point of the `UpdateASXSymbols` state: settings from the
 * environment (`ASXLAB_LAKE`, `ASXLAB_ASX_LIST_URL`, …), then `updateSymbols`.
 *
 * @module
 */

import {
  updateSymbols,
  type UpdateSymbolsEvent,
  type UpdateSymbolsOutput,
} from "../update_symbols.ts";
import { lambdaDeps } from "./_deps.ts";

/**
 * @param event The state machine's input.
 * @returns The run date, symbols and batches.
 */
export async function handler(event: UpdateSymbolsEvent): Promise<UpdateSymbolsOutput> {
  return await updateSymbols(event ?? {}, (await lambdaDeps()).updateSymbols);
}
