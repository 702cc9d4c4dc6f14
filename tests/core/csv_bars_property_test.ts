/**
 * Properties of `parseCsvBars`: formatting random bars and reading them back
 * gives the same doubles bit for bit; any CSV, clean or corrupted, reads or is
 * refused with a ConfigError (never another error); a corrupt cell is reported
 * with its line; dates agree with `parseDate` day for day. Each case is read as
 * generated and with a holiday row of `null`s added.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { parseCsvBars } from "../../src/core/csv_bars.ts";
import { readCsvBars } from "../../src/core/read_csv_bars.ts";
import { parseDate } from "../../src/core/dates.ts";
import { ConfigError } from "../../src/core/errors.ts";

const FIELDS = ["dates", "open", "high", "low", "close", "volume", "adjustedClose"] as const;

/** The bytes of a typed array, so that -0 and NaN compare exactly. */
const bytes = (a: Int32Array | Float64Array) =>
  new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Either the columns read from `text`, or the message it was refused with. */
function outcome(read: () => Record<(typeof FIELDS)[number], Int32Array | Float64Array>) {
  try {
    const bars = read();
    return { columns: FIELDS.map((f) => bytes(bars[f])) };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return { error: err.message };
  }
}

/** `parseCsvBars(text)` reads `text` or refuses it with a ConfigError, and reads a holiday row as nothing. */
function readsOrRefuses(text: string): void {
  outcome(() => parseCsvBars(text, { source: "t.csv" }));
}

/** Inserts a holiday row (skipped by every reader) after the header, forcing the general path. */
function withHoliday(text: string, cells: number, dateCell: number): string {
  const at = text.indexOf("\n") + 1;
  if (at === 0) return text;
  const row = Array.from({ length: cells }, (_, j) => j === dateCell ? "1999-12-31" : "null");
  return text.slice(0, at) + row.join(",") + "\n" + text.slice(at);
}

/** A double as text that `Number()` reads back to exactly it (keeping -0). */
const exact = (x: number) => Object.is(x, -0) ? "-0" : String(x);

/** Days 0100-01-01 … 9999-12-31. */
const FIRST_DAY = parseDate("0100-01-01"), LAST_DAY = parseDate("9999-12-31");

const NAMES: Record<string, string[]> = {
  date: ["Date", "date", "DATE", "Datetime", "timestamp"],
  open: ["Open", "open", "OPEN"],
  high: ["High", "high"],
  low: ["Low", "LOW"],
  close: ["Close", "close"],
  volume: ["Volume", "volume"],
  adj: ["Adj Close", "adj_close", "AdjClose", "adjusted_close", "Adjusted Close"],
};

interface Sheet {
  /** Header cells in file order. */
  header: string[];
  /** Data rows in file order, as cells. */
  rows: string[][];
  /** Index of the date column. */
  dateCell: number;
  /** Line break, BOM, final newline. */
  eol: string;
  bom: boolean;
  final: boolean;
  /** The bars the rows mean, ascending by date. */
  expected: Record<(typeof FIELDS)[number], Int32Array | Float64Array>;
}

const price = fc.oneof(
  { weight: 4, arbitrary: fc.double({ min: 0.01, max: 5000, noNaN: true }) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 1_000_000 }).map((c) => c / 10_000) },
  { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 1, arbitrary: fc.constantFrom(0, -0, 5e-324, 1e21, 1.7976931348623157e308, -2.5) },
);
const volume = fc.oneof(
  fc.integer({ min: 0, max: 2 ** 53 - 1 }),
  fc.double({ min: 0, max: 1e15, noNaN: true }),
);

