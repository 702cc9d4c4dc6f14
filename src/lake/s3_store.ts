/**
 * `S3Store`: the lake's key layout in an S3 bucket, on `@aws-sdk/client-s3`.
 *
 * @module
 */

import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { createHash } from "node:crypto";
import { envVar } from "../core/env.ts";
import { ConfigError, LakeError, type LakeErrorCode } from "../core/errors.ts";
import {
  compareKeys,
  type ObjectInfo,
  type Store,
  type StoredObject,
  validateKey,
  validatePrefix,
} from "./store.ts";

/** Static AWS credentials (otherwise the SDK's default chain: env, profile, SSO, instance role…). */
export interface S3Credentials {
  /** `AWS_ACCESS_KEY_ID`. */
  accessKeyId: string;
  /** `AWS_SECRET_ACCESS_KEY`. */
  secretAccessKey: string;
  /** `AWS_SESSION_TOKEN`, for temporary credentials. */
  sessionToken?: string;
}

/**
 * How long S3 requests may take. A request that fails one of these is retried
 * with the SDK's standard retry (exponential backoff with jitter), and after the
 * last attempt fails with one `LakeError` (code `Timeout`) naming the object. The
 * defaults end a request to an endpoint that accepts connections and never answers
 * in under a minute (3 × 15 s).
 */
export interface S3Timeouts {
  /**
   * Milliseconds to establish a connection.
   * @default {env ASXLAB_S3_CONNECT_TIMEOUT_MS, else 5000}
   */
  connectMs?: number;
  /**
   * Milliseconds a request may go without a byte moving: waiting for an answer, or
   * in the middle of a body that stopped arriving. Uploads and downloads that keep
   * moving are never cut off, however long they take.
   * @default {env ASXLAB_S3_TIMEOUT_MS, else 15000}
   */
  idleMs?: number;
  /**
   * Attempts per request, the first included. A download whose body stalls or is
   * cut short is asked for again within the same budget.
   * @default {env AWS_MAX_ATTEMPTS, else 3}
   */
  maxAttempts?: number;
}

/** The timeouts used when neither an option nor the environment sets them. */
export const DEFAULT_S3_TIMEOUTS: Readonly<Required<S3Timeouts>> = {
  connectMs: 5_000,
  idleMs: 15_000,
  maxAttempts: 3,
};

/** Each timeout from the option, else its environment variable, else the default; all checked. */
function resolveTimeouts(given: S3Timeouts = {}): Required<S3Timeouts> {
  const pick = (option: number | undefined, env: string, fallback: number, what: string) => {
    const raw = option ?? envVar(env);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) {
      throw new ConfigError(
        `Invalid S3 ${what} ${JSON.stringify(raw)}${
          option === undefined ? ` (from ${env})` : ""
        }: expected a whole number ≥ 1`,
      );
    }
    return n;
  };
  return {
    connectMs: pick(
      given.connectMs,
      "ASXLAB_S3_CONNECT_TIMEOUT_MS",
      DEFAULT_S3_TIMEOUTS.connectMs,
      "connect timeout",
    ),
    idleMs: pick(given.idleMs, "ASXLAB_S3_TIMEOUT_MS", DEFAULT_S3_TIMEOUTS.idleMs, "timeout"),
    maxAttempts: pick(
      given.maxAttempts,
      "AWS_MAX_ATTEMPTS",
      DEFAULT_S3_TIMEOUTS.maxAttempts,
      "attempt count",
    ),
  };
}

/** Options for {@link S3Store}. */
export interface S3StoreOptions {
  /**
   * AWS region.
   * @default {env AWS_REGION, else AWS_DEFAULT_REGION, else "ap-southeast-2"}
   */
  region?: string;
  /**
   * A custom endpoint (s3rver, MinIO, LocalStack); setting one turns on path-style addressing.
   * @default {env AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL, else AWS's own}
   */
  endpoint?: string;
  /** Static credentials. @default {the SDK's default provider chain} */
  credentials?: S3Credentials;
  /** Connect and idle timeouts and attempts. @default {DEFAULT_S3_TIMEOUTS, or the environment} */
  timeouts?: S3Timeouts;
  /** Use this client instead of making one (the store then does not destroy it on `close`; its own timeouts apply). */
  client?: S3Client;
  /**
   * Keys per ListObjectsV2 page (1..1000).
   * @default {1000}
   */
  pageSize?: number;
}

