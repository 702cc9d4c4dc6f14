/**
 * asxlab: a research workbench for ASX equities. This module is the public API
 * that notebooks and scripts import; it only re-exports.
 *
 * @module
 */
export * from "./core/mod.ts";
export * from "./lake/mod.ts";
export * from "./sources/mod.ts";
export * from "./pipeline/mod.ts";
export * from "./indicators/mod.ts";
export * from "./backtest/mod.ts";
export * from "./plot/mod.ts";
