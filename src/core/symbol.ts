/**
 * Yahoo tickers as asxlab's symbols: `BHP.AX`, indices like `^AXJO`.
 *
 * @module
 */

import { ConfigError } from "./errors.ts";

/** The pattern every symbol must match before it touches a key or a SQL string. */
export const SYMBOL_PATTERN: RegExp = /^\^?[A-Z0-9.\-]{1,12}$/;

/**
 * Checks that a symbol is a well-formed Yahoo ticker.
 *
 * @param symbol The ticker, e.g. `"BHP.AX"`.
 * @returns The same symbol.
 * @throws {ConfigError} When it does not match {@link SYMBOL_PATTERN}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateSymbol } from "./symbol.ts";
 * assert.ok(validateSymbol("^AXJO") === "^AXJO");
 * ```
 */
export function validateSymbol(symbol: string): string {
  if (!SYMBOL_PATTERN.test(symbol)) {
    throw new ConfigError(
      `Invalid symbol "${symbol}": expected a Yahoo ticker such as "BHP.AX" or "^AXJO"`,
    );
  }
  return symbol;
}

/**
 * Normalises a user-typed ASX code to a Yahoo ticker: upper case, `.AX` added
 * unless it is an index (`^…`) or already has an exchange suffix.
 *
 * @param code e.g. `"bhp"`, `"BHP.AX"`, `"^axjo"`.
 * @returns e.g. `"BHP.AX"`.
 * @throws {ConfigError} When the result is not a valid symbol.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toYahooSymbol } from "./symbol.ts";
 * assert.ok(toYahooSymbol("cba") === "CBA.AX");
 * assert.ok(toYahooSymbol("^AXJO") === "^AXJO");
 * ```
 */
export function toYahooSymbol(code: string): string {
  const upper = code.trim().toUpperCase();
  const symbol = upper.startsWith("^") || upper.endsWith(".AX") ? upper : `${upper}.AX`;
  return validateSymbol(symbol);
}
