import {
  deepStrictEqual as assertEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import fc from "fast-check";
import { describeQuarantined, QUARANTINE_REASONS, validateBars } from "../../src/lake/validate.ts";
import { formatDate, parseDate } from "../../src/core/dates.ts";
import { isTradingDay } from "../../src/core/calendar.ts";
import type { OhlcvColumns } from "../../src/core/ohlcv_columns.ts";

type Row = [string, string, number, number, number, number, number, number?];

/** Rows as [symbol, date, open, high, low, close, volume, adjusted_close = close]. */
function cols(rows: Row[]): OhlcvColumns {
  return {
    symbol: rows.map((r) => r[0]),
    date: Int32Array.from(rows, (r) => parseDate(r[1])),
    open: Float64Array.from(rows, (r) => r[2]),
    high: Float64Array.from(rows, (r) => r[3]),
    low: Float64Array.from(rows, (r) => r[4]),
    close: Float64Array.from(rows, (r) => r[5]),
    volume: Float64Array.from(rows, (r) => r[6]),
    adjusted_close: Float64Array.from(rows, (r) => r[7] ?? r[5]),
  };
}

function reasons(rows: Row[], options = {}): string[] {
  const r = validateBars(cols(rows), options);
  return r.quarantined.reason.map((_, i) => describeQuarantined(r, i));
}

Deno.test("each row rule names its reason", () => {
  const X = "X.AX";
  assertEquals(
    reasons([
      [X, "2022-03-01", 10, 11, 9, 10.5, 100],
      [X, "2022-03-02", NaN, NaN, NaN, NaN, NaN], // Yahoo null row
      [X, "2022-03-03", 10, 11, 9, 10.5, NaN],
      [X, "2022-03-04", 0, 11, 9, 10.5, 100],
      [X, "2022-03-07", 10, 10.4, 9, 10.5, 100], // high < close
      [X, "2022-03-08", 10, 11, 10.2, 10.5, 100], // low > open
      [X, "2022-03-09", 10, 11, 9, 10.5, -1],
      [X, "2022-03-10", 10, 11, 9, 10.5, 100, -3], // non-positive adjusted close
      [X, "2022-03-12", 10, 11, 9, 10.5, 100], // Saturday
      [X, "2022-04-15", 10, 11, 9, 10.5, 100], // Good Friday
      ["bhp", "2022-03-11", 10, 11, 9, 10.5, 100],
    ]),
    [
      "X.AX 2022-03-02: null prices",
      "X.AX 2022-03-03: null volume",
      "X.AX 2022-03-04: non-positive price",
      "X.AX 2022-03-07: inconsistent OHLC",
      "X.AX 2022-03-08: inconsistent OHLC",
      "X.AX 2022-03-09: negative volume",
      "X.AX 2022-03-10: non-positive price",
      "X.AX 2022-03-12: non-trading day",
      "X.AX 2022-04-15: non-trading day",
      "bhp 2022-03-11: invalid symbol",
    ].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
  );
});

Deno.test("precedence: a null row on a holiday is a non-trading day; before 2015 only weekends are known", () => {
  assertEquals(reasons([["Y.AX", "2022-09-22", NaN, NaN, NaN, NaN, NaN]]), [
    "Y.AX 2022-09-22: non-trading day",
  ]);
  // Good Friday 2000: the calendar does not cover it, so the row is judged on its values.
  assertEquals(reasons([["Y.AX", "2000-04-21", NaN, NaN, NaN, NaN, NaN]]), [
    "Y.AX 2000-04-21: null prices",
  ]);
});

Deno.test("duplicates: the last valid row wins by default, first on request; invalid rows never win", () => {
  const rows: Row[] = [
    ["D.AX", "2022-03-01", 10, 11, 9, 10, 1],
    ["D.AX", "2022-03-01", 10, 11, 9, 10.5, 2],
    ["D.AX", "2022-03-01", NaN, NaN, NaN, NaN, NaN],
  ];
  const last = validateBars(cols(rows));
  assertEquals(Array.from(last.keptIndex), [1]);
  assertEquals(last.counts.duplicate, 1);
  assertEquals(last.counts["null prices"], 1);
  const first = validateBars(cols(rows), { keepDuplicate: "first" });
  assertEquals(Array.from(first.keptIndex), [0]);
  assertEquals(first.kept.close[0], 10);
});

Deno.test("unsorted input comes back sorted by symbol then date, with input row numbers", () => {
  const r = validateBars(cols([
    ["^AXJO", "2022-03-02", 7000, 7100, 6900, 7050, 0],
    ["BHP.AX", "2022-03-02", 10, 11, 9, 10, 5],
    ["BHP.AX", "2022-03-01", 10, 11, 9, 10, 5],
    ["ANZ.AX", "2022-03-03", 20, 21, 19, 20, 5],
  ]));
  assertEquals(r.kept.symbol, ["ANZ.AX", "BHP.AX", "BHP.AX", "^AXJO"]);
  assertEquals(Array.from(r.kept.date, formatDate), [
    "2022-03-03",
    "2022-03-01",
    "2022-03-02",
    "2022-03-02",
  ]);
  assertEquals(Array.from(r.keptIndex), [3, 2, 1, 0]);
  assertEquals(r.quarantined.reason.length, 0);
});

Deno.test("stale bars are opt-in and compare with the previous kept close", () => {
  const rows: Row[] = [
    ["S.AX", "2021-12-13", 10, 11, 9, 10.5, 100],
    ["S.AX", "2021-12-14", 10.5, 10.5, 10.5, 10.5, 0], // halt: flat, no volume
    ["S.AX", "2021-12-15", 10.5, 10.5, 10.5, 10.5, 0],
    ["S.AX", "2021-12-16", 10.6, 10.6, 10.6, 10.6, 0], // flat, but moved: kept
    ["S.AX", "2021-12-17", 10.6, 10.6, 10.6, 10.6, 5], // traded: kept
  ];
  assertEquals(validateBars(cols(rows)).counts["stale bar"], 0);
  assertEquals(reasons(rows, { staleBars: true }), [
    "S.AX 2021-12-14: stale bar",
    "S.AX 2021-12-15: stale bar",
  ]);
});

Deno.test("monthly runs are quarantined; a single long gap (a suspension) is not", () => {
  const monthEnds = ["1998-09-30", "1998-10-30", "1998-11-30", "1998-12-31"];
  const daily = ["1999-01-04", "1999-01-05", "1999-01-06"];
  const rows: Row[] = [...monthEnds, ...daily].map((d) => ["M.AX", d, 5, 5, 5, 5, 0]);
  assertEquals(reasons(rows), monthEnds.map((d) => `M.AX ${d}: monthly row`));
  // SYD.AX-like: 2011-04-13 then 2011-09-02 — one gap of 142 days.
  const gap: Row[] = ["2011-04-12", "2011-04-13", "2011-09-02", "2011-09-05"].map((d) => [
    "G.AX",
    d,
    5,
    5.2,
    4.9,
    5.1,
    10,
  ]);
  assertEquals(reasons(gap), []);
  // Two month-spaced gaps in a row is a run; one is not.
  const one: Row[] = ["2010-01-04", "2010-02-03", "2010-02-04"].map((
    d,
  ) => ["O.AX", d, 5, 5, 5, 5, 1]);
  assertEquals(reasons(one), []);
  assertEquals(reasons(rows, { monthly: false }), []);
  assertThrows(() => validateBars(cols(rows), { monthly: { minDays: 0 } }), RangeError);
});

Deno.test("columns of different lengths are rejected", () => {
  const c = cols([["X.AX", "2022-03-01", 1, 1, 1, 1, 1]]);
  c.close = new Float64Array(2);
  assertThrows(() => validateBars(c), /Column "close" has 2 rows, "date" has 1/);
});

Deno.test("property: every row lands in exactly one part; kept rows obey every rule", () => {
  const sym = fc.constantFrom("A.AX", "B.AX", "^AXJO", "bad");
  const price = fc.oneof(fc.double({ min: -1, max: 100, noNaN: true }), fc.constant(NaN));
  const row = fc.tuple(
    sym,
    fc.integer({ min: parseDate("2014-12-01"), max: parseDate("2015-03-01") }),
    price,
    price,
    price,
    price,
    fc.oneof(fc.integer({ min: -5, max: 1000 }), fc.constant(NaN)),
  );
  fc.assert(
    fc.property(fc.array(row, { maxLength: 60 }), fc.boolean(), (rows, staleBars) => {
      const c: OhlcvColumns = {
        symbol: rows.map((r) => r[0]),
        date: Int32Array.from(rows, (r) => r[1]),
        open: Float64Array.from(rows, (r) => r[2]),
        high: Float64Array.from(rows, (r) => r[3]),
        low: Float64Array.from(rows, (r) => r[4]),
        close: Float64Array.from(rows, (r) => r[5]),
        volume: Float64Array.from(rows, (r) => r[6]),
        adjusted_close: Float64Array.from(rows, (r) => r[5]),
      };
      const r = validateBars(c, { staleBars });
      const all = [...r.keptIndex, ...r.quarantinedIndex].sort((a, b) => a - b);
      assertEquals(all, rows.map((_, i) => i));
      assertEquals(
        Object.values(r.counts).reduce((a, b) => a + b, 0),
        r.quarantined.reason.length,
      );
      for (const reason of r.quarantined.reason) assert(QUARANTINE_REASONS.includes(reason));
      const k = r.kept;
      for (let i = 0; i < k.date.length; i++) {
        const o = k.open[i]!, h = k.high[i]!, l = k.low[i]!, cl = k.close[i]!;
        assert(isTradingDay(k.date[i]!) && k.symbol[i] !== "bad");
        assert(o > 0 && h > 0 && l > 0 && cl > 0 && k.volume[i]! >= 0);
        assert(h >= Math.max(o, cl) && l <= Math.min(o, cl) && l <= h);
        if (i > 0) {
          const a = k.symbol[i - 1]!, b = k.symbol[i]!;
          assert(a < b || (a === b && k.date[i - 1]! < k.date[i]!), "sorted, no duplicates");
        }
      }
    }),
  );
});
