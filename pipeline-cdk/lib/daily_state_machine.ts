/**
 * The daily state machine, `stock-data-pipeline`: the one ASL definition of
 * `src/pipeline/state_machine.ts`, deployed as written, with CloudFormation
 * `DefinitionSubstitutions` putting the real function and topic ARNs where the
 * definition has placeholders.
 *
 * @module
 */

import { RemovalPolicy, Validations } from "aws-cdk-lib";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import * as sns from "aws-cdk-lib/aws-sns";
import * as sfn from "aws-cdk-lib/aws-stepfunctions";
import { Construct } from "constructs";
import {
  RESOURCE_PLACEHOLDERS,
  STATE_MACHINE_NAME,
  stateMachineJson,
} from "../../src/pipeline/state_machine.ts";
import { PIPELINE_HANDLERS, type PipelineHandler, substitutionName } from "./handlers.ts";
import { acknowledgeWildcards, kmsWildcards, nagReference } from "./nag.ts";
import type { PipelineSettings } from "./settings.ts";

/** Props of {@link DailyStateMachine}. */
export interface DailyStateMachineProps {
  /** The functions, by the Task state each serves. */
  functions: ReadonlyMap<PipelineHandler["state"], lambda.IFunction>;
  /** The topic NotifyFailure publishes to. */
  alertTopic: sns.ITopic;
  /** The deployment's settings. */
  settings: PipelineSettings;
}

/**
 * The definition string that is deployed: the pipeline's ASL with
 * `${…}` placeholders, exactly as `stateMachineJson` writes it.
 *
 * @returns The ASL JSON with placeholders.
 */
export function deployedDefinition(): string {
  return stateMachineJson(RESOURCE_PLACEHOLDERS);
}

/** The Standard workflow that runs the daily pipeline. */
export class DailyStateMachine extends Construct {
  /** The state machine. */
  readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: DailyStateMachineProps) {
    super(scope, id);
    const { functions, alertTopic, settings } = props;
    const substitutions: Record<string, string> = {
      [substitutionName("alertTopic")]: alertTopic.topicArn,
    };
    for (const h of PIPELINE_HANDLERS) {
      const fn = functions.get(h.state);
      if (!fn) throw new TypeError(`No function for the Task state ${h.state}`);
      substitutions[substitutionName(h.resource)] = fn.functionArn;
    }

    // Vended-logs prefix: Step Functions then needs no CloudWatch Logs resource policy per group.
    const logGroup = new logs.LogGroup(this, "Logs", {
      logGroupName: `/aws/vendedlogs/states/${STATE_MACHINE_NAME}`,
      retention: settings.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.stateMachine = new sfn.StateMachine(this, "StateMachine", {
      stateMachineName: STATE_MACHINE_NAME,
      // A run lasts ~15 minutes: Express workflows stop at 5 (README "Cost").
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromString(deployedDefinition()),
      definitionSubstitutions: substitutions,
      // Every state's events, without the payloads (symbol lists would multiply the log volume;
      // a Standard workflow keeps each execution's full history for 90 days anyway).
      logs: {
        destination: logGroup,
        level: sfn.LogLevel.ALL,
        includeExecutionData: false,
      },
      tracingEnabled: settings.tracing,
    });
    for (const fn of functions.values()) fn.grantInvoke(this.stateMachine);
    alertTopic.grantPublish(this.stateMachine);

    if (!settings.tracing) {
      Validations.of(this.stateMachine).acknowledge({
        id: "AwsSolutions-SF2",
        reason: "X-Ray tracing was turned off by the deployer (asxlab:tracing=false).",
      });
    }
    const policy = this.stateMachine.role.node.tryFindChild("DefaultPolicy");
    if (policy) {
      acknowledgeWildcards(policy, [
        {
          finding: "Resource::*",
          reason:
            "CloudWatch Logs delivery (logs:CreateLogDelivery, …) and X-Ray actions support " +
            "no resource-level permissions.",
        },
        ...[...functions.values()].map((fn) => ({
          finding: `Resource::${nagReference(this, fn.functionArn)}:*`,
          reason: "grantInvoke also covers the function's versions and aliases (<arn>:*); the " +
            "definition invokes the unqualified ARN.",
        })),
        ...(alertTopic instanceof sns.Topic && alertTopic.masterKey
          ? kmsWildcards("the lake's key, which encrypts the alert topic")
          : []),
      ]);
    }
  }
}
