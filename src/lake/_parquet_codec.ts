/**
 * Parquet codec (private) on parquet-wasm 0.8.0, bridged through Arrow IPC
 * streams: Parquet bytes → Arrow IPC stream (selected row groups and columns),
 * and Arrow IPC stream → Parquet bytes (ZSTD, bounded row groups). The wasm
 * module is loaded on first use.
 *
 * @module
 */

import { tableFromIPC, tableToIPC } from "apache-arrow";

type ParquetWasm = typeof import("parquet-wasm");

let codec: Promise<ParquetWasm> | undefined;

/** Loads parquet-wasm once (its node build instantiates its wasm synchronously on import). */
function load(): Promise<ParquetWasm> {
  codec ??= import("parquet-wasm");
  return codec;
}

/** Options for {@link parquetToIpc}. */
export interface DecodeOptions {
  /** Row groups to read (all when absent). */
  rowGroups?: number[];
  /** Columns to read (all when absent). */
  columns?: string[];
}

/**
 * Decodes Parquet bytes to one Arrow IPC stream (schema, batches, end-of-stream).
 *
 * Uses parquet-wasm's synchronous `readParquet` over the selected row groups:
 * on damaged data it throws an ordinary error, whereas `ParquetFile.read`
 * (0.8.0) traps ("unreachable") inside an async callback that no caller can
 * catch, which ends the process. `readParquet` ignores `columns`, so the
 * projection is applied here, on the decoded batches (zero-copy), keeping the
 * file's column order.
 *
 * @param bytes The whole Parquet file.
 * @param options Row groups and columns to read.
 * @returns IPC stream bytes.
 * @throws {Error} parquet-wasm's error when the file cannot be decoded.
 */
export async function parquetToIpc(
  bytes: Uint8Array,
  options: DecodeOptions = {},
): Promise<Uint8Array> {
  const pq = await load();
  const read: { rowGroups?: number[]; batchSize: number } = { batchSize: 65_536 };
  if (options.rowGroups) read.rowGroups = options.rowGroups;
  const ipc = pq.readParquet(bytes, read).intoIPCStream();
  const columns = options.columns;
  if (!columns) return ipc;
  const table = tableFromIPC(ipc);
  const names = table.schema.fields.map((f) => f.name);
  const keep = names.filter((n) => columns.includes(n));
  if (keep.length === names.length) return ipc;
  return tableToIPC(table.select(keep), "stream");
}

/**
 * Encodes an Arrow IPC stream as Parquet: ZSTD, chunk statistics on, row groups
 * of at most `rowGroupSize` rows.
 *
 * @param ipc An Arrow IPC stream (with schema and end-of-stream marker).
 * @param rowGroupSize Maximum rows per row group.
 * @returns Parquet bytes.
 * @throws {Error} parquet-wasm's error when the stream cannot be encoded.
 */
export async function ipcToParquet(ipc: Uint8Array, rowGroupSize: number): Promise<Uint8Array> {
  const pq = await load();
  const table = pq.Table.fromIPCStream(ipc);
  const props = new pq.WriterPropertiesBuilder()
    .setCompression(pq.Compression.ZSTD)
    .setMaxRowGroupSize(rowGroupSize)
    .setStatisticsEnabled(pq.EnabledStatistics.Chunk)
    .setCreatedBy("asxlab (parquet-wasm 0.8.0)")
    .build();
  return pq.writeParquet(table, props);
}

/** The Arrow IPC end-of-stream marker (continuation token, zero length). */
export const IPC_EOS: Uint8Array = new Uint8Array([255, 255, 255, 255, 0, 0, 0, 0]);

/**
 * Whether IPC stream bytes already end with the end-of-stream marker.
 *
 * @param ipc IPC stream bytes.
 * @returns `true` when the last 8 bytes are the marker.
 */
export function endsWithEos(ipc: Uint8Array): boolean {
  if (ipc.length < 8) return false;
  for (let i = 0; i < 8; i++) if (ipc[ipc.length - 8 + i] !== IPC_EOS[i]) return false;
  return true;
}

/**
 * Concatenates byte chunks.
 *
 * @param parts Chunks in order.
 * @param total Their total length (computed when absent).
 * @returns One buffer.
 */
export function concatBytes(parts: readonly Uint8Array[], total?: number): Uint8Array {
  const n = total ?? parts.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
