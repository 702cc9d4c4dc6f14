/**
 * The daily pipeline's state machine, `stock-data-pipeline`, in the Amazon
 * States Language: the one definition that the CDK app deploys with real ARNs
 * and `deno task pipeline` runs locally with aws-local-stepfunctions.
 *
 * ```
 * UpdateASXSymbols ──> SplitIntoBatches (Map, 10 at a time) ──> AggregateResults
 *        │                 └─ FetchStockData ─(failed)─> RecordBatchFailure        │
 *        └──────────(failed)──────────> NotifyFailure ──> PipelineFailed <──(failed)┘
 * ```
 *
 * Tasks use the optimised Lambda integration (`arn:aws:states:::lambda:invoke`,
 * the handler's answer under `Payload`). Retries follow the seed:
 * UpdateASXSymbols 60 s × 3 with backoff 2 on any task failure (a `ConfigError`
 * — a bad input or a refused list — is not retried); FetchStockData 2 × 30 s,
 * then its error is recorded as that batch's result and the run continues;
 * every task also retries Lambda's own service errors, as AWS recommends.
 *
 * @module
 */

/** The deployed state machine's name. */
export const STATE_MACHINE_NAME = "stock-data-pipeline";

/** The longest a whole execution may run (3 h) before Step Functions times it out. */
export const EXECUTION_TIMEOUT_SECONDS = 3 * 60 * 60;

/** The SNS subject of the failure alert. */
export const FAILURE_SUBJECT = "Stock Stream Pipeline Failed";

/** What the definition's tasks call: Lambda function ARNs (or names) and the SNS topic ARN. */
export interface StateMachineResources {
  /** The UpdateASXSymbols Lambda. */
  updateSymbolsFunction: string;
  /** The FetchStockData Lambda. */
  fetchStockDataFunction: string;
  /** The AggregateResults Lambda. */
  aggregateResultsFunction: string;
  /** The alert topic. */
  alertTopic: string;
}

/**
 * Placeholders for CloudFormation `DefinitionSubstitutions`
 * (`DefinitionBody.fromString(json)` with `definitionSubstitutions`).
 */
export const RESOURCE_PLACEHOLDERS: StateMachineResources = {
  updateSymbolsFunction: "${UpdateSymbolsFunctionArn}",
  fetchStockDataFunction: "${FetchStockDataFunctionArn}",
  aggregateResultsFunction: "${AggregateResultsFunctionArn}",
  alertTopic: "${AlertTopicArn}",
};

/** Names of the Task states, which every local run must give a handler. */
export const TASK_STATES = [
  "UpdateASXSymbols",
  "FetchStockData",
  "AggregateResults",
  "NotifyFailure",
] as const;

/** A Task state's name. */
export type TaskStateName = typeof TASK_STATES[number];

/** An ASL document (a JSON object). */
export type AslDefinition = Record<string, unknown>;

/** Lambda's own transient errors, retried on every task (what the CDK's LambdaInvoke adds). */
const LAMBDA_SERVICE_RETRY = {
  ErrorEquals: [
    "Lambda.ClientExecutionTimeoutException",
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
  ],
  IntervalSeconds: 2,
  MaxAttempts: 6,
  BackoffRate: 2,
};

const invoke = (fn: string, payload: unknown) => ({
  Type: "Task",
  Resource: "arn:aws:states:::lambda:invoke",
  Parameters: { FunctionName: fn, ...payload as Record<string, unknown> },
  OutputPath: "$.Payload",
});

/**
 * The state machine definition for the given task resources.
 *
 * @param resources Lambda ARNs and the SNS topic ARN (or {@link RESOURCE_PLACEHOLDERS}).
 * @returns The ASL document.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stateMachineDefinition, RESOURCE_PLACEHOLDERS } from "./state_machine.ts";
 * const asl = stateMachineDefinition(RESOURCE_PLACEHOLDERS);
 * assert.equal(asl.StartAt, "UpdateASXSymbols");
 * ```
 */
