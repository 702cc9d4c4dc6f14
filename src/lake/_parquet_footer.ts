/**
 * Parquet footer reader (private): decodes the Thrift compact `FileMetaData`
 * at the end of a Parquet file far enough to know each row group's row count,
 * sizes and the min/max statistics of its columns, and decides which row
 * groups a {@link ParquetFilter} can match.
 *
 * parquet-wasm 0.8.0 exposes row-group metadata but not column statistics, so
 * the footer is read here. Only the fields needed for pruning are interpreted;
 * everything else is skipped by the generic compact-protocol walker.
 *
 * @module
 */

import type { ParquetFilter } from "./engine.ts";

/** Parquet physical types (Thrift enum `Type`). */
export const PhysicalType = {
  BOOLEAN: 0,
  INT32: 1,
  INT64: 2,
  INT96: 3,
  FLOAT: 4,
  DOUBLE: 5,
  BYTE_ARRAY: 6,
  FIXED_LEN_BYTE_ARRAY: 7,
} as const;

/** Min/max statistics of one column chunk, raw bytes as written. */
export interface ColumnStats {
  /** Dotted path of the column, e.g. `symbol`. */
  path: string;
  /** Physical type (see {@link PhysicalType}). */
  physicalType: number;
  /** Compression codec (Thrift `CompressionCodec`: 0 none, 1 snappy, 6 zstd…). */
  codec: number;
  /** Minimum value bytes (`min_value`, or legacy `min` for numeric types), if written. */
  min?: Uint8Array;
  /** Maximum value bytes (`max_value`, or legacy `max` for numeric types), if written. */
  max?: Uint8Array;
  /** Null count, if written. */
  nullCount?: number;
}

/** One row group as the footer describes it. */
export interface RowGroupInfo {
  /** Number of rows. */
  numRows: number;
  /** Total uncompressed byte size of its column data. */
  totalByteSize: number;
  /** Column chunks keyed by dotted path. */
  columns: Map<string, ColumnStats>;
}

/** What the footer says of a Parquet file. */
export interface ParquetFooter {
  /** Total rows. */
  numRows: number;
  /** Row groups in file order. */
  rowGroups: RowGroupInfo[];
  /** Top-level column names in schema order. */
  columnNames: string[];
  /** Length of the footer in bytes (without the 8-byte trailer). */
  footerLength: number;
}

const MAGIC = [0x50, 0x41, 0x52, 0x31]; // "PAR1"

/**
 * Where the footer sits, from the last 8 bytes of a file.
 *
 * @param trailer The file's last 8 bytes.
 * @param fileSize The file's size in bytes.
 * @returns The footer length in bytes.
 * @throws {Error} When the magic is wrong or the length does not fit in the file.
 */
export function footerLength(trailer: Uint8Array, fileSize: number): number {
  if (trailer.length !== 8 || fileSize < 12) {
    throw new Error(`file of ${fileSize} bytes is too short to be Parquet`);
  }
  for (let i = 0; i < 4; i++) {
    if (trailer[4 + i] !== MAGIC[i]) throw new Error("no PAR1 magic at the end of the file");
  }
  const len = new DataView(trailer.buffer, trailer.byteOffset, 8).getUint32(0, true);
  if (len <= 0 || len + 12 > fileSize) {
    throw new Error(`footer length ${len} does not fit in a file of ${fileSize} bytes`);
  }
  return len;
}

/**
 * Decodes a Parquet footer from the whole file.
 *
 * @param bytes The whole Parquet file.
 * @returns The decoded footer.
 * @throws {Error} When the bytes are not a readable Parquet footer.
 */
export function readFooterFromFile(bytes: Uint8Array): ParquetFooter {
  if (bytes.length < 12) {
    throw new Error(`file of ${bytes.length} bytes is too short to be Parquet`);
  }
  for (let i = 0; i < 4; i++) {
    if (bytes[i] !== MAGIC[i]) throw new Error("no PAR1 magic at the start of the file");
  }
  const len = footerLength(bytes.subarray(bytes.length - 8), bytes.length);
  return decodeFooter(bytes.subarray(bytes.length - 8 - len, bytes.length - 8));
}

/**
 * Decodes the Thrift compact `FileMetaData` struct.
 *
 * @param footer The footer bytes (between the data and the 8-byte trailer).
 * @returns The decoded footer.
 * @throws {Error} When the struct is malformed.
 */
