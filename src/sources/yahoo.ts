/**
 * Daily bars from Yahoo Finance's v8 chart API, through yahoo-finance2's
 * `chart()` with our own transport: timeouts, retries with backoff, and an
 * optional base URL that sends every request to a local server instead of
 * Yahoo (the fake in `tests/fakes/`, or a proxy).
 *
 * Facts this module relies on (yahoo-finance2 4.0.2):
 * - `versionCheck: false` is passed, or a validation error makes it query the npm registry;
 * - it has no retry of its own, and `chart()` needs no cookie or crumb;
 * - it logs the URL of every non-OK response with `console.error`, and its
 *   `HTTPError` carries no headers: so the transport answers non-OK responses
 *   itself (with `Retry-After`) and yahoo-finance2 only ever sees a 200.
 *
 * Yahoo's daily timestamps are the session's open in UTC; for `.AX` symbols
 * (10:00 Sydney) that is the previous UTC day. Each bar's trading date is its
 * timestamp read in the response's own `exchangeTimezoneName`, never a fixed
 * offset. Prices are in the currency Yahoo quotes (`currency`: `AUD` for the
 * ASX, `GBp` — pence — for London); `close` is split-adjusted by Yahoo, and
 * `adjusted_close` is split- and dividend-adjusted.
 *
 * @module
 */

import { formatDate, parseDate } from "../core/dates.ts";
import { ConfigError, FetchError } from "../core/errors.ts";
import type { OhlcvColumns } from "../core/ohlcv_columns.ts";
import { validateSymbol } from "../core/symbol.ts";
import { loadPipelinePackage } from "./_pipeline_packages.ts";

/** Yahoo's chart host, which {@link YahooOptions.baseUrl} replaces. */
export const YAHOO_CHART_BASE = "https://query2.finance.yahoo.com";

/** Retry policy of {@link fetchDailyBars}. */
export interface RetryOptions {
  /** Retries after the first attempt. @default {4} */
  retries?: number;
  /** First backoff, doubled at each retry (then jittered to 50-100 %). @default {1000} */
  baseMs?: number;
  /** Longest backoff. @default {30000} */
  maxMs?: number;
  /** A `Retry-After` longer than this is not waited for: the symbol fails at once. @default {120000} */
  maxRetryAfterMs?: number;
}

/** How {@link fetchDailyBars} talks to Yahoo. */
export interface YahooOptions {
  /**
   * Send every request to this base (`http://127.0.0.1:8080`) instead of
   * Yahoo's hosts; the path and query are kept. @default {Yahoo}
   */
  baseUrl?: string;
  /** The HTTP client. @default {globalThis.fetch} */
  fetch?: typeof fetch;
  /** Per request, headers and body included. @default {10000} (Yahoo answers a chart request in well under a second) */
  timeoutMs?: number;
  /** Retries on 429, 5xx, timeouts, network errors and truncated bodies. */
  retry?: RetryOptions;
  /** Waits between retries (tests pass a recorder). @default {setTimeout} */
  sleep?: (ms: number) => Promise<void>;
  /** Jitter source in [0, 1). @default {Math.random} */
  random?: () => number;
}

/** Options of {@link fetchDailyBars}. */
export interface FetchDailyBarsOptions extends YahooOptions {
  /** First trading date wanted, `YYYY-MM-DD`. */
  start: string;
  /** Last trading date wanted, `YYYY-MM-DD` (inclusive). */
  end: string;
}

/** A split as Yahoo reports it: `numerator` new shares for `denominator` old ones. */
export interface SplitEvent {
  /** The ticker. */
  symbol: string;
  /** First trading date on the new basis, `YYYY-MM-DD`. */
  date: string;
  /** New shares. */
  numerator: number;
  /** Old shares. */
  denominator: number;
}

/** A cash dividend per share, in the symbol's quote currency. */
export interface DividendEvent {
  /** The ticker. */
  symbol: string;
  /** Ex-dividend date, `YYYY-MM-DD`. */
  date: string;
  /** Amount per share. */
  amount: number;
}

