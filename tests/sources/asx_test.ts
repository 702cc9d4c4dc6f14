import assert from "node:assert/strict";
import fc from "fast-check";
import { ConfigError } from "../../src/core/errors.ts";
import { type AsxCompany, parseAsxHtml, parseAsxList } from "../../src/sources/asx.ts";

const fixture = (name: string) =>
  Deno.readTextFileSync(new URL(`../fixtures/${name}`, import.meta.url));
const OLD = "asx/ASXListedCompanies.csv";
const JUL = "asx/ASX_Listed_Companies_2024-07-01.csv";
const AUG = "asx/ASX_Listed_Companies_2024-08-01.csv";

Deno.test("the old asx.com.au export: title line skipped, 1,985 companies, 3 columns", () => {
  const list = parseAsxList(fixture(OLD), { source: OLD });
  assert.equal(list.length, 1985);
  assert.deepEqual(list[0], {
    symbol: "14D.AX",
    code: "14D",
    name: "1414 DEGREES LIMITED",
    sector: "Capital Goods",
    marketCap: null,
    listingDate: null,
  });
  const zip = list.find((c) => c.code === "ZIP")!;
  assert.equal(zip.name, "ZIP CO LIMITED.."); // the ASX's trailing dots are kept
  assert.equal(zip.sector, "Financial Services");
  assert.equal(list.filter((c) => c.sector === "Not Applic").length, 214);
  assert.equal(new Set(list.map((c) => c.symbol)).size, 1985);
});

Deno.test("the current directory export: dates, market caps, SUSPENDED, --, empty fields", () => {
  const jul = parseAsxList(fixture(JUL), { source: JUL });
  const aug = parseAsxList(fixture(AUG), { source: AUG });
  assert.equal(jul.length, 1985);
  assert.equal(aug.length, 1977);
  const bhp = aug.find((c) => c.code === "BHP")!;
  assert.deepEqual(bhp, {
    symbol: "BHP.AX",
    code: "BHP",
    name: "BHP GROUP LIMITED",
    sector: "Materials",
    marketCap: 215489344414,
    listingDate: "1885-08-13",
  });
  // "CIO",,"Technology Hardware & Equipment","16/08/1984",  (no name, no market cap)
  assert.deepEqual(jul.find((c) => c.code === "CIO"), {
    symbol: "CIO.AX",
    code: "CIO",
    name: "",
    sector: "Technology Hardware & Equipment",
    marketCap: null,
    listingDate: "1984-08-16",
  });
  // 1,869 numeric market caps, 100 SUSPENDED, 7 "--", 1 empty in the August file.
  assert.equal(aug.filter((c) => c.marketCap !== null).length, 1869);
  assert.equal(aug.filter((c) => c.marketCap === null).length, 108);
  assert.ok(aug.every((c) => c.listingDate === null || /^\d{4}-\d{2}-\d{2}$/.test(c.listingDate)));
  // Five-character codes (deferred settlement) parse as symbols.
  assert.ok(aug.some((c) => c.symbol === "CIODE.AX"));
  // The last line has no newline: the last company is still there.
  assert.equal(aug.at(-1)!.code, "ZNO");
  assert.equal(aug.at(-1)!.marketCap, 9889925);
});

/** Writes companies as CSV in a chosen dialect, for the layout-independence tests. */
function writeCsv(
  list: readonly AsxCompany[],
  dialect: {
    order: readonly (keyof AsxCompany)[];
    eol: string;
    quoteAll: boolean;
    finalNewline: boolean;
    isoDates: boolean;
    bom: boolean;
    title: boolean;
  },
): string {
  const names: Partial<Record<keyof AsxCompany, string>> = {
    code: "ASX code",
    name: "Company name",
    sector: "GICS industry group",
    listingDate: "Listing date",
    marketCap: "Market Cap",
  };
  const q = (s: string) =>
    dialect.quoteAll || /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  const cell = (c: AsxCompany, k: keyof AsxCompany): string => {
    if (k === "marketCap") return c.marketCap === null ? q("SUSPENDED") : String(c.marketCap);
    if (k === "listingDate") {
      if (c.listingDate === null) return "";
      const [y, m, d] = c.listingDate.split("-");
      return q(dialect.isoDates ? c.listingDate : `${d}/${m}/${y}`);
    }
    return q(String(c[k]));
  };
  const lines = [
    ...(dialect.title ? ["ASX listed companies as at Fri Dec 05 08:08:59 AEDT 2025", ""] : []),
    dialect.order.map((k) => q(names[k]!)).join(","),
    ...list.map((c) => dialect.order.map((k) => cell(c, k)).join(",")),
  ];
  return (dialect.bom ? "\ufeff" : "") + lines.join(dialect.eol) +
    (dialect.finalNewline ? dialect.eol : "");
}

