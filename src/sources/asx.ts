/**
 * ASX symbol lists: every layout the ASX has published, parsed into one record
 * shape, plus constituents tables on web pages (e.g. Wikipedia's "S&P/ASX 200").
 *
 * Columns are found by their header names, in any order, so a layout we have
 * not seen yet still parses when it names its columns recognisably. Anything
 * that is not such a list (an HTML error page, "Bad Gateway", a CSV without an
 * ASX code column) is an error naming what was found — never an empty list,
 * which the pipeline would read as "every company was delisted".
 *
 * Layouts known (see `tests/fixtures/asx/`):
 * - the old asx.com.au export: a title line `ASX listed companies as at …`, a
 *   blank line, then `Company name,ASX code,GICS industry group`;
 * - the current ASX company directory export: `"ASX code","Company name",
 *   "GICs industry group","Listing date","Market Cap"`, dates `dd/mm/yyyy`,
 *   market cap an integer, `SUSPENDED`, `--` or empty, no final newline.
 *
 * @module
 */

import { parse } from "csv-parse/sync";
import { parseDate } from "../core/dates.ts";
import { ConfigError, FetchError } from "../core/errors.ts";
import { validateSymbol } from "../core/symbol.ts";

/** One listed company (or fund) as the pipeline stores it. */
export interface AsxCompany {
  /** Yahoo ticker, e.g. `"BHP.AX"`. */
  symbol: string;
  /** ASX code, e.g. `"BHP"`. */
  code: string;
  /** Company name as the ASX writes it (may be empty). */
  name: string;
  /** GICS industry group or sector as the source writes it (`"Not Applic"` for funds; may be empty). */
  sector: string;
  /** Market capitalisation in AUD, or `null` when the source has none (`SUSPENDED`, `--`, empty). */
  marketCap: number | null;
  /** Listing date `YYYY-MM-DD`, or `null` when the source has none. */
  listingDate: string | null;
}

/** Options of {@link parseAsxList} and {@link parseAsxHtml}. */
export interface ParseAsxOptions {
  /** Where the text came from, for error messages (a file name or URL). @default {"input"} */
  source?: string;
}

type Field = "code" | "name" | "sector" | "marketCap" | "listingDate";

/** Header names (lower case, letters and digits only) that mean each field. */
const HEADER_NAMES: Record<Field, readonly string[]> = {
  code: ["asxcode", "code", "ticker", "asxticker", "symbol", "tickersymbol"],
  name: ["companyname", "company", "name", "securityname", "issuer"],
  sector: [
    "gicsindustrygroup",
    "industrygroup",
    "gicssector",
    "sector",
    "industry",
    "gicsindustry",
  ],
  marketCap: [
    "marketcap",
    "marketcapitalisation",
    "marketcapitalization",
    "mktcap",
    "marketvalue",
  ],
  listingDate: ["listingdate", "listeddate", "datelisted", "listed"],
};

/** ASX codes: 3 characters for most companies, up to 6 with deferred-settlement and other suffixes. */
const ASX_CODE = /^[A-Z0-9]{2,6}$/;

/** Values that mean "no number" in the market-cap and date columns. */
const NO_VALUE = new Set(["", "--", "-", "n/a", "na", "suspended", "null"]);

/** Normalises a header cell: lower case, letters and digits only, units in brackets dropped. */
function headerKey(cell: string): string {
  return cell.replace(/\(.*?\)|\[.*?\]/g, "").toLowerCase().replace(/[^a-z0-9]/g, "");
}

/** Maps each known field to its column index in a header row; undefined when the row has no code column. */
function matchHeader(cells: readonly string[]): Partial<Record<Field, number>> | undefined {
  const found: Partial<Record<Field, number>> = {};
  cells.forEach((cell, i) => {
    const key = headerKey(cell);
    for (const field of Object.keys(HEADER_NAMES) as Field[]) {
      if (found[field] === undefined && HEADER_NAMES[field].includes(key)) found[field] = i;
    }
  });
  return found.code === undefined || found.name === undefined ? undefined : found;
}

