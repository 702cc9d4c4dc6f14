/**
 * The reference meaning of a daily-bars CSV, for differential tests of
 * `parseCsvBars`: the straightforward reader it replaced (split the text into
 * lines with `/\r?\n/` and each line at `,`, `Number()` per cell, `parseDate`
 * per date), kept here as the oracle. Same values, same skipped rows, same
 * messages; no speed.
 *
 * @module
 */

import { formatDate, parseDate } from "../../src/core/dates.ts";
import { ConfigError } from "../../src/core/errors.ts";

/** The columns a CSV means, oldest row first. */
export interface ReferenceBars {
  /** Epoch days. */
  dates: Int32Array;
  /** Opening prices. */
  open: Float64Array;
  /** Daily highs. */
  high: Float64Array;
  /** Daily lows. */
  low: Float64Array;
  /** Closing prices. */
  close: Float64Array;
  /** Volume. */
  volume: Float64Array;
  /** Adjusted close (NaN where empty; `close` when the file has no such column). */
  adjustedClose: Float64Array;
}

const HEADER_ALIASES: Record<string, number> = {
  date: 0,
  datetime: 0,
  timestamp: 0,
  open: 1,
  high: 2,
  low: 3,
  close: 4,
  volume: 5,
  "adj close": 6,
  adj_close: 6,
  adjclose: 6,
  adjusted_close: 6,
  "adjusted close": 6,
};
const NAMES = ["date", "open", "high", "low", "close", "volume"];

/**
 * Reads a daily-bars CSV the slow, obvious way.
 *
 * @param text The CSV text.
 * @param source Name used in messages.
 * @returns The columns, oldest row first.
 * @throws {ConfigError} Exactly where, and with exactly the message, `parseCsvBars` throws.
 *
 * @example
 * ```ts
 * import { referenceCsvBars } from "./csv_bars_reference.ts";
 * const b = referenceCsvBars("Date,Open,High,Low,Close,Volume\n2020-01-02,1,2,1,1.5,90\n");
 * console.assert(b.close[0] === 1.5);
 * ```
 */
export function referenceCsvBars(text: string, source = "CSV"): ReferenceBars {
  const lines = text.split(/\r?\n/);
  let h = 0;
  while (h < lines.length && lines[h]!.trim() === "") h++;
  if (h === lines.length) {
    throw new ConfigError(`Cannot read bars from "${source}": the file is empty`);
  }
  const header = lines[h]!.replace(/^\uFEFF/, "").split(",").map((s) =>
    s.trim().replace(/^"|"$/g, "")
  );
  const col = [-1, -1, -1, -1, -1, -1, -1];
  header.forEach((name, j) => {
    const field = Object.hasOwn(HEADER_ALIASES, name.toLowerCase())
      ? HEADER_ALIASES[name.toLowerCase()]!
      : -1;
    if (field >= 0 && col[field] === -1) col[field] = j;
  });
  for (let f = 0; f < 6; f++) {
    if (col[f] === -1) {
      throw new ConfigError(
        `Cannot read bars from "${source}": no "${NAMES[f]}" column in the header "${lines[h]}" ` +
          `(expected Date,Open,High,Low,Close,Volume[,Adj Close])`,
      );
    }
  }
  const hasAdj = col[6]! >= 0;
  const rows: number[][] = [];
  rows: for (let r = h + 1; r < lines.length; r++) {
    const line = lines[r]!;
    if (line.trim() === "") continue;
    const cells = line.split(",");
    const rawDate = (cells[col[0]!] ?? "").trim().replace(/^"|"$/g, "");
    const iso = rawDate.length > 10 && /^\d{4}-\d{2}-\d{2}[T ]/.test(rawDate)
      ? rawDate.slice(0, 10)
      : rawDate;
    let day: number;
    try {
      day = parseDate(iso);
    } catch {
      throw new ConfigError(
        `Cannot read bars from "${source}": line ${
          r + 1
        } has the date "${rawDate}", expected YYYY-MM-DD`,
      );
    }
    const row = [day];
    for (let f = 1; f <= (hasAdj ? 6 : 5); f++) {
      const cell = (cells[col[f]!] ?? "").trim();
      if (cell === "" || cell === "null" || cell === "NaN") {
        if (f === 6) {
          row.push(NaN);
          continue;
        }
        continue rows; // a holiday
      }
      const v = Number(cell);
      if (!Number.isFinite(v)) {
        throw new ConfigError(
          `Cannot read bars from "${source}": line ${r + 1} has ${
            header[col[f]!]
          } "${cell}", not a number`,
        );
      }
      row.push(v);
    }
    if (!hasAdj) row.push(row[4]!);
    rows.push(row);
  }
  if (rows.length === 0) throw new ConfigError(`Cannot read bars from "${source}": no data rows`);
  rows.sort((a, b) => a[0]! - b[0]!); // stable: equal dates keep file order
  for (let i = 1; i < rows.length; i++) {
    if (rows[i]![0] === rows[i - 1]![0]) {
      throw new ConfigError(
        `Cannot read bars from "${source}": the date ${formatDate(rows[i]![0]!)} appears twice`,
      );
    }
  }
  const pick = (f: number) => Float64Array.from(rows, (row) => row[f]!);
  return {
    dates: Int32Array.from(rows, (row) => row[0]!),
    open: pick(1),
    high: pick(2),
    low: pick(3),
    close: pick(4),
    volume: pick(5),
    adjustedClose: pick(6),
  };
}
