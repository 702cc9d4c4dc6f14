/**
 * The schedule: an EventBridge rule that starts the daily state machine,
 * `cron(0 20 * * ? *)` by default (20:00 UTC: 06:00 AEST, 07:00 AEDT).
 *
 * @module
 */

import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import type * as sfn from "aws-cdk-lib/aws-stepfunctions";
import { Construct } from "constructs";
import type { PipelineSettings } from "./settings.ts";

/** Props of {@link DailySchedule}. */
export interface DailyScheduleProps {
  /** The state machine to start. */
  stateMachine: sfn.IStateMachine;
  /** The deployment's settings (`schedule`, `scheduleEnabled`). */
  settings: PipelineSettings;
}

/** Starts the daily run on the configured schedule. */
export class DailySchedule extends Construct {
  /** The EventBridge rule. */
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: DailyScheduleProps) {
    super(scope, id);
    this.rule = new events.Rule(this, "Rule", {
      description: `Starts the asxlab daily pipeline (${props.settings.schedule}, UTC)`,
      schedule: events.Schedule.expression(props.settings.schedule),
      enabled: props.settings.scheduleEnabled,
      targets: [
        new targets.SfnStateMachine(props.stateMachine, {
          // An empty input: the pipeline picks the last ASX session that has closed.
          input: events.RuleTargetInput.fromObject({}),
        }),
      ],
    });
  }
}
