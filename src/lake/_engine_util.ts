/**
 * Helpers shared by the two engines (private): names, quoting, reading
 * Parquet sources with their footers, and turning failures into `LakeError`s.
 *
 * @module
 */

import { LakeError } from "../core/errors.ts";
import type { ParquetFilter, ParquetSource } from "./engine.ts";
import {
  decodeFooter,
  footerLength,
  type ParquetFooter,
  selectRowGroups,
} from "./_parquet_footer.ts";

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * Checks a table name before it is spliced into SQL.
 *
 * @param name e.g. `ohlcv_1`.
 * @returns The name.
 * @throws {TypeError} When it is not a plain identifier.
 */
export function checkName(name: string): string {
  if (!NAME.test(name)) {
    throw new TypeError(
      `Invalid table name "${name}": use letters, digits and "_", starting with a letter or "_"`,
    );
  }
  return name;
}

/**
 * Quotes an identifier for DuckDB.
 *
 * @param name Any identifier.
 * @returns `"name"` with inner quotes doubled.
 */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Quotes a string literal for DuckDB.
 *
 * @param text Any text.
 * @returns `'text'` with inner quotes doubled.
 */
export function quoteString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** The LakeError for a Parquet source file that cannot be opened or read. */
function unreadable(source: ParquetSource, err: unknown): LakeError {
  if (err instanceof Deno.errors.NotFound) {
    return new LakeError(
      `Cannot read Parquet object "${source.key}": file "${source.path}" does not exist`,
      { key: source.key, code: "NotFound", cause: err },
    );
  }
  return new LakeError(
    `Cannot read Parquet object "${source.key}" from "${source.path}": ${messageOf(err)}`,
    { key: source.key, cause: err },
  );
}

/**
 * Reads a source's bytes.
 *
 * @param source The key and local path.
 * @returns The file's bytes.
 * @throws {LakeError} `NotFound` when the file is missing, `Other` when unreadable.
 */
export async function readSource(source: ParquetSource): Promise<Uint8Array> {
  try {
    return await Deno.readFile(source.path);
  } catch (err) {
    throw unreadable(source, err);
  }
}

/**
 * Reads only the footer of a source (the last bytes of the file). Decoded
 * footers are kept (up to 256 files) and reused while the file's size, mtime
 * and inode are unchanged, so warm queries skip the Thrift decoding.
 *
 * @param source The key and local path.
 * @returns The decoded footer.
 * @throws {LakeError} `NotFound` when missing, `Corrupt` when the footer is unreadable.
 */
export async function readSourceFooter(source: ParquetSource): Promise<ParquetFooter> {
  // Lake objects are replaced whole (new file, new mtime), so (path, size, mtime) identifies a footer.
  let stamp: string | undefined;
  try {
    const st = await Deno.stat(source.path);
    stamp = `${st.size}:${st.mtime?.getTime() ?? "?"}:${st.ino ?? "?"}`;
    const hit = footerCache.get(source.path);
    if (hit && hit.stamp === stamp && st.mtime) {
      footerCache.delete(source.path); // refresh its place in the LRU order
      footerCache.set(source.path, hit);
      return hit.footer;
    }
  } catch {
    stamp = undefined; // open() below reports the error
  }
  const footer = await readFooterUncached(source);
  if (stamp !== undefined) {
    footerCache.set(source.path, { stamp, footer });
    if (footerCache.size > FOOTER_CACHE_ENTRIES) {
      footerCache.delete(footerCache.keys().next().value!);
    }
  }
  return footer;
}

/** Decoded footers by local path, with the file's size, mtime and inode when decoded. */
const footerCache = new Map<string, { stamp: string; footer: ParquetFooter }>();
const FOOTER_CACHE_ENTRIES = 256;

async function readFooterUncached(source: ParquetSource): Promise<ParquetFooter> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(source.path, { read: true });
  } catch (err) {
    throw unreadable(source, err);
  }
  try {
    const size = (await file.stat()).size;
    const head = await readAt(file, 0, Math.min(4, size));
    const trailer = await readAt(file, Math.max(0, size - 8), Math.min(8, size));
    if (size < 12 || head[0] !== 0x50 || head[1] !== 0x41 || head[2] !== 0x52 || head[3] !== 0x31) {
      throw new Error(`no PAR1 magic at the start of the ${size}-byte file`);
    }
    const len = footerLength(trailer, size);
    return decodeFooter(await readAt(file, size - 8 - len, len));
  } catch (err) {
    throw corrupt(source.key, err);
  } finally {
    file.close();
  }
}

async function readAt(file: Deno.FsFile, offset: number, length: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  await file.seek(offset, Deno.SeekMode.Start);
  let got = 0;
  while (got < length) {
    const n = await file.read(out.subarray(got));
    if (n === null) throw new Error(`unexpected end of file at byte ${offset + got}`);
    got += n;
  }
  return out;
}

/** A source with its bytes, footer and the row groups a filter selects. */
export interface PlannedSource {
  /** The source. */
  source: ParquetSource;
  /** Its footer. */
  footer: ParquetFooter;
  /** Row groups to read. */
  rowGroups: number[];
  /** Rows in those row groups. */
  rows: number;
  /** Uncompressed bytes of those row groups, per the footer. */
  bytes: number;
}

/**
 * Picks the row groups of an already decoded footer that the filter can match.
 *
 * @param source The key and path.
 * @param footer The file's footer.
 * @param filter Pruning hints.
 * @returns The plan for this file.
 * @throws {LakeError} `Schema` when a requested column is missing.
 */
export function planFromFooter(
  source: ParquetSource,
  footer: ParquetFooter,
  filter: ParquetFilter,
): PlannedSource {
  for (const column of filter.columns ?? []) {
    if (!footer.columnNames.includes(column)) {
      throw new LakeError(
        `Parquet object "${source.key}" has no column "${column}" (it has ${
          footer.columnNames.join(", ")
        })`,
        { key: source.key, code: "Schema" },
      );
    }
  }
  const rowGroups = selectRowGroups(footer, filter);
  let rows = 0;
  let bytes = 0;
  for (const i of rowGroups) {
    const rg = footer.rowGroups[i]!;
    rows += rg.numRows;
    bytes += rg.totalByteSize;
  }
  return { source, footer, rowGroups, rows, bytes };
}

/**
 * A `LakeError` with code `Corrupt` naming the key.
 *
 * @param key The object key.
 * @param err The decoder's error.
 * @returns The error to throw.
 */
export function corrupt(key: string, err: unknown): LakeError {
  return new LakeError(`Cannot read Parquet object "${key}": ${messageOf(err)}`, {
    key,
    code: "Corrupt",
    cause: err,
  });
}

/**
 * The message of anything thrown.
 *
 * @param err Anything.
 * @returns Its message.
 */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Shortens SQL for an error message.
 *
 * @param sql Any SQL.
 * @returns At most 300 characters on one line.
 */
export function sqlSnippet(sql: string): string {
  const one = sql.replace(/\s+/g, " ").trim();
  return one.length > 300 ? `${one.slice(0, 297)}...` : one;
}

/**
 * Formats a byte count for messages.
 *
 * @param n Bytes.
 * @returns e.g. `"1.5 GB"`.
 */
export function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  return `${n} B`;
}
