/**
 * Whole-process timings for the lake bench (private): a `deno task` command run
 * several times per engine, the engines alternating so that load on the machine
 * falls on both alike, timed from outside (the user's view: start-up, DuckDB's own
 * start, the work, exit).
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import type { EngineKind } from "../src/lake/engine.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Best and median seconds of one command on one engine. */
export interface ProcessTiming {
  /** The command, as a user types it. */
  command: string;
  /** Fastest run, seconds. */
  bestS: number;
  /** Median run, seconds. */
  medianS: number;
  /** Every run, seconds. */
  runsS: number[];
}

/**
 * Runs `deno <args>` `n` times per engine (engine chosen by `ASXLAB_ENGINE`),
 * alternating engines, and returns the timings by engine.
 *
 * @param args Arguments to `deno`, e.g. `["task", "backtest"]`.
 * @param engines The engines to compare.
 * @param n Runs per engine.
 * @returns Timings keyed by engine.
 * @throws {Error} When a run fails.
 */
export async function timeProcess(
  args: string[],
  engines: readonly EngineKind[],
  n: number,
): Promise<Record<string, ProcessTiming>> {
  const runs: Record<string, number[]> = Object.fromEntries(engines.map((e) => [e, []]));
  for (let i = 0; i < n; i++) {
    for (const engine of engines) {
      const t0 = performance.now();
      const out = await new Deno.Command(Deno.execPath(), {
        args,
        cwd: ROOT,
        env: { ASXLAB_ENGINE: engine },
        stdout: "null",
        stderr: "piped",
      }).output();
      const s = (performance.now() - t0) / 1000;
      if (out.code !== 0) {
        throw new Error(
          `deno ${args.join(" ")} (${engine}) failed: ${new TextDecoder().decode(out.stderr)}`,
        );
      }
      runs[engine]!.push(s);
    }
  }
  const result: Record<string, ProcessTiming> = {};
  for (const engine of engines) {
    const sorted = [...runs[engine]!].sort((a, b) => a - b);
    result[engine] = {
      command: `deno ${args.join(" ")}`,
      bestS: round3(sorted[0]!),
      medianS: round3(sorted[Math.floor(sorted.length / 2)]!),
      runsS: runs[engine]!.map(round3),
    };
  }
  return result;
}

/**
 * Runs the probe (bench/_lake_probe.ts) in a fresh process: the filtered query's
 * warm time and the process's peak RSS.
 *
 * @param dir The lake.
 * @param engine The engine.
 * @param start First date.
 * @param end Last date.
 * @param symbols The symbols.
 * @returns Milliseconds, rows and peak RSS in bytes.
 * @throws {Error} When the probe fails.
 */
export async function probeProcess(
  dir: string,
  engine: EngineKind,
  start: string,
  end: string,
  symbols: readonly string[],
): Promise<{ ms: number; rows: number; peakRss: number }> {
  const probe = fileURLToPath(new URL("./_lake_probe.ts", import.meta.url));
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", probe, dir, engine, start, end, symbols.join(",")],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (out.code !== 0) {
    throw new Error(`probe (${engine}) failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