export function decodeFooter(footer: Uint8Array): ParquetFooter {
  const reader = new CompactReader(footer);
  const meta = reader.readStruct(FILE_METADATA);
  const schema = asList(meta.get(2));
  const rowGroups = asList(meta.get(4));
  const numRows = asNumber(meta.get(3));
  // Top-level names: walk the flattened schema tree (element 0 is the root).
  const columnNames: string[] = [];
  const root = asStruct(schema[0]);
  let index = 1;
  const rootChildren = asNumber(root?.get(5) ?? 0);
  for (let c = 0; c < rootChildren && index < schema.length; c++) {
    const el = asStruct(schema[index]);
    columnNames.push(asString(el?.get(4)));
    index = skipSchemaSubtree(schema, index);
  }
  const groups: RowGroupInfo[] = rowGroups.map((g) => {
    const rg = asStruct(g)!;
    const columns = new Map<string, ColumnStats>();
    for (const chunk of asList(rg.get(1))) {
      const md = asStruct(asStruct(chunk)?.get(3));
      if (!md) continue;
      const physicalType = asNumber(md.get(1));
      const path = asList(md.get(3)).map(asString).join(".");
      const stats = asStruct(md.get(12));
      const col: ColumnStats = { path, physicalType, codec: asNumber(md.get(4)) };
      if (stats) {
        const legacyOk = physicalType !== PhysicalType.BYTE_ARRAY &&
          physicalType !== PhysicalType.FIXED_LEN_BYTE_ARRAY;
        const min = stats.get(6) ?? (legacyOk ? stats.get(2) : undefined);
        const max = stats.get(5) ?? (legacyOk ? stats.get(1) : undefined);
        if (min instanceof Uint8Array) col.min = min;
        if (max instanceof Uint8Array) col.max = max;
        const nulls = stats.get(3);
        if (nulls !== undefined) col.nullCount = asNumber(nulls);
      }
      columns.set(path, col);
    }
    return {
      numRows: asNumber(rg.get(3)),
      totalByteSize: asNumber(rg.get(2)),
      columns,
    };
  });
  return { numRows, rowGroups: groups, columnNames, footerLength: footer.length };
}

function skipSchemaSubtree(schema: ThriftValue[], index: number): number {
  const el = asStruct(schema[index]);
  const children = asNumber(el?.get(5) ?? 0);
  let next = index + 1;
  for (let c = 0; c < children; c++) next = skipSchemaSubtree(schema, next);
  return next;
}

const decoder = new TextDecoder("utf-8", { fatal: false });

/**
 * Which row groups of a file a filter can match, judged by footer statistics.
 * A row group without usable statistics is always kept.
 *
 * @param footer The file's footer.
 * @param filter Symbols and an epoch-day date range; absent parts match everything.
 * @returns Indexes of the row groups to read, ascending.
 */
export function selectRowGroups(footer: ParquetFooter, filter: ParquetFilter = {}): number[] {
  const keep: number[] = [];
  const symbols = filter.symbols ? [...filter.symbols].sort() : undefined;
  footer.rowGroups.forEach((rg, i) => {
    if (rg.numRows === 0) return;
    if (symbols && !symbolsMayMatch(rg.columns.get("symbol"), symbols)) return;
    if (!datesMayMatch(rg.columns.get("date"), filter.start, filter.end)) return;
    keep.push(i);
  });
  return keep;
}

function symbolsMayMatch(col: ColumnStats | undefined, sortedSymbols: string[]): boolean {
  if (!col || col.physicalType !== PhysicalType.BYTE_ARRAY || !col.min || !col.max) return true;
  if (sortedSymbols.length === 0) return false;
  // Symbols are ASCII, so UTF-16 code-unit order equals the byte order Parquet uses.
  const min = decoder.decode(col.min);
  const max = decoder.decode(col.max);
  return sortedSymbols.some((s) => s >= min && s <= max);
}

function datesMayMatch(
  col: ColumnStats | undefined,
  start: number | undefined,
  end: number | undefined,
): boolean {
  if (start === undefined && end === undefined) return true;
  if (!col || col.physicalType !== PhysicalType.INT32) return true;
  if (col.min?.length !== 4 || col.max?.length !== 4) return true;
  const min = new DataView(col.min.buffer, col.min.byteOffset, 4).getInt32(0, true);
  const max = new DataView(col.max.buffer, col.max.byteOffset, 4).getInt32(0, true);
  if (start !== undefined && max < start) return false;
  if (end !== undefined && min > end) return false;
  return true;
}

