/**
 * Private file helpers shared by `LocalStore` and `CachedStore`: atomic writes
 * (temp file in the same directory, then rename), recognising those temp files,
 * and pruning directories that deletes leave empty. Not exported from `mod.ts`.
 *
 * @module
 */

import { link, mkdir, open, readdir, rename, rm, rmdir, stat } from "node:fs/promises";
import { basename, dirname, join, relative, sep } from "node:path";

/**
 * Temp files look like `.part-0.parquet.3f9a1c2e7b.tmp`: hidden, random, `.tmp`;
 * the compare-and-swap guard of a key is `.<name>.cas`.
 */
const TEMP_NAME = /^\..+\.(?:[0-9a-f]{10}\.tmp|cas)$/;

/**
 * Whether a file name is one of our in-flight temp files or guards (listings skip them).
 *
 * @param name A file name (last path segment).
 * @returns `true` for names {@link writeFileAtomic} and {@link withFileGuard} use.
 */
export function isTempName(name: string): boolean {
  return TEMP_NAME.test(name);
}

function tempNameFor(path: string): string {
  const rand = crypto.getRandomValues(new Uint8Array(5));
  const hex = Array.from(rand, (b) => b.toString(16).padStart(2, "0")).join("");
  return join(dirname(path), `.${basename(path)}.${hex}.tmp`);
}

/**
 * Writes `bytes` to `path` so that readers see the old or the new file, never a
 * mix: a temp file in the same directory, flushed, then renamed over `path`.
 * Parent directories are created. The temp file is removed on failure.
 *
 * @param path Destination file.
 * @param bytes The whole content.
 * @returns Resolves once the rename is done.
 * @throws {Error} The underlying file-system error (callers wrap it).
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = tempNameFor(path);
  let renamed = false;
  try {
    await writeTemp(tmp, bytes);
    await rename(tmp, path);
    renamed = true;
  } finally {
    if (!renamed) await rm(tmp, { force: true }).catch(() => {});
  }
}

/**
 * Writes a new temp file whole and flushed (its parent directory created), and
 * returns what identifies that version of it.
 */
async function writeTemp(tmp: string, bytes: Uint8Array): Promise<FileVersion> {
  await mkdir(dirname(tmp), { recursive: true });
  const fh = await open(tmp, "wx");
  try {
    let off = 0;
    while (off < bytes.length) {
      const { bytesWritten } = await fh.write(bytes, off, bytes.length - off);
      off += bytesWritten;
    }
    await fh.sync();
    const st = await fh.stat({ bigint: true });
    return { ino: st.ino, mtimeMs: st.mtimeMs, size: st.size };
  } finally {
    await fh.close();
  }
}

/** What identifies one version of a file: its inode, mtime and size. */
export interface FileVersion {
  /** Inode number. */
  ino: bigint;
  /** Modification time, ms. */
  mtimeMs: bigint;
  /** Size in bytes. */
  size: bigint;
}

/**
 * Creates `path` holding `bytes` only if nothing has that name, atomically: a
 * complete temp file (flushed) is hard-linked into place, which fails if the name
 * is taken, so no reader ever sees a partial file and two writers cannot both win.
 *
 * @param path Destination file (parents are created).
 * @param bytes The whole content.
 * @returns The new file's version, or `undefined` when the name was taken.
 * @throws {Error} Other file-system errors.
 */
export async function writeFileExclusive(
  path: string,
  bytes: Uint8Array,
): Promise<FileVersion | undefined> {
  const tmp = tempNameFor(path);
  try {
    const version = await writeTemp(tmp, bytes);
    try {
      await link(tmp, path);
    } catch (err) {
      if (fsCode(err) === "EEXIST") return undefined;
      throw err;
    }
    return version;
  } finally {
    await rm(tmp, { force: true }).catch(() => {});
  }
}

/** A guard older than this was left by a killed process (the guarded work takes milliseconds). */
const GUARD_STALE_MS = 10_000;

