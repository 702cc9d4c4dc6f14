/**
 * The app: the lake stack and the pipeline stack over it, checked by cdk-nag's
 * AwsSolutions rules. `bin/app.ts` builds it from the environment and the
 * command line; the tests build it from fixed values.
 *
 * @module
 */

import { App, Validations } from "aws-cdk-lib";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import { AwsSolutionsChecks } from "cdk-nag";
import type { PipelineHandler } from "./handlers.ts";
import { LakeStack } from "./lake_stack.ts";
import { PipelineStack } from "./pipeline_stack.ts";
import { CONTEXT_PREFIX, settingsFromContext } from "./settings.ts";

/** The stacks' names. */
export const STACK_NAMES = {
  lake: "AsxlabLake",
  pipeline: "AsxlabPipeline",
} as const;

/** What {@link buildApp} needs. */
export interface BuildAppOptions {
  /** Where the cloud assembly goes. */
  outdir: string;
  /** Context: `cdk.json`'s, then `-c key=value` values. */
  context: Record<string, unknown>;
  /** Each function's code. */
  code: (handler: PipelineHandler) => lambda.Code;
  /** The AWS account, when known (`CDK_DEFAULT_ACCOUNT`); templates stay account-agnostic otherwise. */
  account?: string;
}

/** The app and its two stacks. */
export interface PipelineApp {
  app: App;
  lake: LakeStack;
  pipeline: PipelineStack;
}

/**
 * Builds the app.
 *
 * @param options Output directory, context, function code, account.
 * @returns The app and its stacks (call `app.synth()` to write the templates).
 * @throws {TypeError | RangeError} On a bad `asxlab:` context value.
 */
export function buildApp(options: BuildAppOptions): PipelineApp {
  const app = new App({ outdir: options.outdir, context: options.context });
  // All context: cdk.json's and -c values, or what the CDK CLI passes in CDK_CONTEXT_JSON.
  const settings = settingsFromContext(
    (k) => app.node.tryGetContext(k),
    Object.keys(app.node.getAllContext()).filter((k) => k.startsWith(CONTEXT_PREFIX)),
  );
  const env = { account: options.account, region: settings.region };
  const lake = new LakeStack(app, STACK_NAMES.lake, {
    env,
    settings,
    description: "asxlab: the lake bucket (retained)",
    terminationProtection: true,
  });
  const pipeline = new PipelineStack(app, STACK_NAMES.pipeline, {
    env,
    settings,
    key: lake.key,
    code: options.code,
    description: "asxlab: the daily pipeline (functions, state machine, schedule, alarms, Athena)",
  });
  pipeline.addStackDependency(lake, "the pipeline works in the lake bucket");
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, lake, pipeline };
}