// ---------------------------------------------------------------------------
// Thrift compact protocol, generic: structs become Map<fieldId, value>. A spec
// names the fields to keep (nested specs for struct fields and lists of
// structs); the others are skipped without being built, which keeps decoding
// a large footer (hundreds of row groups × columns) quick.

/** Fields to decode: `true` decodes the value whole, a nested spec decodes a struct (or list of structs). */
type Spec = { readonly [fieldId: number]: true | Spec };

/** Parquet `Statistics`: max, min (legacy), null_count, max_value, min_value. */
const STATISTICS: Spec = { 1: true, 2: true, 3: true, 5: true, 6: true };
/** `ColumnMetaData`: type, path_in_schema, codec, statistics. */
const COLUMN_METADATA: Spec = { 1: true, 3: true, 4: true, 12: STATISTICS };
/** `ColumnChunk`: meta_data. */
const COLUMN_CHUNK: Spec = { 3: COLUMN_METADATA };
/** `RowGroup`: columns, total_byte_size, num_rows. */
const ROW_GROUP: Spec = { 1: COLUMN_CHUNK, 2: true, 3: true };
/** `SchemaElement`: name, num_children. */
const SCHEMA_ELEMENT: Spec = { 4: true, 5: true };
/** `FileMetaData`: schema, num_rows, row_groups. */
const FILE_METADATA: Spec = { 2: SCHEMA_ELEMENT, 3: true, 4: ROW_GROUP };

type ThriftValue =
  | number
  | bigint
  | boolean
  | Uint8Array
  | ThriftValue[]
  | Map<number, ThriftValue>;

function asStruct(v: ThriftValue | undefined): Map<number, ThriftValue> | undefined {
  return v instanceof Map ? v : undefined;
}
function asList(v: ThriftValue | undefined): ThriftValue[] {
  return Array.isArray(v) ? v : [];
}
function asNumber(v: ThriftValue | undefined): number {
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  return 0;
}
function asString(v: ThriftValue | undefined): string {
  if (!(v instanceof Uint8Array)) return "";
  // Column names are short ASCII: skip TextDecoder's per-call cost for them.
  if (v.length <= 32) {
    let ascii = "";
    for (let i = 0; i < v.length; i++) {
      const b = v[i]!;
      if (b >= 0x80) return decoder.decode(v);
      ascii += String.fromCharCode(b);
    }
    return ascii;
  }
  return decoder.decode(v);
}

const MAX_DEPTH = 64;

class CompactReader {
  #buf: Uint8Array;
  #pos = 0;
  #depth = 0;
  constructor(buf: Uint8Array) {
    this.#buf = buf;
  }

