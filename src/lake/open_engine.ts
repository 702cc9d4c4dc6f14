/**
 * Picks and opens a query engine: duckdb-wasm by default, native DuckDB when
 * asked for (`engine: "native"` or `ASXLAB_ENGINE=native`). The heavy parts
 * (duckdb-wasm's 18 MB module, the native addon) load only when an engine of
 * that kind first runs.
 *
 * @module
 */

import { envVar } from "../core/env.ts";
import { ConfigError } from "../core/errors.ts";
import type { Engine, EngineKind } from "./engine.ts";
// Both modules are light: duckdb-wasm and the native addon load on first use.
import { closeAll, openWasmEngine } from "./engine_wasm.ts";
import { closeAllNative, openNativeEngine } from "./engine_native.ts";

const KINDS: readonly EngineKind[] = ["wasm", "native"];

/**
 * Which engine to use: the argument, else env `ASXLAB_ENGINE`, else `"wasm"`.
 *
 * @param kind An explicit choice.
 * @returns The engine kind.
 * @throws {ConfigError} On an unknown kind, quoting it and where it came from.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { engineKind } from "./open_engine.ts";
 * assert.equal(engineKind("native"), "native");
 * ```
 */
export function engineKind(kind?: string): EngineKind {
  let source = "engine option";
  let value = kind;
  if (value === undefined) {
    const env = envVar("ASXLAB_ENGINE");
    if (env === undefined || env.trim() === "") return "wasm";
    source = "ASXLAB_ENGINE";
    value = env.trim();
  }
  if ((KINDS as readonly string[]).includes(value)) return value as EngineKind;
  throw new ConfigError(
    `Unknown query engine "${value}" (from ${source}): expected "wasm" or "native"`,
  );
}

/**
 * Opens a query engine.
 *
 * @param kind `"wasm"` or `"native"`; default from env `ASXLAB_ENGINE`, else `"wasm"`.
 * @returns A new engine; close it with `engine.close()` and, at the end, {@link closeEngines}.
 * @throws {ConfigError} On an unknown kind.
 * @throws {LakeError} When the engine cannot start.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { closeEngines, openEngine } from "./open_engine.ts";
 * const engine = await openEngine();
 * const t = await engine.query("SELECT 1 AS one");
 * assert.equal(t.numRows, 1);
 * await closeEngines();
 * ```
 */
export async function openEngine(kind?: EngineKind): Promise<Engine> {
  const chosen = engineKind(kind);
  if (chosen === "native") {
    return await openNativeEngine();
  }
  return await openWasmEngine();
}

/**
 * Closes every engine opened in this process and releases the shared wasm
 * instance, so CLIs exit promptly and test sanitizers pass. Engines opened
 * afterwards start afresh.
 *
 * @returns When everything is closed.
 * @example
 * ```ts
 * import { closeEngines } from "./open_engine.ts";
 * await closeEngines();
 * ```
 */
export async function closeEngines(): Promise<void> {
  await closeAll();
  await closeAllNative();
}
