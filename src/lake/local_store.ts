/**
 * `LocalStore`: the lake's key layout as plain files under a directory
 * (by default `data-cache/lake/`).
 *
 * @module
 */

import { open, rm, stat } from "node:fs/promises";
import { join, relative, resolve, sep } from "node:path";
import { LakeError } from "../core/errors.ts";
import {
  findTempFiles,
  fsCode,
  isTempName,
  removeEmptyParents,
  walkFiles,
  withFileGuard,
  writeFileAtomic,
  writeFileExclusive,
} from "./_fs.ts";
import {
  compareKeys,
  type LakeStore,
  type ObjectInfo,
  type StoredObject,
  validateKey,
  validatePrefix,
} from "./store.ts";

/**
 * A {@link LakeStore} on local disk. Each key is a file under `root`
 * (`ohlcv/year=2020/part-0.parquet` → `<root>/ohlcv/year=2020/part-0.parquet`).
 *
 * - `put` is atomic: a temp file (`.<name>.<random>.tmp`) in the same
 *   directory, flushed, then renamed over the target. Listings skip temp files.
 * - `putIfAbsent` links a complete temp file into place (fails if the name is
 *   taken); `putIfMatch`/`deleteIfMatch` compare and swap under a guard file
 *   `.<name>.cas`, so two processes cannot interleave them.
 * - ETags are `<inode>-<mtime ms>-<size>` in hex: cheap to list, and every
 *   overwrite changes the inode (the rename installs a new file), so the tag
 *   changes even when size and millisecond mtime do not.
 * - A missing root lists as empty (`exists()` tells it apart); `put` creates directories as needed.
 * - Deleting a key removes directories it leaves empty (never the root).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LocalStore } from "./local_store.ts";
 * const store = new LocalStore(await Deno.makeTempDir());
 * await store.put("symbols/^AXJO.csv", new TextEncoder().encode("symbol\n^AXJO\n"));
 * assert.equal((await store.list("symbols/")).length, 1);
 * ```
 */
export class LocalStore implements LakeStore {
  /** The absolute root directory. */
  readonly root: string;
  /** The absolute root directory (the store's URI). */
  readonly uri: string;

  /**
   * @param root The directory holding the lake (need not exist yet); relative paths resolve against the working directory.
   */
  constructor(root: string) {
    this.root = resolve(root);
    this.uri = this.root;
  }

  /**
   * The file path for a key (whether or not it exists).
   *
   * @param key An object key.
   * @returns `<root>/<key>` with the platform's separator.
   * @throws {LakeError} Code `BadKey` for an invalid key.
   */
  pathOf(key: string): string {
    validateKey(key);
    const last = key.slice(key.lastIndexOf("/") + 1);
    if (isTempName(last)) {
      throw new LakeError(
        `Invalid object key ${
          JSON.stringify(key)
        }: names like ".<name>.<10 hex>.tmp" and ".<name>.cas" are reserved for the local store's temp files`,
        { key, code: "BadKey" },
      );
    }
    return join(this.root, ...key.split("/"));
  }