/** A short, single-line quote of some text for an error message. */
function quote(text: string, max = 80): string {
  const line = text.replace(/\s+/g, " ").trim();
  return JSON.stringify(line.length > max ? `${line.slice(0, max)}…` : line);
}

/** Says what a body that is not a list looks like: an HTML page (with its title) or its first line. */
function describeBody(text: string): string {
  const trimmed = text.trimStart();
  if (trimmed === "") return "the body is empty";
  if (/^<(!doctype|html|head|body|\?xml)/i.test(trimmed)) {
    const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(trimmed)?.[1];
    return `it is an HTML page${title ? ` titled ${quote(title)}` : ""}, not a CSV`;
  }
  return `first line ${quote(trimmed.split(/\r?\n/, 1)[0]!)}`;
}

/**
 * Parses a market capitalisation: a plain number (`15004617`, `1,234.5`,
 * `A$4.07`, `$12.3 billion`), scaled by a unit in the value or the header.
 *
 * @returns The number, or `null` for `SUSPENDED`, `--`, empty and anything non-numeric.
 */
function parseMarketCap(cell: string | undefined, headerScale: number): number | null {
  const text = (cell ?? "").replace(/\[.*?\]/g, "").trim();
  if (NO_VALUE.has(text.toLowerCase())) return null;
  const m = /^(?:a\$|au\$|aud|\$)?\s*([0-9][0-9,]*(?:\.[0-9]+)?)\s*([a-z]*)$/i.exec(text);
  if (!m) return null;
  const value = Number(m[1]!.replaceAll(",", ""));
  const unit = unitScale(m[2]!);
  if (!Number.isFinite(value) || unit === undefined) return null;
  return value * (unit === 1 ? headerScale : unit);
}

function unitScale(unit: string): number | undefined {
  switch (unit.toLowerCase()) {
    case "":
      return 1;
    case "k":
    case "thousand":
      return 1e3;
    case "m":
    case "mn":
    case "million":
      return 1e6;
    case "b":
    case "bn":
    case "billion":
      return 1e9;
    case "t":
    case "tn":
    case "trillion":
      return 1e12;
    default:
      return undefined;
  }
}

/** The unit a header announces, e.g. `Market Cap (A$ billion)` → 1e9. */
function headerUnit(header: string): number {
  const m = /\b(thousand|million|billion|trillion|bn|mn)\b/i.exec(header);
  return m ? unitScale(m[1]!) ?? 1 : 1;
}

/** Parses `YYYY-MM-DD` or `dd/mm/yyyy` (also `d/m/yyyy`, `dd-mm-yyyy`); `null` when absent or not a date. */
function parseListingDate(cell: string | undefined): string | null {
  const text = (cell ?? "").trim();
  if (NO_VALUE.has(text.toLowerCase())) return null;
  let iso: string | undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) iso = text;
  else {
    const m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(text);
    if (m) iso = `${m[3]}-${m[2]!.padStart(2, "0")}-${m[1]!.padStart(2, "0")}`;
  }
  if (iso === undefined) return null;
  try {
    parseDate(iso);
    return iso;
  } catch {
    return null;
  }
}

/**
 * Builds the records from rows whose columns are known, skipping rows without a
 * code (blank lines, footers) and keeping the first of duplicated codes.
 */
function toCompanies(
  rows: readonly { cells: readonly string[]; line: number }[],
  columns: Partial<Record<Field, number>>,
  marketCapScale: number,
  source: string,
): AsxCompany[] {
  const seen = new Set<string>();
  const out: AsxCompany[] = [];
  const cell = (cells: readonly string[], field: Field) => {
    const i = columns[field];
    return i === undefined ? undefined : cells[i]?.trim();
  };
  for (const { cells, line } of rows) {
    const raw = cell(cells, "code");
    if (!raw) continue;
    const code = raw.replace(/^asx\s*:\s*/i, "").replace(/\.AX$/i, "").toUpperCase();
    if (!ASX_CODE.test(code)) {
      throw new ConfigError(
        `Cannot parse ASX list "${source}": line ${line} has ${
          quote(raw)
        } where an ASX code (2-6 letters or digits) belongs`,
      );
    }
    if (seen.has(code)) continue;
    seen.add(code);
    out.push({
      symbol: validateSymbol(`${code}.AX`),
      code,
      name: cell(cells, "name") ?? "",
      sector: cell(cells, "sector") ?? "",
      marketCap: parseMarketCap(cell(cells, "marketCap"), marketCapScale),
      listingDate: parseListingDate(cell(cells, "listingDate")),
    });
  }
  if (out.length === 0) {
    throw new ConfigError(
      `Cannot parse ASX list "${source}": the list has a header but no companies`,
    );
  }
  return out;
}

