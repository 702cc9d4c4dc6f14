/**
 * The small CSV files the pipeline writes (symbol lists, events): RFC 4180
 * quoting on the way out, csv-parse on the way in.
 *
 * @module
 */

import { parse } from "csv-parse/sync";

/** One CSV line: fields quoted when they hold a comma, quote or line break; `null` is empty. */
export function csvLine(fields: readonly (string | number | null)[]): string {
  return fields.map((f) => {
    if (f === null) return "";
    const s = String(f);
    return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  }).join(",");
}

/** A whole CSV file: header, rows, LF line endings, final newline. */
export function csvText(
  header: readonly string[],
  rows: readonly (readonly (string | number | null)[])[],
): string {
  return [csvLine(header), ...rows.map(csvLine)].join("\n") + "\n";
}

/** Parses a CSV with a header row into records keyed by column name. */
export function csvRecords(text: string): Record<string, string>[] {
  return parse(text, { columns: true, bom: true, skip_empty_lines: true }) as Record<
    string,
    string
  >[];
}
