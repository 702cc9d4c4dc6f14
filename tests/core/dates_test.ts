import assert from "node:assert/strict";
import fc from "fast-check";
import { formatDate, parseDate, weekdayOf, yearOf } from "../../src/core/dates.ts";

const MS_PER_DAY = 86_400_000;
/** The reference formatDate: the date part of what Date#toISOString says. */
const viaDate = (day: number) => new Date(day * MS_PER_DAY).toISOString().split("T")[0]!;

/** 0000-01-01 and 9999-12-31 as epoch days: the bounds of the integer fast path. */
const FIRST = -719_528, LAST = 2_932_896;

Deno.test("formatDate agrees with Date#toISOString on every day from 1600 to 2400", () => {
  for (let day = parseDate("1600-01-01"); day <= parseDate("2400-12-31"); day++) {
    const want = viaDate(day);
    if (formatDate(day) !== want) assert.fail(`day ${day}: ${formatDate(day)} != ${want}`);
  }
});

Deno.test("formatDate agrees with Date#toISOString over its whole range and beyond it", () => {
  // The fast path covers years 0000-9999; outside it Date's own ±YYYYYY form is kept.
  fc.assert(
    fc.property(fc.integer({ min: FIRST - 400_000, max: LAST + 400_000 }), (day) => {
      assert.equal(formatDate(day), viaDate(day));
    }),
    { numRuns: 20_000 },
  );
  fc.assert(
    fc.property(fc.integer({ min: -100_000_000, max: 100_000_000 }), (day) => {
      assert.equal(formatDate(day), viaDate(day));
    }),
    { numRuns: 5_000 },
  );
});

Deno.test("formatDate at the edges: year bounds, leap days, century rules, epoch", () => {
  const cases: [string, number][] = [
    ["0000-01-01", FIRST],
    ["-000001-12-31", FIRST - 1],
    ["0000-02-29", FIRST + 59], // year 0 is a leap year (divisible by 400)
    ["0999-12-31", parseDate("0999-12-31")],
    ["9999-12-31", LAST],
    ["+010000-01-01", LAST + 1],
    ["1900-02-28", parseDate("1900-02-28")],
    ["1900-03-01", parseDate("1900-02-28") + 1], // 1900 is not a leap year
    ["2000-02-29", parseDate("2000-02-28") + 1], // 2000 is
    ["2100-03-01", parseDate("2100-02-28") + 1],
    ["1970-01-01", 0],
    ["1969-12-31", -1],
    ["2020-03-16", 18_337],
  ];
  for (const [text, day] of cases) assert.equal(formatDate(day), text, `day ${day}`);
  assert.equal(formatDate(-0), "1970-01-01");
});

Deno.test("formatDate of a fractional day falls back to Date (the day it falls in)", () => {
  assert.equal(formatDate(0.5), "1970-01-01");
  assert.equal(formatDate(-0.5), "1969-12-31");
  assert.equal(formatDate(18_337.999), viaDate(18_337.999));
});

Deno.test("parseDate and formatDate are inverse over years 0000-9999", () => {
  fc.assert(
    fc.property(fc.integer({ min: FIRST, max: LAST }), (day) => {
      assert.equal(parseDate(formatDate(day)), day);
    }),
    { numRuns: 10_000 },
  );
});

Deno.test("yearOf and weekdayOf agree with Date", () => {
  fc.assert(
    fc.property(fc.integer({ min: FIRST, max: LAST }), (day) => {
      const d = new Date(day * MS_PER_DAY);
      assert.equal(yearOf(day), d.getUTCFullYear());
      assert.equal(weekdayOf(day), d.getUTCDay());
    }),
  );
});

/** The reference parseDate: Date with setUTCFullYear (Date.UTC would read 0-99 as 19xx). */
function parseViaDate(y: number, m: number, d: number): number | undefined {
  const date = new Date(0);
  date.setUTCFullYear(y, m - 1, d);
  const ok = date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
  return ok ? date.getTime() / MS_PER_DAY : undefined;
}

Deno.test("parseDate agrees with Date on every year-month-day text, valid or not", () => {
  const pad = (n: number, w: number) => String(n).padStart(w, "0");
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 9999 }),
      fc.integer({ min: 0, max: 13 }),
      fc.integer({ min: 0, max: 32 }),
      (y, m, d) => {
        const text = `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`;
        const want = parseViaDate(y, m, d);
        if (want === undefined) {
          assert.throws(() => parseDate(text), {
            name: "ConfigError",
            message: `Invalid date "${text}": expected a calendar date as YYYY-MM-DD`,
          });
        } else assert.equal(parseDate(text), want, text);
      },
    ),
    { numRuns: 20_000 },
  );
});

Deno.test("parseDate: leap days, years before 100, malformed text", () => {
  assert.equal(parseDate("2000-02-29"), 11_016);
  assert.equal(parseDate("0000-02-29"), FIRST + 59);
  assert.equal(parseDate("0000-01-01"), FIRST);
  assert.equal(parseDate("9999-12-31"), LAST);
  assert.equal(parseDate("0099-12-31") + 1, parseDate("0100-01-01"));
  assert.equal(formatDate(parseDate("0050-06-15")), "0050-06-15");
  for (const bad of ["1900-02-29", "2021-02-29", "2021-04-31", "2021-13-01", "2021-00-10"]) {
    assert.throws(() => parseDate(bad), { name: "ConfigError" }, bad);
  }
  for (
    const bad of ["2021-1-01", "21-01-01", "2021-01-01T00:00", " 2021-01-01", "", "٢٠٢١-01-01"]
  ) {
    assert.throws(() => parseDate(bad), { name: "ConfigError" }, bad);
  }
});
