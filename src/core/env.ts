/**
 * Reading environment variables the same way under Deno and Node (`process.env`),
 * so library code never touches `Deno.*` and runs unchanged in a Node Lambda.
 *
 * @module
 */

import process from "node:process";

/**
 * The value of an environment variable, or `undefined` when it is unset, empty,
 * or cannot be read (Deno without `--allow-env`: treated as unset rather than
 * failing, since every variable asxlab reads has a default).
 *
 * @param name The variable, e.g. `"ASXLAB_LAKE"`.
 * @returns Its value, or `undefined`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { envVar } from "./env.ts";
 * assert.equal(envVar("ASXLAB_SURELY_UNSET_VARIABLE"), undefined);
 * ```
 */
export function envVar(name: string): string | undefined {
  let value: string | undefined;
  try {
    value = process.env[name];
  } catch {
    return undefined; // Deno without --allow-env
  }
  return value === undefined || value === "" ? undefined : value;
}