/** What {@link fetchDailyBars} returns. */
export interface DailyBars {
  /** The ticker. */
  symbol: string;
  /** Bars in the range, ascending by trading date, in the lake's raw columns. */
  rows: OhlcvColumns;
  /** Splits and dividends in the range. */
  events: { splits: SplitEvent[]; dividends: DividendEvent[] };
  /** Bars in the range that Yahoo sent with a null price or volume (dropped). */
  dropped: number;
  /** The quote currency, e.g. `"AUD"`, `"GBp"` (pence). */
  currency: string;
  /** The exchange's IANA time zone the dates were read in. */
  exchangeTimezoneName: string;
  /** Requests made (1 + retries). */
  attempts: number;
}

/** Why a Yahoo request failed. */
export type YahooFailure =
  | "not-found"
  | "rate-limited"
  | "server-error"
  | "http-error"
  | "timeout"
  | "network"
  | "malformed";

const RETRYABLE: ReadonlySet<YahooFailure> = new Set([
  "rate-limited",
  "server-error",
  "timeout",
  "network",
  "malformed",
]);

/**
 * A failed Yahoo request: what kind of failure, whether it was worth retrying,
 * how many attempts were made.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { YahooError } from "./yahoo.ts";
 * const err = new YahooError('Cannot fetch "X.AX" from Yahoo: not found', {
 *   symbol: "X.AX", failure: "not-found", status: 404,
 * });
 * assert.equal(err.retryable, false);
 * ```
 */
export class YahooError extends FetchError {
  /** The kind of failure. */
  readonly failure: YahooFailure;
  /** Whether another attempt could succeed (429, 5xx, timeouts, network errors, truncated bodies). */
  readonly retryable: boolean;
  /** Requests made before giving up. */
  attempts: number;
  /** The server's `Retry-After`, in milliseconds, when it sent one. */
  readonly retryAfterMs: number | undefined;
  /**
   * @param message What was fetched and why it failed.
   * @param options The symbol, failure kind, HTTP status, `Retry-After`, attempts and cause.
   */
  constructor(
    message: string,
    options: {
      symbol: string;
      failure: YahooFailure;
      status?: number;
      retryAfterMs?: number;
      attempts?: number;
      cause?: unknown;
    },
  ) {
    super(message, options);
    this.name = "YahooError";
    this.failure = options.failure;
    this.retryable = RETRYABLE.has(options.failure);
    this.retryAfterMs = options.retryAfterMs;
    this.attempts = options.attempts ?? 1;
  }
}

const QUIET_LOGGER = {
  info() {},
  warn() {},
  error() {},
  debug() {},
  dir() {},
};

// deno-lint-ignore no-explicit-any
type ChartClient = { chart: (...args: any[]) => Promise<any> };
let client: Promise<ChartClient> | undefined;

/**
 * One yahoo-finance2 client with only the chart module (loaded on first use);
 * the transport is passed per request.
 */
function chartClient(): Promise<ChartClient> {
  client ??= (async () => {
    const [{ default: createYahooFinance }, { default: chart }] = await Promise.all([
      loadPipelinePackage("yahoo-finance2", () => import("yahoo-finance2/createYahooFinance")),
      loadPipelinePackage("yahoo-finance2", () => import("yahoo-finance2/modules/chart")),
    ]);
    const YahooFinance = createYahooFinance({ modules: { chart } });
    return new YahooFinance({
      versionCheck: false,
      validation: { logErrors: false, logOptionsErrors: false },
      logger: QUIET_LOGGER,
      suppressNotices: ["yahooSurvey"],
    }) as unknown as ChartClient;
  })();
  return client;
}

/** Parses `Retry-After` (seconds or an HTTP date) into milliseconds. */
function retryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** A short quote of a response body for messages. */
function snippet(body: string): string {
  const text = body.replace(/\s+/g, " ").trim();
  return text.length > 100 ? `${text.slice(0, 100)}…` : text;
}