/** Random well-formed sheets: random dialect, distinct dates in random order, exact prices. */
const sheet: fc.Arbitrary<Sheet> = fc.record({
  days: fc.uniqueArray(
    fc.oneof(
      { weight: 5, arbitrary: fc.integer({ min: -25_000, max: 40_000 }) }, // 1901-2079
      { weight: 1, arbitrary: fc.integer({ min: FIRST_DAY, max: LAST_DAY }) },
    ),
    { minLength: 1, maxLength: 40 },
  ),
  order: fc.constantFrom("ascending", "descending", "shuffled"),
  shuffle: fc.array(fc.nat(), { minLength: 40, maxLength: 40 }),
  prices: fc.array(fc.array(price, { minLength: 5, maxLength: 5 }), {
    minLength: 40,
    maxLength: 40,
  }),
  volumes: fc.array(volume, { minLength: 40, maxLength: 40 }),
  hasAdj: fc.boolean(),
  extra: fc.constantFrom(0, 0, 1, 2, 3),
  names: fc.record(
    Object.fromEntries(Object.entries(NAMES).map(([k, v]) => [k, fc.constantFrom(...v)])),
  ),
  columnOrder: fc.constantFrom("standard", "yahoo", "shuffled"),
  perm: fc.array(fc.nat(), { minLength: 10, maxLength: 10 }),
  eol: fc.constantFrom("\n", "\n", "\r\n"),
  bom: fc.boolean(),
  final: fc.boolean(),
}).map((g) => {
  const days = [...g.days].sort((a, b) => a - b);
  const n = days.length;
  // Row i of the sorted bars: date days[i], open/high/low/close prices[i], volume, adj prices[i][4].
  const keys = ["date", "open", "high", "low", "close", "volume", ...(g.hasAdj ? ["adj"] : [])];
  for (let e = 0; e < g.extra; e++) keys.push(`extra${e}`);
  if (g.columnOrder === "yahoo" && g.hasAdj) {
    keys.splice(5, 2, "adj", "volume"); // Date,Open,High,Low,Close,Adj Close,Volume
  } else if (g.columnOrder === "shuffled") {
    for (let i = keys.length - 1; i > 0; i--) {
      const j = g.perm[i]! % (i + 1);
      [keys[i], keys[j]] = [keys[j]!, keys[i]!];
    }
  }
  const header = keys.map((k) => (g.names as Record<string, string>)[k] ?? `Note ${k}`);
  const value = (k: string, i: number): string => {
    const p = g.prices[i]!;
    switch (k) {
      case "date":
        return isoDate(days[i]!);
      case "open":
        return exact(p[0]!);
      case "high":
        return exact(p[1]!);
      case "low":
        return exact(p[2]!);
      case "close":
        return exact(p[3]!);
      case "volume":
        return exact(g.volumes[i]!);
      case "adj":
        return exact(p[4]!);
      default: // other columns: a number, a date, a word
        return k === "extra0" ? "42" : k === "extra1" ? "2001-02-03" : "x";
    }
  };
  const rowOrder = Array.from({ length: n }, (_, i) => i);
  if (g.order === "descending") rowOrder.reverse();
  if (g.order === "shuffled") {
    for (let i = n - 1; i > 0; i--) {
      const j = g.shuffle[i]! % (i + 1);
      [rowOrder[i], rowOrder[j]] = [rowOrder[j]!, rowOrder[i]!];
    }
  }
  const f64 = (f: (i: number) => number) => Float64Array.from({ length: n }, (_, i) => f(i));
  return {
    header,
    rows: rowOrder.map((i) => keys.map((k) => value(k, i))),
    dateCell: keys.indexOf("date"),
    eol: g.eol,
    bom: g.bom,
    final: g.final,
    expected: {
      dates: Int32Array.from(days),
      open: f64((i) => g.prices[i]![0]!),
      high: f64((i) => g.prices[i]![1]!),
      low: f64((i) => g.prices[i]![2]!),
      close: f64((i) => g.prices[i]![3]!),
      volume: f64((i) => g.volumes[i]!),
      adjustedClose: f64((i) => g.prices[i]![g.hasAdj ? 4 : 3]!),
    },
  };
});

/** `YYYY-MM-DD` of an epoch day (years 100-9999), without dates.ts. */
function isoDate(day: number): string {
  const d = new Date(day * 86_400_000);
  const p = (x: number, w: number) => String(x).padStart(w, "0");
  return `${p(d.getUTCFullYear(), 4)}-${p(d.getUTCMonth() + 1, 2)}-${p(d.getUTCDate(), 2)}`;
}

function render(s: Sheet, rows = s.rows): string {
  const lines = [s.header.join(","), ...rows.map((r) => r.join(","))];
  return (s.bom ? "\uFEFF" : "") + lines.join(s.eol) + (s.final ? s.eol : "");
}

Deno.test("CSV property: random bars formatted and read back are the same doubles, bit for bit", () => {
  fc.assert(
    fc.property(sheet, (s) => {
      const text = render(s);
      for (const t of [text, withHoliday(text, s.header.length, s.dateCell)]) {
        const bars = parseCsvBars(t);
        for (const f of FIELDS) assert.deepEqual(bytes(bars[f]), bytes(s.expected[f]), f);
        assert.equal(bars.length, s.rows.length);
        assert.ok(
          bars.adjustedClose.buffer !== bars.close.buffer,
          "adjusted close is its own array",
        );
      }
    }),
    { numRuns: 600 },
  );
});

