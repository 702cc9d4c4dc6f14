/**
 * External sources: ASX company lists (CSV exports and constituents tables on
 * web pages) and daily bars from Yahoo Finance's chart API.
 *
 * @module
 */
export { type AsxCompany, parseAsxHtml, parseAsxList, type ParseAsxOptions } from "./asx.ts";
export {
  type DailyBars,
  type DividendEvent,
  fetchDailyBars,
  type FetchDailyBarsOptions,
  localDate,
  type RetryOptions,
  type SplitEvent,
  YAHOO_CHART_BASE,
  YahooError,
  type YahooFailure,
  type YahooOptions,
} from "./yahoo.ts";