/**
 * The transport handed to yahoo-finance2: rebases the URL, enforces the
 * timeout over headers and body, and turns every non-OK response and network
 * failure into a {@link YahooError}.
 */
function transport(symbol: string, options: YahooOptions): typeof fetch {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const base = options.baseUrl?.replace(/\/+$/, "");
  return (async (input: RequestInfo | URL, init?: RequestInit) => {
    let url = input instanceof Request ? input.url : String(input);
    if (base !== undefined) {
      const u = new URL(url);
      url = `${base}${u.pathname}${u.search}`;
    }
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const res = await fetchImpl(url, { ...init, signal: controller.signal });
      const body = await res.text();
      if (res.ok) return new Response(body, { status: res.status, headers: res.headers });
      const status = res.status;
      const what = `HTTP ${status}${body ? ` (${snippet(body)})` : ""}`;
      if (status === 404) {
        throw new YahooError(`Cannot fetch "${symbol}" from Yahoo: not found, ${what}`, {
          symbol,
          failure: "not-found",
          status,
        });
      }
      const failure: YahooFailure = status === 429
        ? "rate-limited"
        : status >= 500
        ? "server-error"
        : "http-error";
      throw new YahooError(`Cannot fetch "${symbol}" from Yahoo: ${what}`, {
        symbol,
        failure,
        status,
        retryAfterMs: retryAfter(res.headers.get("retry-after"), Date.now()),
      });
    } catch (err) {
      if (err instanceof YahooError) throw err;
      if (controller.signal.aborted) {
        throw new YahooError(
          `Cannot fetch "${symbol}" from Yahoo: no complete answer within ${timeoutMs} ms`,
          { symbol, failure: "timeout", cause: err },
        );
      }
      throw new YahooError(
        `Cannot fetch "${symbol}" from Yahoo: ${(err as Error).message ?? err} (${
          new URL(url).origin
        })`,
        { symbol, failure: "network", cause: err },
      );
    } finally {
      clearTimeout(timer);
    }
  }) as typeof fetch;
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();

/**
 * The calendar date of an instant in a time zone.
 *
 * @param epochSeconds Unix seconds (a Yahoo timestamp).
 * @param timeZone An IANA zone, e.g. `"Australia/Sydney"`.
 * @returns Epoch days of the local date.
 * @throws {RangeError} On an unknown time zone.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatDate } from "../core/dates.ts";
 * import { localDate } from "./yahoo.ts";
 * // 2024-07-31T23:00:00Z is 09:00 on 1 August in Sydney.
 * assert.equal(formatDate(localDate(Date.UTC(2024, 6, 31, 23) / 1000, "Australia/Sydney")), "2024-08-01");
 * ```
 */
export function localDate(epochSeconds: number, timeZone: string): number {
  let format = dateFormats.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat("en-CA", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
    });
    dateFormats.set(timeZone, format);
  }
  return parseDate(format.format(epochSeconds * 1000));
}

