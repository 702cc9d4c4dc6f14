/**
 * A real S3 endpoint for tests: s3rver 3.7.1 (Koa on `node:http`) on
 * 127.0.0.1 with a random port and a temp directory, one bucket created, no
 * logging. It counts the HTTP requests it receives by method and can inject
 * faults into the next matching requests.
 *
 * Runs under Deno's Node compatibility as is. Notes from making it work:
 * - Counting and faults are a Koa middleware put first in s3rver's stack
 *   (`app.middleware.unshift`) before `run()`, so they see every real HTTP
 *   request the server receives (Koa composes the stack when it starts listening).
 * - s3rver only accepts the credentials `S3RVER` / `S3RVER`; any other secret is
 *   answered 403 `SignatureDoesNotMatch` (useful for AccessDenied tests).
 * - A HEAD on a missing bucket is a bare 404 (no body), so the SDK reports it as
 *   `NotFound`, exactly like a missing key.
 * - The SDK's default checksum mode sends aws-chunked bodies that s3rver stores
 *   with the chunk framing; clients must use `WHEN_REQUIRED` (S3Store does).
 * - s3rver does not verify SigV4 signatures, only the access key id: a wrong
 *   access key id gets 403 `InvalidAccessKeyId`, a wrong secret is accepted.
 * - s3rver 3.7.1 ignores `If-None-Match` and `If-Match` on PUT and DELETE (S3 added
 *   conditional writes in 2024; s3rver predates them), so a lake's write lock would
 *   never see another holder. {@link conditionalWrites} implements S3's semantics
 *   in front of it: `If-None-Match: *` fails with 412 when the key exists,
 *   `If-Match: "etag"` with 412 when the object is gone or has another ETag; each
 *   key's conditional requests are serialised, so check-then-write is atomic as it
 *   is on S3. It is a test shim, named as such; the real S3 API is what S3Store calls.
 * - Deno's `node:crypto` has no single DES (`createCipheriv("des")` throws
 *   "Unknown cipher"), which s3rver uses for ListObjectsV2 continuation tokens:
 *   every truncated listing (pagination) failed with 500 InternalError.
 *   Workaround ({@link patchDesForS3rver}): map `"des"` to `"des-ede3-cbc"` with
 *   the 8-byte key repeated three times (EDE with K1 = K2 = K3 is exactly DES),
 *   so the tokens are the same bytes s3rver makes on Node.
 *
 * @module
 */

import crypto from "node:crypto";
import S3rver from "s3rver";

let desPatched = false;

/**
 * Makes `crypto.createCipheriv("des", …)` / `createDecipheriv` work under Deno by
 * running single DES as triple DES with three equal keys (identical output).
 * Only the `"des"` algorithm is affected; idempotent. {@link startS3rver} calls it.
 *
 * @returns Nothing; `node:crypto` is patched in place.
 *
 * @example
 * ```ts ignore
 * patchDesForS3rver();
 * crypto.createCipheriv("des", new Uint8Array(8), new Uint8Array(8)); // no longer "Unknown cipher"
 * ```
 */
export function patchDesForS3rver(): void {
  if (desPatched) return;
  desPatched = true;
  const c = crypto as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const name of ["createCipheriv", "createDecipheriv"]) {
    const original = c[name]!;
    c[name] = function (
      this: unknown,
      alg: unknown,
      key: unknown,
      iv: unknown,
      ...rest: unknown[]
    ) {
      if (alg === "des" && key instanceof Uint8Array && key.length === 8) {
        const k3 = new Uint8Array(24);
        k3.set(key, 0);
        k3.set(key, 8);
        k3.set(key, 16);
        return original.call(this, "des-ede3-cbc", k3, iv, ...rest);
      }
      return original.call(this, alg, key, iv, ...rest);
    };
  }
}

/** A fault injected into the response to one request. */
export type Fault =
  /** Send the headers (full Content-Length) and the first bytes of the body, then drop the connection. */
  | { kind: "truncate"; bytes?: number }
  /** Send the headers (full Content-Length) and the first bytes of the body, then nothing more, ever. */
  | { kind: "stall"; bytes?: number }
  /** Answer with this HTTP status and an S3 XML error body. */
  | { kind: "status"; status: number; code?: string }
  /** Send the whole body, every header as stored (ETag, metadata), with one byte flipped. */
  | { kind: "corrupt"; at?: number };

