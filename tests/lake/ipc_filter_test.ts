import { deepStrictEqual as assertEquals } from "node:assert/strict";
import fc from "fast-check";
import {
  DateDay,
  Float64,
  makeData,
  makeVector,
  type RecordBatch,
  Table,
  tableFromIPC,
  tableToIPC,
  Utf8,
  vectorFromArray,
} from "apache-arrow";
import { filterIpc } from "../../src/lake/_ipc_filter.ts";

const NAMES = ["AAA.AX", "AB.AX", "ABC.AX", "B.AX", "BHP.AX", "^AXJO"];

interface Row {
  symbol: string | null;
  date: number | null;
  close: number;
}

/** A table whose rows are split into record batches of the given sizes. */
function tableOf(rows: Row[], batchSizes: number[]): Table {
  const batches: RecordBatch[] = [];
  let at = 0;
  for (const size of [...batchSizes, rows.length]) {
    const part = rows.slice(at, Math.min(rows.length, at + size));
    at += part.length;
    if (part.length === 0 && batches.length > 0) continue;
    const t = new Table({
      symbol: vectorFromArray(part.map((r) => r.symbol), new Utf8()),
      date: dateVector(part.map((r) => r.date)),
      close: makeVector(
        makeData({
          type: new Float64(),
          data: Float64Array.from(part, (r) => r.close),
          length: part.length,
        }),
      ),
    });
    batches.push(...t.batches);
    if (at >= rows.length) break;
  }
  return new Table(batches);
}

/** A Date32 vector from epoch days, with a validity bitmap when some are null. */
function dateVector(days: (number | null)[]) {
  const n = days.length;
  const nulls = days.filter((d) => d === null).length;
  const bitmap = new Uint8Array(Math.ceil(n / 8));
  days.forEach((d, i) => {
    if (d !== null) bitmap[i >> 3]! |= 1 << (i & 7);
  });
  return makeVector(makeData({
    type: new DateDay(),
    data: Int32Array.from(days, (d) => d ?? 0),
    length: n,
    nullCount: nulls,
    ...(nulls > 0 ? { nullBitmap: bitmap } : {}),
  }));
}

/** Rows back from a table, dates as epoch days read from the column's own values. */
function rowsOf(table: Table): Row[] {
  const out: Row[] = [];
  for (const batch of table.batches) {
    const date = batch.getChild("date")!.data[0]!;
    const days = date.values as Int32Array;
    for (let i = 0; i < batch.numRows; i++) {
      out.push({
        symbol: batch.getChild("symbol")!.get(i) ?? null,
        date: date.getValid(i) ? days[date.offset + i]! : null,
        close: batch.getChild("close")!.get(i),
      });
    }
  }
  return out;
}

const rowArb = fc.record({
  symbol: fc.option(fc.constantFrom(...NAMES), { freq: 20 }),
  date: fc.option(fc.integer({ min: 18_000, max: 18_060 }), { freq: 20 }),
  close: fc.double({ noNaN: true }),
});

Deno.test("filterIpc keeps exactly the matching rows, in order, across batches", () => {
  fc.assert(
    fc.property(
      fc.array(rowArb, { maxLength: 120 }),
      fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 4 }),
      fc.option(fc.subarray(NAMES), { nil: undefined }),
      fc.option(fc.integer({ min: 17_990, max: 18_070 }), { nil: undefined }),
      fc.option(fc.integer({ min: 17_990, max: 18_070 }), { nil: undefined }),
      fc.boolean(),
      (rows, sizes, symbols, start, end, sorted) => {
        if (rows.length === 0) rows = [{ symbol: "AAA.AX", date: 18_000, close: 1 }];
        if (sorted) {
          rows = [...rows].sort((a, b) =>
            (a.symbol ?? "").localeCompare(b.symbol ?? "") || (a.date ?? 0) - (b.date ?? 0)
          );
        }
        const ipc = tableToIPC(tableOf(rows, sizes), "stream");
        const filter = {
          ...(symbols ? { symbols } : {}),
          ...(start !== undefined ? { start } : {}),
          ...(end !== undefined ? { end } : {}),
        };
        const want = rows.filter((r) =>
          (!symbols || (r.symbol !== null && symbols.includes(r.symbol))) &&
          (start === undefined || (r.date !== null && r.date >= start)) &&
          (end === undefined || (r.date !== null && r.date <= end))
        );
        const got = filterIpc(ipc, filter);
        assertEquals(got.rowsIn, rows.length);
        assertEquals(got.rowsOut, want.length);
        const table = tableFromIPC(got.ipc);
        assertEquals(table.schema.fields.map((f) => f.name), ["symbol", "date", "close"]);
        assertEquals(rowsOf(table), want.map((r) => ({ ...r })));
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("filterIpc returns the input itself when nothing is dropped or nothing can be filtered", () => {
  const rows: Row[] = [
    { symbol: "AAA.AX", date: 18_000, close: 1 },
    { symbol: "BHP.AX", date: 18_001, close: 2 },
  ];
  const ipc = tableToIPC(tableOf(rows, []), "stream");
  assertEquals(filterIpc(ipc, {}).ipc, ipc);
  assertEquals(filterIpc(ipc, { symbols: ["AAA.AX", "BHP.AX"], start: 18_000 }).ipc, ipc);
  // No date column: a date filter is left to SQL.
  const noDate = tableToIPC(
    new Table({ symbol: vectorFromArray(["AAA.AX"], new Utf8()) }),
    "stream",
  );
  const r = filterIpc(noDate, { start: 19_000 });
  assertEquals(r.ipc, noDate);
  assertEquals(r.rowsOut, 1);
});

Deno.test("filterIpc keeps the schema when no row matches", () => {
  const rows: Row[] = [{ symbol: "AAA.AX", date: 18_000, close: 1 }];
  const got = filterIpc(tableToIPC(tableOf(rows, []), "stream"), { symbols: ["ZZZ.AX"] });
  const table = tableFromIPC(got.ipc);
  assertEquals(got.rowsOut, 0);
  assertEquals(table.numRows, 0);
  assertEquals(table.schema.fields.map((f) => String(f.type)), ["Utf8", "Date32<DAY>", "Float64"]);
});
