/**
 * Reads a daily-bars CSV file from disk with `node:fs`, so it runs under Deno
 * and Node alike; the format is `parseCsvBars`'s (./csv_bars.ts).
 *
 * @module
 */

import { readFile } from "node:fs/promises";
import { type CsvBarsOptions, readCsvBarsWith } from "./csv_bars.ts";
import type { PlainBars } from "./plain_bars.ts";

/**
 * Reads a daily-bars CSV file (the formats `parseCsvBars` reads).
 *
 * @param path The file.
 * @param options The symbol (default: the file name without extension, upper-cased), and `parseCsvBars`'s options.
 * @returns The bars.
 * @throws {ConfigError} When the file cannot be read (the message quotes the path) or parsed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { readCsvBars } from "./read_csv_bars.ts";
 * const dir = mkdtempSync(join(tmpdir(), "asxlab-csv-"));
 * writeFileSync(join(dir, "goog.csv"), "Date,Open,High,Low,Close,Volume\n2004-08-19,100,104,95,100.3,44659000\n");
 * const bars = await readCsvBars(join(dir, "goog.csv"));
 * assert.deepEqual(bars.symbols(), ["GOOG"]);
 * assert.equal(bars.close[0], 100.3);
 * rmSync(dir, { recursive: true });
 * ```
 */
export function readCsvBars(path: string, options: CsvBarsOptions = {}): Promise<PlainBars> {
  return readCsvBarsWith((file) => readFile(file, "utf8"), path, options);
}
