/**
 * Alerts: the `stock-stream-alerts` topic that NotifyFailure publishes to, and
 * the CloudWatch alarms that tell it what the state machine cannot (a run that
 * timed out, a function that errors or is throttled, a day without a run).
 *
 * @module
 */

import { Duration, Validations } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as actions from "aws-cdk-lib/aws-cloudwatch-actions";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as kms from "aws-cdk-lib/aws-kms";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import type * as sfn from "aws-cdk-lib/aws-stepfunctions";
import { Construct } from "constructs";
import type { PipelineSettings } from "./settings.ts";

/** The alert topic's name (the seed's). */
export const ALERT_TOPIC_NAME = "stock-stream-alerts";

/** Props of {@link AlertTopic}. */
export interface AlertTopicProps {
  /** The deployment's settings (`alertEmail`). */
  settings: PipelineSettings;
  /** The lake's customer-managed key, when there is one: the topic uses it too. */
  key?: kms.IKey;
}

/** The SNS topic every alert goes to, with the email subscription when configured. */
export class AlertTopic extends Construct {
  /** The topic. */
  readonly topic: sns.Topic;

  constructor(scope: Construct, id: string, props: AlertTopicProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, "Topic", {
      topicName: ALERT_TOPIC_NAME,
      displayName: "asxlab pipeline alerts",
      enforceSSL: true,
      masterKey: props.key,
    });
    if (props.key) {
      // CloudWatch publishes alarm notifications with its own service principal,
      // which needs the key too (the state machine gets it through grantPublish).
      props.key.grant(
        new iam.ServicePrincipal("cloudwatch.amazonaws.com"),
        "kms:Decrypt",
        "kms:GenerateDataKey*",
      );
    } else {
      Validations.of(this.topic).acknowledge({
        id: "AwsSolutions-SNS2",
        reason:
          "Alerts carry no secrets (a state name and an error message). CloudWatch alarms cannot publish " +
          "to a topic under the AWS-managed SNS key, and a customer-managed key costs $1/month, twice the " +
          "budget of the daily run; deploy with -c asxlab:encryption=kms to encrypt it with the lake's key.",
      });
    }
    if (props.settings.alertEmail !== undefined) {
      this.topic.addSubscription(
        new subscriptions.EmailSubscription(props.settings.alertEmail),
      );
    }
  }
}

/** Props of {@link PipelineAlarms}. */
export interface PipelineAlarmsProps {
  /** Where the alarms notify. */
  topic: sns.ITopic;
  /** The daily state machine. */
  stateMachine: sfn.IStateMachine;
  /** The pipeline's functions. */
  functions: readonly lambda.IFunction[];
  /** The deployment's settings (`noRunAlarmHours`). */
  settings: PipelineSettings;
}

/** The period of the execution and function alarms. */
export const ALARM_PERIOD: Duration = Duration.minutes(5);

/**
 * CloudWatch alarms on the daily run, each notifying the alert topic. A metric
 * math alarm over the three functions is billed per metric, like three alarms,
 * but sends one notification per incident instead of three.
 */
export class PipelineAlarms extends Construct {
  /** Executions that failed (NotifyFailure has already published the error itself). */
  readonly executionsFailed: cloudwatch.Alarm;
  /** Executions that hit the state machine's own timeout (nothing inside can report that). */
  readonly executionsTimedOut: cloudwatch.Alarm;
  /** Any function error, retried or not. */
  readonly functionErrors: cloudwatch.Alarm;
  /** Any function throttle. */
  readonly functionThrottles: cloudwatch.Alarm;
  /** No successful run in `noRunAlarmHours` (the schedule did not fire, or every run failed). */
  readonly noRun: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: PipelineAlarmsProps) {
    super(scope, id);
    const { stateMachine, functions } = props;
    const sum = { period: ALARM_PERIOD, statistic: cloudwatch.Stats.SUM };
    const atLeastOne = {
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    };
    const anyOf = (
      name: string,
      metric: (fn: lambda.IFunction) => cloudwatch.IMetric,
    ) =>
      new cloudwatch.MathExpression({
        expression: functions.map((_, i) => `m${i}`).join(" + "),
        usingMetrics: Object.fromEntries(
          functions.map((fn, i) => [`m${i}`, metric(fn)]),
        ),
        label: name,
        period: ALARM_PERIOD,
      });

    this.executionsFailed = new cloudwatch.Alarm(this, "ExecutionsFailed", {
      alarmDescription: "A daily pipeline run failed (the alert topic has the error).",
      metric: stateMachine.metricFailed(sum),
      ...atLeastOne,
    });
    this.executionsTimedOut = new cloudwatch.Alarm(this, "ExecutionsTimedOut", {
      alarmDescription: "A daily pipeline run timed out.",
      metric: stateMachine.metricTimedOut(sum),
      ...atLeastOne,
    });
    this.functionErrors = new cloudwatch.Alarm(this, "FunctionErrors", {
      alarmDescription: "A pipeline function returned an error (it may have succeeded on retry).",
      metric: anyOf("Errors", (fn) => fn.metricErrors(sum)),
      ...atLeastOne,
    });
    this.functionThrottles = new cloudwatch.Alarm(this, "FunctionThrottles", {
      alarmDescription: "A pipeline function was throttled (the account's concurrency ran out).",
      metric: anyOf("Throttles", (fn) => fn.metricThrottles(sum)),
      ...atLeastOne,
    });
    // Hourly periods, all breaching: "no success in the last N hours" slides with the clock,
    // so a run that ends a little later than yesterday's does not fire it.
    const hours = props.settings.noRunAlarmHours;
    this.noRun = new cloudwatch.Alarm(this, "NoSuccessfulRun", {
      alarmDescription:
        `No daily pipeline run succeeded in the last ${hours} hours: the schedule did not fire, or every run since failed.`,
      metric: stateMachine.metricSucceeded({
        period: Duration.hours(1),
        statistic: cloudwatch.Stats.SUM,
      }),
      threshold: 1,
      evaluationPeriods: hours,
      datapointsToAlarm: hours,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });

    const notify = new actions.SnsAction(props.topic);
    for (const alarm of this.all()) alarm.addAlarmAction(notify);
  }

  /** Every alarm of the pipeline. */
  all(): cloudwatch.Alarm[] {
    return [
      this.executionsFailed,
      this.executionsTimedOut,
      this.functionErrors,
      this.functionThrottles,
      this.noRun,
    ];
  }
}
