/**
 * Shared plumbing for the deno-task CLIs: typed errors become one line on
 * stderr and exit code 2; anything else is a bug and keeps its stack.
 *
 * @module
 */

import { ConfigError, FetchError, LakeError } from "../core/errors.ts";

/**
 * Runs a CLI's main function and exits with its code; user-facing errors print
 * one line (`error: …`) and exit 2.
 *
 * @param main The CLI body; resolves to an exit code.
 */
export async function runCli(main: () => Promise<number>): Promise<never> {
  let code: number;
  try {
    code = await main();
  } catch (err) {
    if (
      err instanceof ConfigError || err instanceof LakeError || err instanceof FetchError ||
      err instanceof RangeError
    ) {
      console.error(`error: ${oneLine(err.message)}`);
      code = 2;
    } else {
      throw err;
    }
  }
  Deno.exit(code);
}

/**
 * Resolves a path given on the command line against the directory the user ran
 * the command in: `INIT_CWD`, which `deno task` (and `npm`) set to it before
 * running the task from the project root, else the working directory. Absolute
 * paths and URIs (`s3://…`, `file://…`) are returned unchanged. Every CLI flag
 * that names a file or directory goes through this.
 *
 * Deliberately free of `node:path`: the backtest CLI starts without loading any
 * `node:` builtin.
 *
 * @param path As typed, e.g. `my.csv`, `../data`, `s3://bucket/asx`.
 * @returns The path to open.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cliPath } from "./_cli.ts";
 * assert.equal(cliPath("/abs/my.csv"), "/abs/my.csv");
 * assert.equal(cliPath("s3://bucket/asx"), "s3://bucket/asx");
 * assert.ok(cliPath("my.csv").endsWith("/my.csv"));
 * ```
 */
export function cliPath(path: string): string {
  if (path === "" || /^[A-Za-z][A-Za-z0-9+.\-]*:\/\//.test(path)) return path;
  if (path.startsWith("/") || path.startsWith("\\") || /^[A-Za-z]:[\\/]/.test(path)) return path;
  let base: string | undefined;
  try {
    base = Deno.env.get("INIT_CWD");
  } catch {
    base = undefined; // no --allow-env: the working directory it is
  }
  base ||= Deno.cwd();
  const sep = base.includes("\\") && !base.includes("/") ? "\\" : "/";
  return base.endsWith(sep) ? base + path : base + sep + path;
}

/** Folds a multi-line message (e.g. DuckDB's, with its caret) into one line. */
function oneLine(message: string): string {
  return message.split("\n").map((l) => l.trim()).filter((l) => l && !/^\^+$/.test(l)).join(" | ");
}

/**
 * Formats rows as an aligned text table.
 *
 * @param header Column names.
 * @param rows Cell strings.
 * @returns The table, one line per row, numbers right-aligned.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatRows } from "./_cli.ts";
 * assert.ok(formatRows(["a", "b"], [["x", "1"]]).split("\n").length === 3);
 * ```
 */
export function formatRows(header: string[], rows: string[][]): string {
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => (r[j] ?? "").length)));
  const numeric = header.map((_, j) =>
    rows.length > 0 && rows.every((r) => /^-?[\d.,e+]+$|^$/.test(r[j] ?? ""))
  );
  const line = (cells: string[]) =>
    cells.map((c, j) => numeric[j] ? c.padStart(widths[j]!) : c.padEnd(widths[j]!)).join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}
