/**
 * Test helpers: the app built from `cdk.json`'s context plus overrides, with
 * stand-in function code (the real bundles are tested under node in
 * tests/pipeline and tests/pipeline_cdk), templates built once per context.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { Template } from "aws-cdk-lib/assertions";
import { CDK_DIR } from "../lib/paths.ts";
import { buildApp, type PipelineApp } from "../lib/pipeline_app.ts";

/** `cdk.json`'s context (feature flags and settings). */
export const CDK_JSON_CONTEXT: Record<string, unknown> = (JSON.parse(
  readFileSync(join(CDK_DIR, "cdk.json"), "utf8"),
) as { context: Record<string, unknown> }).context;

/** The built app and both stacks' templates. */
export interface BuiltApp extends PipelineApp {
  lakeTemplate: Template;
  pipelineTemplate: Template;
}

const cache = new Map<string, BuiltApp>();
let tempRoot: string | undefined;

/** A fresh cloud-assembly directory under one temp root, removed when the tests end. */
function outdir(): string {
  if (tempRoot === undefined) {
    const root = Deno.makeTempDirSync({ prefix: "asxlab-cdk-test-" });
    tempRoot = root;
    globalThis.addEventListener("unload", () => Deno.removeSync(root, { recursive: true }));
  }
  return Deno.makeTempDirSync({ dir: tempRoot });
}

/**
 * Builds the app with `cdk.json`'s context and the given `asxlab:` overrides.
 *
 * @param overrides Context values, e.g. `{ "asxlab:encryption": "kms" }`.
 * @returns The app and its templates (cached per overrides).
 */
export function app(overrides: Record<string, unknown> = {}): BuiltApp {
  const key = JSON.stringify(overrides);
  const hit = cache.get(key);
  if (hit) return hit;
  const built = buildApp({
    outdir: outdir(),
    context: { ...CDK_JSON_CONTEXT, ...overrides },
    code: (h) => lambda.Code.fromInline(`exports.handler = async () => ({ stub: "${h.id}" });`),
  });
  const out = {
    ...built,
    lakeTemplate: Template.fromStack(built.lake),
    pipelineTemplate: Template.fromStack(built.pipeline),
  };
  cache.set(key, out);
  return out;
}

/** The resources of one type in a template, by logical ID. */
export function resources(
  template: Template,
  type: string,
): Record<string, { Properties: Record<string, unknown>; [k: string]: unknown }> {
  return template.findResources(type) as Record<
    string,
    { Properties: Record<string, unknown>; [k: string]: unknown }
  >;
}
