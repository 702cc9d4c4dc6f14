/**
 * The Lambda entry points' shared dependencies: built once per container from
 * `process.env` (see `PIPELINE_ENV` in `../config.ts`) and reused by warm
 * invocations.
 *
 * @module
 */

import process from "node:process";
import { openPipeline, pipelineConfigFromEnv, type PipelineDeps } from "../config.ts";

let deps: Promise<PipelineDeps> | undefined;

/** The dependencies for this container, opened on first use. */
export function lambdaDeps(): Promise<PipelineDeps> {
  deps ??= openPipeline(pipelineConfigFromEnv(process.env), {
    log: (line) => console.log(line),
  }).catch((err) => {
    deps = undefined; // let the next invocation try again
    throw err;
  });
  return deps;
}