/**
 * Runs `work` while holding an exclusive guard file `.<name>.cas` beside `path`,
 * so that a compare-and-swap on `path` (read its version, then replace or delete
 * it) is not interleaved with another process's. A guard left by a killed
 * process is removed after {@link GUARD_STALE_MS}.
 *
 * @param path The file being compared and swapped.
 * @param work The comparison and the swap.
 * @returns What `work` returns.
 * @throws {Error} When the guard cannot be taken within twice the stale time, or `work`'s error.
 */
export async function withFileGuard<T>(path: string, work: () => Promise<T>): Promise<T> {
  const guard = join(dirname(path), `.${basename(path)}.cas`);
  await mkdir(dirname(path), { recursive: true });
  const started = Date.now();
  for (;;) {
    try {
      await (await open(guard, "wx")).close();
      break;
    } catch (err) {
      if (fsCode(err) !== "EEXIST") throw err;
      const st = await stat(guard).catch(() => undefined);
      if (st && Date.now() - st.mtimeMs > GUARD_STALE_MS) {
        await rm(guard, { force: true });
        continue;
      }
      if (Date.now() - started > 2 * GUARD_STALE_MS) {
        throw new Error(`cannot take the guard ${guard}: held for over ${2 * GUARD_STALE_MS} ms`);
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  try {
    return await work();
  } finally {
    await rm(guard, { force: true }).catch(() => {});
  }
}

/**
 * Removes the now-empty directories between `path`'s parent and `root`
 * (exclusive), best effort: a directory that is not empty stops the climb.
 *
 * @param root The directory never to remove.
 * @param path A file that was just deleted.
 */
export async function removeEmptyParents(root: string, path: string): Promise<void> {
  let dir = dirname(path);
  while (isStrictlyInside(root, dir)) {
    try {
      await rmdir(dir);
    } catch {
      return;
    }
    dir = dirname(dir);
  }
}

function isStrictlyInside(root: string, dir: string): boolean {
  const rel = relative(root, dir);
  return rel !== "" && !rel.startsWith("..") && !rel.startsWith(sep) && rel !== ".";
}

/**
 * Every regular file under `dir` (recursively), as `/`-separated paths relative
 * to `dir`, skipping temp files. A missing `dir` yields nothing.
 *
 * @param dir The directory to walk.
 * @returns Relative paths, unsorted.
 * @throws {Error} File-system errors other than "not found" / "not a directory".
 */
export async function walkFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(abs: string, rel: string): Promise<void> {
    let entries;
    try {
      entries = await readdir(abs, { withFileTypes: true });
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === "ENOENT" || code === "ENOTDIR") return;
      throw err;
    }
    for (const entry of entries) {
      const childRel = rel === "" ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) {
        await walk(join(abs, entry.name), childRel);
      } else if (entry.isFile() && !isTempName(entry.name)) {
        out.push(childRel);
      }
    }
  }
  await walk(dir, "");
  return out;
}

/**
 * Every temp file (not guards) under `dir`, recursively, with its age.
 *
 * @param dir The directory to walk.
 * @returns Absolute paths and their modification times (ms).
 * @throws {Error} File-system errors other than "not found".
 */
export async function findTempFiles(dir: string): Promise<{ path: string; mtimeMs: number }[]> {
  const out: { path: string; mtimeMs: number }[] = [];
  async function walk(abs: string): Promise<void> {
    let entries;
    try {
      entries = await readdir(abs, { withFileTypes: true });
    } catch (err) {
      const code = fsCode(err);
      if (code === "ENOENT" || code === "ENOTDIR") return;
      throw err;
    }
    for (const entry of entries) {
      const path = join(abs, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile() && isTempName(entry.name) && !entry.name.endsWith(".cas")) {
        const st = await stat(path).catch(() => undefined);
        if (st) out.push({ path, mtimeMs: st.mtimeMs });
      }
    }
  }
  await walk(dir);
  return out;
}

/**
 * The `code` of a Node-style file-system error (`"ENOENT"`, …), if any.
 *
 * @param err Anything thrown.
 * @returns The code, or `undefined`.
 */
export function fsCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}
