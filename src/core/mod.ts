/**
 * Shared types: `Bars` (Arrow-backed) and `PlainBars` (typed arrays, e.g. from
 * a CSV), adjusted prices, dates, symbols, the ASX calendar, synthetic bars and the typed errors.
 *
 * @module
 */
export * from "./bars.ts";
export * from "./dates.ts";
export * from "./errors.ts";
export * from "./symbol.ts";
export * from "./calendar.ts";
export type { OhlcvColumns } from "./ohlcv_columns.ts";
export * from "./synthetic.ts";
export * from "./plain_bars.ts";
export { type AdjustableBars, adjusted, type AdjustedOptions } from "./adjusted.ts";
export { type CsvBarsOptions, type CsvDateFormat, parseCsvBars } from "./csv_bars.ts";
export { readCsvBars } from "./read_csv_bars.ts";
