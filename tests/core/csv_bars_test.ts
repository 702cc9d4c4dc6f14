import { deepStrictEqual as eq, throws } from "node:assert";
import { parseCsvBars, PlainBars } from "../../src/core/csv_bars.ts";
import { ConfigError } from "../../src/core/errors.ts";
import { formatDate } from "../../src/core/dates.ts";

Deno.test("CSV: any header order and case, newest-first rows come back oldest-first, null rows skipped", () => {
  const text = [
    "volume,close,Date,HIGH,low,Open,Adj Close",
    "300,12.5,2020-01-06,13,12,12.2,12.4",
    "200,null,2020-01-03,null,null,null,null",
    "100,11.5,2020-01-02,12,11,11.2,11.4",
    "",
  ].join("\r\n");
  const b = parseCsvBars(text, { symbol: "X" });
  eq(b.length, 2);
  eq(Array.from(b.dates, formatDate), ["2020-01-02", "2020-01-06"]);
  eq([...b.open], [11.2, 12.2]);
  eq([...b.high], [12, 13]);
  eq([...b.close], [11.5, 12.5]);
  eq([...b.volume], [100, 300]);
  eq([...b.adjustedClose], [11.4, 12.4]);
  eq(b.symbols(), ["X"]);
});

Deno.test("CSV: unsorted rows are sorted; duplicates, bad numbers and missing columns are ConfigErrors", () => {
  const b = parseCsvBars(
    "Date,Open,High,Low,Close,Volume\n2020-01-03,2,2,2,2,1\n2020-01-01,1,1,1,1,1\n2020-01-02,3,3,3,3,1\n",
  );
  eq([...b.close], [1, 3, 2]);
  eq([...b.adjustedClose], [1, 3, 2]); // defaults to close
  throws(
    () =>
      parseCsvBars("Date,Open,High,Low,Close,Volume\n2020-01-01,1,1,1,1,1\n2020-01-01,1,1,1,1,1\n"),
    /appears twice/,
  );
  throws(
    () => parseCsvBars("Date,Open,High,Low,Close,Volume\n2020-01-01,1,x,1,1,1\n"),
    /High "x", not a number/,
  );
  throws(
    () => parseCsvBars("Date,Open,High,Low,Volume\n2020-01-01,1,1,1,1\n"),
    (e: Error) => e instanceof ConfigError && /no "close" column/.test(e.message),
  );
  throws(
    () => parseCsvBars("Date,Open,High,Low,Close,Volume\n01/02/2020,1,1,1,1,1\n"),
    /expected YYYY-MM-DD/,
  );
  throws(() => parseCsvBars(""), /empty/);
});

Deno.test("PlainBars: symbol ranges, of() slices without copying", () => {
  const f = (xs: number[]) => new Float64Array(xs);
  const b = new PlainBars({
    symbol: [["A", 0, 2], ["B", 2, 3]],
    dates: new Int32Array([1, 2, 1]),
    open: f([1, 2, 3]),
    high: f([1, 2, 3]),
    low: f([1, 2, 3]),
    close: f([1, 2, 3]),
    volume: f([1, 1, 1]),
  });
  eq(b.symbols(), ["A", "B"]);
  eq([...b.of("B").close], [3]);
  eq(b.of("B").close.buffer, b.close.buffer);
  throws(() => b.of("C"), RangeError);
});