/** Cell texts that exercise every rule: holidays, whitespace, forms Number() takes or refuses. */
const oddCell = fc.constantFrom(
  "",
  " ",
  "null",
  "NaN",
  " null ",
  "Infinity",
  "-Infinity",
  "1e999",
  "-1e999",
  "1e308",
  "+2",
  ".5",
  "5.",
  "-.5",
  "-0",
  "0",
  "00012",
  "0x0",
  " -0",
  "0x1F",
  "0b11",
  "1_000",
  "1,5",
  " 1.5 ",
  "\t7",
  "7\t",
  "\u00a07",
  "1e-7",
  "2E+3",
  "1.2.3",
  "--5",
  "abc",
  '"3"',
  "[1]",
  "true",
  "false",
  "{}",
  "12345678901234567890",
  "0.30000000000000004",
  "9007199254740993",
  "123456789012345678901234567890.5",
  "0.0000000000000000000000001",
  "2020-01-01",
  "\r",
);
const oddDate = fc.oneof(
  fc.constantFrom(
    "",
    "2021-02-29",
    "2020-02-29",
    "2020-13-01",
    "2020-00-10",
    "2020-01-00",
    "2020-01-32",
    "2020-1-1",
    "20200101",
    "0099-12-31",
    "0100-01-01",
    "0999-06-15",
    "9999-12-31",
    "2020-01-01T10:00:00Z",
    "2020-01-01 16:00:00",
    "2020-01-01X",
    '"2020-01-03"',
    " 2020-01-04",
    "2020-01-05 ",
    "2020-01-06.0",
    "2020-01-0e1",
    "2020-0x-01",
    "20x0-01-01",
    "2020-01-07\r",
    "null",
  ),
  fc.tuple(
    fc.integer({ min: 0, max: 9999 }),
    fc.integer({ min: 0, max: 13 }),
    fc.integer({ min: 0, max: 32 }),
  ).map(([y, m, d]) =>
    `${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`
  ),
);
type Edit =
  | { kind: "cell"; row: number; cell: number; text: string }
  | { kind: "date"; row: number; text: string }
  | { kind: "line"; row: number; text: string }
  | { kind: "duplicate"; row: number }
  | { kind: "truncate"; row: number; cells: number }
  | { kind: "append"; row: number; text: string }
  | { kind: "undashed"; row: number };
const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant("cell" as const), row: fc.nat(), cell: fc.nat(), text: oddCell }),
  fc.record({ kind: fc.constant("date" as const), row: fc.nat(), text: oddDate }),
  fc.record({
    kind: fc.constant("line" as const),
    row: fc.nat(),
    text: fc.constantFrom("", " ", "\t", "\r", " \r", "\u00a0", "x", "1,2,3,4,5,6,7"),
  }),
  fc.record({ kind: fc.constant("duplicate" as const), row: fc.nat() }),
  fc.record({ kind: fc.constant("truncate" as const), row: fc.nat(), cells: fc.nat() }),
  fc.record({ kind: fc.constant("append" as const), row: fc.nat(), text: oddCell }),
  // A date without dashes and an empty cell after the last: numbers only, one cell too many.
  fc.record({ kind: fc.constant("undashed" as const), row: fc.nat() }),
);

function applyEdits(s: Sheet, edits: Edit[]): string[][] {
  const rows = s.rows.map((r) => [...r]);
  for (const e of edits) {
    if (rows.length === 0) break;
    const r = e.row % rows.length;
    switch (e.kind) {
      case "cell":
        rows[r]![e.cell % s.header.length] = e.text;
        break;
      case "date":
        rows[r]![s.dateCell] = e.text;
        break;
      case "line":
        rows.splice(r, 0, [e.text]);
        break;
      case "duplicate":
        rows.splice(r, 0, [...rows[r]!]);
        break;
      case "truncate":
        rows[r] = rows[r]!.slice(0, e.cells % rows[r]!.length);
        break;
      case "append":
        rows[r]!.push(e.text);
        break;
      case "undashed":
        rows[r]![s.dateCell] = (rows[r]![s.dateCell] ?? "").replaceAll("-", "");
        rows[r]!.push("");
        break;
    }
  }
  return rows;
}