/** A parsed `s3://bucket/prefix` URI. */
export interface S3Location {
  /** The bucket name. */
  bucket: string;
  /** The key prefix without leading or trailing `/` (`""` for the bucket root). */
  prefix: string;
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$/;

/**
 * Parses `s3://bucket` or `s3://bucket/some/prefix/`.
 *
 * @param uri The URI.
 * @returns Bucket and prefix (trailing `/` dropped).
 * @throws {ConfigError} When it is not an `s3://` URI with a valid bucket name and prefix.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseS3Uri } from "./s3_store.ts";
 * const loc = parseS3Uri("s3://my-lake/asx/");
 * assert.deepEqual(loc, { bucket: "my-lake", prefix: "asx" });
 * ```
 */
export function parseS3Uri(uri: string): S3Location {
  const m = /^s3:\/\/([^/]*)(?:\/(.*))?$/.exec(uri);
  if (m === null) {
    throw new ConfigError(`Invalid S3 URI ${JSON.stringify(uri)}: expected s3://bucket[/prefix]`);
  }
  const bucket = m[1] ?? "";
  if (!BUCKET_NAME.test(bucket) || bucket.includes("..")) {
    throw new ConfigError(
      `Invalid S3 URI ${JSON.stringify(uri)}: bucket ${
        JSON.stringify(bucket)
      } is not a valid bucket name (3-63 of a-z, 0-9, '.', '-')`,
    );
  }
  const prefix = (m[2] ?? "").replace(/\/+$/, "");
  if (prefix !== "") {
    try {
      validateKey(prefix);
    } catch (err) {
      throw new ConfigError(
        `Invalid S3 URI ${JSON.stringify(uri)}: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }
  return { bucket, prefix };
}

/**
 * A {@link Store} on S3 (or anything that speaks S3: s3rver, MinIO).
 *
 * Keys are relative to the URI's prefix: in `s3://lake/asx`, key
 * `ohlcv/year=2020/part-0.parquet` is S3 key `asx/ohlcv/year=2020/part-0.parquet`.
 * Bodies are sent as `Uint8Array` with their SHA-256 computed here (the SDK's own
 * checksums stay `WHEN_REQUIRED`: by default it sends aws-chunked framing, which
 * s3rver stores verbatim, a corrupt object), and every download is checked
 * against the recorded SHA-256 (or a plain ETag's MD5) before it is returned: a
 * body corrupted on the way is asked for again, then a `Checksum` error.
 * ETags are returned without quotes. Every failure is a `LakeError` whose message
 * names the operation and `s3://bucket/key`: codes `NotFound`, `NoSuchBucket`,
 * `AccessDenied`, `Timeout` (see {@link S3Timeouts}), `Corrupt` (short read), `Checksum`, `Other`.
 * No request waits forever: connects and silences are timed out and retried.
 *
 * @example
 * ```ts ignore
 * import { S3Store } from "./s3_store.ts";
 * const store = new S3Store("s3://my-lake/asx");
 * const parts = await store.list("ohlcv/year=2020/");
 * await store.close();
 * ```
 */
export class S3Store implements Store {
  /** `s3://bucket` or `s3://bucket/prefix`. */
  readonly uri: string;
  /** The bucket. */
  readonly bucket: string;
  /** The key prefix, without slashes at either end (`""` for none). */
  readonly prefix: string;
  /** The region the client uses. */
  readonly region: string;
  /** The custom endpoint, if any. */
  readonly endpoint: string | undefined;
  /** Where a cache should keep this store's objects, relative to its root: `bucket[/prefix]`. */
  readonly cacheNamespace: string;
  /** The SDK client. */
  readonly client: S3Client;
  /** The timeouts and attempts the client uses. */
  readonly timeouts: Readonly<Required<S3Timeouts>>;
  readonly #ownsClient: boolean;
  readonly #pageSize: number;

  /**
   * @param uri `s3://bucket` or `s3://bucket/prefix`.
   * @param options Region, endpoint, credentials, timeouts, client, page size.
   * @throws {ConfigError} For a malformed URI, a page size outside 1..1000 or a timeout that is not a whole number ≥ 1.
   */
  constructor(uri: string, options: S3StoreOptions = {}) {
    const { bucket, prefix } = parseS3Uri(uri);
    this.bucket = bucket;
    this.prefix = prefix;
    this.uri = prefix === "" ? `s3://${bucket}` : `s3://${bucket}/${prefix}`;
    this.cacheNamespace = prefix === "" ? bucket : `${bucket}/${prefix}`;
    this.region = options.region ?? envVar("AWS_REGION") ?? envVar("AWS_DEFAULT_REGION") ??
      "ap-southeast-2";
    this.endpoint = options.endpoint ?? envVar("AWS_ENDPOINT_URL_S3") ?? envVar("AWS_ENDPOINT_URL");
    const pageSize = options.pageSize ?? 1000;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) {
      throw new ConfigError(`Invalid S3 list page size ${pageSize}: expected an integer 1..1000`);
    }
    this.#pageSize = pageSize;
    this.timeouts = resolveTimeouts(options.timeouts);
    if (options.client !== undefined) {
      this.client = options.client;
      this.#ownsClient = false;
    } else {
      this.client = new S3Client({
        region: this.region,
        ...(this.endpoint === undefined ? {} : { endpoint: this.endpoint, forcePathStyle: true }),
        ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
        requestChecksumCalculation: "WHEN_REQUIRED",
        responseChecksumValidation: "WHEN_REQUIRED",
        maxAttempts: this.timeouts.maxAttempts,
        // socketTimeout is an idle timeout: it ends a request that waits for an answer
        // that never comes, and a body that stops arriving, but not a slow transfer.
        requestHandler: {
          connectionTimeout: this.timeouts.connectMs,
          socketTimeout: this.timeouts.idleMs,
        },
      });
      this.#ownsClient = true;
    }
  }

  /**
   * The S3 key for a store key (`prefix/key`).
   *
   * @param key A store key.
   * @returns The full S3 key.
   * @throws {LakeError} Code `BadKey` for an invalid key.
   */
  s3Key(key: string): string {
    validateKey(key);
    return this.prefix === "" ? key : `${this.prefix}/${key}`;
  }

  /**
   * Every object whose key starts with `prefix`, sorted by key; follows
   * ListObjectsV2 continuation tokens until the listing is complete.
   *
   * @param prefix `""` for everything, `"ohlcv/"`, …
   * @returns Key (relative to the store prefix), size and unquoted ETag.
   * @throws {LakeError} `NoSuchBucket`, `AccessDenied`, `BadKey`, `Other`.
   */
  async list(prefix: string): Promise<ObjectInfo[]> {
    validatePrefix(prefix);
    const full = this.prefix === "" ? prefix : `${this.prefix}/${prefix}`;
    const strip = this.prefix === "" ? 0 : this.prefix.length + 1;
    const out: ObjectInfo[] = [];
    let token: string | undefined;
    do {
      let page: ListObjectsV2CommandOutput;
      try {
        page = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: full,
            MaxKeys: this.#pageSize,
            ...(token === undefined ? {} : { ContinuationToken: token }),
          }),
        );
      } catch (err) {
        throw this.#error("list", full, err, prefix);
      }
      for (const obj of page.Contents ?? []) {
        if (obj.Key === undefined) continue;
        out.push({
          key: obj.Key.slice(strip),
          size: obj.Size ?? 0,
          etag: unquote(obj.ETag),
        });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return out.sort((a, b) => compareKeys(a.key, b.key));
  }

  /**
   * The whole object.
   *
   * @param key A store key.
   * @returns Its bytes.
   * @throws {LakeError} `NotFound`, `NoSuchBucket`, `AccessDenied`, `BadKey`, `Corrupt` (short read), `Other`.
   */
  async get(key: string): Promise<Uint8Array> {
    return (await this.getObject(key)).body;
  }

  /**
   * The object's bytes with the ETag and size of that same response.
   *
   * @param key A store key.
   * @returns `{ info, body }`.
   * @throws {LakeError} `NotFound`, `NoSuchBucket`, `AccessDenied`, `BadKey`, `Corrupt` (short read), `Other`.
   */
  async getObject(key: string): Promise<StoredObject> {
    const s3Key = this.s3Key(key);
    const attempts = this.timeouts.maxAttempts;
    for (let attempt = 1;; attempt++) {
      let res;
      try {
        // The SDK retries the request itself; what follows its answer is retried here.
        res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: s3Key }));
      } catch (err) {
        throw this.#error("get", s3Key, err, key);
      }
      const etag = unquote(res.ETag);
      const expected = res.ContentLength;
      let body: Uint8Array | undefined;
      let failure: unknown;
      try {
        body = res.Body === undefined ? new Uint8Array(0) : await res.Body.transformToByteArray();
      } catch (err) {
        failure = err; // the body stalled (idle timeout) or the connection dropped
      }
      const complete = body !== undefined && (expected === undefined || body.length === expected);
      const mismatch = complete ? checksumMismatch(body!, res, etag) : undefined;
      if (complete && mismatch === undefined) {
        return { info: { key, size: body!.length, etag }, body: body! };
      }
      if (attempt < attempts) continue;
      const tries = `(${attempt} attempt${attempt === 1 ? "" : "s"})`;
      if (failure !== undefined) throw this.#error("get", s3Key, failure, key, attempt);
      if (mismatch !== undefined) {
        throw new LakeError(
          `Cannot get ${this.#where(s3Key)}: the bytes received do not match the object's ` +
            `checksum (${mismatch}) ${tries}; nothing was cached`,
          { key, code: "Checksum" },
        );
      }
      throw new LakeError(
        `Cannot get ${this.#where(s3Key)}: received ${body!.length} of ${expected} bytes ${tries}`,
        { key, code: "Corrupt" },
      );
    }
  }

  /**
   * The object's info (HeadObject), or `undefined` when absent. S3 answers a HEAD
   * on a missing bucket with a bare 404 too, so that is also `undefined`.
   *
   * @param key A store key.
   * @returns Key, size and unquoted ETag.
   * @throws {LakeError} `AccessDenied`, `BadKey`, `Other`.
   */
  async head(key: string): Promise<ObjectInfo | undefined> {
    const s3Key = this.s3Key(key);
    try {
      const res = await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: s3Key }),
      );
      return { key, size: res.ContentLength ?? 0, etag: unquote(res.ETag) };
    } catch (err) {
      const mapped = this.#error("head", s3Key, err, key);
      if (mapped.code === "NotFound" || mapped.code === "NoSuchBucket") return undefined;
      throw mapped;
    }
  }

  /**
   * Whether the bucket exists (HeadBucket). A prefix is not checked: S3 has no
   * directories, so a prefix with nothing under it is simply empty.
   *
   * @returns `false` when the bucket does not exist.
   * @throws {LakeError} `AccessDenied`, `Other`.
   */
  async exists(): Promise<boolean> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return true;
    } catch (err) {
      const mapped = this.#error("head", "", err, "");
      if (mapped.code === "NotFound" || mapped.code === "NoSuchBucket") return false;
      throw mapped;
    }
  }

  /**
   * Writes the whole object (a single PutObject: atomic on S3), with its SHA-256:
   * S3 checks the upload against it (`x-amz-checksum-sha256`), and it is kept as
   * the object's metadata `sha256`, which every download is checked against.
   *
   * @param key A store key.
   * @param body The bytes.
   * @returns The new object's info (ETag from the response).
   * @throws {LakeError} `NoSuchBucket`, `AccessDenied`, `BadKey` (nothing is sent), `Other`.
   */
  async put(key: string, body: Uint8Array): Promise<ObjectInfo> {
    return (await this.#put(key, body, {}))!; // unconditional: never undefined
  }

  /**
   * Writes the object only if the key is free (`If-None-Match: *`).
   *
   * @param key A store key.
   * @param body The bytes.
   * @returns The new object's info, or `undefined` when an object has the key (412), or a
   *   concurrent conditional write won (409).
   * @throws {LakeError} As {@link put}.
   */
  async putIfAbsent(key: string, body: Uint8Array): Promise<ObjectInfo | undefined> {
    return await this.#put(key, body, { IfNoneMatch: "*" });
  }

  /**
   * Replaces the object only if its ETag is still `etag` (`If-Match`).
   *
   * @param key A store key.
   * @param body The bytes.
   * @param etag The ETag the object must have.
   * @returns The new object's info, or `undefined` when it changed or is gone.
   * @throws {LakeError} As {@link put}.
   */
  async putIfMatch(key: string, body: Uint8Array, etag: string): Promise<ObjectInfo | undefined> {
    return await this.#put(key, body, { IfMatch: `"${etag}"` });
  }

  /** One PutObject with its checksums, and a condition if any (`undefined`: it did not hold). */
  async #put(
    key: string,
    body: Uint8Array,
    condition: { IfNoneMatch?: string; IfMatch?: string },
  ): Promise<ObjectInfo | undefined> {
    const s3Key = this.s3Key(key);
    try {
      const res = await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: s3Key,
          Body: body,
          ContentLength: body.length,
          ...checksumFields(body),
          ...condition,
        }),
      );
      return { key, size: body.length, etag: unquote(res.ETag) };
    } catch (err) {
      if (conditionFailed(err)) return undefined;
      throw this.#error("put", s3Key, err, key);
    }
  }

  /**
   * Deletes the object only if its ETag is still `etag` (`If-Match`).
   *
   * @param key A store key.
   * @param etag The ETag the object must have.
   * @returns Whether it was deleted (`false` when it changed or is gone).
   * @throws {LakeError} `NoSuchBucket`, `AccessDenied`, `BadKey`, `Other`.
   */
  async deleteIfMatch(key: string, etag: string): Promise<boolean> {
    const s3Key = this.s3Key(key);
    try {
      await this.client.send(
        new DeleteObjectCommand({ Bucket: this.bucket, Key: s3Key, IfMatch: `"${etag}"` }),
      );
      return true;
    } catch (err) {
      if (conditionFailed(err)) return false;
      const mapped = this.#error("delete", s3Key, err, key);
      if (mapped.code === "NotFound") return false;
      throw mapped;
    }
  }

  /**
   * Deletes the object; an absent key is not an error.
   *
   * @param key A store key.
   * @returns Resolves when deleted.
   * @throws {LakeError} `NoSuchBucket`, `AccessDenied`, `BadKey`, `Other`.
   */
  async delete(key: string): Promise<void> {
    const s3Key = this.s3Key(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: s3Key }));
    } catch (err) {
      const mapped = this.#error("delete", s3Key, err, key);
      if (mapped.code !== "NotFound") throw mapped;
    }
  }

  /**
   * Destroys the client's sockets (unless the client was passed in).
   *
   * @returns Resolves immediately.
   */
  close(): Promise<void> {
    if (this.#ownsClient) this.client.destroy();
    return Promise.resolve();
  }

  #where(s3Key: string): string {
    return `"s3://${this.bucket}/${s3Key}"`;
  }

  #error(op: string, s3Key: string, err: unknown, key: string, attempts?: number): LakeError {
    const e = err as {
      name?: string;
      Code?: string;
      code?: string;
      message?: string;
      $metadata?: { httpStatusCode?: number; attempts?: number };
    };
    const name = e?.Code ?? e?.name ?? "";
    const status = e?.$metadata?.httpStatusCode;
    const tries = attempts ?? e?.$metadata?.attempts;
    const after = tries === undefined ? "" : ` (${tries} attempt${tries === 1 ? "" : "s"})`;
    let code: LakeErrorCode = "Other";
    let reason: string;
    if (name === "TimeoutError" || e?.code === "ETIMEDOUT") {
      code = "Timeout";
      const { connectMs, idleMs } = this.timeouts;
      reason = /establishing a connection/i.test(e?.message ?? "")
        ? `no connection within ${seconds(connectMs)}${after}; is the endpoint up? ` +
          `(ASXLAB_S3_CONNECT_TIMEOUT_MS sets the wait)`
        : `no data for ${seconds(idleMs)}${after}: the endpoint stopped answering ` +
          `(ASXLAB_S3_TIMEOUT_MS sets the wait)`;
    } else if (name === "NoSuchBucket") {
      code = "NoSuchBucket";
      reason = `bucket "${this.bucket}" does not exist`;
    } else if (name === "NoSuchKey" || name === "NotFound" || (status === 404 && op !== "list")) {
      code = "NotFound";
      reason = "no such object";
    } else if (
      name === "AccessDenied" || name === "Forbidden" || name === "InvalidAccessKeyId" ||
      name === "SignatureDoesNotMatch" || status === 403
    ) {
      code = "AccessDenied";
      reason = `access denied (${name || status})`;
    } else {
      reason = `${name ? `${name}: ` : ""}${e?.message ?? String(err)}`;
    }
    const what = op === "list" ? `list ${this.#where(s3Key)}*` : `${op} ${this.#where(s3Key)}`;
    const region = this.endpoint === undefined ? ` (region ${this.region})` : ` (${this.endpoint})`;
    return new LakeError(`Cannot ${what}${region}: ${reason}`, { key, code, cause: err });
  }
}

