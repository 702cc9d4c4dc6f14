/**
 * The curated layer's manifest, `ohlcv/_manifest.json`: for each curated file
 * its SHA-256, size, row count and date range, written last by every write of
 * the curated layer. `lake verify` checks every file against it; a byte flipped
 * on disk or in the S3 cache is caught there, by name.
 *
 * A write that replaces year files first records what it is about to write
 * under `pending`, then replaces the files, then moves those entries to `files`.
 * A writer killed in between leaves `pending` behind; the next writer settles it
 * (a file whose bytes match its pending entry was written whole: the entry is
 * promoted; one that still matches its old entry was not: the entry is dropped).
 *
 * The name starts with `_`, so Athena and Hive-style readers of `ohlcv/` skip it,
 * and it matches no `year=YYYY/` partition.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { LakeError } from "../core/errors.ts";
import { PREFIX } from "./keys.ts";

/** Where the manifest lives. */
export const MANIFEST_KEY = `${PREFIX.ohlcv}_manifest.json`;

/** What the manifest records of one curated file. */
export interface ManifestEntry {
  /** SHA-256 of the file's bytes, hex. */
  sha256: string;
  /** Size in bytes. */
  bytes: number;
  /** Rows. */
  rows: number;
  /** First date held, `YYYY-MM-DD`. */
  start: string;
  /** Last date held. */
  end: string;
}

/** The manifest. */
export interface Manifest {
  /** The format's version. */
  version: 1;
  /** When it was last written (ISO 8601). */
  updated: string;
  /** Each curated file, by key. */
  files: Record<string, ManifestEntry>;
  /** Files a write was about to replace when the manifest was written (see the module doc). */
  pending?: Record<string, ManifestEntry>;
}

/**
 * An empty manifest.
 *
 * @returns `{ version: 1, files: {} }` dated now.
 */
export function emptyManifest(): Manifest {
  return { version: 1, updated: new Date().toISOString(), files: {} };
}

/**
 * Parses a manifest's bytes.
 *
 * @param bytes The JSON.
 * @returns The manifest.
 * @throws {LakeError} `Corrupt` naming {@link MANIFEST_KEY} when it is not one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { emptyManifest, encodeManifest, parseManifest } from "./manifest.ts";
 * const m = emptyManifest();
 * assert.deepEqual(parseManifest(encodeManifest(m)), m);
 * assert.throws(() => parseManifest(new TextEncoder().encode("{")), /_manifest\.json/);
 * ```
 */
export function parseManifest(bytes: Uint8Array): Manifest {
  let m: Partial<Manifest>;
  try {
    m = JSON.parse(new TextDecoder().decode(bytes)) as Partial<Manifest>;
  } catch (err) {
    throw corrupt(`not JSON (${(err as Error).message})`, err);
  }
  if (m?.version !== 1 || typeof m.files !== "object" || m.files === null) {
    throw corrupt("not a version 1 manifest with a files map");
  }
  for (const [key, e] of Object.entries({ ...m.files, ...m.pending })) {
    if (
      typeof e?.sha256 !== "string" || !/^[0-9a-f]{64}$/.test(e.sha256) ||
      typeof e.bytes !== "number" || typeof e.rows !== "number"
    ) throw corrupt(`the entry of "${key}" is malformed`);
  }
  return m as Manifest;
}

/**
 * Serialises a manifest (keys sorted, one entry per line block, a final newline).
 *
 * @param m The manifest.
 * @returns UTF-8 JSON.
 */
export function encodeManifest(m: Manifest): Uint8Array {
  const sorted = (r: Record<string, ManifestEntry>) =>
    Object.fromEntries(Object.keys(r).sort().map((k) => [k, r[k]!]));
  const out: Manifest = { version: 1, updated: m.updated, files: sorted(m.files) };
  if (m.pending && Object.keys(m.pending).length > 0) out.pending = sorted(m.pending);
  return new TextEncoder().encode(JSON.stringify(out, null, 1) + "\n");
}

/**
 * SHA-256 of bytes, hex.
 *
 * @param bytes Any bytes.
 * @returns 64 hex digits.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sha256Hex } from "./manifest.ts";
 * assert.equal(sha256Hex(new Uint8Array(0)).slice(0, 8), "e3b0c442");
 * ```
 */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function corrupt(why: string, cause?: unknown): LakeError {
  return new LakeError(
    `Cannot read the manifest "${MANIFEST_KEY}": ${why}. Rebuild it from the files ` +
      `(deno task lake manifest) once you trust them`,
    { key: MANIFEST_KEY, code: "Corrupt", cause },
  );
}
