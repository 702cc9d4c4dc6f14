/**
 * Private file helpers shared by `LocalStore` and `CachedStore`: atomic writes
 * (temp file in the same directory, then rename), recognising those temp files,
 * and pruning directories that deletes leave empty. Not exported from `mod.ts`.
 *
 * @module
 */

import { mkdir, open, readdir, rename, rm, rmdir } from "node:fs/promises";
import { basename, dirname, join, relative, sep } from "node:path";

/** Temp files look like `.part-0.parquet.3f9a1c2e7b.tmp`: hidden, random, `.tmp`. */
const TEMP_NAME = /^\..+\.[0-9a-f]{10}\.tmp$/;

/**
 * Whether a file name is one of our in-flight temp files (listings skip them).
 *
 * @param name A file name (last path segment).
 * @returns `true` for names {@link writeFileAtomic} uses.
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
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempNameFor(path);
  let renamed = false;
  try {
    const fh = await open(tmp, "wx");
    try {
      let off = 0;
      while (off < bytes.length) {
        const { bytesWritten } = await fh.write(bytes, off, bytes.length - off);
        off += bytesWritten;
      }
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
    renamed = true;
  } finally {
    if (!renamed) await rm(tmp, { force: true }).catch(() => {});
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
 * The `code` of a Node-style file-system error (`"ENOENT"`, …), if any.
 *
 * @param err Anything thrown.
 * @returns The code, or `undefined`.
 */
export function fsCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}
