/**
 * The lake's write lock: one writer at a time. The lock is an object, `_lock`,
 * at the lake's root, created with a conditional write that fails when it
 * exists (locally: a file linked into place, which fails if the name is taken;
 * on S3: `PutObject` with `If-None-Match: *`). It holds the writer's pid, host,
 * start time and a random token, and is deleted at the end (conditionally: only
 * if it is still the holder's).
 *
 * A writer that finds the lock taken waits (a bounded wait, polling with
 * backoff) and then fails with a {@link LakeError} `Locked` that says who holds
 * it and since when. A lock is stale, and is taken over with a compare-and-swap
 * on its ETag, when its holder is known to be gone (a local lake, the same host,
 * a pid that no longer exists: a killed writer) or when it has not been renewed
 * for `staleMs` (a holder on another host, or any lock on S3, whose pids mean
 * nothing across Lambda containers). The holder renews the lock at each commit
 * point of a long write and checks there that it still holds it; a writer that
 * lost it fails with `Locked` instead of writing on.
 *
 * @module
 */

import { hostname } from "node:os";
import process from "node:process";
import { envVar } from "../core/env.ts";
import { ConfigError, LakeError } from "../core/errors.ts";
import type { Store, StoredObject } from "./store.ts";

/** The lock object's key, at the lake's root. */
export const LOCK_KEY = "_lock";

/** How the lake's write lock behaves. */
export interface LockOptions {
  /**
   * Milliseconds to wait for another writer to finish before failing with `Locked`.
   * @default {env ASXLAB_LOCK_WAIT_MS, else 60000}
   */
  waitMs?: number;
  /**
   * Milliseconds after which a lock that has not been renewed is stale and may be
   * taken over, when its holder cannot be asked directly (another host, or S3).
   * Longer than any write step (a year's merge takes seconds; the pipeline's
   * aggregating Lambda stops at 15 minutes).
   * @default {env ASXLAB_LOCK_STALE_MS, else 900000 (15 minutes)}
   */
  staleMs?: number;
}

/** What the lock object holds. */
export interface LockHolder {
  /** The writer's process id. */
  pid: number;
  /** The writer's host name. */
  host: string;
  /** When it took the lock (ISO 8601). */
  since: string;
  /** When it last renewed the lock (ISO 8601). */
  renewed: string;
  /** What it is doing, e.g. `merge 2024-08-01`. */
  purpose: string;
  /** A random token: whose lock this is. */
  token: string;
}

/** Resolves the options against the environment and the defaults. */
export function lockOptions(given: LockOptions = {}): Required<LockOptions> {
  const pick = (value: number | undefined, env: string, fallback: number): number => {
    const raw = value ?? envVar(env);
    if (raw === undefined || raw === "") return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0) {
      throw new ConfigError(
        `Invalid lock setting ${JSON.stringify(raw)}${
          value === undefined ? ` (from ${env})` : ""
        }: expected milliseconds ≥ 0`,
      );
    }
    return n;
  };
  return {
    waitMs: pick(given.waitMs, "ASXLAB_LOCK_WAIT_MS", 60_000),
    staleMs: pick(given.staleMs, "ASXLAB_LOCK_STALE_MS", 15 * 60_000),
  };
}

/** What is known of a lock someone else holds. */
interface Found {
  holder: LockHolder | undefined;
  etag: string;
}

/**
 * A held write lock. Take one with {@link WriteLock.acquire}; the Lake does, in
 * `withWriteLock`.
 */
export class WriteLock {
  /** What the lock object says of this holder. */
  readonly holder: LockHolder;
  /** The holder whose stale lock this one replaced, if any. */
  readonly tookOver: LockHolder | undefined;
  readonly #store: Store;
  readonly #options: Required<LockOptions>;
  readonly #where: string;
  #etag: string;
  #released = false;

  private constructor(
    store: Store,
    holder: LockHolder,
    etag: string,
    options: Required<LockOptions>,
    tookOver: LockHolder | undefined,
  ) {
    this.#store = store;
    this.holder = holder;
    this.#etag = etag;
    this.#options = options;
    this.tookOver = tookOver;
    this.#where = store.uri;
  }

  /**
   * Takes the lake's write lock, waiting up to `waitMs` for the holder to finish.
   *
   * @param store The lake's store (the lock goes straight to it, never through a cache).
   * @param purpose What the writer is about to do, for others' messages.
   * @param options Wait and stale timeouts.
   * @returns The held lock; release it with {@link release}.
   * @throws {LakeError} `Locked` naming the holder when the wait runs out.
   */
  static async acquire(
    store: Store,
    purpose: string,
    options: LockOptions = {},
  ): Promise<WriteLock> {
    const opts = lockOptions(options);
    const local = !store.uri.startsWith("s3://");
    const started = Date.now();
    let delay = 25;
    for (;;) {
      const now = new Date().toISOString();
      const me: LockHolder = {
        pid: process.pid,
        host: hostname(),
        since: now,
        renewed: now,
        purpose,
        token: randomToken(),
      };
      const created = await store.putIfAbsent(LOCK_KEY, encode(me));
      if (created) return new WriteLock(store, me, created.etag, opts, undefined);
      const found = await read(store);
      if (found === undefined) continue; // released meanwhile: try again at once
      if (isStale(found.holder, local, opts.staleMs)) {
        const taken = await store.putIfMatch(LOCK_KEY, encode(me), found.etag);
        if (taken) return new WriteLock(store, me, taken.etag, opts, found.holder);
        continue; // someone else took it over first
      }
      const waited = Date.now() - started;
      if (waited >= opts.waitMs) throw lockedError(store.uri, found.holder, waited);
      await sleep(Math.min(delay, opts.waitMs - waited));
      delay = Math.min(delay * 2, 1_000);
    }
  }