Deno.test("CSV property: any corruption of a CSV is read or refused with a ConfigError", () => {
  fc.assert(
    fc.property(sheet, fc.array(edit, { minLength: 0, maxLength: 4 }), (s, edits) => {
      const text = render(s, applyEdits(s, edits));
      readsOrRefuses(text);
      readsOrRefuses(withHoliday(text, s.header.length, s.dateCell));
    }),
    { numRuns: 1000 },
  );
});

Deno.test("CSV property: a price cell that is not a number is a ConfigError naming its line", () => {
  const garbage = fc.constantFrom("x", "1.2.3", "--5", "1e999", "0x", "12abc", "$5", "five");
  fc.assert(
    fc.property(sheet, fc.nat(), fc.nat(), garbage, fc.boolean(), (s, r0, c0, bad, holiday) => {
      const r = r0 % s.rows.length;
      const priceCells = s.header.map((_, j) => j).filter((j) =>
        j !== s.dateCell && !s.header[j]!.startsWith("Note")
      );
      const c = priceCells[c0 % priceCells.length]!;
      const rows = s.rows.map((row) => [...row]);
      rows[r]![c] = bad;
      let text = render(s, rows);
      let line = r + 2; // 1-based, after the header
      if (holiday) {
        text = withHoliday(text, s.header.length, s.dateCell);
        line++;
      }
      assert.throws(
        () => parseCsvBars(text, { source: "t.csv" }),
        (e: Error) =>
          e instanceof ConfigError &&
          e.message ===
            `Cannot read bars from "t.csv": line ${line} has ${s.header[c]} "${bad}", not a number`,
      );
    }),
    { numRuns: 500 },
  );
});

Deno.test("CSV property: a date is read as parseDate reads it, and refused with its line where parseDate refuses it", () => {
  const head = "Date,Open,High,Low,Close,Volume\n";
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 10_000 }),
      fc.integer({ min: 0, max: 13 }),
      fc.integer({ min: 0, max: 32 }),
      fc.boolean(),
      (y, m, d, holiday) => {
        const date = `${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}-${
          String(d).padStart(2, "0")
        }`;
        let want: number | undefined;
        try {
          want = parseDate(date);
        } catch (err) {
          assert.ok(err instanceof ConfigError);
        }
        const text = head + (holiday ? "1999-12-31,null,null,null,null,null\n" : "") +
          `${date},1,2,0.5,1.5,100\n`;
        if (want === undefined) {
          assert.throws(
            () => parseCsvBars(text),
            (e: Error) =>
              e instanceof ConfigError &&
              e.message.includes(`line ${holiday ? 3 : 2} has the date "${date}"`),
          );
        } else {
          assert.equal(parseCsvBars(text).dates[0], want);
        }
      },
    ),
    { numRuns: 20_000 },
  );
});

Deno.test("CSV: every real day from 1000-01-01 to 1000-12-31, 1890 to 2110 and 9999 reads as parseDate reads it, on both paths", () => {
  const dates: string[] = [];
  for (const [from, to] of [[1000, 1000], [1890, 2110], [9999, 9999]] as const) {
    for (let y = from; y <= to; y++) {
      for (let m = 1; m <= 12; m++) {
        for (let d = 1; d <= 31; d++) {
          const date = `${y}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
          try {
            parseDate(date);
            dates.push(date);
          } catch {
            // not a day: the property above covers refusals
          }
        }
      }
    }
  }
  const text = "Date,Open,High,Low,Close,Volume\n" + dates.map((d) => `${d},1,1,1,1,1`).join("\n");
  const want = Int32Array.from(dates, parseDate);
  assert.deepEqual(parseCsvBars(text).dates, want);
  assert.deepEqual(parseCsvBars(withHoliday(text, 6, 0)).dates, want);
});

Deno.test("CSV: the shipped goog_like_600 fixture reads with and without a holiday row", async () => {
  const path = new URL("../fixtures/backtest/goog_like_600.csv", import.meta.url).pathname;
  const text = await Deno.readTextFile(path);
  const bars = await readCsvBars(path);
  assert.equal(bars.length, 600);
  assert.deepEqual(bars.symbols(), ["GOOG_LIKE_600"]);
  assert.deepEqual([bars.open[0], bars.close[0], bars.dateStrings()[0]], [
    100,
    100.1606,
    "2004-08-19",
  ]);
  const general = parseCsvBars(withHoliday(text, 7, 0));
  for (const f of FIELDS) assert.deepEqual(bytes(general[f]), bytes(bars[f]), f);
});