/** Checks one response and turns it into rows and events for [start, end]. */
function toDailyBars(
  symbol: string,
  // deno-lint-ignore no-explicit-any
  result: any,
  start: number,
  end: number,
): Omit<DailyBars, "attempts"> {
  const malformed = (why: string) =>
    new YahooError(`Cannot use Yahoo's answer for "${symbol}": ${why}`, {
      symbol,
      failure: "malformed",
    });
  const meta = result?.meta;
  const timeZone = meta?.exchangeTimezoneName;
  if (typeof timeZone !== "string" || timeZone === "") throw malformed("no exchangeTimezoneName");
  const timestamps: unknown[] = result.timestamp ?? [];
  const quote = result.indicators?.quote?.[0] ?? {};
  const adj: unknown[] | undefined = result.indicators?.adjclose?.[0]?.adjclose;
  const n = timestamps.length;
  const columns = ["open", "high", "low", "close", "volume"] as const;
  for (const c of columns) {
    if (n > 0 && (!Array.isArray(quote[c]) || quote[c].length !== n)) {
      throw malformed(`${n} timestamps but ${quote[c]?.length ?? "no"} ${c} values`);
    }
  }
  if (adj !== undefined && adj.length !== n) {
    throw malformed(`${n} timestamps but ${adj.length} adjclose values`);
  }
  let dates: Int32Array;
  try {
    dates = Int32Array.from(timestamps, (t) => {
      if (typeof t !== "number" || !Number.isFinite(t)) throw new TypeError(`timestamp ${t}`);
      return localDate(t, timeZone);
    });
  } catch (err) {
    throw malformed(`bad timestamp or time zone (${(err as Error).message})`);
  }
  // The bars to keep: in range, ascending, no null field, every value a finite number.
  const keep: number[] = [];
  let dropped = 0, last = -Infinity;
  for (let i = 0; i < n; i++) {
    const d = dates[i]!;
    if (d < start || d > end) continue;
    if (d <= last) throw malformed(`dates not ascending at ${formatDate(d)}`);
    last = d;
    const values = [quote.open[i], quote.high[i], quote.low[i], quote.close[i], quote.volume[i]];
    values.push(adj === undefined ? quote.close[i] : adj[i]);
    if (values.some((x) => x == null)) {
      dropped++;
      continue;
    }
    for (const x of values) {
      if (typeof x !== "number" || !Number.isFinite(x)) throw malformed(`non-numeric value ${x}`);
    }
    keep.push(i);
  }
  const column = (values: ArrayLike<unknown>) =>
    Float64Array.from(keep, (i) => values[i] as number);
  const rows: OhlcvColumns = {
    symbol: keep.map(() => symbol),
    date: Int32Array.from(keep, (i) => dates[i]!),
    open: column(quote.open),
    high: column(quote.high),
    low: column(quote.low),
    close: column(quote.close),
    volume: Float64Array.from(keep, (i) => Math.round(quote.volume[i])),
    adjusted_close: column(adj ?? quote.close),
  };
  const eventDate = (e: { date?: unknown }, key: string): number | undefined => {
    const t = e.date instanceof Date ? e.date.getTime() / 1000 : Number(e.date ?? key);
    if (!Number.isFinite(t)) return undefined;
    const d = localDate(t, timeZone);
    return d >= start && d <= end ? d : undefined;
  };
  const splits: SplitEvent[] = [];
  for (const [key, e] of Object.entries(result.events?.splits ?? {})) {
    const s = e as { date?: unknown; numerator?: unknown; denominator?: unknown };
    const d = eventDate(s, key);
    if (d === undefined) continue;
    if (!(Number(s.numerator) > 0 && Number(s.denominator) > 0)) {
      throw malformed(`split on ${formatDate(d)} with ratio ${s.numerator}:${s.denominator}`);
    }
    splits.push({
      symbol,
      date: formatDate(d),
      numerator: Number(s.numerator),
      denominator: Number(s.denominator),
    });
  }
  const dividends: DividendEvent[] = [];
  for (const [key, e] of Object.entries(result.events?.dividends ?? {})) {
    const v = e as { date?: unknown; amount?: unknown };
    const d = eventDate(v, key);
    if (d === undefined) continue;
    if (!Number.isFinite(Number(v.amount))) throw malformed(`dividend amount ${v.amount}`);
    dividends.push({ symbol, date: formatDate(d), amount: Number(v.amount) });
  }
  splits.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  dividends.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  return {
    symbol,
    rows,
    events: { splits, dividends },
    dropped,
    currency: String(meta.currency ?? ""),
    exchangeTimezoneName: timeZone,
  };
}