  #byte(): number {
    const b = this.#buf[this.#pos];
    if (b === undefined) throw new Error(`footer truncated at byte ${this.#pos}`);
    this.#pos++;
    return b;
  }

  #varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      const b = this.#byte();
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
    throw new Error(`varint too long at byte ${this.#pos}`);
  }

  #varint32(): number {
    let result = 0;
    let shift = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.#byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
    }
    throw new Error(`varint too long at byte ${this.#pos}`);
  }

  #zigzag32(): number {
    const n = this.#varint32();
    return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
  }

  #zigzag64(): bigint {
    const n = this.#varint();
    return (n >> 1n) ^ -(n & 1n);
  }

  /** A zigzag i64 as a number when it has at most 7 varint bytes (49 bits), else as a bigint. */
  #zigzag64Number(): number | bigint {
    const start = this.#pos;
    let n = 0;
    let mul = 1;
    for (let i = 0; i < 7; i++) {
      const b = this.#byte();
      n += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
      mul *= 128;
    }
    this.#pos = start; // wider than 49 bits: exact BigInt decoding
    const v = this.#zigzag64();
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(v)
      : v;
  }

  #binary(): Uint8Array {
    const len = this.#varint32();
    if (this.#pos + len > this.#buf.length) {
      throw new Error(`binary of ${len} bytes overruns the footer at byte ${this.#pos}`);
    }
    const out = this.#buf.subarray(this.#pos, this.#pos + len);
    this.#pos += len;
    return out;
  }

  /** Advances past one value without building it. */
  #skip(type: number): void {
    switch (type) {
      case 1:
      case 2:
        return;
      case 3:
        this.#byte();
        return;
      case 4:
      case 5:
      case 6:
        while (this.#byte() & 0x80) { /* varint continuation */ }
        return;
      case 7:
        if (this.#pos + 8 > this.#buf.length) throw new Error("double overruns the footer");
        this.#pos += 8;
        return;
      case 8: {
        const len = this.#varint32();
        if (this.#pos + len > this.#buf.length) {
          throw new Error(`binary of ${len} bytes overruns the footer at byte ${this.#pos}`);
        }
        this.#pos += len;
        return;
      }
      case 9:
      case 10: {
        const { size, elemType } = this.#listHeader();
        for (let i = 0; i < size; i++) {
          if (elemType === 1 || elemType === 2) this.#byte();
          else this.#skip(elemType);
        }
        return;
      }
      case 11: {
        const size = this.#varint32();
        if (size === 0) return;
        const types = this.#byte();
        for (let i = 0; i < size; i++) {
          this.#skip(types >> 4);
          this.#skip(types & 0x0f);
        }
        return;
      }
      case 12: {
        if (++this.#depth > MAX_DEPTH) throw new Error("structs nested too deeply");
        let lastId = 0;
        for (;;) {
          const header = this.#byte();
          if (header === 0) break;
          const delta = header >> 4;
          lastId = delta === 0 ? this.#zigzag32() : lastId + delta;
          this.#skip(header & 0x0f);
        }
        this.#depth--;
        return;
      }
      default:
        throw new Error(`unknown Thrift type ${type} at byte ${this.#pos}`);
    }
  }

  #value(type: number, spec?: Spec): ThriftValue {
    switch (type) {
      case 1:
        return true;
      case 2:
        return false;
      case 3: {
        const b = this.#byte();
        return b > 127 ? b - 256 : b;
      }
      case 4:
      case 5:
        return this.#zigzag32();
      case 6:
        return this.#zigzag64Number();
      case 7: {
        if (this.#pos + 8 > this.#buf.length) throw new Error("double overruns the footer");
        const v = new DataView(this.#buf.buffer, this.#buf.byteOffset + this.#pos, 8)
          .getFloat64(0, true);
        this.#pos += 8;
        return v;
      }
      case 8:
        return this.#binary();
      case 9:
      case 10:
        return this.#list(spec);
      case 11:
        return this.#map();
      case 12:
        return this.readStruct(spec);
      default:
        throw new Error(`unknown Thrift type ${type} at byte ${this.#pos}`);
    }
  }

  /** A compact-protocol list (or set) header: element count and element type. */
  #listHeader(): { size: number; elemType: number } {
    const header = this.#byte();
    let size = header >> 4;
    if (size === 15) size = this.#varint32();
    if (size > this.#buf.length - this.#pos + 1) {
      throw new Error(`list of ${size} elements overruns the footer`);
    }
    return { size, elemType: header & 0x0f };
  }

  #list(spec?: Spec): ThriftValue[] {
    const { size, elemType } = this.#listHeader();
    const out: ThriftValue[] = [];
    for (let i = 0; i < size; i++) {
      // Booleans inside lists are one byte each (1 = true).
      out.push(
        elemType === 1 || elemType === 2 ? this.#byte() === 1 : this.#value(elemType, spec),
      );
    }
    return out;
  }

  #map(): ThriftValue[] {
    const size = this.#varint32();
    if (size === 0) return [];
    const types = this.#byte();
    const out: ThriftValue[] = [];
    for (let i = 0; i < size; i++) {
      out.push([this.#value(types >> 4), this.#value(types & 0x0f)]);
    }
    return out;
  }

  /** Reads a struct: every field, or only those `spec` names (the others are skipped). */
  readStruct(spec?: Spec): Map<number, ThriftValue> {
    if (++this.#depth > MAX_DEPTH) throw new Error("structs nested too deeply");
    const out = new Map<number, ThriftValue>();
    let lastId = 0;
    for (;;) {
      const header = this.#byte();
      if (header === 0) break;
      const type = header & 0x0f;
      const delta = header >> 4;
      const id = delta === 0 ? this.#zigzag32() : lastId + delta;
      lastId = id;
      if (spec === undefined) {
        out.set(id, this.#value(type));
        continue;
      }
      const want = spec[id];
      if (want === undefined) this.#skip(type);
      else out.set(id, this.#value(type, want === true ? undefined : want));
    }
    this.#depth--;
    return out;
  }
}
