import type { LocalStore } from "../../src/lake/local_store.ts";
import type { ObjectInfo, Store, StoredObject } from "../../src/lake/store.ts";

/**
 * A LocalStore wrapper that records every key whose bytes (or local path) were
 * asked for, to prove that loads and queries prune the objects they read.
 */
export class ReadingStore implements Store {
  /** Keys read, in order, with repeats. */
  readonly reads: string[] = [];
  /** @param inner The store that holds the objects. */
  constructor(readonly inner: LocalStore) {}
  get uri(): string {
    return this.inner.uri;
  }
  exists(): Promise<boolean> {
    return this.inner.exists();
  }
  list(prefix: string): Promise<ObjectInfo[]> {
    return this.inner.list(prefix);
  }
  get(key: string): Promise<Uint8Array> {
    this.reads.push(key);
    return this.inner.get(key);
  }
  head(key: string): Promise<ObjectInfo | undefined> {
    return this.inner.head(key);
  }
  put(key: string, body: Uint8Array): Promise<ObjectInfo> {
    return this.inner.put(key, body);
  }
  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }
  putIfAbsent(key: string, body: Uint8Array): Promise<ObjectInfo | undefined> {
    return this.inner.putIfAbsent(key, body);
  }
  putIfMatch(key: string, body: Uint8Array, etag: string): Promise<ObjectInfo | undefined> {
    return this.inner.putIfMatch(key, body, etag);
  }
  deleteIfMatch(key: string, etag: string): Promise<boolean> {
    return this.inner.deleteIfMatch(key, etag);
  }
  getObject(key: string): Promise<StoredObject> {
    return this.inner.getObject(key);
  }
  localPath(key: string): Promise<string | undefined> {
    this.reads.push(key);
    return this.inner.localPath(key);
  }
}
