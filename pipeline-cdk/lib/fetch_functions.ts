/**
 * The pipeline's Lambda functions, one per row of {@link PIPELINE_HANDLERS}:
 * Node.js 22 on arm64, each with its own role, its own log group and grants
 * on only the lake prefixes it uses.
 *
 * @module
 */

import { Duration, RemovalPolicy, Validations } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import type * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import type { AslDefinition } from "../../src/pipeline/state_machine.ts";
import { PIPELINE_HANDLERS, type PipelineHandler } from "./handlers.ts";
import { acknowledgeWildcards, kmsWildcards, nagReference } from "./nag.ts";
import type { PipelineSettings } from "./settings.ts";

/**
 * The runtime the handlers are bundled for (esbuild target `node22`). cdk-nag
 * asks for the newest Node.js; 22 is what this project pins and tests against.
 */
export const LAMBDA_RUNTIME: lambda.Runtime = lambda.Runtime.NODEJS_22_X;

/** Props of {@link FetchFunctions}. */
export interface FetchFunctionsProps {
  /** The lake bucket. */
  bucket: s3.IBucket;
  /** The deployment's settings. */
  settings: PipelineSettings;
  /** The definition whose Task timeouts bound each function's timeout. */
  definition: AslDefinition;
  /** Each function's code (its bundle from `scripts/bundle_lambdas.ts`, by `entry`). */
  code: (handler: PipelineHandler) => lambda.Code;
}

/**
 * `TimeoutSeconds` of a Task state, nested Map states included.
 *
 * @param definition An ASL document.
 * @param state The Task state's name.
 * @returns Its timeout, seconds.
 * @throws {TypeError} When the state is missing or has no `TimeoutSeconds`.
 */
export function taskTimeoutSeconds(
  definition: AslDefinition,
  state: string,
): number {
  const find = (machine: unknown): Record<string, unknown> | undefined => {
    const states = (machine as { States?: Record<string, Record<string, unknown>> })
      ?.States ?? {};
    for (const [name, s] of Object.entries(states)) {
      if (name === state) return s;
      const nested = find(s.ItemProcessor ?? s.Iterator);
      if (nested) return nested;
    }
    return undefined;
  };
  const timeout = find(definition)?.TimeoutSeconds;
  if (typeof timeout !== "number") {
    throw new TypeError(
      `Task state "${state}" has no TimeoutSeconds in the definition`,
    );
  }
  return timeout;
}

/** The three functions of the daily pipeline. */
export class FetchFunctions extends Construct {
  /** Each function, by the Task state it serves. */
  readonly byState: ReadonlyMap<PipelineHandler["state"], lambda.Function>;

  constructor(scope: Construct, id: string, props: FetchFunctionsProps) {
    super(scope, id);
    const { bucket, settings } = props;
    const byState = new Map<PipelineHandler["state"], lambda.Function>();
    for (const h of PIPELINE_HANDLERS) {
      const logGroup = new logs.LogGroup(this, `${h.id}Logs`, {
        retention: settings.logRetentionDays as logs.RetentionDays,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      // Our own role: the default one would carry the AWS-managed
      // AWSLambdaBasicExecutionRole (logs:* on every log group).
      const role = new iam.Role(this, `${h.id}Role`, {
        assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
        description: `asxlab ${h.state}: writes its log group, uses its lake prefixes`,
      });
      const environment: Record<string, string> = {
        ASXLAB_LAKE: `s3://${bucket.bucketName}`,
        ASXLAB_FETCH_PAUSE_MS: String(settings.fetchPauseMs),
        NODE_OPTIONS: "--enable-source-maps",
      };
      if (settings.asxListUrl !== undefined) {
        environment.ASXLAB_ASX_LIST_URL = settings.asxListUrl;
      }
      const fn = new lambda.Function(this, h.id, {
        description: `asxlab daily pipeline: ${h.state} (src/pipeline/lambda/${h.entry}.ts)`,
        runtime: LAMBDA_RUNTIME,
        architecture: lambda.Architecture.ARM_64,
        handler: "index.handler",
        code: props.code(h),
        memorySize: h.memoryMb,
        // The Task's own timeout: a longer one would let the function run on after
        // Step Functions gave up on it (and a retry would start a second copy).
        timeout: Duration.seconds(
          taskTimeoutSeconds(props.definition, h.state),
        ),
        role,
        logGroup,
        tracing: settings.tracing ? lambda.Tracing.ACTIVE : lambda.Tracing.DISABLED,
        environment,
      });
      logGroup.grantWrite(role);
      for (const pattern of h.lake.read) bucket.grantRead(fn, pattern);
      for (const pattern of h.lake.put) bucket.grantPut(fn, pattern);
      for (const pattern of h.lake.delete) bucket.grantDelete(fn, pattern);
      acknowledgeGrants(fn, h, bucket, settings.tracing);
      Validations.of(fn).acknowledge({
        id: "AwsSolutions-L1",
        reason:
          "Node.js 22 is the runtime the handlers are bundled for and tested on (see LAMBDA_RUNTIME).",
      });
      byState.set(h.state, fn);
    }
    this.byState = byState;
  }
}

/**
 * Acknowledges the wildcards that S3 grants scoped to a prefix produce (cdk-nag
 * AwsSolutions-IAM5), one finding at a time, so that any other wildcard still fails.
 */
function acknowledgeGrants(
  fn: lambda.Function,
  h: PipelineHandler,
  bucket: s3.IBucket,
  tracing: boolean,
): void {
  const policy = fn.role?.node.tryFindChild("DefaultPolicy");
  if (!policy) return;
  const prefixes = [
    ...new Set([...h.lake.read, ...h.lake.put, ...h.lake.delete]),
  ];
  const actions = [
    ...(h.lake.read.length > 0 ? ["s3:GetObject*", "s3:GetBucket*", "s3:List*"] : []),
    ...(h.lake.put.length > 0 ? ["s3:Abort*"] : []),
    ...(h.lake.delete.length > 0 ? ["s3:DeleteObject*"] : []),
  ];
  const arn = nagReference(fn, bucket.bucketArn);
  acknowledgeWildcards(policy, [
    ...actions.map((action) => ({
      finding: `Action::${action}`,
      reason: `An S3 grant's action group, on the lake bucket and ${prefixes.join(", ")} only.`,
    })),
    ...prefixes.filter((p) => p.endsWith("/*")).map((p) => ({
      finding: `Resource::${arn}/${p}`,
      reason: `Every object under the lake's ${p.slice(0, -1)} prefix, which ${h.state} uses.`,
    })),
    ...(bucket.encryptionKey ? kmsWildcards("the lake's key") : []),
    ...(tracing
      ? [{
        finding: "Resource::*",
        reason: "X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions.",
      }]
      : []),
  ]);
}
