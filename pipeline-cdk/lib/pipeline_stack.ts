/**
 * The stateless half of the deployment: the daily pipeline over the lake
 * bucket of {@link LakeStack}, one construct per concern (functions, state
 * machine, schedule, alerts, query). Deleting or replacing anything here
 * loses no data.
 *
 * @module
 */

import { Stack, type StackProps } from "aws-cdk-lib";
import type * as kms from "aws-cdk-lib/aws-kms";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as s3 from "aws-cdk-lib/aws-s3";
import type { Construct } from "constructs";
import { RESOURCE_PLACEHOLDERS, stateMachineDefinition } from "../../src/pipeline/state_machine.ts";
import { DailySchedule } from "./daily_schedule.ts";
import { DailyStateMachine } from "./daily_state_machine.ts";
import { FetchFunctions } from "./fetch_functions.ts";
import type { PipelineHandler } from "./handlers.ts";
import { LakeQuery } from "./lake_query.ts";
import { lakeBucketName } from "./lake_stack.ts";
import { AlertTopic, PipelineAlarms } from "./pipeline_alarms.ts";
import type { PipelineSettings } from "./settings.ts";

/** Props of {@link PipelineStack}. */
export interface PipelineStackProps extends StackProps {
  /** The lake's customer-managed key, when it has one (from {@link LakeStack}). */
  key?: kms.IKey;
  /** The deployment's settings. */
  settings: PipelineSettings;
  /** Each function's code. */
  code: (handler: PipelineHandler) => lambda.Code;
}

/** The daily pipeline: functions, state machine, schedule, alerts and the Athena table. */
export class PipelineStack extends Stack {
  /** The three functions. */
  readonly functions: FetchFunctions;
  /** The state machine. */
  readonly daily: DailyStateMachine;
  /** The schedule. */
  readonly schedule: DailySchedule;
  /** The alert topic. */
  readonly alerts: AlertTopic;
  /** The alarms. */
  readonly alarms: PipelineAlarms;
  /** Glue and Athena. */
  readonly query: LakeQuery;

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id, props);
    const { key, settings } = props;
    // Found by name, not by a cross-stack reference (see lakeBucketName).
    const bucket = s3.Bucket.fromBucketAttributes(this, "LakeBucket", {
      bucketName: lakeBucketName(settings),
      encryptionKey: key,
    });
    this.functions = new FetchFunctions(this, "Functions", {
      bucket,
      settings,
      definition: stateMachineDefinition(RESOURCE_PLACEHOLDERS),
      code: props.code,
    });
    this.alerts = new AlertTopic(this, "Alerts", { settings, key });
    this.daily = new DailyStateMachine(this, "Daily", {
      functions: this.functions.byState,
      alertTopic: this.alerts.topic,
      settings,
    });
    this.schedule = new DailySchedule(this, "Schedule", {
      stateMachine: this.daily.stateMachine,
      settings,
    });
    this.alarms = new PipelineAlarms(this, "Alarms", {
      topic: this.alerts.topic,
      stateMachine: this.daily.stateMachine,
      functions: [...this.functions.byState.values()],
      settings,
    });
    this.query = new LakeQuery(this, "Query", { bucket, key, settings });
  }
}
