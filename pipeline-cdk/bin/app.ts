/**
 * The CDK app's entry point, and the only place that reads the environment
 * and the command line: `deno task synth` runs it (after bundling the
 * handlers), and so does the CDK CLI through `cdk.json`'s `"app"`.
 *
 * ```sh
 * deno run -A bin/app.ts [--outdir DIR] [--bundles DIR] [-c asxlab:alertEmail=me@example.com …]
 * ```
 *
 * Context comes from `cdk.json` (feature flags, settings), then `-c key=value`;
 * under the CDK CLI, from `CDK_CONTEXT_JSON`, which already holds both.
 *
 * @module
 */

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { Stack } from "aws-cdk-lib";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { errorLine, runScript } from "../lib/cli.ts";
import { PIPELINE_HANDLERS } from "../lib/handlers.ts";
import { CDK_DIR, DEFAULT_BUNDLE_DIR } from "../lib/paths.ts";
import { buildApp } from "../lib/pipeline_app.ts";

/** `-c key=value` arguments as context (values stay strings, as the CDK CLI passes them). */
function contextArgs(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of values) {
    const eq = kv.indexOf("=");
    if (eq <= 0) throw new TypeError(`Invalid -c "${kv}": expected key=value`);
    out[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return out;
}

function main(): number {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      outdir: { type: "string" },
      bundles: { type: "string" },
      context: { type: "string", short: "c", multiple: true },
    },
  });
  const started = performance.now();
  const cdkJson = JSON.parse(readFileSync(join(CDK_DIR, "cdk.json"), "utf8")) as {
    context?: Record<string, unknown>;
  };
  const bundles = values.bundles ?? DEFAULT_BUNDLE_DIR;
  const missing = PIPELINE_HANDLERS.filter((h) => !existsSync(join(bundles, h.entry, "index.mjs")));
  if (missing.length > 0) {
    console.error(
      `error: no Lambda bundle for ${missing.map((h) => h.id).join(", ")} in ${bundles}: ` +
        "run `deno task bundle` first (`deno task synth` does both)",
    );
    return 2;
  }
  const outdir = values.outdir ?? process.env.CDK_OUTDIR ?? join(CDK_DIR, "cdk.out");
  const { app } = buildApp({
    outdir,
    context: { ...cdkJson.context, ...contextArgs(values.context ?? []) },
    code: (h) => lambda.Code.fromAsset(join(bundles, h.entry)),
    account: process.env.CDK_DEFAULT_ACCOUNT,
  });
  try {
    app.synth();
  } catch (err) {
    // cdk-nag findings without an acknowledgement fail the synth with a report.
    console.error(errorLine(err));
    return 1;
  }
  const stacks = app.node.children.filter(Stack.isStack).map((s) => s.stackName).join(", ");
  console.error(
    `Synthesised ${stacks} to ${outdir} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return 0;
}

await runScript(main);
