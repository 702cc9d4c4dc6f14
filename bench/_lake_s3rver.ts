/**
 * s3rver for the lake bench, in a child process so the server's work does not
 * run on the event loop being measured (on a 2-core machine it gets the other
 * core, like a real S3 endpoint would). Run as a script it starts
 * `tests/helpers/s3rver.ts` on 127.0.0.1, prints `{"endpoint","bucket"}` as one
 * JSON line, then answers commands on stdin, one per line: `counts` (prints the
 * request counts as JSON: object GETs, bucket GETs, PUTs, HEADs), `reset`
 * (zeroes them). It stops when stdin closes, so it never outlives the bench.
 *
 * @module
 */

import { startS3rver } from "../tests/helpers/s3rver.ts";

/** Request counts the server saw. */
export interface S3rverCounts {
  /** GetObject requests. */
  objectGets: number;
  /** Bucket GETs (ListObjectsV2). */
  listGets: number;
  /** PutObject requests. */
  puts: number;
  /** HEAD requests. */
  heads: number;
}

/** A running child-process s3rver. */
export interface S3rverChild {
  /** `http://127.0.0.1:<port>`. */
  endpoint: string;
  /** The bucket created. */
  bucket: string;
  /** The credentials s3rver accepts. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Request counts so far. */
  counts(): Promise<S3rverCounts>;
  /** Zeroes the counts. */
  reset(): Promise<void>;
  /** Stops the server (closes its stdin) and waits for the process to exit. */
  close(): Promise<void>;
}

/**
 * Starts s3rver in a child Deno process.
 *
 * @param bucket Bucket to create.
 * @returns The handle; `close()` it in a `finally`.
 * @throws {Error} When the child does not report its endpoint.
 */
export async function spawnS3rver(bucket: string): Promise<S3rverChild> {
  const child = new Deno.Command(Deno.execPath(), {
    // s3rver is a development dependency: the child runs with the development config.
    args: [
      "run",
      "--config",
      new URL("../deno.dev.json", import.meta.url).pathname,
      "--allow-all",
      fileUrlPath(),
      bucket,
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const writer = child.stdin.getWriter();
  const lines = readLines(child.stdout);
  const next = async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error("s3rver child exited");
    return value;
  };
  const send = async (cmd: string) => {
    await writer.write(new TextEncoder().encode(cmd + "\n"));
    return await next();
  };
  let hello: { endpoint: string; bucket: string };
  try {
    hello = JSON.parse(await next());
  } catch (err) {
    await writer.close().catch(() => {});
    await child.status;
    throw err;
  }
  return {
    endpoint: hello.endpoint,
    bucket: hello.bucket,
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    counts: async () => JSON.parse(await send("counts")) as S3rverCounts,
    reset: async () => void await send("reset"),
    close: async () => {
      await writer.close().catch(() => {});
      for (;;) {
        const { done } = await lines.next();
        if (done) break;
      }
      await child.status;
    },
  };
}

function fileUrlPath(): string {
  return new URL(import.meta.url).pathname;
}

async function* readLines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buf = "";
  for await (const chunk of stream) {
    buf += decoder.decode(chunk, { stream: true });
    let i: number;
    while ((i = buf.indexOf("\n")) >= 0) {
      yield buf.slice(0, i);
      buf = buf.slice(i + 1);
    }
  }
  if (buf) yield buf;
}

if (import.meta.main) {
  const s3 = await startS3rver({ bucket: Deno.args[0] ?? "bench" });
  const out = (o: unknown) => console.log(JSON.stringify(o));
  out({ endpoint: s3.endpoint, bucket: s3.bucket });
  try {
    for await (const line of readLines(Deno.stdin.readable)) {
      if (line === "counts") {
        out({
          objectGets: s3.count("GET", "object"),
          listGets: s3.count("GET", "bucket"),
          puts: s3.count("PUT"),
          heads: s3.count("HEAD"),
        });
      } else if (line === "reset") {
        s3.resetCounts();
        out({ ok: true });
      } else {
        out({ error: `unknown command ${JSON.stringify(line)}` });
      }
    }
  } finally {
    await s3.close();
  }
}
