/**
 * Runs a Lambda bundle (a directory holding `index.mjs`, as
 * `scripts/bundle_lambdas.ts` writes it) under `node` the way Lambda does: a
 * copy of the directory alone in a fresh temp dir, one cold process per
 * invocation, `TZ=UTC`, its own `/tmp` for the S3 cache, the event on stdin;
 * it answers the handler's result, the time from import to answer and the
 * process's peak resident memory.
 *
 * @module
 */

import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";

/** Whether `node` is on PATH (tests that need it are skipped, loudly, without it). */
export const HAS_NODE: boolean = await new Deno.Command("node", {
  args: ["--version"],
  stdout: "null",
  stderr: "null",
}).output().then((r) => r.success, () => false);

/** What one invocation answered and measured. */
export interface NodeInvocation {
  /** The handler's result. */
  result: unknown;
  /** From importing the bundle to the handler's answer, ms. */
  ms: number;
  /** Peak resident memory of the node process, MB (2^20 bytes). */
  peakMb: number;
}

/**
 * The script node runs: imports the bundle, reads the event from stdin, prints
 * one `@@RESULT` or `@@ERROR` line. The peak is /proc's VmHWM, the process's
 * own: getrusage's maxRSS (`process.resourceUsage()`) carries over exec, so a
 * node started by a Deno process would report the Deno process's peak.
 */
const SCRIPT = (bundle: string) => `
  import { readFileSync } from "node:fs";
  const peakKb = () => Number(/^VmHWM:\\s*(\\d+) kB$/m.exec(readFileSync("/proc/self/status", "utf8"))[1]);
  const started = performance.now();
  const { handler } = await import(${JSON.stringify(bundle)});
  let body = "";
  for await (const chunk of process.stdin) body += chunk;
  try {
    const result = await handler(JSON.parse(body));
    const ms = performance.now() - started;
    console.log("\\n@@RESULT " + JSON.stringify({ result, ms, peakKb: peakKb() }));
    process.exit(0);
  } catch (err) {
    console.log("\\n@@ERROR " + JSON.stringify({ name: err?.name, message: err?.message, stack: err?.stack }));
    process.exit(1);
  }`;

/**
 * The heap limits Lambda's Node.js runtime gives node for a function's memory
 * (its bootstrap: a tenth for the young generation, half of that per semi-space,
 * the rest for the old generation), so the garbage collector works as hard here
 * as there. None without a memory size.
 *
 * @param memoryMb `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`.
 * @returns node's flags.
 */
export function lambdaHeapFlags(memoryMb: string | undefined): string[] {
  if (memoryMb === undefined) return [];
  const mb = Number(memoryMb);
  const young = Math.floor(mb / 10);
  return [`--max-semi-space-size=${Math.floor(young / 2)}`, `--max-old-space-size=${mb - young}`];
}

/**
 * Invokes the `handler` of the bundle in `bundleDir` under node.
 *
 * @param bundleDir The function's code: `index.mjs` (and `duckdb-eh.wasm`).
 * @param env The function's environment (e.g. `ASXLAB_LAKE`); `PATH`, `TZ=UTC`,
 *   `LAMBDA_TASK_ROOT` and a fresh `ASXLAB_CACHE_DIR` are added. With
 *   `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`, node gets Lambda's heap limits for it.
 * @param event The event.
 * @returns The result and the measurements.
 * @throws {Error} The handler's error (its name kept, node's stderr in the message), or node's exit.
 */
export function invokeUnderNode(
  bundleDir: string,
  env: Record<string, string>,
  event: unknown,
): Promise<NodeInvocation> {
  const home = mkdtempSync(join(tmpdir(), "asxlab-lambda-"));
  const task = join(home, "task");
  cpSync(bundleDir, task, { recursive: true });
  const args = [...lambdaHeapFlags(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE)];
  args.push("--input-type=module", "-e", SCRIPT(join(task, "index.mjs")));
  return new Promise((resolve, reject) => {
    const child = spawn("node", args, {
      cwd: task,
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        TZ: "UTC",
        LAMBDA_TASK_ROOT: task,
        ...env,
        // Each process is a fresh container: its own /tmp.
        ASXLAB_CACHE_DIR: join(home, "tmp", "asxlab-s3-cache"),
      },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("error", (e) => {
      rmSync(home, { recursive: true, force: true });
      reject(e);
    });
    child.on("close", () => {
      rmSync(home, { recursive: true, force: true });
      const ok = /@@RESULT (.*)/.exec(out);
      if (ok) {
        const r = JSON.parse(ok[1]!);
        resolve({ result: r.result, ms: r.ms, peakMb: r.peakKb / 1024 });
        return;
      }
      const bad = /@@ERROR (.*)/.exec(out);
      const e = bad
        ? JSON.parse(bad[1]!)
        : { name: "Error", message: `node exited: ${err || out}` };
      reject(
        Object.assign(new Error(`${e.message}\n${e.stack ?? ""}\n${err}`), { name: e.name }),
      );
    });
    child.stdin.end(JSON.stringify(event));
  });
}