/** A running s3rver. */
export interface S3rverHandle {
  /** `http://127.0.0.1:<port>`. */
  endpoint: string;
  /** The bucket created at start. */
  bucket: string;
  /** The only credentials s3rver accepts. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Credentials s3rver rejects with 403 InvalidAccessKeyId. */
  badCredentials: { accessKeyId: string; secretAccessKey: string };
  /** HTTP requests received so far, by method (`GET`, `HEAD`, `PUT`, …). */
  requests: Record<string, number>;
  /** Every request received so far: method, path-style path and whether it addressed an object. */
  log: RequestRecord[];
  /**
   * Requests of one method received so far; `target` narrows to requests on
   * objects (`/bucket/key`: GetObject, HeadObject, PutObject…) or on buckets
   * (`/bucket`: ListObjectsV2 is a bucket `GET`).
   */
  count(method: string, target?: "object" | "bucket"): number;
  /** Zeroes the request counters. */
  resetCounts(): void;
  /**
   * Injects `fault` into the next `times` requests of `method` (default once), only
   * those on objects or on buckets when `target` says so.
   */
  failNext(method: string, fault: Fault, times?: number, target?: "object" | "bucket"): void;
  /** Stops the server and removes its directory. */
  close(): Promise<void>;
}

/** One HTTP request s3rver received. */
export interface RequestRecord {
  /** `GET`, `HEAD`, `PUT`, `DELETE`, … */
  method: string;
  /** The URL path, e.g. `/asxlab-test/asx/ohlcv/year=2020/part-0.parquet`. */
  path: string;
  /** Whether the path names an object (`/bucket/key`) rather than a bucket. */
  object: boolean;
}

/** Options for {@link startS3rver}. */
export interface StartS3rverOptions {
  /** Bucket to create. @default {"asxlab-test"} */
  bucket?: string;
}

// Minimal view of the Koa context the middleware uses.
interface KoaContext {
  method: string;
  path: string;
  headers: Record<string, string | undefined>;
  body: unknown;
  respond: boolean;
  status: number;
  res: {
    writeHead(status: number, headers: Record<string, string>): void;
    write(chunk: Uint8Array): boolean;
    end(body?: string | Uint8Array): void;
    destroy(): void;
  };
  response: { get(name: string): string; headers: Record<string, string | string[]> };
}
type Middleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;

/** The part of s3rver's store the conditional shim reads. */
interface MetadataStore {
  getMetadata(bucket: string, key: string): Promise<{ etag: string }>;
}

/**
 * S3's conditional writes (`If-None-Match: *`, `If-Match`) on PUT and DELETE of
 * an object, which s3rver 3.7.1 ignores: answers 412 PreconditionFailed when the
 * condition does not hold, and serialises each key's conditional requests so the
 * check and the write are one step.
 *
 * @param store s3rver's store (`server.store`), asked for the current ETag.
 * @returns A Koa middleware.
 */
