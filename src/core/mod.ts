/**
 * Shared types: `Bars`, dates, symbols and the typed errors.
 *
 * @module
 */
export * from "./bars.ts";
export * from "./dates.ts";
export * from "./errors.ts";
export * from "./symbol.ts";
export * from "./calendar.ts";
export * from "./ohlcv_columns.ts";
export * from "./synthetic.ts";
export * from "./plain_bars.ts";
export { type CsvBarsOptions, parseCsvBars, readCsvBars } from "./csv_bars.ts";