  /**
   * Every object whose key starts with `prefix`, sorted by key (S3 order).
   *
   * @param prefix `""` for everything, `"ohlcv/"`, `"ohlcv/year=20"`, …
   * @returns Key, size and etag of each object.
   * @throws {LakeError} Code `BadKey` for an invalid prefix; `Other` on file-system errors.
   */
  async list(prefix: string): Promise<ObjectInfo[]> {
    validatePrefix(prefix);
    const slash = prefix.lastIndexOf("/");
    const dirKey = slash < 0 ? "" : prefix.slice(0, slash);
    const dir = dirKey === "" ? this.root : join(this.root, ...dirKey.split("/"));
    let rels: string[];
    try {
      rels = await walkFiles(dir);
    } catch (err) {
      throw this.#error("list", prefix, err);
    }
    const keys = rels
      .map((rel) => (dirKey === "" ? rel : `${dirKey}/${rel}`))
      .filter((key) => key.startsWith(prefix))
      .sort(compareKeys);
    const out: ObjectInfo[] = [];
    for (let i = 0; i < keys.length; i += 64) {
      const infos = await Promise.all(keys.slice(i, i + 64).map((k) => this.#stat(k, "list")));
      for (const info of infos) if (info !== undefined) out.push(info); // undefined: deleted meanwhile
    }
    return out;
  }

  /**
   * The whole object.
   *
   * @param key An object key.
   * @returns Its bytes.
   * @throws {LakeError} Code `NotFound` when absent, `BadKey` for an invalid key.
   */
  async get(key: string): Promise<Uint8Array> {
    return (await this.getObject(key)).body;
  }

  /**
   * The object's bytes and the info of those same bytes (stat and read on one open file).
   *
   * @param key An object key.
   * @returns `{ info, body }`.
   * @throws {LakeError} Code `NotFound` when absent, `BadKey` for an invalid key.
   */
  async getObject(key: string): Promise<StoredObject> {
    const path = this.pathOf(key);
    let fh;
    try {
      fh = await open(path, "r");
    } catch (err) {
      throw this.#error("get", key, err);
    }
    try {
      const st = await fh.stat({ bigint: true });
      if (!st.isFile()) throw Object.assign(new Error("not a file"), { code: "EISDIR" });
      const size = Number(st.size);
      const body = new Uint8Array(size);
      let off = 0;
      while (off < size) {
        const { bytesRead } = await fh.read(body, off, size - off, off);
        if (bytesRead === 0) break;
        off += bytesRead;
      }
      if (off !== size) {
        throw new LakeError(
          `Cannot get ${JSON.stringify(key)} from ${this.root}: read ${off} of ${size} bytes`,
          { key, code: "Corrupt" },
        );
      }
      return { info: { key, size, etag: etagOf(st.ino, st.mtimeMs, st.size) }, body };
    } catch (err) {
      if (err instanceof LakeError) throw err;
      throw this.#error("get", key, err);
    } finally {
      await fh.close();
    }
  }

  /**
   * The object's info, or `undefined` when absent.
   *
   * @param key An object key.
   * @returns Key, size and etag.
   * @throws {LakeError} Code `BadKey` for an invalid key.
   */
  async head(key: string): Promise<ObjectInfo | undefined> {
    this.pathOf(key);
    return await this.#stat(key, "head");
  }

  /**
   * Writes the whole object atomically (temp file + rename).
   *
   * @param key An object key.
   * @param body The bytes.
   * @returns The new object's info.
   * @throws {LakeError} Code `BadKey` for an invalid key (nothing is written); `Other` on file-system errors.
   */
  async put(key: string, body: Uint8Array): Promise<ObjectInfo> {
    const path = this.pathOf(key);
    try {
      await writeFileAtomic(path, body);
    } catch (err) {
      throw this.#error("put", key, err);
    }
    const info = await this.#stat(key, "put");
    if (info === undefined) {
      throw new LakeError(`Cannot put ${JSON.stringify(key)} in ${this.root}: gone after writing`, {
        key,
      });
    }
    return info;
  }

  /**
   * Writes the object only if the key is free: a complete temp file linked into place.
   *
   * @param key An object key.
   * @param body The bytes.
   * @returns The new object's info, or `undefined` when an object has the key.
   * @throws {LakeError} Code `BadKey` for an invalid key; `Other` on file-system errors.
   */
  async putIfAbsent(key: string, body: Uint8Array): Promise<ObjectInfo | undefined> {
    const path = this.pathOf(key);
    try {
      const v = await writeFileExclusive(path, body);
      return v && { key, size: Number(v.size), etag: etagOf(v.ino, v.mtimeMs, v.size) };
    } catch (err) {
      throw this.#error("put", key, err);
    }
  }

  /**
   * Replaces the object only if its ETag is still `etag` (compare and swap under a guard file).
   *
   * @param key An object key.
   * @param body The bytes.
   * @param etag The ETag the object must have.
   * @returns The new object's info, or `undefined` when it changed or is gone.
   * @throws {LakeError} Code `BadKey` for an invalid key; `Other` on file-system errors.
   */
  async putIfMatch(key: string, body: Uint8Array, etag: string): Promise<ObjectInfo | undefined> {
    const path = this.pathOf(key);
    try {
      return await withFileGuard(path, async () => {
        if ((await this.#stat(key, "put"))?.etag !== etag) return undefined;
        await writeFileAtomic(path, body);
        return await this.#stat(key, "put");
      });
    } catch (err) {
      if (err instanceof LakeError) throw err;
      throw this.#error("put", key, err);
    }
  }

  /**
   * Deletes the object only if its ETag is still `etag`.
   *
   * @param key An object key.
   * @param etag The ETag the object must have.
   * @returns Whether it was deleted.
   * @throws {LakeError} Code `BadKey` for an invalid key; `Other` on file-system errors.
   */
  async deleteIfMatch(key: string, etag: string): Promise<boolean> {
    const path = this.pathOf(key);
    try {
      return await withFileGuard(path, async () => {
        if ((await this.#stat(key, "delete"))?.etag !== etag) return false;
        await rm(path, { force: true });
        return true;
      });
    } catch (err) {
      if (err instanceof LakeError) throw err;
      throw this.#error("delete", key, err);
    }
  }

  /**
   * Deletes the object; an absent key is not an error.
   *
   * @param key An object key.
   * @returns Resolves when gone.
   * @throws {LakeError} Code `BadKey` for an invalid key; `Other` on file-system errors.
   */
  async delete(key: string): Promise<void> {
    const path = this.pathOf(key);
    try {
      const st = await stat(path).catch(() => undefined);
      if (st === undefined || !st.isFile()) return;
      await rm(path, { force: true });
    } catch (err) {
      throw this.#error("delete", key, err);
    }
    await removeEmptyParents(this.root, path);
  }

  /**
   * Removes temp files that killed writes left behind: those under `prefixes`
   * whatever their age (call it holding the lake's write lock, when no locked
   * writer can be mid-write there), and any older than `olderThanMs` elsewhere
   * (writes that take no lock, such as raw batches, finish in seconds).
   *
   * @param prefixes Key prefixes written only under the lock, e.g. `["ohlcv/"]`.
   * @param olderThanMs The age beyond which any temp file is stray.
   * @returns The keys-with-temp-names removed (relative paths).
   * @throws {LakeError} On file-system errors.
   */
  async removeStrayTemps(prefixes: readonly string[], olderThanMs: number): Promise<string[]> {
    const removed: string[] = [];
    let temps;
    try {
      temps = await findTempFiles(this.root);
    } catch (err) {
      throw this.#error("list", "", err);
    }
    const now = Date.now();
    for (const { path, mtimeMs } of temps) {
      const rel = relative(this.root, path).split(sep).join("/");
      if (!prefixes.some((p) => rel.startsWith(p)) && now - mtimeMs < olderThanMs) continue;
      await rm(path, { force: true }).catch(() => {});
      removed.push(rel);
    }
    return removed;
  }

  /**
   * Whether the root directory exists.
   *
   * @returns `false` when nothing is at the root path.
   * @throws {LakeError} When the root is a file, or cannot be examined.
   */
  async exists(): Promise<boolean> {
    try {
      if ((await stat(this.root)).isDirectory()) return true;
    } catch (err) {
      const code = fsCode(err);
      if (code === "ENOENT" || code === "ENOTDIR") return false;
      throw new LakeError(`Cannot open the lake at ${this.root}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    throw new LakeError(`Cannot open the lake at ${this.root}: it is a file, not a directory`, {
      code: "NotFound",
    });
  }

  /**
   * The file holding the object, when it exists.
   *
   * @param key An object key.
   * @returns The path, or `undefined` when absent.
   * @throws {LakeError} Code `BadKey` for an invalid key.
   */
  async localPath(key: string): Promise<string | undefined> {
    const path = this.pathOf(key);
    return (await this.#stat(key, "head")) === undefined ? undefined : path;
  }

  /**
   * The file holding the object a listing described (no copy: the store's own file).
   *
   * @param info From {@link list} or {@link head}.
   * @returns `<root>/<key>`.
   * @throws {LakeError} Code `BadKey` for an invalid key.
   */
  // deno-lint-ignore require-await
  async localPathFor(info: ObjectInfo): Promise<string> {
    return this.pathOf(info.key);
  }

  /**
   * The bytes of the object a listing described.
   *
   * @param info From {@link list} or {@link head}.
   * @returns Its bytes.
   * @throws {LakeError} Code `NotFound` when it has been deleted since.
   */
  async getWith(info: ObjectInfo): Promise<Uint8Array> {
    return await this.get(info.key);
  }

  /**
   * Nothing to forget: a local store holds no cached copies.
   *
   * @param key An object key.
   * @returns Resolves immediately.
   * @throws {LakeError} Code `BadKey` for an invalid key.
   */
  // deno-lint-ignore require-await
  async evict(key: string): Promise<void> {
    this.pathOf(key);
  }

  async #stat(key: string, op: string): Promise<ObjectInfo | undefined> {
    try {
      const st = await stat(join(this.root, ...key.split("/")), { bigint: true });
      if (!st.isFile()) return undefined;
      return { key, size: Number(st.size), etag: etagOf(st.ino, st.mtimeMs, st.size) };
    } catch (err) {
      const code = fsCode(err);
      if (code === "ENOENT" || code === "ENOTDIR") return undefined;
      throw this.#error(op, key, err);
    }
  }

  #error(op: string, key: string, err: unknown): LakeError {
    const code = fsCode(err);
    const where = `${JSON.stringify(key)} in ${this.root}`;
    if (code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR" || code === "EEXIST") {
      if (op === "get") {
        return new LakeError(`Cannot get ${where}: no such object`, {
          key,
          code: "NotFound",
          cause: err,
        });
      }
      if (op === "put") {
        return new LakeError(
          `Cannot put ${where}: a path segment is already an object or the key is a directory (a local store cannot hold both "a" and "a/…")`,
          { key, cause: err },
        );
      }
    }
    if (code === "EACCES" || code === "EPERM" || code === "EROFS") {
      return new LakeError(`Cannot ${op} ${where}: permission denied`, {
        key,
        code: "AccessDenied",
        cause: err,
      });
    }
    const reason = err instanceof Error ? err.message : String(err);
    return new LakeError(`Cannot ${op} ${where}: ${reason}`, { key, cause: err });
  }
}

function etagOf(ino: bigint, mtimeMs: bigint, size: bigint): string {
  return `${ino.toString(16)}-${mtimeMs.toString(16)}-${size.toString(16)}`;
}