/**
 * Parses an ASX company list in CSV, in any of the ASX's layouts (columns found
 * by header name: ASX code, Company name, GICS industry group, Listing date,
 * Market Cap, in any order; title lines before the header are skipped).
 *
 * @param text The CSV (LF or CRLF, with or without quotes, BOM or final newline).
 * @param options `source` names the input in error messages.
 * @returns One record per company in the list's order; duplicated codes keep their first row.
 * @throws {ConfigError} When the text is not such a list (no header with an ASX code and a
 *   company name column — e.g. an HTML error page or "Bad Gateway"), when a code cell is not
 *   an ASX code, or when the list has no companies.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseAsxList } from "./asx.ts";
 * const list = parseAsxList(
 *   '"ASX code","Company name","GICs industry group","Listing date","Market Cap"\n' +
 *     '"BHP","BHP GROUP LIMITED","Materials","13/08/1885",228433488430\n' +
 *     '"CIO",,"Technology Hardware & Equipment","16/08/1984",',
 * );
 * assert.deepEqual(list[0], {
 *   symbol: "BHP.AX", code: "BHP", name: "BHP GROUP LIMITED", sector: "Materials",
 *   marketCap: 228433488430, listingDate: "1885-08-13",
 * });
 * assert.equal(list[1]!.marketCap, null);
 * ```
 */
export function parseAsxList(text: string, options: ParseAsxOptions = {}): AsxCompany[] {
  const source = options.source ?? "input";
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      bom: true,
      relax_column_count: true,
      skip_empty_lines: true,
      info: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (err) {
    throw new ConfigError(
      `Cannot parse ASX list "${source}": not valid CSV (${(err as Error).message}); ${
        describeBody(text)
      }`,
      { cause: err },
    );
  }
  // The header is the first record naming an ASX code and a company column; earlier ones are titles.
  const at = records.findIndex((r) => matchHeader(r.record) !== undefined);
  if (at < 0) {
    throw new ConfigError(
      `Cannot parse ASX list "${source}": no header with an ASX code and a company name column; ${
        describeBody(text)
      }`,
    );
  }
  const header = records[at]!.record;
  const columns = matchHeader(header)!;
  const scale = columns.marketCap === undefined ? 1 : headerUnit(header[columns.marketCap]!);
  const rows = records.slice(at + 1).map((r) => ({ cells: r.record, line: r.info.lines }));
  return toCompanies(rows, columns, scale, source);
}

/**
 * Extracts a constituents table (code, company, sector, market cap) from an
 * HTML page, e.g. Wikipedia's "S&P/ASX 200": the first `<table>` whose header
 * row names a code column and a company column. Footnote markers (`[1]`), an
 * `ASX:` prefix and a `.AX` suffix are removed; a unit in the market-cap header
 * (`(A$ billion)`) scales the numbers.
 *
 * @param html The page.
 * @param options `source` names the input in error messages.
 * cheerio is loaded on the first call (it costs ~0.1 s of start-up that CSV users never need).
 *
 * @returns One record per table row with a code; `listingDate` is `null` unless the table has one.
 * @throws {ConfigError} When no table has a code and a company column (the message lists the
 *   headers of the tables found), a code cell is not an ASX code, or the table is empty.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseAsxHtml } from "./asx.ts";
 * const [bhp] = await parseAsxHtml(`<table class="wikitable"><tr><th>Code</th><th>Company</th>
 *   <th>Sector</th><th>Market Capitalisation (A$ billion)</th></tr>
 *   <tr><td><a href="/wiki/BHP">BHP</a></td><td>BHP Group</td><td>Materials</td><td>218.6[3]</td></tr></table>`);
 * assert.equal(bhp!.symbol, "BHP.AX");
 * assert.equal(bhp!.marketCap, 218.6e9);
 * ```
 */
