import { fileURLToPath } from "node:url";
import {
  deepStrictEqual as assertEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import {
  buildSampleColumns,
  parseYahooCsv,
  type SampleBuild,
  sampleSources,
  stitch,
  symbolFromFileName,
} from "../../src/lake/sample.ts";
import { formatDate, parseDate, weekdayOf } from "../../src/core/dates.ts";
import { allocOhlcv } from "../../src/core/ohlcv_columns.ts";
import { ConfigError } from "../../src/core/errors.ts";

/** The shared copy of the two Yahoo downloads (see its PROVENANCE.md). */
const DATA = Deno.env.get("ASXLAB_SAMPLE_DATA") ??
  fileURLToPath(new URL("../fixtures/asx-ohlcv", import.meta.url));
const FB = "francisbyrne-algotrade", VV = "vvilp-stock";

let built: SampleBuild | undefined;
const build = () => built ??= buildSampleColumns(DATA);

Deno.test("parseYahooCsv: both dialects, null rows, 000 volumes, newest-first reversed", () => {
  const fb = parseYahooCsv(
    "Date,Open,High,Low,Close,Volume,Adj Close\n" +
      "2016-03-29,24.74,25.35,24.64,25.24,10843100,25.24\n" +
      "2016-03-25,24.5,24.5,24.5,24.5,000,24.5\n",
    "BHP.AX",
  );
  assertEquals(Array.from(fb.columns.date, formatDate), ["2016-03-25", "2016-03-29"]);
  assertEquals(fb.newestFirst, true);
  assertEquals(Array.from(fb.columns.volume), [0, 10843100]);
  assertEquals(fb.columns.adjusted_close[1], 25.24);
  const vv = parseYahooCsv(
    "Date,Open,High,Low,Close,Adj Close,Volume\r\n" +
      "2000-04-20,8.3,8.4,8.2,8.35,3.6,120\r\n2000-04-21,null,null,null,null,null,null",
    "BHP.AX",
  );
  assertEquals(vv.newestFirst, false);
  assertEquals(vv.nullRows, 1);
  assertEquals([vv.columns.adjusted_close[0], vv.columns.volume[0]], [3.6, 120]);
  assert(Number.isNaN(vv.columns.open[1]!) && Number.isNaN(vv.columns.volume[1]!));
});

Deno.test("parseYahooCsv: errors name the file, the line and the bad value", () => {
  assertThrows(
    () => parseYahooCsv("Date,Open,High,Low,Close\n", "X.AX", "x.csv"),
    /Cannot parse Yahoo CSV "x.csv": header "Date,Open,High,Low,Close" lacks column "Volume"/,
  );
  const h = "Date,Open,High,Low,Close,Volume,Adj Close\n";
  assertThrows(
    () => parseYahooCsv(h + "2016-13-01,1,1,1,1,1,1", "X.AX", "x.csv"),
    /line 2: bad date "2016-13-01"/,
  );
  assertThrows(
    () => parseYahooCsv(h + "2016-12-01,1,1,abc,1,1,1", "X.AX", "x.csv"),
    /Low "abc" is not a number/,
  );
  assertThrows(() => parseYahooCsv(h + "2016-12-01,1,1", "X.AX", "x.csv"), /3 fields, expected 7/);
});

Deno.test("symbolFromFileName: URL-encoded index, bare code, full ticker", () => {
  assertEquals(symbolFromFileName("%5EAXJO.csv"), "^AXJO");
  assertEquals(symbolFromFileName("^AXJO.csv"), "^AXJO");
  assertEquals(symbolFromFileName("BHP.csv"), "BHP.AX");
  assertEquals(symbolFromFileName("CBA.AX.csv"), "CBA.AX");
  assertThrows(() => symbolFromFileName("bad name!.csv"), ConfigError);
});

Deno.test("stitch: the preferred source claims its span; the older one is rescaled at the seam", () => {
  const mk = (dates: string[], close: number[], adjRatio: number) => {
    const c = allocOhlcv(dates.length);
    dates.forEach((d, i) => {
      c.date[i] = parseDate(d);
      c.open[i] =
        c.high[i] =
        c.low[i] =
        c.close[i] =
          close[i]!;
      c.adjusted_close[i] = close[i]! * adjRatio;
      c.volume[i] = 100;
    });
    return c;
  };
  const newer = mk(["2000-01-04", "2000-01-05", "2000-01-06"], [10, 11, 12], 0.5);
  const older = mk(["1999-12-30", "1999-12-31", "2000-01-04", "2000-01-05", "2000-01-07"], [
    18,
    19,
    20,
    22,
    99,
  ], 0.2);
  const r = stitch("X.AX", [{ source: "new", columns: newer }, { source: "old", columns: older }]);
  assertEquals(Array.from(r.columns.date, formatDate), [
    "1999-12-30",
    "1999-12-31",
    "2000-01-04",
    "2000-01-05",
    "2000-01-06",
    "2000-01-07",
  ]);
  assertEquals(r.source, ["old", "old", "new", "new", "new", "old"]);
  assertEquals(r.superseded, { new: 0, old: 2 });
  // price factor 0.5 (10/20, 11/22), adjusted factor (0.5*10)/(0.2*20) = 1.25
  assertEquals(Array.from(r.columns.close), [9, 9.5, 10, 11, 12, 49.5]);
  assertEquals(r.columns.adjusted_close[0], 4.5); // 18 * 0.2 * 1.25
  assertEquals(r.columns.volume[0], 100); // volume is not rescaled
  assertEquals(r.seams.map((s) => [s.side, s.overlapDays, s.priceFactor, s.adjFactor]), [
    ["before", 2, 0.5, 1.25],
    ["after", 2, 0.5, 1.25],
  ]);
  const clipped = stitch("X.AX", [{ source: "old", columns: older }], {
    start: "2000-01-01",
    end: "2000-01-05",
  });
  assertEquals(clipped.outsideWindow, { old: 3 });
});

Deno.test("sampleSources: 20 symbols; BHP.AX and ^AXJO come from both, vvilp first", {}, () => {
  const s = sampleSources(DATA);
  assertEquals(s.length, 20);
  const both = s.filter((x) => x.files.length === 2);
  assertEquals(both.map((x) => x.symbol), ["BHP.AX", "^AXJO"]);
  for (const x of both) assertEquals(x.files.map((f) => f.source), [VV, FB]);
  assert(both[0]!.files[0]!.path.endsWith("BHP.csv"));
  assert(both[1]!.files[0]!.path.endsWith("%5EAXJO.csv"));
  assertEquals(s.filter((x) => x.files[0]!.source === FB).length, 12);
});

Deno.test("sample: README facts hold for the raw files", () => {
  const bhp = parseYahooCsv(Deno.readTextFileSync(`${DATA}/${VV}/BHP.csv`), "BHP.AX");
  assertEquals(bhp.nullRows, 35);
  assertEquals(formatDate(bhp.columns.date[0]!), "2000-01-03");
  const fb = parseYahooCsv(Deno.readTextFileSync(`${DATA}/${FB}/BHP.AX.csv`), "BHP.AX");
  assert(fb.newestFirst && !bhp.newestFirst);
  // Monthly until 1998-12-31, daily from 1999-01-04.
  const d = Array.from(fb.columns.date, formatDate);
  const i = d.indexOf("1998-12-31");
  assertEquals([d[i - 1], d[i + 1]], ["1998-11-30", "1999-01-04"]);
});

Deno.test(
  "sample: the 35 BHP.csv null rows are quarantined and all fall on ASX holidays (XASX rules)",
  {},
  () => {
    const nulls = build().quarantined.filter((q) =>
      q.symbol === "BHP.AX" && q.reason === "null prices"
    );
    assertEquals(nulls.length, 35);
    const holidays = xasxHolidays(2000, 2004);
    for (const q of nulls) {
      assertEquals(q.source, VV);
      assert(holidays.has(formatDate(q.date)), `${formatDate(q.date)} is not an ASX holiday`);
    }
  },
);

Deno.test(
  "sample: holiday rows are quarantined as non-trading days",
  () => {
    const { quarantined, columns } = build();
    const at = (sym: string, date: string) =>
      quarantined.filter((q) => q.symbol === sym && formatDate(q.date) === date);
    assertEquals(at("^AXJO", "2015-01-26").map((q) => [q.reason, q.source]), [[
      "non-trading day",
      FB,
    ]]);
    const goodFriday = quarantined.filter((q) => formatDate(q.date) === "2016-03-25");
    // 12 francisbyrne files have the row (not VAS, not ^AXJO); BHP.AX's is superseded by vvilp.
    assertEquals(goodFriday.length, 11);
    for (const q of goodFriday) assertEquals(q.reason, "non-trading day");
    assertEquals(at("BHP.AX", "2015-12-28").map((q) => q.reason), ["non-trading day"]);
    // No kept row on a weekend or on 2016-03-25.
    for (let i = 0; i < columns.date.length; i++) {
      const wd = weekdayOf(columns.date[i]!);
      assert(wd !== 0 && wd !== 6);
    }
    assert(!Array.from(columns.date).includes(parseDate("2016-03-25")));
  },
);

Deno.test(
  "sample: per-symbol counts, sort order, window and the BHP seam",
  () => {
    const { columns, report, quarantined } = build();
    const bySym = Object.fromEntries(report.symbols.map((s) => [s.symbol, s]));
    assertEquals(report.symbols.length, 20);
    assertEquals(bySym["BHP.AX"]!.quarantined, {
      "monthly row": 12,
      "null prices": 35,
      "stale bar": 4,
      "non-trading day": 1,
    });
    assertEquals(bySym["BHP.AX"]!.keptBySource, { [FB]: 253, [VV]: 5633 });
    assertEquals([bySym["BHP.AX"]!.first, bySym["BHP.AX"]!.last], ["1999-01-04", "2022-04-08"]);
    assertEquals(bySym["VAS.AX"]!.quarantined, { "inconsistent OHLC": 1 });
    assertEquals(bySym["^AXJO"]!.quarantined, {
      "stale bar": 3,
      "non-trading day": 1,
      "null prices": 2,
    });
    assertEquals(bySym["ANZ.AX"]!.kept, 1267);
    for (
      const s of ["CBA.AX", "CCL.AX", "COH.AX", "CPU.AX", "MQG.AX", "NAB.AX", "SOL.AX", "TLS.AX"]
    ) {
      assertEquals(bySym[s]!.quarantined["monthly row"], 12, s);
      assertEquals(bySym[s]!.first, "1999-01-04", s);
    }
    // Every row read is accounted for.
    for (const s of report.symbols) {
      const read = Object.values(s.read).reduce((a, b) => a + b, 0);
      const gone = [...Object.values(s.superseded), ...Object.values(s.outsideWindow)].reduce(
        (a, b) => a + b,
        0,
      );
      const q = Object.values(s.quarantined).reduce((a, b) => a + b!, 0);
      assertEquals(read, gone + q + s.kept, s.symbol);
    }
    assertEquals(report.totals.kept, columns.date.length);
    assertEquals(
      quarantined.length,
      Object.values(report.totals.quarantined).reduce((a, b) => a + b, 0),
    );
    const lo = parseDate("1998-01-01"), hi = parseDate("2022-12-31");
    for (let i = 1; i < columns.date.length; i++) {
      const a = columns.symbol[i - 1]!, b = columns.symbol[i]!;
      assert(a < b || (a === b && columns.date[i - 1]! < columns.date[i]!));
      assert(columns.date[i]! >= lo && columns.date[i]! <= hi);
    }
    // The BHP seam: francisbyrne's 1999 prices rescaled onto vvilp's basis, no fake jump.
    assertEquals(report.seams.length, 1);
    const seam = report.seams[0]!;
    assert(Math.abs(seam.priceFactor - 0.4527) < 1e-3 && Math.abs(seam.adjFactor - 0.8843) < 1e-3);
    const close = (d: string) => {
      for (let i = 0; i < columns.date.length; i++) {
        if (columns.symbol[i] === "BHP.AX" && formatDate(columns.date[i]!) === d) {
          return columns
            .close[i]!;
        }
      }
      throw new Error(`no BHP.AX row on ${d}`);
    };
    const jump = close("2000-01-04") / close("1999-12-30") - 1;
    assert(Math.abs(jump) < 0.1, `seam return ${jump}`);
  },
);

/** ASX full-day closures by the XASX rules (pre-2011 Anzac Day: no weekend substitute needed here). */
function xasxHolidays(from: number, to: number): Set<string> {
  const out = new Set<string>();
  const add = (y: number, m: number, d: number) =>
    out.add(formatDate(Date.UTC(y, m - 1, d) / 86_400_000));
  const wd = (y: number, m: number, d: number) => new Date(Date.UTC(y, m - 1, d)).getUTCDay();
  const mondayized = (y: number, m: number, d: number) => {
    const w = wd(y, m, d);
    add(y, m, d + (w === 6 ? 2 : w === 0 ? 1 : 0));
  };
  for (let y = from; y <= to; y++) {
    mondayized(y, 1, 1);
    mondayized(y, 1, 26);
    // Anonymous Gregorian Easter.
    const a = y % 19, b = Math.floor(y / 100), c = y % 100, d = Math.floor(b / 4), e = b % 4;
    const f = Math.floor((b + 8) / 25), g = Math.floor((b - f + 1) / 3);
    const h = (19 * a + b - d - g + 15) % 30, i = Math.floor(c / 4), k = c % 4;
    const l = (32 + 2 * e + 2 * i - h - k) % 7, m = Math.floor((a + 11 * h + 22 * l) / 451);
    const month = Math.floor((h + l - 7 * m + 114) / 31), day = ((h + l - 7 * m + 114) % 31) + 1;
    add(y, month, day - 2);
    add(y, month, day + 1);
    add(y, 4, 25);
    const firstJune = wd(y, 6, 1);
    add(y, 6, 1 + ((8 - firstJune) % 7) + 7);
    const xmas = wd(y, 12, 25);
    if (xmas === 6) [27, 28].forEach((x) => add(y, 12, x));
    else if (xmas === 0) [26, 27].forEach((x) => add(y, 12, x));
    else if (xmas === 5) [25, 28].forEach((x) => add(y, 12, x));
    else [25, 26].forEach((x) => add(y, 12, x));
  }
  return out;
}
