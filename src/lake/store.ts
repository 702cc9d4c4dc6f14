/**
 * The `Store` interface: a flat key → bytes object store, implemented on local
 * disk ({@link LocalStore}) and on S3 ({@link S3Store}). Keys use `/` and are
 * relative to the store's root (a directory or `s3://bucket/prefix`).
 *
 * @module
 */

import { LakeError } from "../core/errors.ts";

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
  /**
   * Writes the object only if no object has the key, atomically (S3: `If-None-Match: *`).
   * Returns the new object's info, or `undefined` when the key is taken.
   */
  putIfAbsent(key: string, body: Uint8Array): Promise<ObjectInfo | undefined>;
  /**
   * Replaces the object only if its ETag is still `etag` (S3: `If-Match`).
   * Returns the new object's info, or `undefined` when it changed or is gone.
   */
  putIfMatch(key: string, body: Uint8Array, etag: string): Promise<ObjectInfo | undefined>;
  /** Deletes the object only if its ETag is still `etag` (S3: `If-Match`); whether it did. */
  deleteIfMatch(key: string, etag: string): Promise<boolean>;
  /**
   * Whether the store's root exists (a local directory, an S3 bucket): a store whose
   * root is missing reads as empty, so readers ask this to tell "no lake here" from
   * "an empty lake". Writing creates the root. Stores that cannot tell omit it.
   */
  exists?(): Promise<boolean>;
  /** A local file path holding the object's current bytes, when the store can give one cheaply (LocalStore, or a cache). */
  localPath?(key: string): Promise<string | undefined>;
  /** Releases clients and sockets. */
  close?(): Promise<void>;
}

/** An object's bytes together with the info of exactly those bytes (no race between a `head` and a `get`). */
export interface StoredObject {
  /** The info (etag, size) of `body`. */
  info: ObjectInfo;
  /** The whole object. */
  body: Uint8Array;
}

/**
 * A {@link Store} the Lake reads through: it can hand out a local file for an
 * object it has just listed without asking the backend again. `LocalStore`
 * answers from its own files; `CachedStore` from its ETag-keyed cache.
 */
export interface LakeStore extends Store {
  /** The object's bytes and their info in one request. `LakeError` code `NotFound` when absent. */
  getObject(key: string): Promise<StoredObject>;
  /** The bytes of the object a listing described (a warm cache answers without any request). */
  getWith(info: ObjectInfo): Promise<Uint8Array>;
  /** A local file holding the bytes of the object a listing described. */
  localPathFor(info: ObjectInfo): Promise<string>;
  /** Forgets any cached copy of `key` (call it when the bytes failed to parse). */
  evict(key: string): Promise<void>;
}

/** The longest key S3 accepts, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 1024;

/**
 * Checks that a key is a relative, `/`-separated object key that means the same
 * thing on S3 and on disk: not empty, no leading `/`, no empty, `.` or `..`
 * segments, no backslash, no control characters (NUL included), at most
 * {@link MAX_KEY_BYTES} bytes of UTF-8.
 *
 * @param key The key, e.g. `"ohlcv/year=2020/part-0.parquet"`.
 * @returns The same key.
 * @throws {LakeError} Code `BadKey`, quoting the key and saying what is wrong.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateKey } from "./store.ts";
 * assert.equal(validateKey("symbols/^AXJO.csv"), "symbols/^AXJO.csv");
 * assert.throws(() => validateKey("../etc/passwd"), (e) => (e as { code: string }).code === "BadKey");
 * ```
 */
export function validateKey(key: string): string {
  const problem = keyProblem(key, false);
  if (problem !== undefined) {
    throw new LakeError(`Invalid object key ${JSON.stringify(key)}: ${problem}`, {
      key,
      code: "BadKey",
    });
  }
  return key;
}

/**
 * Checks a listing prefix: the empty string (everything) or a key-like string
 * that may end with `/` (e.g. `"ohlcv/year=2020/"` or `"ohlcv/year=20"`).
 *
 * @param prefix The prefix to list.
 * @returns The same prefix.
 * @throws {LakeError} Code `BadKey` when the prefix could never be the start of a valid key.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validatePrefix } from "./store.ts";
 * assert.equal(validatePrefix("ohlcv/"), "ohlcv/");
 * assert.equal(validatePrefix(""), "");
 * ```
 */
export function validatePrefix(prefix: string): string {
  if (prefix === "") return prefix;
  const complete = prefix.endsWith("/");
  const body = complete ? prefix.slice(0, -1) : prefix;
  // Without a trailing '/', the last segment is partial: "." or ".." may still start a name ("..x").
  const problem = keyProblem(body, !complete);
  if (problem !== undefined) {
    throw new LakeError(`Invalid listing prefix ${JSON.stringify(prefix)}: ${problem}`, {
      key: prefix,
      code: "BadKey",
    });
  }
  return prefix;
}

function keyProblem(key: string, partialLast: boolean): string | undefined {
  if (key === "") return "it is empty";
  if (key.startsWith("/")) return "keys are relative and must not start with '/'";
  if (key.includes("\\")) return "backslashes are not allowed (use '/')";
  // deno-lint-ignore no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(key)) return "control characters (NUL included) are not allowed";
  if (new TextEncoder().encode(key).length > MAX_KEY_BYTES) {
    return `it is longer than ${MAX_KEY_BYTES} bytes`;
  }
  const segments = key.split("/");
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i];
    const last = i === segments.length - 1;
    if (seg === "") return "empty path segments ('//' or a trailing '/') are not allowed";
    if ((seg === "." || seg === "..") && !(partialLast && last)) {
      return `'${seg}' path segments are not allowed`;
    }
  }
  return undefined;
}

/**
 * Orders keys the way S3 lists them: by UTF-8 bytes (which is code point order).
 *
 * @param a A key.
 * @param b Another key.
 * @returns Negative, zero or positive, for `Array.prototype.sort`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compareKeys } from "./store.ts";
 * assert.equal(["b", "a/x", "a"].sort(compareKeys).join(), "a,a/x,b");
 * ```
 */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (U+D800..DFFF) encode code points above U+FFFF: they sort after U+E000..FFFF.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}
