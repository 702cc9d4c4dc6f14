/**
 * What the app's scripts share: one line on stderr for an error, and an exit code.
 *
 * @module
 */

import process from "node:process";

/** An error as the one line a script prints: its message, not its stack. */
export function errorLine(err: unknown): string {
  return `error: ${err instanceof Error ? err.message : String(err)}`;
}

/**
 * Runs a script's `main`, setting the exit code it returns; an error thrown
 * (a bad argument, a bad context value) prints one line and exits 2.
 *
 * @param main The script; resolves to its exit code.
 */
export async function runScript(main: () => number | Promise<number>): Promise<void> {
  try {
    process.exitCode = await main();
  } catch (err) {
    console.error(errorLine(err));
    process.exitCode = 2;
  }
}
