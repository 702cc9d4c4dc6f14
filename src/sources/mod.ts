/**
 * External sources: ASX company lists (CSV exports and constituents tables on
 * web pages) and daily bars from Yahoo Finance's chart API.
 *
 * @module
 */
export {
  ASX_LIST_URL,
  type AsxCompany,
  fetchAsxList,
  type FetchAsxListOptions,
  parseAsxHtml,
  parseAsxList,
  type ParseAsxOptions,
} from "./asx.ts";
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
