/**
 * The `Store` interface: a flat key → bytes object store, implemented on local
 * disk ({@link LocalStore}) and on S3 ({@link S3Store}). Keys use `/` and are
 * relative to the store's root (a directory or `s3://bucket/prefix`).
 *
 * @module
 */

/** What a listing or `head` says of one object. */
export interface ObjectInfo {
  /** Key relative to the store root, e.g. `ohlcv/year=2020/part-0.parquet`. */
  key: string;
  /** Size in bytes. */
  size: number;
  /** An entity tag that changes whenever the content changes (S3 ETag, or a content hash / mtime+size tag locally). */
  etag: string;
}

/** A flat object store. Every method throws `LakeError` (with a `code`) on failure. */
export interface Store {
  /** The URI this store was opened from, e.g. `s3://bucket/prefix` or `/abs/path`. */
  readonly uri: string;
  /** Every object whose key starts with `prefix`, sorted by key. */
  list(prefix: string): Promise<ObjectInfo[]>;
  /** The whole object. `LakeError` code `NotFound` when absent. */
  get(key: string): Promise<Uint8Array>;
  /** The object's info, or `undefined` when absent. */
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Writes the whole object atomically (readers see the old or the new bytes, never a mix). */
  put(key: string, body: Uint8Array): Promise<ObjectInfo>;
  /** Deletes the object; deleting an absent key is not an error. */
  delete(key: string): Promise<void>;
  /** A local file path holding the object's current bytes, when the store can give one cheaply (LocalStore, or a cache). */
  localPath?(key: string): Promise<string | undefined>;
  /** Releases clients and sockets. */
  close?(): Promise<void>;
}