/** Classifies what `chart()` threw: our transport's errors pass through, the rest is a malformed answer. */
function classify(symbol: string, err: unknown): YahooError {
  if (err instanceof YahooError) return err;
  const message = (err as Error)?.message ?? String(err);
  if (/No data found/i.test(message)) {
    return new YahooError(`Cannot fetch "${symbol}" from Yahoo: not found (${message})`, {
      symbol,
      failure: "not-found",
      cause: err,
    });
  }
  return new YahooError(
    `Cannot use Yahoo's answer for "${symbol}": ${snippet(message)}`,
    { symbol, failure: "malformed", cause: err },
  );
}

const MS_PER_DAY = 86_400_000;

/**
 * Fetches one symbol's daily bars for an inclusive range of trading dates.
 *
 * The request asks Yahoo for two extra days on each side (so the range holds
 * in any exchange time zone) and keeps the bars whose local date falls in
 * [start, end]. Bars with a null price or volume are dropped and counted.
 * Failures are retried with exponential backoff and jitter (and at least the
 * server's `Retry-After`) when they can pass: HTTP 429 and 5xx, timeouts,
 * network errors and bodies that are not JSON. "Not found" (404 "No data
 * found") and answers that parse but make no sense are not retried.
 *
 * @param symbol Yahoo ticker, e.g. `"BHP.AX"`.
 * @param options The range, and how to reach Yahoo (base URL, fetch, timeout, retry policy).
 * @returns Rows, events, dropped-bar count, currency, time zone and attempts.
 * @throws {ConfigError} On an invalid symbol or range.
 * @throws {YahooError} (a `FetchError`) when the symbol cannot be fetched; `failure` says why,
 *   `attempts` how many requests were made.
 *
 * @example
 * ```ts ignore
 * import { fetchDailyBars } from "./yahoo.ts";
 * const { rows, events, dropped } = await fetchDailyBars("BHP.AX", {
 *   start: "2024-07-01", end: "2024-07-31", baseUrl: "http://127.0.0.1:8080",
 * });
 * console.log(rows.close.length, events.splits, dropped);
 * ```
 */
export async function fetchDailyBars(
  symbol: string,
  options: FetchDailyBarsOptions,
): Promise<DailyBars> {
  validateSymbol(symbol);
  const start = parseDate(options.start), end = parseDate(options.end);
  if (end < start) {
    throw new ConfigError(
      `Invalid range for "${symbol}": start ${options.start} is after end ${options.end}`,
    );
  }
  const retries = options.retry?.retries ?? 4;
  const baseMs = options.retry?.baseMs ?? 1000;
  const maxMs = options.retry?.maxMs ?? 30_000;
  const maxRetryAfterMs = options.retry?.maxRetryAfterMs ?? 120_000;
  const sleep = options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const random = options.random ?? Math.random;
  const query = {
    period1: new Date((start - 2) * MS_PER_DAY),
    period2: new Date((end + 3) * MS_PER_DAY),
    interval: "1d",
    events: "div|split",
    includePrePost: false,
    return: "object",
  };
  const client = await chartClient(); // outside the retries: a missing package is no fetch failure
  for (let attempt = 1;; attempt++) {
    let error: YahooError;
    try {
      const result = await client.chart(symbol, query, {
        fetch: transport(symbol, options),
      });
      return { ...toDailyBars(symbol, result, start, end), attempts: attempt };
    } catch (err) {
      error = classify(symbol, err);
    }
    error.attempts = attempt;
    if (!error.retryable || attempt > retries) throw error;
    if (error.retryAfterMs !== undefined && error.retryAfterMs > maxRetryAfterMs) {
      error.message += `; Retry-After ${error.retryAfterMs / 1000} s is longer than the ${
        maxRetryAfterMs / 1000
      } s this fetcher waits`;
      throw error;
    }
    const backoff = Math.min(maxMs, baseMs * 2 ** (attempt - 1)) * (0.5 + 0.5 * random());
    await sleep(Math.max(backoff, error.retryAfterMs ?? 0));
  }
}
