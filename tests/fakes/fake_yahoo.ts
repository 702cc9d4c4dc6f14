/**
 * A fake Yahoo Finance for tests, benches and offline runs: a loopback HTTP
 * server answering `GET /v8/finance/chart/{symbol}` the way Yahoo's v8 chart
 * API does, and `GET /asx-research/1.0/companies/directory/file` with an ASX
 * company list.
 *
 * - Symbols with a recorded real response (`tests/fixtures/yahoo/`: AAPL with a
 *   split and a dividend, OCDO.L priced in pence, WSU.DE with a null bar, SI a
 *   404) are answered with that recording, byte for byte.
 * - Any other symbol gets a deterministic synthetic market from
 *   `src/core/synthetic.ts` (the lake bench's generator): bars on ASX trading
 *   days, each stamped at 10:00 Australia/Sydney (so the UTC date is the day
 *   before), splits as Yahoo split events, `exchangeTimezoneName`
 *   `Australia/Sydney`. {@link FakeYahoo.series} hands tests the same bars.
 * - Faults, by rate (deterministic per symbol and attempt) or by symbol
 *   (always): `429` with `Retry-After`, `500`, `503`, `stall` (no answer for
 *   `stallMs`), `stall-body` (headers and half the body, then
 *   nothing), `truncated` (a 200 whose JSON stops halfway), `malformed` (a 200
 *   that is not JSON), `null-bars` (every other bar all `null`), `404`, and two
 *   kinds of bad prices Yahoo really sends, on every bar of the answer: `spike`
 *   (prices ×3 with no split; in a one-day fetch, a one-day spike that the
 *   pipeline's jump check quarantines) and `bad-ohlc` (each high below its
 *   close, which the lake's door quarantines).
 *
 * Run it by hand with `deno task fake-yahoo` (see `fake_yahoo_cli.ts`).
 *
 * @module
 */

import { tradingDays } from "../../src/core/calendar.ts";
import { formatDate, parseDate } from "../../src/core/dates.ts";
import type { OhlcvColumns } from "../../src/core/ohlcv_columns.ts";
import {
  type SyntheticSplit,
  type SyntheticSymbolChunk,
  syntheticSymbolChunks,
} from "../../src/core/synthetic.ts";

/** The faults the server can inject. */
export const FAULT_KINDS = [
  "429",
  "500",
  "503",
  "stall",
  "stall-body",
  "truncated",
  "malformed",
  "null-bars",
  "404",
  "spike",
  "bad-ohlc",
] as const;

/** One of {@link FAULT_KINDS}. */
export type FaultKind = typeof FAULT_KINDS[number];

/** Faults that a client can get past by retrying: what `faultRate` injects by default. */
export const TRANSIENT_FAULTS: readonly FaultKind[] = FAULT_KINDS.filter((k) =>
  k !== "null-bars" && k !== "404" && k !== "spike" && k !== "bad-ohlc"
);

/** Options of {@link startFakeYahoo}. */
export interface FakeYahooOptions {
  /** Port on 127.0.0.1. @default {0 (random)} */
  port?: number;
  /** Seed of the synthetic market. @default {2026} */
  seed?: number;
  /** First date of the synthetic market (its series start here). @default {"2004-01-01"} */
  marketStart?: string;
  /** Last date of the synthetic market. @default {"2026-12-31"} */
  marketEnd?: string;
  /** Synthetic suspension rate per symbol and day (see `SyntheticOptions`). @default {0.0005} */
  suspensionRate?: number;
  /** Synthetic split rate per symbol and day. @default {0.0002} */
  splitRate?: number;
  /** Delay before every answer, in ms. @default {0} */
  latencyMs?: number;
  /** Share of chart requests that get a fault from `faultKinds`, decided per (symbol, attempt). @default {0} */
  faultRate?: number;
  /** The faults `faultRate` draws from. @default {TRANSIENT_FAULTS} */
  faultKinds?: readonly FaultKind[];
  /** Faults for given symbols on every request. */
  symbolFaults?: Readonly<Record<string, FaultKind>>;
  /** `Retry-After` sent with 429s, in seconds. @default {1} */
  retryAfterSeconds?: number;
  /** How long a stall holds the connection if the client does not give up first. @default {30000} */
  stallMs?: number;
  /** Serve the recorded responses for their symbols. @default {true} */
  recorded?: boolean;
  /** The body of the ASX company list. @default {the recorded 2024-08-01 directory export} */
  asxList?: string;
}

