/**
 * Paths the user typed, resolved where the user typed them. `deno task` runs a
 * task in the project's directory (where deno.json is) and passes the directory
 * the user ran it from as `INIT_CWD`; a relative `--out report.html` means that
 * directory. (The smallest local version: issue 10 brings a shared resolver for
 * every CLI path flag; this one serves `deno task backtest --out`.)
 *
 * Plain string work, no `node:path`: the CLIs load no `node:` builtin at start-up.
 *
 * @module
 */

/**
 * A path as the user meant it: absolute paths as they are, relative ones against
 * `INIT_CWD` (set by `deno task`), else against the process's working directory.
 *
 * @param path The path as typed.
 * @param base The directory it is relative to. @default {$INIT_CWD, else Deno.cwd()}
 * @returns An absolute path.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { userPath } from "./_paths.ts";
 * assert.equal(userPath("out/report.html", "/home/me/"), "/home/me/out/report.html");
 * assert.equal(userPath("/tmp/r.html", "/home/me"), "/tmp/r.html");
 * assert.equal(userPath("C:\\r.html", "/home/me"), "C:\\r.html");
 * ```
 */
export function userPath(
  path: string,
  base: string = Deno.env.get("INIT_CWD") || Deno.cwd(),
): string {
  if (/^([A-Za-z]:)?[\\/]/.test(path)) return path;
  return `${base.replace(/[\\/]+$/, "")}/${path.replace(/^\.[\\/]/, "")}`;
}