/**
 * The checksum fields of a PutObject: `ChecksumSHA256` (S3 verifies the upload and
 * keeps it) and the same digest, hex, as metadata `sha256` (returned with every
 * GET, also by S3-compatible servers that know nothing of checksums).
 */
function checksumFields(
  body: Uint8Array,
): { ChecksumSHA256: string; Metadata: { sha256: string } } {
  const digest = createHash("sha256").update(body).digest();
  return {
    ChecksumSHA256: digest.toString("base64"),
    Metadata: { sha256: digest.toString("hex") },
  };
}

/**
 * Why a downloaded body is not the object's bytes, or `undefined` when it checks
 * out: against the metadata `sha256` this store writes; else, for an object
 * another tool wrote, against a single-part ETag, which is the body's MD5 unless
 * the object is encrypted with KMS (then nothing can be checked).
 */
function checksumMismatch(
  body: Uint8Array,
  res: { Metadata?: Record<string, string>; ServerSideEncryption?: string },
  etag: string,
): string | undefined {
  const want = res.Metadata?.sha256;
  if (want !== undefined && /^[0-9a-f]{64}$/.test(want)) {
    const got = createHash("sha256").update(body).digest("hex");
    return got === want
      ? undefined
      : `SHA-256 ${got.slice(0, 12)}…, recorded ${want.slice(0, 12)}…`;
  }
  if (/^[0-9a-f]{32}$/.test(etag) && !String(res.ServerSideEncryption ?? "").includes("kms")) {
    const got = createHash("md5").update(body).digest("hex");
    return got === etag ? undefined : `MD5 ${got}, ETag ${etag}`;
  }
  return undefined;
}

/** S3's answers to a conditional request that did not apply: 412, or 409 (a concurrent one won). */
function conditionFailed(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  const status = e?.$metadata?.httpStatusCode;
  return status === 412 || status === 409 || e?.name === "PreconditionFailed" ||
    e?.name === "ConditionalRequestConflict";
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

function unquote(etag: string | undefined): string {
  if (etag === undefined) return "";
  return etag.replace(/^W\//, "").replace(/^"(.*)"$/, "$1");
}