/** What the server has seen. */
export interface FakeYahooStats {
  /** Chart requests received. */
  requests: number;
  /** Chart requests per symbol. */
  bySymbol: Map<string, number>;
  /** Faults injected, by kind. */
  faults: Record<FaultKind, number>;
  /** ASX list requests received. */
  listRequests: number;
}

/** A running fake. */
export interface FakeYahoo {
  /** `http://127.0.0.1:<port>`: pass it as `baseUrl` / `--yahoo-url`. */
  url: string;
  /** The ASX list URL on this server. */
  asxListUrl: string;
  /** Requests and faults so far. */
  stats: FakeYahooStats;
  /**
   * The synthetic bars a client should keep for `symbol` in [start, end]
   * (inclusive trading dates): what was served minus null bars.
   */
  series(symbol: string, start: string, end: string): SyntheticSymbolChunk;
  /** Changes faults while running (e.g. a symbol that recovers). */
  setSymbolFault(symbol: string, fault: FaultKind | undefined): void;
  /** Stops the server, releasing held connections. */
  close(): Promise<void>;
}

/** The path of the ASX company directory export, as on asx.api.markitdigital.com. */
export const ASX_LIST_PATH = "/asx-research/1.0/companies/directory/file";

const FIXTURES = new URL("../fixtures/", import.meta.url);

interface Recording {
  status: number;
  body: string;
  headers: Record<string, string>;
}

/** Loads the recorded responses, keyed by the symbol in their request URL. */
function loadRecordings(): Map<string, Recording> {
  const out = new Map<string, Recording>();
  for (const entry of Deno.readDirSync(new URL("yahoo/", FIXTURES))) {
    if (!entry.name.endsWith(".json")) continue;
    const rec = JSON.parse(Deno.readTextFileSync(new URL(`yahoo/${entry.name}`, FIXTURES)));
    const symbol = decodeURIComponent(
      new URL(rec.request.url).pathname.split("/").at(-1)!,
    );
    const body = rec.response.bodyJson !== undefined
      ? JSON.stringify(rec.response.bodyJson)
      : String(rec.response.body);
    out.set(symbol, {
      status: rec.response.status,
      body,
      headers: { "content-type": "application/json;charset=utf-8" },
    });
  }
  return out;
}

/** 32-bit FNV-1a of a string mixed with a seed, as a number in [0, 1). */
function unit(seed: number, text: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return (h >>> 0) / 4294967296;
}

const offsetFormat = new Intl.DateTimeFormat("en-US", {
  timeZone: "Australia/Sydney",
  timeZoneName: "longOffset",
});

/** Sydney's UTC offset in seconds at an instant (`GMT+10:00` → 36000). */
function sydneyOffset(epochMs: number): number {
  const name = offsetFormat.formatToParts(epochMs).find((p) => p.type === "timeZoneName")!.value;
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  return m ? (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 3600 + Number(m[3]) * 60) : 0;
}

/** Unix seconds of 10:00 Sydney time on an epoch day: the ASX open, Yahoo's daily timestamp. */
export function asxOpenTimestamp(day: number): number {
  const tenLocalAsUtc = day * 86_400 + 10 * 3600;
  return tenLocalAsUtc - sydneyOffset(tenLocalAsUtc * 1000);
}

/** Yahoo's split ratio for a synthetic ratio (2 → 2:1, 0.1 → 1:10). */
function splitFraction(ratio: number): { numerator: number; denominator: number } {
  return ratio >= 1
    ? { numerator: ratio, denominator: 1 }
    : { numerator: 1, denominator: Math.round(1 / ratio) };
}

/** Which bars the `null-bars` fault blanks: every other bar, by position in the market. */
function isNullBar(indexInMarket: number): boolean {
  return indexInMarket % 2 === 1;
}