  /**
   * Checks that this writer still holds the lock (call it before each commit),
   * renewing it when a third of `staleMs` has passed since the last renewal.
   *
   * @returns When the lock is still this writer's.
   * @throws {LakeError} `Locked` when another writer took it over (or it was removed).
   */
  async check(): Promise<void> {
    if (this.#released) throw this.#lost(undefined, "it was already released");
    const found = await read(this.#store);
    if (found?.holder?.token !== this.holder.token) throw this.#lost(found?.holder);
    this.#etag = found.etag;
    if (Date.now() - Date.parse(this.holder.renewed) < this.#options.staleMs / 3) return;
    this.holder.renewed = new Date().toISOString();
    const renewed = await this.#store.putIfMatch(LOCK_KEY, encode(this.holder), this.#etag);
    if (!renewed) throw this.#lost((await read(this.#store))?.holder);
    this.#etag = renewed.etag;
  }

  /**
   * Releases the lock (deletes `_lock` if it is still this writer's).
   *
   * @returns When released. Idempotent.
   * @throws {LakeError} `Locked` when another writer had taken it over meanwhile.
   */
  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    if (await this.#store.deleteIfMatch(LOCK_KEY, this.#etag)) return;
    const found = await read(this.#store);
    if (found?.holder?.token === this.holder.token) {
      // Our lock under another ETag (a renewal whose answer was lost): delete that one.
      if (await this.#store.deleteIfMatch(LOCK_KEY, found.etag)) return;
    }
    throw this.#lost(found?.holder);
  }

  #lost(other: LockHolder | undefined, why?: string): LakeError {
    const reason = why ??
      (other
        ? `${describe(other)} took it over (this write ran past the stale-lock timeout of ${
          Math.round(this.#options.staleMs / 1000)
        } s without renewing it)`
        : `the lock object was removed by hand or by another tool`);
    return new LakeError(
      `Lost the write lock of the lake at ${this.#where} (held since ${this.holder.since}): ${reason}. ` +
        `Stop other writers and run this write again`,
      { key: LOCK_KEY, code: "Locked" },
    );
  }
}

/** Reads the lock object with its ETag, or `undefined` when there is none. */
async function read(store: Store): Promise<Found | undefined> {
  let obj: StoredObject;
  try {
    obj = await getObject(store);
  } catch (err) {
    if (err instanceof LakeError && err.code === "NotFound") return undefined;
    throw err;
  }
  let holder: LockHolder | undefined;
  try {
    const parsed = JSON.parse(new TextDecoder().decode(obj.body)) as Partial<LockHolder>;
    if (typeof parsed.pid === "number" && typeof parsed.token === "string") {
      holder = parsed as LockHolder;
    }
  } catch {
    // not ours, or written by hand: it still holds the lake, and goes stale by age
  }
  return { holder, etag: obj.info.etag };
}

/** The object and the ETag of exactly those bytes. */
async function getObject(store: Store): Promise<StoredObject> {
  const s = store as Store & { getObject?: (key: string) => Promise<StoredObject> };
  if (typeof s.getObject === "function") return await s.getObject(LOCK_KEY);
  const info = await store.head(LOCK_KEY);
  if (info === undefined) throw new LakeError("no lock", { key: LOCK_KEY, code: "NotFound" });
  return { info, body: await store.get(LOCK_KEY) };
}

/**
 * Whether a lock may be taken over: its holder is gone (a local lake, this host,
 * no such process), or it has not been renewed for `staleMs`. A lock whose
 * content cannot be read goes stale by age alone (its object's age is unknown:
 * `renewed` is missing, so it is stale at once only if `staleMs` is 0).
 */
function isStale(holder: LockHolder | undefined, local: boolean, staleMs: number): boolean {
  if (holder === undefined) return staleMs === 0;
  if (local && holder.host === hostname() && !processExists(holder.pid)) return true;
  const renewed = Date.parse(holder.renewed ?? holder.since);
  return !Number.isFinite(renewed) || Date.now() - renewed >= staleMs;
}

/** Whether a process with this pid exists on this host. */
function processExists(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === "EPERM"; // exists, but not ours to signal
  }
}

function lockedError(uri: string, holder: LockHolder | undefined, waitedMs: number): LakeError {
  const who = holder ? describe(holder) : "a writer (the lock object is not asxlab's)";
  return new LakeError(
    `The lake at ${uri} is being written by ${who}; waited ${
      (waitedMs / 1000).toFixed(1)
    } s. Try again when it finishes (or raise ASXLAB_LOCK_WAIT_MS); if that writer is gone ` +
      `for good, the lock goes stale after ASXLAB_LOCK_STALE_MS, or delete ${LOCK_KEY} at the lake's root`,
    { key: LOCK_KEY, code: "Locked" },
  );
}

/** `pid 123 on host h since T (merge 2024-08-01)`. */
function describe(h: LockHolder): string {
  return `pid ${h.pid} on host ${h.host} since ${h.since} (${h.purpose})`;
}

function encode(holder: LockHolder): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(holder, null, 1) + "\n");
}

function randomToken(): string {
  const b = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
