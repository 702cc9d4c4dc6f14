/**
 * `CachedStore`: a read-through, ETag-keyed disk cache in front of a remote
 * {@link Store} (normally an `S3Store`), so that a warm load downloads nothing.
 *
 * @module
 */

import { readFile, rm, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { LakeError } from "../core/errors.ts";
import { fsCode, removeEmptyParents, writeFileAtomic } from "./_fs.ts";
import { defaultCacheDir } from "./defaults.ts";
import {
  type LakeStore,
  type ObjectInfo,
  type Store,
  type StoredObject,
  validateKey,
  validatePrefix,
} from "./store.ts";

/** Directory (under the cache root) holding the ETag records; `_` cannot start a bucket name. */
const ETAG_DIR = "_etags";

/** Options for {@link CachedStore}. */
export interface CachedStoreOptions {
  /**
   * The cache root.
   * @default {env ASXLAB_CACHE_DIR, else data-cache/s3 in the repository}
   */
  cacheDir?: string;
  /**
   * Where under the cache root this store's objects live. Defaults to the inner
   * store's `cacheNamespace` (`bucket[/prefix]` for an `S3Store`, so files land in
   * `<cacheDir>/<bucket>/<full S3 key>`), else `_store/<hash of its URI>`.
   */
  namespace?: string;
}

/** What the cache did since it was made (for logs and tests). */
export interface CacheStats {
  /** Reads answered from disk. */
  hits: number;
  /** Reads that downloaded the object. */
  misses: number;
  /** Bytes downloaded by those misses. */
  bytesDownloaded: number;
}

/** What the cache records next to each file. */
interface EtagRecord {
  etag: string;
  size: number;
}

/**
 * A {@link LakeStore} that wraps any {@link Store} and keeps each object it reads
 * in `<cacheDir>/<namespace>/<key>`, recording the object's ETag (and size) in
 * `<cacheDir>/_etags/<namespace>/<key>` (a small JSON file, written atomically
 * after the data file). A read whose expected ETag matches the record is served
 * from disk with no GET; otherwise the object is downloaded, written atomically,
 * and only then recorded. A failed or short download records nothing, so a
 * corrupt object never poisons the cache; call {@link evict} when the bytes fail
 * to parse.
 *
 * `get`/`localPath` learn the current ETag with a `head` (one HEAD request);
 * `getWith`/`localPathFor` take it from a listing the caller already has (no
 * request at all when warm). The ETag recorded is the one the download itself
 * returned (`getObject`), so a change between listing and download is caught on
 * the next read. `put` writes through (and records), `delete` evicts.
 *
 * @example
 * ```ts ignore
 * import { CachedStore } from "./cache.ts";
 * import { S3Store } from "./s3_store.ts";
 * const store = new CachedStore(new S3Store("s3://my-lake/asx"));
 * for (const info of await store.list("ohlcv/year=2020/")) {
 *   const path = await store.localPathFor(info); // downloads once, then zero GETs
 * }
 * await store.close();
 * ```
 */
export class CachedStore implements LakeStore {
  /** The wrapped store. */
  readonly inner: Store;
  /** The wrapped store's URI. */
  readonly uri: string;
  /** The absolute cache root. */
  readonly cacheDir: string;
  /** This store's directory under the cache root. */
  readonly namespace: string;
  /** Hits, misses and bytes downloaded so far. */
  readonly stats: CacheStats = { hits: 0, misses: 0, bytesDownloaded: 0 };
  readonly #dataRoot: string;
  readonly #etagRoot: string;
  readonly #inflight = new Map<string, Promise<StoredObject>>();

  /**
   * @param inner The store to cache (an `S3Store`, or any `Store`).
   * @param options Cache root and namespace.
   * @throws {TypeError} When the namespace is not a valid relative key-like path.
   */
  constructor(inner: Store, options: CachedStoreOptions = {}) {
    this.inner = inner;
    this.uri = inner.uri;
    this.cacheDir = resolve(options.cacheDir ?? defaultCacheDir());
    const namespace = options.namespace ??
      (inner as { cacheNamespace?: unknown }).cacheNamespace ??
      `_store/${fnv1a(inner.uri)}`;
    if (
      typeof namespace !== "string" || namespace === ETAG_DIR ||
      namespace.startsWith(ETAG_DIR + "/")
    ) {
      throw new TypeError(`Invalid cache namespace ${JSON.stringify(namespace)}`);
    }
    try {
      validateKey(namespace);
    } catch (err) {
      throw new TypeError(
        `Invalid cache namespace ${JSON.stringify(namespace)}: ${(err as Error).message}`,
      );
    }
    this.namespace = namespace;
    this.#dataRoot = join(this.cacheDir, ...namespace.split("/"));
    this.#etagRoot = join(this.cacheDir, ETAG_DIR, ...namespace.split("/"));
  }

  /**
   * The cache file path for a key (whether or not it is cached).
   *
   * @param key An object key.
   * @returns `<cacheDir>/<namespace>/<key>`.
   * @throws {LakeError} Code `BadKey` for an invalid key.
   */
  cachePath(key: string): string {
    validateKey(key);
    return join(this.#dataRoot, ...key.split("/"));
  }

  /**
   * Lists the inner store (never cached: listings are how staleness is detected).
   *
   * @param prefix Key prefix.
   * @returns Sorted object infos.
   * @throws {LakeError} As the inner store's `list`.
   */
  async list(prefix: string): Promise<ObjectInfo[]> {
    validatePrefix(prefix);
    return await this.inner.list(prefix);
  }

  /**
   * Whether the inner store's root exists (never cached).
   *
   * @returns The inner store's answer, `true` when it cannot tell.
   * @throws {LakeError} As the inner store's `exists`.
   */
  async exists(): Promise<boolean> {
    return (await this.inner.exists?.()) ?? true;
  }

  /**
   * Heads the inner store.
   *
   * @param key An object key.
   * @returns The info, or `undefined` when absent.
   * @throws {LakeError} As the inner store's `head`.
   */
  async head(key: string): Promise<ObjectInfo | undefined> {
    validateKey(key);
    return await this.inner.head(key);
  }

  /**
   * The whole object: one HEAD to learn its ETag, then disk when the cache holds
   * that ETag, else a download.
   *
   * @param key An object key.
   * @returns Its bytes.
   * @throws {LakeError} Code `NotFound` when absent; as the inner store otherwise.
   */
  async get(key: string): Promise<Uint8Array> {
    return (await this.getObject(key)).body;
  }

  /**
   * The object's bytes and info (HEAD, then cache or download).
   *
   * @param key An object key.
   * @returns `{ info, body }`.
   * @throws {LakeError} Code `NotFound` when absent; as the inner store otherwise.
   */
  async getObject(key: string): Promise<StoredObject> {
    const info = await this.#headOrThrow(key, "get");
    const cached = await this.#readCached(info);
    if (cached !== undefined) return { info, body: cached };
    return await this.#download(key);
  }

  /**
   * The bytes of the object a listing described: from disk when the cache holds
   * `info.etag` (no request), else downloaded and cached.
   *
   * @param info From `list` or `head`.
   * @returns Its bytes.
   * @throws {LakeError} Code `NotFound` when it has been deleted since; as the inner store otherwise.
   */
  async getWith(info: ObjectInfo): Promise<Uint8Array> {
    validateKey(info.key);
    const cached = await this.#readCached(info);
    if (cached !== undefined) return cached;
    return (await this.#download(info.key)).body;
  }

  /**
   * A local file holding the object's current bytes (HEAD, then cache or download).
   *
   * @param key An object key.
   * @returns The cache file path, or `undefined` when the object does not exist.
   * @throws {LakeError} As the inner store.
   */
  async localPath(key: string): Promise<string | undefined> {
    validateKey(key);
    const info = await this.inner.head(key);
    return info === undefined ? undefined : await this.localPathFor(info);
  }

  /**
   * A local file holding the bytes of the object a listing described: no request
   * when the cache holds `info.etag`, else one download.
   *
   * @param info From `list` or `head`.
   * @returns The cache file path.
   * @throws {LakeError} Code `NotFound` when it has been deleted since; as the inner store otherwise.
   */
  async localPathFor(info: ObjectInfo): Promise<string> {
    const path = this.cachePath(info.key);
    if (await this.#isCached(info)) {
      this.stats.hits++;
      return path;
    }
    await this.#download(info.key);
    return path;
  }

  /**
   * Writes through to the inner store, then caches the bytes under the new ETag.
   *
   * @param key An object key.
   * @param body The bytes.
   * @returns The new object's info.
   * @throws {LakeError} As the inner store's `put`.
   */
  async put(key: string, body: Uint8Array): Promise<ObjectInfo> {
    validateKey(key);
    await this.evict(key);
    const info = await this.inner.put(key, body);
    try {
      await this.#store(info, body);
    } catch {
      await this.evict(key); // the cache is an optimisation: the put itself succeeded
    }
    return info;
  }

  /**
   * Deletes from the inner store and evicts the cached copy.
   *
   * @param key An object key.
   * @returns Resolves when deleted.
   * @throws {LakeError} As the inner store's `delete`.
   */
  async delete(key: string): Promise<void> {
    validateKey(key);
    await this.evict(key);
    await this.inner.delete(key);
  }

  /**
   * Writes through to the inner store only if the key is free (nothing is cached).
   *
   * @param key An object key.
   * @param body The bytes.
   * @returns The new object's info, or `undefined` when the key is taken.
   * @throws {LakeError} As the inner store's `putIfAbsent`.
   */
  async putIfAbsent(key: string, body: Uint8Array): Promise<ObjectInfo | undefined> {
    await this.evict(key);
    return await this.inner.putIfAbsent(key, body);
  }

  /**
   * Writes through to the inner store only if the object's ETag is still `etag`.
   *
   * @param key An object key.
   * @param body The bytes.
   * @param etag The ETag the object must have.
   * @returns The new object's info, or `undefined` when it changed or is gone.
   * @throws {LakeError} As the inner store's `putIfMatch`.
   */
  async putIfMatch(key: string, body: Uint8Array, etag: string): Promise<ObjectInfo | undefined> {
    await this.evict(key);
    return await this.inner.putIfMatch(key, body, etag);
  }

  /**
   * Deletes from the inner store only if the object's ETag is still `etag`.
   *
   * @param key An object key.
   * @param etag The ETag the object must have.
   * @returns Whether it was deleted.
   * @throws {LakeError} As the inner store's `deleteIfMatch`.
   */
  async deleteIfMatch(key: string, etag: string): Promise<boolean> {
    await this.evict(key);
    return await this.inner.deleteIfMatch(key, etag);
  }

  /**
   * Forgets the cached copy of `key` (record first, then file), if any. The Lake
   * calls this when cached bytes fail to parse.
   *
   * @param key An object key.
   * @returns Resolves when forgotten.
   * @throws {LakeError} Code `BadKey` for an invalid key; `Other` when the files cannot be removed.
   */
  async evict(key: string): Promise<void> {
    const path = this.cachePath(key);
    const record = this.#recordPath(key);
    try {
      await rm(record, { force: true });
      await rm(path, { force: true });
    } catch (err) {
      throw new LakeError(
        `Cannot evict ${JSON.stringify(key)} from the cache at ${this.#dataRoot}: ${
          (err as Error).message
        }`,
        { key, cause: err },
      );
    }
    await removeEmptyParents(this.#etagRoot, record);
    await removeEmptyParents(this.#dataRoot, path);
  }

  /**
   * Removes this store's whole cache directory (and its ETag records); other
   * stores' caches under the same root are untouched.
   *
   * @returns Resolves when removed.
   * @throws {LakeError} When the directories cannot be removed.
   */
  async clear(): Promise<void> {
    try {
      await rm(this.#etagRoot, { recursive: true, force: true });
      await rm(this.#dataRoot, { recursive: true, force: true });
    } catch (err) {
      throw new LakeError(
        `Cannot clear the cache at ${this.#dataRoot}: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
  }

  /**
   * Closes the inner store.
   *
   * @returns Resolves when closed.
   */
  async close(): Promise<void> {
    await this.inner.close?.();
  }

  #recordPath(key: string): string {
    return join(this.#etagRoot, ...key.split("/"));
  }

  async #headOrThrow(key: string, op: string): Promise<ObjectInfo> {
    validateKey(key);
    const info = await this.inner.head(key);
    if (info === undefined) {
      throw new LakeError(`Cannot ${op} ${JSON.stringify(key)} from ${this.uri}: no such object`, {
        key,
        code: "NotFound",
      });
    }
    return info;
  }

  async #readRecord(key: string): Promise<EtagRecord | undefined> {
    try {
      const parsed = JSON.parse(await readFile(this.#recordPath(key), "utf8")) as unknown;
      const rec = parsed as Partial<EtagRecord>;
      if (typeof rec?.etag === "string" && typeof rec.size === "number") {
        return { etag: rec.etag, size: rec.size };
      }
    } catch {
      // absent or unreadable record: not cached
    }
    return undefined;
  }

  async #isCached(info: ObjectInfo): Promise<boolean> {
    if (info.etag === "") return false; // nothing to key on
    const rec = await this.#readRecord(info.key);
    if (rec === undefined || rec.etag !== info.etag || rec.size !== info.size) return false;
    try {
      const st = await stat(this.cachePath(info.key));
      return st.isFile() && st.size === rec.size;
    } catch {
      return false;
    }
  }

  async #readCached(info: ObjectInfo): Promise<Uint8Array | undefined> {
    if (!(await this.#isCached(info))) return undefined;
    try {
      const bytes = await readFile(this.cachePath(info.key));
      if (bytes.length !== info.size) return undefined;
      this.stats.hits++;
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (err) {
      if (fsCode(err) === "ENOENT") return undefined; // evicted meanwhile
      throw err;
    }
  }

  /** Downloads (one request per key at a time), writes the file, then records the ETag. */
  #download(key: string): Promise<StoredObject> {
    const pending = this.#inflight.get(key);
    if (pending !== undefined) return pending;
    const run = (async () => {
      // Forget the old record first: from here until the new record lands, the key is uncached.
      await rm(this.#recordPath(key), { force: true });
      const obj = await this.#fetch(key);
      this.stats.misses++;
      this.stats.bytesDownloaded += obj.body.length;
      await this.#store(obj.info, obj.body);
      return obj;
    })();
    this.#inflight.set(key, run);
    const done = () => this.#inflight.delete(key);
    run.then(done, done);
    return run;
  }

  async #fetch(key: string): Promise<StoredObject> {
    const inner = this.inner as Store & { getObject?: (key: string) => Promise<StoredObject> };
    if (typeof inner.getObject === "function") return await inner.getObject(key);
    // A plain Store: learn the ETag first; a change in between is caught on the next read.
    const info = await this.#headOrThrow(key, "get");
    const body = await inner.get(key);
    return { info: { ...info, size: body.length }, body };
  }

  async #store(info: ObjectInfo, body: Uint8Array): Promise<void> {
    const path = this.cachePath(info.key);
    const record = this.#recordPath(info.key);
    try {
      await rm(record, { force: true });
      await writeFileAtomic(path, body);
      if (info.etag !== "") {
        const rec: EtagRecord = { etag: info.etag, size: body.length };
        await writeFileAtomic(record, new TextEncoder().encode(JSON.stringify(rec)));
      }
    } catch (err) {
      await rm(record, { force: true }).catch(() => {});
      throw new LakeError(
        `Cannot cache ${JSON.stringify(info.key)} at ${path}: ${(err as Error).message}`,
        { key: info.key, cause: err },
      );
    }
  }
}

/** A short stable hash for namespacing stores that have no natural cache path. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(text)) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}