/**
 * Starts the fake on 127.0.0.1.
 *
 * @param options Market, latency and faults.
 * @returns The running server; `close()` it.
 *
 * @example
 * ```ts ignore
 * const fake = await startFakeYahoo({ faultRate: 0.05 });
 * try { console.log(fake.url); } finally { await fake.close(); }
 * ```
 */
export function startFakeYahoo(options: FakeYahooOptions = {}): Promise<FakeYahoo> {
  const seed = options.seed ?? 2026;
  const marketStart = options.marketStart ?? "2004-01-01";
  const marketEnd = options.marketEnd ?? "2026-12-31";
  const marketDays = tradingDays(marketStart, marketEnd).length;
  const latencyMs = options.latencyMs ?? 0;
  const faultRate = options.faultRate ?? 0;
  const faultKinds = options.faultKinds ?? TRANSIENT_FAULTS;
  const symbolFaults = new Map(Object.entries(options.symbolFaults ?? {}));
  const retryAfterSeconds = options.retryAfterSeconds ?? 1;
  const stallMs = options.stallMs ?? 30_000;
  const recordings = options.recorded === false ? new Map() : loadRecordings();
  const asxList = options.asxList ??
    Deno.readTextFileSync(new URL("asx/ASX_Listed_Companies_2024-08-01.csv", FIXTURES));
  const stats: FakeYahooStats = {
    requests: 0,
    bySymbol: new Map(),
    faults: Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>,
    listRequests: 0,
  };
  const held = new Set<() => void>();
  const cache = new Map<string, SyntheticSymbolChunk>();

  const market = (symbol: string): SyntheticSymbolChunk => {
    let chunk = cache.get(symbol);
    if (chunk === undefined) {
      chunk = syntheticSymbolChunks({
        symbols: [symbol],
        start: marketStart,
        days: marketDays,
        seed,
        ...(options.suspensionRate === undefined ? {} : { suspensionRate: options.suspensionRate }),
        ...(options.splitRate === undefined ? {} : { splitRate: options.splitRate }),
      }).next().value as SyntheticSymbolChunk;
      if (cache.size >= 256) cache.delete(cache.keys().next().value!);
      cache.set(symbol, chunk);
    }
    return chunk;
  };

  /** Bars of the market in [from, to] epoch days: start and end row indices. */
  const window = (c: OhlcvColumns, from: number, to: number): [number, number] => {
    let i = 0;
    while (i < c.date.length && c.date[i]! < from) i++;
    let j = i;
    while (j < c.date.length && c.date[j]! <= to) j++;
    return [i, j];
  };

  const chartBody = (
    symbol: string,
    period1: number,
    period2: number,
    fault: FaultKind | undefined,
  ) => {
    const nullBars = fault === "null-bars";
    const chunk = market(symbol);
    const c = chunk.columns;
    // period2 is exclusive in Yahoo's API: bars whose open is before it.
    const [i, j] = window(c, Math.floor(period1 / 86_400) - 1, Math.ceil(period2 / 86_400) + 1);
    const ts: number[] = [], open: (number | null)[] = [], high: (number | null)[] = [];
    const low: (number | null)[] = [], close: (number | null)[] = [];
    const volume: (number | null)[] = [], adj: (number | null)[] = [];
    for (let k = i; k < j; k++) {
      const t = asxOpenTimestamp(c.date[k]!);
      if (t < period1 || t >= period2) continue;
      ts.push(t);
      const blank = nullBars && isNullBar(k);
      open.push(blank ? null : c.open[k]!);
      high.push(blank ? null : c.high[k]!);
      low.push(blank ? null : c.low[k]!);
      close.push(blank ? null : c.close[k]!);
      volume.push(blank ? null : c.volume[k]!);
      adj.push(blank ? null : c.adjusted_close[k]!);
    }
    for (let k = 0; k < ts.length && close[k] !== null; k++) {
      if (fault === "spike") {
        for (const column of [open, high, low, close, adj]) column[k] = 3 * column[k]!;
      } else if (fault === "bad-ohlc") high[k] = Math.min(open[k]!, close[k]!) * 0.99;
    }
    const splits: Record<string, unknown> = {};
    for (const s of chunk.splits) {
      const t = asxOpenTimestamp(s.date);
      if (t >= period1 && t < period2) {
        const f = splitFraction(s.ratio);
        splits[String(t)] = { date: t, ...f, splitRatio: `${f.numerator}:${f.denominator}` };
      }
    }
    const end = c.date.length - 1;
    const lastT = end >= 0 ? asxOpenTimestamp(c.date[end]!) : period2;
    const gmtoffset = sydneyOffset(lastT * 1000);
    const period = (start: number, end: number) => ({
      timezone: gmtoffset === 39600 ? "AEDT" : "AEST",
      start,
      end,
      gmtoffset,
    });
    const meta = {
      currency: "AUD",
      symbol,
      exchangeName: "ASX",
      fullExchangeName: "ASX",
      instrumentType: symbol.startsWith("^") ? "INDEX" : "EQUITY",
      firstTradeDate: c.date.length ? asxOpenTimestamp(c.date[0]!) : null,
      regularMarketTime: lastT + 6 * 3600,
      hasPrePostMarketData: false,
      gmtoffset,
      timezone: gmtoffset === 39600 ? "AEDT" : "AEST",
      exchangeTimezoneName: "Australia/Sydney",
      regularMarketPrice: end >= 0 ? c.close[end]! : 0,
      chartPreviousClose: i > 0 ? c.close[i - 1]! : (c.close[0] ?? 0),
      priceHint: 2,
      currentTradingPeriod: {
        pre: period(lastT - 3600, lastT),
        regular: period(lastT, lastT + 6 * 3600),
        post: period(lastT + 6 * 3600, lastT + 6 * 3600),
      },
      dataGranularity: "1d",
      range: "",
      validRanges: ["1d", "5d", "1mo", "3mo", "6mo", "1y", "2y", "5y", "10y", "ytd", "max"],
    };
    const result = {
      meta,
      ...(ts.length ? { timestamp: ts } : {}),
      ...(Object.keys(splits).length ? { events: { splits } } : {}),
      indicators: ts.length
        ? { quote: [{ open, high, low, close, volume }], adjclose: [{ adjclose: adj }] }
        : { quote: [{}], adjclose: [{}] },
    };
    return JSON.stringify({ chart: { result: [result], error: null } });
  };

  // Held until stallMs passes or the server closes (a client that gives up does not end it:
  // Deno.serve's request.signal also fires on normal completion, so it cannot tell).
  const hold = (): Promise<void> =>
    new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        held.delete(done);
        resolve();
      };
      const timer = setTimeout(done, stallMs);
      held.add(done);
    });

  const json = (status: number, body: string, headers: Record<string, string> = {}) =>
    new Response(body, {
      status,
      headers: { "content-type": "application/json;charset=utf-8", ...headers },
    });

  const notFound = () =>
    json(
      404,
      JSON.stringify({
        chart: {
          result: null,
          error: { code: "Not Found", description: "No data found, symbol may be delisted" },
        },
      }),
    );

  const handler = async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));
    if (url.pathname === ASX_LIST_PATH) {
      stats.listRequests++;
      return new Response(asxList, { headers: { "content-type": "text/csv" } });
    }
    const m = /^\/v8\/finance\/chart\/([^/]+)$/.exec(url.pathname);
    if (req.method !== "GET" || m === null) return new Response("Not Found", { status: 404 });
    const symbol = decodeURIComponent(m[1]!);
    stats.requests++;
    const attempt = (stats.bySymbol.get(symbol) ?? 0) + 1;
    stats.bySymbol.set(symbol, attempt);
    let fault = symbolFaults.get(symbol);
    if (
      fault === undefined && faultRate > 0 && faultKinds.length > 0 &&
      unit(seed, `${symbol}#${attempt}`) < faultRate
    ) {
      fault = faultKinds[Math.floor(unit(seed + 1, `${symbol}#${attempt}`) * faultKinds.length)];
    }
    if (fault !== undefined) stats.faults[fault]++;
    switch (fault) {
      case "429":
        return new Response("Edge: Too Many Requests", {
          status: 429,
          headers: { "retry-after": String(retryAfterSeconds), "content-type": "text/plain" },
        });
      case "500":
        return json(
          500,
          JSON.stringify({ finance: { result: null, error: { code: "internal-error" } } }),
        );
      case "503":
        return new Response("<html><body><b>Http/1.1 Service Unavailable</b></body></html>", {
          status: 503,
          headers: { "content-type": "text/html" },
        });
      case "404":
        return notFound();
      case "stall":
        await hold();
        return new Response("", { status: 504 });
      case "malformed":
        return json(200, "<html><body>Will be right back…</body></html>");
    }
    const recording = recordings.get(symbol);
    let body: string;
    let status = 200;
    if (recording !== undefined) {
      body = recording.body;
      status = recording.status;
    } else {
      const period1 = Number(url.searchParams.get("period1"));
      const period2 = Number(url.searchParams.get("period2") ?? Date.now() / 1000);
      if (!Number.isFinite(period1) || !Number.isFinite(period2) || period2 <= period1) {
        return json(
          400,
          JSON.stringify({
            chart: {
              result: null,
              error: { code: "Bad Request", description: "Invalid input - period1/period2" },
            },
          }),
        );
      }
      if (!/^\^?[A-Z0-9.\-]{1,12}$/.test(symbol)) return notFound();
      body = chartBody(symbol, period1, period2, fault);
    }
    if (fault === "truncated") return json(200, body.slice(0, Math.floor(body.length / 2)));
    if (fault === "stall-body") {
      const half = new TextEncoder().encode(body.slice(0, Math.floor(body.length / 2)));
      const stream = new ReadableStream<Uint8Array>({
        async start(controller) {
          controller.enqueue(half);
          await hold();
          controller.error(new Error("stalled body abandoned"));
        },
      });
      return new Response(stream, {
        status: 200,
        headers: { "content-type": "application/json;charset=utf-8" },
      });
    }
    return json(status, body);
  };

  const server = Deno.serve(
    { hostname: "127.0.0.1", port: options.port ?? 0, onListen: () => {} },
    handler,
  );
  const url = `http://127.0.0.1:${server.addr.port}`;
  return Promise.resolve({
    url,
    asxListUrl: `${url}${ASX_LIST_PATH}`,
    stats,
    series(symbol: string, start: string, end: string): SyntheticSymbolChunk {
      const chunk = market(symbol);
      const [i, j] = window(chunk.columns, parseDate(start), parseDate(end));
      const keep: number[] = [];
      for (let k = i; k < j; k++) {
        if (!(symbolFaults.get(symbol) === "null-bars" && isNullBar(k))) keep.push(k);
      }
      const c = chunk.columns;
      const pick = (a: Float64Array) => Float64Array.from(keep, (k) => a[k]!);
      const inRange = (d: number) => d >= parseDate(start) && d <= parseDate(end);
      return {
        symbol,
        columns: {
          symbol: keep.map(() => symbol),
          date: Int32Array.from(keep, (k) => c.date[k]!),
          open: pick(c.open),
          high: pick(c.high),
          low: pick(c.low),
          close: pick(c.close),
          volume: pick(c.volume),
          adjusted_close: pick(c.adjusted_close),
        },
        splits: chunk.splits.filter((s: SyntheticSplit) => inRange(s.date)),
        suspensions: chunk.suspensions.filter((s) =>
          s.end >= parseDate(start) && s.start <= parseDate(end)
        ),
      };
    },
    setSymbolFault(symbol: string, fault: FaultKind | undefined) {
      if (fault === undefined) symbolFaults.delete(symbol);
      else symbolFaults.set(symbol, fault);
    },
    async close() {
      for (const release of [...held]) release();
      await server.shutdown();
    },
  });
}

/** Formats a synthetic split as Yahoo would report it, for assertions. */
export function yahooSplit(split: SyntheticSplit): {
  symbol: string;
  date: string;
  numerator: number;
  denominator: number;
} {
  return { symbol: split.symbol, date: formatDate(split.date), ...splitFraction(split.ratio) };
}