export function conditionalWrites(store: MetadataStore): Middleware {
  const busy = new Map<string, Promise<void>>();
  return async (ctx, next) => {
    const noneMatch = ctx.headers["if-none-match"];
    const match = ctx.headers["if-match"];
    const m = /^\/([^/]+)\/(.+)$/.exec(ctx.path);
    if (
      (ctx.method !== "PUT" && ctx.method !== "DELETE") || m === null ||
      (noneMatch === undefined && match === undefined) || ctx.headers["x-amz-copy-source"]
    ) return await next();
    const [bucket, key] = [decodeURIComponent(m[1]!), decodeURIComponent(m[2]!)];
    const id = `${bucket}/${key}`;
    while (busy.has(id)) await busy.get(id);
    let done = () => {};
    busy.set(id, new Promise<void>((r) => (done = r)));
    try {
      const current = await store.getMetadata(bucket, key).then(
        (meta) => JSON.parse(meta.etag) as string,
        () => undefined,
      );
      const unquoted = match?.replace(/^"(.*)"$/, "$1");
      const fails = (noneMatch === "*" && current !== undefined) ||
        (match !== undefined && (current === undefined || (match !== "*" && unquoted !== current)));
      if (!fails) return await next();
      ctx.respond = false;
      const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>PreconditionFailed</Code>` +
        `<Message>At least one of the pre-conditions you specified did not hold</Message></Error>`;
      ctx.res.writeHead(412, {
        "content-type": "application/xml",
        "content-length": String(new TextEncoder().encode(xml).length),
      });
      ctx.res.end(xml);
    } finally {
      busy.delete(id);
      done();
    }
  };
}

/**
 * Starts s3rver on 127.0.0.1 (random port) in a fresh temp directory.
 *
 * @param options Bucket name.
 * @returns The handle; `close()` it in a `finally`.
 * @throws {Error} When the server cannot start.
 *
 * @example
 * ```ts ignore
 * const s3 = await startS3rver();
 * try { console.log(s3.endpoint, s3.count("GET")); } finally { await s3.close(); }
 * ```
 */
export async function startS3rver(options: StartS3rverOptions = {}): Promise<S3rverHandle> {
  patchDesForS3rver();
  const bucket = options.bucket ?? "asxlab-test";
  const directory = await Deno.makeTempDir({ prefix: "asxlab-s3rver-" });
  const requests: Record<string, number> = {};
  const log: RequestRecord[] = [];
  const faults: { method: string; fault: Fault; times: number; target?: "object" | "bucket" }[] =
    [];

  const server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });

  const counter: Middleware = async (ctx, next) => {
    requests[ctx.method] = (requests[ctx.method] ?? 0) + 1;
    const object = /^\/[^/]+\/./.test(ctx.path);
    log.push({ method: ctx.method, path: ctx.path, object });
    const i = faults.findIndex((f) =>
      f.method === ctx.method &&
      (f.target === undefined || (f.target === "object") === object)
    );
    const planned = i < 0 ? undefined : faults[i];
    if (planned !== undefined && --planned.times <= 0) faults.splice(i, 1);
    if (planned?.fault.kind === "status") {
      const code = planned.fault.code ?? "InternalError";
      ctx.respond = false;
      const xml =
        `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>injected fault</Message></Error>`;
      ctx.res.writeHead(planned.fault.status, {
        "content-type": "application/xml",
        "content-length": String(new TextEncoder().encode(xml).length),
      });
      ctx.res.end(xml);
      return;
    }
    await next();
    if (planned?.fault.kind === "corrupt") {
      const body = ctx.body as AsyncIterable<Uint8Array> | undefined;
      if (body === undefined || body === null || typeof body !== "object") return;
      const chunks: Uint8Array[] = [];
      for await (const chunk of body) chunks.push(chunk);
      const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
      let off = 0;
      for (const c of chunks) {
        all.set(c, off);
        off += c.length;
      }
      const at = Math.min(planned.fault.at ?? Math.floor(all.length / 2), all.length - 1);
      if (at >= 0) all[at]! ^= 0x01;
      ctx.respond = false;
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(ctx.response.headers)) headers[k] = String(v);
      ctx.res.writeHead(200, headers);
      ctx.res.end(all);
      return;
    }
    if (planned?.fault.kind === "truncate" || planned?.fault.kind === "stall") {
      const body = ctx.body as AsyncIterable<Uint8Array> | undefined;
      if (body === undefined || body === null || typeof body !== "object") return;
      const chunks: Uint8Array[] = [];
      for await (const chunk of body) chunks.push(chunk);
      const total = chunks.reduce((n, c) => n + c.length, 0);
      const all = new Uint8Array(total);
      let off = 0;
      for (const c of chunks) {
        all.set(c, off);
        off += c.length;
      }
      const keep = Math.min(planned.fault.bytes ?? Math.floor(total / 2), Math.max(total - 1, 0));
      ctx.respond = false;
      ctx.res.writeHead(200, {
        "content-length": String(total),
        "etag": ctx.response.get("etag"),
        "content-type": "application/octet-stream",
      });
      ctx.res.write(all.subarray(0, keep));
      if (planned.fault.kind === "stall") return; // the rest never comes; close() drops the socket
      // Let the partial body reach the socket, then drop the connection.
      await new Promise((r) => setTimeout(r, 20));
      ctx.res.destroy();
    }
  };
  const app = server as unknown as { middleware: Middleware[]; store: MetadataStore };
  app.middleware.unshift(counter, conditionalWrites(app.store));

  let address: { port: number };
  try {
    address = await server.run();
  } catch (err) {
    await Deno.remove(directory, { recursive: true }).catch(() => {});
    throw err;
  }
  const endpoint = `http://127.0.0.1:${address.port}`;

  return {
    endpoint,
    bucket,
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    badCredentials: { accessKeyId: "NOT-S3RVER", secretAccessKey: "S3RVER" },
    requests,
    log,
    count: (method, target) =>
      target === undefined
        ? requests[method.toUpperCase()] ?? 0
        : log.filter((r) => r.method === method.toUpperCase() && r.object === (target === "object"))
          .length,
    resetCounts: () => {
      for (const k of Object.keys(requests)) delete requests[k];
      log.length = 0;
    },
    failNext: (method, fault, times = 1, target) => {
      faults.push({ method: method.toUpperCase(), fault, times, ...(target ? { target } : {}) });
    },
    close: async () => {
      // Drop idle keep-alive sockets of clients that were not destroyed, or close() would wait on them.
      (server as unknown as { httpServer?: { closeAllConnections?: () => void } }).httpServer
        ?.closeAllConnections?.();
      await server.close();
      await Deno.remove(directory, { recursive: true }).catch(() => {});
    },
  };
}