Deno.test("any column order, quoting, line ending, BOM, date style and final newline parse alike", () => {
  const companies = fc.record({
    code: fc.stringMatching(/^[A-Z0-9]{3,5}$/),
    name: fc.string({ maxLength: 30 }).map((s) => s.trim()),
    sector: fc.constantFrom("Materials", "Food, Beverage & Tobacco", "Not Applic", ""),
    marketCap: fc.option(fc.integer({ min: 0, max: 2 ** 40 }), { nil: null }),
    listingDate: fc.option(
      fc.date({ min: new Date("1885-01-01"), max: new Date("2030-12-31"), noInvalidDate: true })
        .map((d) => d.toISOString().slice(0, 10)),
      { nil: null },
    ),
  }).map((c): AsxCompany => ({ symbol: `${c.code}.AX`, ...c }));
  const dialect = fc.record({
    order: fc.shuffledSubarray(["code", "name", "sector", "listingDate", "marketCap"] as const, {
      minLength: 5,
    }),
    eol: fc.constantFrom("\n", "\r\n"),
    quoteAll: fc.boolean(),
    finalNewline: fc.boolean(),
    isoDates: fc.boolean(),
    bom: fc.boolean(),
    title: fc.boolean(),
  });
  fc.assert(
    fc.property(
      fc.uniqueArray(companies, { minLength: 1, maxLength: 20, selector: (c) => c.code }),
      dialect,
      (list, d) => {
        assert.deepEqual(parseAsxList(writeCsv(list, d)), list);
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("a body that is not a list is an error naming what was found, never an empty list", () => {
  const cases: [string, RegExp][] = [
    [
      "<html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></body></html>",
      /HTML page titled "502 Bad Gateway"/,
    ],
    ["<!DOCTYPE html>\n<html><body>Access denied</body></html>", /HTML page, not a CSV/],
    ["Bad Gateway", /no header with an ASX code.*first line "Bad Gateway"/],
    ["", /body is empty/],
    ["Date,Open,High,Low,Close\n2024-08-01,1,2,0.5,1.5\n", /first line "Date,Open,High,Low,Close"/],
    ['"ASX code","Company name"\n', /header but no companies/],
    [
      '"ASX code","Company name"\n"BHP","BHP GROUP"\n"not a code!","X"\n',
      /line 3 has "not a code!"/,
    ],
    ['ASX code,Company name\n"BHP,BHP GROUP\n', /not valid CSV/],
  ];
  for (const [body, message] of cases) {
    assert.throws(
      () => parseAsxList(body, { source: "https://asx.example/list.csv" }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError, `${JSON.stringify(body)} → ${err}`);
        assert.match(err.message, /^Cannot parse ASX list "https:\/\/asx\.example\/list\.csv"/);
        assert.match(err.message, message);
        return true;
      },
    );
  }
});

Deno.test("rows without a code (blank lines, footers) are skipped; a repeated code keeps its first row", () => {
  const text = 'ASX code,Company name,Market Cap\r\nAAA,"First, Ltd",1\r\n\r\n' +
    "BBB,Second,--\r\nAAA,Duplicate,3\r\n,Data supplied by the ASX\r\n";
  assert.deepEqual(parseAsxList(text).map((c) => [c.code, c.name, c.marketCap]), [
    ["AAA", "First, Ltd", 1],
    ["BBB", "Second", null],
  ]);
});

Deno.test("parseAsxHtml picks the constituents table by its headers on a Wikipedia-style page", async () => {
  const html = fixture("asx-html/sp-asx-200-wikipedia-style.html");
  const list = await parseAsxHtml(html, { source: "S&P/ASX 200 - Wikipedia" });
  assert.equal(list.length, 32);
  assert.deepEqual(list[0], {
    symbol: "A2M.AX",
    code: "A2M",
    name: "The a2 Milk Company",
    sector: "Consumer Staples",
    marketCap: 4.26e9,
    listingDate: null,
  });
  const bhp = list.find((c) => c.code === "BHP")!;
  assert.equal(bhp.marketCap, 211.75e9); // the footnote marker [4] is not part of the number
  assert.equal(bhp.name, "BHP Group");
  assert.deepEqual(list.map((c) => c.code).slice(-3), ["WES", "WOW", "XRO"]);
});

Deno.test("parseAsxHtml: other header spellings, ASX: prefixes and plain market caps", async () => {
  const html = `<table><thead><tr><th>Ticker</th><th>Name</th><th>GICS Sector</th>
    <th>Market cap</th></tr></thead><tbody>
    <tr><td>ASX: CBA</td><td>Commonwealth Bank</td><td>Financials</td><td>A$233,400,000,000</td></tr>
    <tr><td>wes.ax</td><td>Wesfarmers</td><td>Consumer Discretionary</td><td>83.3 billion</td></tr>
    </tbody></table>`;
  assert.deepEqual((await parseAsxHtml(html)).map((c) => [c.symbol, c.marketCap]), [
    ["CBA.AX", 233.4e9],
    ["WES.AX", 83.3e9],
  ]);
});

Deno.test("parseAsxHtml: a page without a constituents table is an error listing the tables found", async () => {
  const html = `<html><head><title>Search</title></head><body>
    <table><tr><th>Year</th><th>Closing level</th></tr><tr><td>2024</td><td>8159.1</td></tr></table>
    </body></html>`;
  await assert.rejects(parseAsxHtml(html, { source: "page.html" }), {
    name: "ConfigError",
    message:
      'Cannot parse ASX table in "page.html": no <table> with a code and a company column (tables found: [Year | Closing level])',
  });
  await assert.rejects(parseAsxHtml("Bad Gateway", { source: "x" }), /first line "Bad Gateway"/);
});