export async function parseAsxHtml(
  html: string,
  options: ParseAsxOptions = {},
): Promise<AsxCompany[]> {
  const source = options.source ?? "input";
  const { load } = await import("cheerio");
  const $ = load(html);
  const seen: string[] = [];
  for (const table of $("table").toArray()) {
    const rows = $(table).find("tr").toArray().filter((tr) =>
      // Rows of nested tables belong to those tables.
      $(tr).closest("table").get(0) === table
    );
    const headerAt = rows.findIndex((tr) => $(tr).children("th").length > 0);
    if (headerAt < 0) continue;
    const header = $(rows[headerAt]).children("th,td").toArray().map((c) => cellText($(c).text()));
    const columns = matchHeader(header);
    if (columns === undefined) {
      seen.push(`[${header.join(" | ")}]`);
      continue;
    }
    const scale = columns.marketCap === undefined ? 1 : headerUnit(header[columns.marketCap]!);
    const body = rows.slice(headerAt + 1).map((tr, i) => ({
      cells: $(tr).children("th,td").toArray().map((c) => cellText($(c).text())),
      line: headerAt + 2 + i,
    }));
    return toCompanies(body, columns, scale, source);
  }
  throw new ConfigError(
    `Cannot parse ASX table in "${source}": no <table> with a code and a company column (${
      seen.length ? `tables found: ${seen.slice(0, 5).join(", ")}` : describeBody(html)
    })`,
  );
}

/** A table cell's text: footnote markers removed, whitespace collapsed. */
function cellText(text: string): string {
  return text.replace(/\[[^\]]*\]/g, "").replace(/\s+/g, " ").trim();
}

/** The ASX company directory export (CSV) that the daily pipeline reads. */
export const ASX_LIST_URL =
  "https://asx.api.markitdigital.com/asx-research/1.0/companies/directory/file";

/** Options of {@link fetchAsxList}. */
export interface FetchAsxListOptions {
  /** The HTTP client. @default {globalThis.fetch} */
  fetch?: typeof fetch;
  /** For the whole request, body included. @default {30000} */
  timeoutMs?: number;
}

/**
 * Downloads and parses the ASX company list.
 *
 * @param url Where the CSV is. @default {ASX_LIST_URL}
 * @param options HTTP client and timeout.
 * @returns The companies, in the list's order.
 * @throws {FetchError} When the request fails, times out, answers non-2xx, or the body is not
 *   an ASX list (the message quotes what came back, e.g. an HTML error page's title).
 *
 * @example
 * ```ts ignore
 * const companies = await fetchAsxList();
 * console.log(companies.length); // ~1,980
 * ```
 */
export async function fetchAsxList(
  url: string = ASX_LIST_URL,
  options: FetchAsxListOptions = {},
): Promise<AsxCompany[]> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  let text: string;
  try {
    const res = await (options.fetch ?? globalThis.fetch)(url, { signal: controller.signal });
    text = await res.text();
    if (!res.ok) {
      throw new FetchError(
        `Cannot fetch the ASX list from ${url}: HTTP ${res.status} (${describeBody(text)})`,
        { status: res.status },
      );
    }
  } catch (err) {
    if (err instanceof FetchError) throw err;
    const why = controller.signal.aborted
      ? `no complete answer within ${timeoutMs} ms`
      : (err as Error).message;
    throw new FetchError(`Cannot fetch the ASX list from ${url}: ${why}`, { cause: err });
  } finally {
    clearTimeout(timer);
  }
  try {
    return parseAsxList(text, { source: url });
  } catch (err) {
    throw new FetchError((err as Error).message, { cause: err });
  }
}
