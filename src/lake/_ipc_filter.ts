/**
 * Exact row filtering of decoded Parquet (private), for the wasm engine: after
 * footer statistics have picked the row groups, most of their rows still
 * belong to other symbols or dates. Filtering the Arrow IPC stream in JS
 * (zero-copy views, one pass over the `symbol` offsets and `date` values) and
 * handing DuckDB only the matching runs of rows avoids copying and inserting
 * rows the query would throw away.
 *
 * @module
 */

import { type RecordBatch, Table, tableFromIPC, tableToIPC, Type } from "apache-arrow";
import type { ParquetFilter } from "./engine.ts";

/** What {@link filterIpc} did. */
export interface IpcFilterResult {
  /** The filtered IPC stream (the input itself when nothing was dropped or filtering was not possible). */
  ipc: Uint8Array;
  /** Rows in the input. */
  rowsIn: number;
  /** Rows kept. */
  rowsOut: number;
}

const encoder = new TextEncoder();

/**
 * Keeps only the rows of an Arrow IPC stream that match the filter's symbols
 * and dates (inclusive), preserving order and schema. Columns it cannot read
 * directly (a `symbol` that is not plain Utf8, a `date` that is not Date32)
 * leave the stream unfiltered: the caller's SQL applies the filter anyway.
 *
 * @param ipc An Arrow IPC stream with `symbol` (Utf8) and/or `date` (Date32) columns.
 * @param filter Symbols and epoch-day bounds; `columns` is ignored.
 * @returns The filtered stream and row counts.
 * @throws {Error} apache-arrow's error when the stream is malformed.
 *
 * @example
 * ```ts ignore
 * const { ipc: narrowed, rowsOut } = filterIpc(ipc, { symbols: ["BHP.AX"], start: 19_000 });
 * ```
 */
export function filterIpc(ipc: Uint8Array, filter: ParquetFilter): IpcFilterResult {
  const hasSymbols = filter.symbols !== undefined;
  const hasDates = filter.start !== undefined || filter.end !== undefined;
  const table = tableFromIPC(ipc);
  const rowsIn = table.numRows;
  if (!hasSymbols && !hasDates) return { ipc, rowsIn, rowsOut: rowsIn };
  const symIndex = table.schema.fields.findIndex((f) => f.name === "symbol");
  const dateIndex = table.schema.fields.findIndex((f) => f.name === "date");
  if (hasSymbols && (symIndex < 0 || table.schema.fields[symIndex]!.typeId !== Type.Utf8)) {
    return { ipc, rowsIn, rowsOut: rowsIn };
  }
  if (hasDates && (dateIndex < 0 || table.schema.fields[dateIndex]!.type.typeId !== Type.Date)) {
    return { ipc, rowsIn, rowsOut: rowsIn };
  }
  const wanted = hasSymbols ? filter.symbols!.map((s) => encoder.encode(s)) : [];
  const lo = filter.start ?? -Infinity;
  const hi = filter.end ?? Infinity;
  const kept: RecordBatch[] = [];
  let rowsOut = 0;
  let dropped = false;
  for (const batch of table.batches) {
    const n = batch.numRows;
    const symData = hasSymbols ? batch.data.children[symIndex]! : undefined;
    const dateData = hasDates ? batch.data.children[dateIndex]! : undefined;
    if (dateData && (dateData.type as { unit?: number }).unit !== 0) {
      return { ipc, rowsIn, rowsOut: rowsIn }; // Date64 (milliseconds): leave to SQL
    }
    const offsets = symData?.valueOffsets as Int32Array | undefined;
    const bytes = symData?.values as Uint8Array | undefined;
    const symOff = symData?.offset ?? 0;
    const symNulls = symData?.nullBitmap && symData.nullCount > 0 ? symData.nullBitmap : undefined;
    const dates = dateData?.values as Int32Array | undefined;
    const dateOff = dateData?.offset ?? 0;
    const dateNulls = dateData?.nullBitmap && dateData.nullCount > 0
      ? dateData.nullBitmap
      : undefined;
    // Symbols come in runs (files are sorted by symbol): decide once per run.
    let runStart = -1, runEnd = -1, runMatch = false;
    let keepFrom = -1;
    const flush = (end: number) => {
      if (keepFrom >= 0) {
        kept.push(batch.slice(keepFrom, end));
        rowsOut += end - keepFrom;
        keepFrom = -1;
      }
    };
    for (let r = 0; r < n; r++) {
      let ok = true;
      if (offsets && bytes) {
        const i = r + symOff;
        if (symNulls && (symNulls[i >> 3]! & (1 << (i & 7))) === 0) ok = false;
        else {
          const s = offsets[i]!, e = offsets[i + 1]!;
          if (!(runStart >= 0 && sameBytes(bytes, s, e, runStart, runEnd))) {
            runStart = s;
            runEnd = e;
            runMatch = wanted.some((w) => equalsAt(bytes, s, e, w));
          }
          ok = runMatch;
        }
      }
      if (ok && dates) {
        const i = r + dateOff;
        if (dateNulls && (dateNulls[i >> 3]! & (1 << (i & 7))) === 0) ok = false;
        else {
          const d = dates[i]!;
          ok = d >= lo && d <= hi;
        }
      }
      if (ok) {
        if (keepFrom < 0) keepFrom = r;
      } else {
        dropped = true;
        flush(r);
      }
    }
    flush(n);
  }
  if (!dropped) return { ipc, rowsIn, rowsOut: rowsIn };
  // Keep the schema even when no row matches: an empty slice of the first batch.
  const out = new Table(kept.length > 0 ? kept : [table.batches[0]!.slice(0, 0)]);
  return { ipc: tableToIPC(out, "stream"), rowsIn, rowsOut };
}

function sameBytes(b: Uint8Array, s: number, e: number, s2: number, e2: number): boolean {
  if (e - s !== e2 - s2) return false;
  for (let k = 0; k < e - s; k++) if (b[s + k] !== b[s2 + k]) return false;
  return true;
}

function equalsAt(b: Uint8Array, s: number, e: number, w: Uint8Array): boolean {
  if (e - s !== w.length) return false;
  for (let k = 0; k < w.length; k++) if (b[s + k] !== w[k]) return false;
  return true;
}