export function stateMachineDefinition(resources: StateMachineResources): AslDefinition {
  const catchAll = (next: string) => [
    { ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: next },
  ];
  return {
    Comment:
      "asxlab daily pipeline: refresh the ASX list, fetch daily bars from Yahoo in batches, consolidate into the Parquet lake, alert on failure",
    StartAt: "UpdateASXSymbols",
    // A whole run's bound: a daily run takes ~12 min (22 batches of 100 symbols with a 2 s pause,
    // 10 at a time); without a bound a stuck run would never time out and the CDK's
    // ExecutionsTimedOut alarm could never fire.
    TimeoutSeconds: EXECUTION_TIMEOUT_SECONDS,
    States: {
      UpdateASXSymbols: {
        ...invoke(resources.updateSymbolsFunction, { "Payload.$": "$" }),
        TimeoutSeconds: 300,
        Retry: [
          { ErrorEquals: ["ConfigError"], MaxAttempts: 0 },
          LAMBDA_SERVICE_RETRY,
          {
            ErrorEquals: ["States.TaskFailed"],
            IntervalSeconds: 60,
            MaxAttempts: 3,
            BackoffRate: 2,
          },
        ],
        Catch: catchAll("NotifyFailure"),
        Next: "SplitIntoBatches",
      },
      SplitIntoBatches: {
        Type: "Map",
        ItemsPath: "$.symbolBatches",
        MaxConcurrency: 10,
        ItemSelector: {
          "symbols.$": "$$.Map.Item.Value.symbols",
          "batchNumber.$": "$$.Map.Item.Value.batchNumber",
          "date.$": "$.date",
          "backfillFrom.$": "$.backfillFrom",
        },
        ItemProcessor: {
          ProcessorConfig: { Mode: "INLINE" },
          StartAt: "FetchStockData",
          States: {
            FetchStockData: {
              ...invoke(resources.fetchStockDataFunction, { "Payload.$": "$" }),
              TimeoutSeconds: 900,
              Retry: [
                LAMBDA_SERVICE_RETRY,
                {
                  ErrorEquals: ["States.TaskFailed"],
                  IntervalSeconds: 30,
                  MaxAttempts: 2,
                  BackoffRate: 1,
                },
              ],
              Catch: catchAll("RecordBatchFailure"),
              End: true,
            },
            RecordBatchFailure: {
              Type: "Pass",
              Comment:
                "A batch that failed after its retries: every symbol in it is reported failed",
              Parameters: {
                statusCode: 500,
                metadata: {
                  "batch_number.$": "$.batchNumber",
                  "symbols_processed.$": "States.ArrayLength($.symbols)",
                  symbols_fetched: 0,
                  "symbols_failed.$": "$.symbols",
                  "error.$": "$.error",
                },
              },
              End: true,
            },
          },
        },
        ResultPath: "$.batchResults",
        Next: "AggregateResults",
      },
      AggregateResults: {
        ...invoke(resources.aggregateResultsFunction, {
          Payload: {
            "date.$": "$.date",
            "backfillFrom.$": "$.backfillFrom",
            "list.$": "$.metadata",
            "batchResults.$": "$.batchResults",
          },
        }),
        TimeoutSeconds: 900,
        Retry: [LAMBDA_SERVICE_RETRY],
        Catch: catchAll("NotifyFailure"),
        End: true,
      },
      NotifyFailure: {
        Type: "Task",
        Resource: "arn:aws:states:::sns:publish",
        Parameters: {
          TopicArn: resources.alertTopic,
          Subject: FAILURE_SUBJECT,
          "Message.$": "States.JsonToString($.error)",
        },
        ResultPath: "$.notification",
        Next: "PipelineFailed",
      },
      PipelineFailed: {
        Type: "Fail",
        Error: "PipelineFailed",
        Cause: "A pipeline step failed after its retries; the alert topic has the error",
      },
    },
  };
}

/**
 * The definition as the JSON the CDK deploys and the local runner executes.
 *
 * @param resources Lambda ARNs and the SNS topic ARN (or {@link RESOURCE_PLACEHOLDERS}).
 * @returns Indented JSON.
 */
export function stateMachineJson(resources: StateMachineResources): string {
  return JSON.stringify(stateMachineDefinition(resources), null, 2);
}

/**
 * The names of every Task state in a definition, nested Map and Parallel
 * states included: a local run must map each to a handler, or
 * aws-local-stepfunctions would call the real Lambda through the AWS SDK.
 *
 * @param definition An ASL document.
 * @returns Task state names, in definition order.
 */
export function taskStateNames(definition: AslDefinition): string[] {
  const out: string[] = [];
  const walk = (machine: unknown) => {
    const states = (machine as { States?: Record<string, Record<string, unknown>> })?.States ?? {};
    for (const [name, state] of Object.entries(states)) {
      if (state.Type === "Task") out.push(name);
      if (state.Type === "Map") walk(state.ItemProcessor ?? state.Iterator);
      if (state.Type === "Parallel") {
        for (const b of (state.Branches as unknown[]) ?? []) walk(b);
      }
    }
  };
  walk(definition);
  return out;
}
