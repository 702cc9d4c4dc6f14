import { deepStrictEqual as eq, rejects, throws } from "node:assert";
import { parseCsvBars } from "../../src/core/csv_bars.ts";
import { readCsvBars } from "../../src/core/read_csv_bars.ts";
import { PlainBars } from "../../src/core/plain_bars.ts";
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
    /its dates are either DD\/MM\/YYYY or MM\/DD\/YYYY; say which \(dateFormat, or --date-format\)/,
  );
  throws(
    () =>
      parseCsvBars("Date,Open,High,Low,Close,Volume\n2020-01-02,1,1,1,1,1\n2020/01/03,1,1,1,1,1\n"),
    /line 3 has the date "2020\/01\/03", expected YYYY-MM-DD/,
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

Deno.test("CSV: CRLF, a BOM, quoted header cells, blank lines anywhere and no final newline", () => {
  const text = '\r\n \r\n\uFEFF"Date","Open",High,Low,Close,Volume\r\n\r\n' +
    "2020-01-02,1.5,2,1,1.75,100\r\n \t \r\n2020-01-03,2,3,1,2.5,200";
  const b = parseCsvBars(text);
  eq(Array.from(b.dates, formatDate), ["2020-01-02", "2020-01-03"]);
  eq([...b.open], [1.5, 2]);
  eq([...b.close], [1.75, 2.5]);
  eq([...b.adjustedClose], [1.75, 2.5]);
  throws(() => parseCsvBars("Date,Open,High,Low,Close,Volume\r\n\r\n"), /no data rows/);
  throws(() => parseCsvBars(" \n\t\r\n"), /the file is empty/);
});

Deno.test("CSV: every number form Number() reads is read the same, -0 and hex included", () => {
  const b = parseCsvBars(
    "Date,Open,High,Low,Close,Volume,Adj Close\n" +
      "2020-01-02,.5,5.,+2,1e3, 7 ,-0\n" +
      "2020-01-03,0x10,1E-2,0.30000000000000004,9007199254740993,12345678901234567890,null\n",
  );
  eq([...b.open], [0.5, 16]);
  eq([...b.high], [5, 0.01]);
  eq([...b.low], [2, 0.30000000000000004]);
  eq([...b.close], [1000, 9007199254740992]);
  eq([...b.volume], [7, 12345678901234567000]);
  eq(Object.is(b.adjustedClose[0], -0), true);
  eq(Number.isNaN(b.adjustedClose[1]), true); // an empty adjusted close keeps the row
});

Deno.test("CSV: dates with a time or quotes are read; impossible dates and 1e999 name their line", () => {
  const b = parseCsvBars(
    'Date,Open,High,Low,Close,Volume\n2020-01-02T16:00:00Z,1,1,1,1,1\n"2020-01-03",2,2,2,2,2\n' +
      "2020-02-29 00:00:00,3,3,3,3,3\n",
  );
  eq(Array.from(b.dates, formatDate), ["2020-01-02", "2020-01-03", "2020-02-29"]);
  throws(
    () =>
      parseCsvBars(
        "Date,Open,High,Low,Close,Volume\n\n2020-01-02,1,1,1,1,1\n2021-02-29,1,1,1,1,1\n",
      ),
    /line 4 has the date "2021-02-29", expected YYYY-MM-DD/,
  );
  throws(
    () => parseCsvBars("Date,Open,High,Low,Close,Volume\n2020-01-02,1,1,1,1e999,1\n"),
    /line 2 has Close "1e999", not a number/,
  );
});

Deno.test("CSV: a date without dashes is refused even where every cell is a number", () => {
  // An extra empty cell, or dates in an ignored first column, must not make it readable.
  throws(
    () =>
      parseCsvBars("Date,Open,High,Low,Close,Volume\n20200102,1,1,1,1,1,\n2020-01-03,2,2,2,2,2\n"),
    /line 2 has the date "20200102"/,
  );
  throws(
    () => parseCsvBars("Note,Date,Open,High,Low,Close,Volume\n2001-02-03,20200102,1,1,1,1,1\n"),
    /line 2 has the date "20200102"/,
  );
  const b = parseCsvBars("Note,Date,Open,High,Low,Close,Volume\n2001-02-03,2020-01-02,1,1,1,1,1\n");
  eq(Array.from(b.dates, formatDate), ["2020-01-02"]);
});

Deno.test("CSV: short rows, long rows and holiday cells", () => {
  const b = parseCsvBars(
    "Date,Open,High,Low,Close,Volume,Adj Close\n" +
      "2020-01-02,1,1,1,1,1\n" + // no adjusted close: NaN, row kept
      "2020-01-03,2,2,2,2\n" + // no volume: a holiday, skipped
      "2020-01-06,3,3,3,3,3,3,extra,cells\n" +
      "2020-01-07,NaN,4,4,4,4,4\n", // skipped
  );
  eq(Array.from(b.dates, formatDate), ["2020-01-02", "2020-01-06"]);
  eq(Number.isNaN(b.adjustedClose[0]), true);
  eq([...b.close], [1, 3]);
  eq(b.adjustedClose === b.close, false);
});

Deno.test("readCsvBars: the symbol is the file name; a missing file is a ConfigError quoting the path", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/bhp.ax.csv`;
    await Deno.writeTextFile(path, "Date,Open,High,Low,Close,Volume\n2020-01-02,1,2,1,1.5,10\n");
    const b = await readCsvBars(path);
    eq(b.symbols(), ["BHP.AX"]);
    eq([...b.close], [1.5]);
    eq((await readCsvBars(path, { symbol: "X" })).symbols(), ["X"]);
    await rejects(
      () => readCsvBars(`${dir}/absent.csv`),
      (e: Error) => e instanceof ConfigError && e.message.includes(`"${dir}/absent.csv"`),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const HEAD = "Date,Open,High,Low,Close,Adj Close,Volume\n";

Deno.test("CSV: Australian DD/MM/YYYY dates are detected; MM/DD/YYYY too; dateFormat settles the rest", () => {
  const au = parseCsvBars(HEAD + "13/01/2020,1,1,1,1,1,5\n02/01/2020,2,2,2,2,2,5\n");
  eq(au.dateStrings(), ["2020-01-02", "2020-01-13"]);
  const us = parseCsvBars(HEAD + "01/13/2020,1,1,1,1,1,5\n1/2/2020,2,2,2,2,2,5\n");
  eq(us.dateStrings(), ["2020-01-02", "2020-01-13"]);
  const told = parseCsvBars(HEAD + "01/02/2020,1,1,1,1,1,5\n", { dateFormat: "DD/MM/YYYY" });
  eq(told.dateStrings(), ["2020-02-01"]);
  throws(
    () => parseCsvBars(HEAD + "13/01/2020,1,1,1,1,1,5\n01/13/2020,1,1,1,1,1,5\n"),
    /neither DD\/MM\/YYYY nor MM\/DD\/YYYY/,
  );
  throws(
    () => parseCsvBars(HEAD + "31/02/2020,1,1,1,1,1,5\n", { dateFormat: "DD/MM/YYYY" }),
    /line 2 has the date "31\/02\/2020", expected DD\/MM\/YYYY/,
  );
});

Deno.test("CSV: quoted values, thousands separators, and a pandas index as the date column", () => {
  const q = parseCsvBars(
    'Date,Open,High,Low,Close,Volume\n"2020-01-02","1,234.50","1,300",1200,"1,250","2,000,000"\n',
  );
  eq([q.open[0], q.high[0], q.close[0], q.volume[0]], [1234.5, 1300, 1250, 2_000_000]);
  const goog = parseCsvBars(
    ",Open,High,Low,Close,Volume\n2004-08-19,100,104.06,95.96,100.34,22351900\n",
  );
  eq([goog.dateStrings()[0], goog.close[0]], ["2004-08-19", 100.34]);
});

Deno.test("CSV: Adj Close is used with adjusted and noted otherwise; dropped holiday rows are counted", () => {
  const text = HEAD + "2020-01-02,10,12,9,11,5.5,100\n2020-01-03,null,null,null,null,null,null\n" +
    "2020-01-06,11,11,11,11,11,100\n";
  const notes: string[] = [];
  const raw = parseCsvBars(text, { source: "x.csv", onNote: (n) => notes.push(n) });
  eq([...raw.close], [11, 11]);
  eq(notes, [
    '"x.csv": its Adj Close column is not used (prices are as traded, not adjusted for dividends and splits; --adjusted uses it)',
    '"x.csv": dropped 1 row without prices (holidays)',
  ]);
  const adj = parseCsvBars(text, { adjusted: true });
  eq([...adj.open], [5, 11]); // scaled by 5.5 / 11
  eq([...adj.high], [6, 11]);
  eq([...adj.close], [5.5, 11]);
  throws(
    () =>
      parseCsvBars("Date,Open,High,Low,Close,Volume\n2020-01-02,1,1,1,1,1\n", { adjusted: true }),
    /no "Adj Close" column/,
  );
});
