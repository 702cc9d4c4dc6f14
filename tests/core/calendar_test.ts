import { fileURLToPath } from "node:url";
import {
  deepStrictEqual as assertEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import fc from "fast-check";
import {
  CALENDAR_COVERAGE,
  holidayName,
  holidaysBetween,
  isCalendarCovered,
  isTradingDay,
  nextTradingDay,
  tradingDays,
} from "../../src/core/calendar.ts";
import { ASX_HOLIDAYS } from "../../src/core/_asx_holidays.ts";
import { formatDate, parseDate, weekdayOf } from "../../src/core/dates.ts";
import { ConfigError } from "../../src/core/errors.ts";

const d = parseDate;
const CSV = fileURLToPath(new URL("../fixtures/asx/asx_holidays.csv", import.meta.url));

Deno.test(
  "embedded holidays equal the fixture asx_holidays.csv row for row",
  () => {
    const lines = Deno.readTextFileSync(CSV).trimEnd().split("\n").slice(1);
    assertEquals(lines.length, 93);
    assertEquals(ASX_HOLIDAYS.map(([date, name]) => `${date},${name}`), lines);
  },
);

Deno.test("93 holidays, all weekdays, ascending, inside the coverage", () => {
  assertEquals(ASX_HOLIDAYS.length, 93);
  let prev = -Infinity;
  for (const [date] of ASX_HOLIDAYS) {
    const day = d(date);
    assert(day > prev, `${date} out of order`);
    prev = day;
    const wd = weekdayOf(day);
    assert(wd >= 1 && wd <= 5, `${date} is a weekend`);
    assert(isCalendarCovered(day));
    assert(!isTradingDay(day));
  }
  assertEquals(CALENDAR_COVERAGE.startDay, d("2015-01-01"));
  assertEquals(CALENDAR_COVERAGE.endDay, d("2026-12-31"));
});

Deno.test("facts from the CSV: mourning day, Saturday Anzac, observed Christmas", () => {
  assert(!isTradingDay(d("2022-09-22")));
  assertEquals(holidayName(d("2022-09-22")), "National Day of Mourning for Queen Elizabeth II");
  assert(isTradingDay(d("2022-09-21")) && isTradingDay(d("2022-09-23")));
  // Anzac Day on a Saturday is not moved: the following Monday trades.
  for (const sat of ["2015-04-25", "2020-04-25", "2026-04-25"]) {
    assertEquals(weekdayOf(d(sat)), 6);
    assertEquals(holidayName(d(sat)), undefined);
    assert(isTradingDay(d(sat) + 2), `Monday after ${sat} must trade`);
  }
  // 2021: Christmas on Saturday, Boxing Day on Sunday -> Mon 27 and Tue 28 closed.
  assertEquals(holidayName(d("2021-12-27")), "Christmas Day (observed)");
  assertEquals(holidayName(d("2021-12-28")), "Boxing Day (observed)");
  assert(isTradingDay(d("2021-12-24")) && isTradingDay(d("2021-12-29")));
  // 2022: Christmas on Sunday -> Boxing Day Mon 26, Christmas observed Tue 27.
  assertEquals(holidayName(d("2022-12-26")), "Boxing Day");
  assertEquals(holidayName(d("2022-12-27")), "Christmas Day (observed)");
  assertEquals(holidayName(d("2016-03-25")), "Good Friday");
  assertEquals(holidayName(d("2015-01-26")), "Australia Day");
});

Deno.test("outside the coverage only weekends are known", () => {
  assert(!isCalendarCovered(d("2014-12-31")) && !isCalendarCovered(d("2027-01-01")));
  assert(isTradingDay(d("2014-12-25"))); // Christmas 2014 (a Thursday): unknown, so a weekday
  assert(isTradingDay(d("2027-01-01"))); // a Friday
  assert(!isTradingDay(d("2014-12-27"))); // Saturday
  assertEquals(holidayName(d("2014-12-25")), undefined);
});

Deno.test("tradingDays: counts per year, bounds inclusive, empty when reversed", () => {
  // 2022: 260 weekdays, 9 weekday closures.
  assertEquals(tradingDays("2022-01-01", "2022-12-31").length, 251);
  // 2016 has 261 weekdays and 8 weekday closures (26 Dec Mon, 27 Dec Tue included).
  assertEquals(tradingDays("2016-01-01", "2016-12-31").length, 261 - 8);
  const days = tradingDays(d("2016-03-24"), d("2016-03-29"));
  assertEquals(Array.from(days, formatDate), ["2016-03-24", "2016-03-29"]);
  assertEquals(tradingDays("2016-03-29", "2016-03-24").length, 0);
  assertEquals(nextTradingDay("2022-12-24"), d("2022-12-28"));
  assertThrows(() => tradingDays("2016-02-30", "2016-03-01"), ConfigError);
  assertThrows(() => tradingDays(1.5, 3), TypeError);
  assertEquals(holidaysBetween("2022-01-01", "2022-12-31").length, 9);
});

Deno.test("property: tradingDays agrees with isTradingDay and weekends never trade", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: d("2010-01-01"), max: d("2030-12-31") }),
      fc.integer({ min: 0, max: 400 }),
      (start, len) => {
        const days = tradingDays(start, start + len);
        let expected = 0;
        for (let x = start; x <= start + len; x++) {
          const wd = weekdayOf(x);
          if (wd === 0 || wd === 6) assert(!isTradingDay(x));
          if (isTradingDay(x)) expected++;
          if (holidayName(x) !== undefined) assert(!isTradingDay(x) && isCalendarCovered(x));
        }
        assertEquals(days.length, expected);
        for (let i = 1; i < days.length; i++) assert(days[i]! > days[i - 1]!);
      },
    ),
  );
});
