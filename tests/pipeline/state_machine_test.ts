import assert from "node:assert/strict";
import aslValidator from "asl-validator";
import {
  FAILURE_SUBJECT,
  RESOURCE_PLACEHOLDERS,
  stateMachineDefinition,
  stateMachineJson,
  TASK_STATES,
  taskStateNames,
} from "../../src/pipeline/state_machine.ts";
import { LOCAL_RESOURCES } from "../../src/pipeline/local_runner.ts";

const REAL = {
  updateSymbolsFunction: "arn:aws:lambda:ap-southeast-2:123456789012:function:asx-update-symbols",
  fetchStockDataFunction: "arn:aws:lambda:ap-southeast-2:123456789012:function:asx-fetch",
  aggregateResultsFunction: "arn:aws:lambda:ap-southeast-2:123456789012:function:asx-aggregate",
  alertTopic: "arn:aws:sns:ap-southeast-2:123456789012:stock-stream-alerts",
};

// deno-lint-ignore no-explicit-any
type Json = any;

Deno.test("state machine: asl-validator accepts the definition with real ARNs, local ARNs and placeholders", () => {
  for (const resources of [REAL, LOCAL_RESOURCES, RESOURCE_PLACEHOLDERS]) {
    const { isValid, errorsText } = aslValidator(JSON.parse(stateMachineJson(resources)));
    assert.ok(isValid, errorsText("\n"));
  }
});

Deno.test("state machine: asl-validator catches a broken definition (the check can fail)", () => {
  const broken: Json = stateMachineDefinition(REAL);
  broken.States.UpdateASXSymbols.Next = "NoSuchState";
  delete broken.States.PipelineFailed;
  assert.equal(aslValidator(broken).isValid, false);
});

Deno.test("state machine: the seed's retries, catches, Map and alert, with the resources where they belong", () => {
  const asl: Json = stateMachineDefinition(REAL);
  const s: Record<string, Json> = asl.States;
  assert.equal(asl.StartAt, "UpdateASXSymbols");
  assert.equal(asl.TimeoutSeconds, 10_800); // a stuck run times out (and the alarm sees it)
  for (
    const [name, fn] of [
      ["UpdateASXSymbols", REAL.updateSymbolsFunction],
      ["AggregateResults", REAL.aggregateResultsFunction],
    ] as const
  ) {
    assert.equal(s[name].Resource, "arn:aws:states:::lambda:invoke");
    assert.equal(s[name].Parameters.FunctionName, fn);
    assert.equal(s[name].OutputPath, "$.Payload");
    assert.deepEqual(s[name].Catch, [
      { ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "NotifyFailure" },
    ]);
  }
  // UpdateASXSymbols: TaskFailed 60 s × 3, backoff 2.0; bad input never retried.
  assert.deepEqual(s.UpdateASXSymbols.Retry.at(-1), {
    ErrorEquals: ["States.TaskFailed"],
    IntervalSeconds: 60,
    MaxAttempts: 3,
    BackoffRate: 2,
  });
  assert.deepEqual(s.UpdateASXSymbols.Retry[0], { ErrorEquals: ["ConfigError"], MaxAttempts: 0 });
  // SplitIntoBatches: Map over $.symbolBatches, 10 at a time, results in $.batchResults.
  const map = s.SplitIntoBatches;
  assert.equal(map.Type, "Map");
  assert.equal(map.ItemsPath, "$.symbolBatches");
  assert.equal(map.MaxConcurrency, 10);
  assert.equal(map.ResultPath, "$.batchResults");
  assert.equal(map.Next, "AggregateResults");
  const fetch = map.ItemProcessor.States.FetchStockData;
  assert.equal(fetch.Parameters.FunctionName, REAL.fetchStockDataFunction);
  assert.deepEqual(fetch.Retry.at(-1), {
    ErrorEquals: ["States.TaskFailed"],
    IntervalSeconds: 30,
    MaxAttempts: 2,
    BackoffRate: 1,
  });
  assert.deepEqual(fetch.Catch, [
    { ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "RecordBatchFailure" },
  ]);
  assert.equal(map.ItemProcessor.States.RecordBatchFailure.Type, "Pass");
  // NotifyFailure publishes to the topic, then the execution fails (so alarms see it).
  assert.deepEqual(s.NotifyFailure.Parameters, {
    TopicArn: REAL.alertTopic,
    Subject: FAILURE_SUBJECT,
    "Message.$": "States.JsonToString($.error)",
  });
  assert.equal(s.NotifyFailure.Resource, "arn:aws:states:::sns:publish");
  assert.equal(s.NotifyFailure.Next, "PipelineFailed");
  assert.equal(s.PipelineFailed.Type, "Fail");
  // Lambda tasks outlive aws-local-stepfunctions' 60 s default (and Lambda's 15 min cap bounds them).
  assert.deepEqual(
    [s.UpdateASXSymbols, fetch, s.AggregateResults].map((t) => t.TimeoutSeconds),
    [300, 900, 900],
  );
});

Deno.test("state machine: the Task states are found, nested ones included", () => {
  assert.deepEqual(taskStateNames(stateMachineDefinition(REAL)), [...TASK_STATES]);
  const nested = {
    StartAt: "P",
    States: {
      P: {
        Type: "Parallel",
        Branches: [{ StartAt: "A", States: { A: { Type: "Task", End: true } } }],
        End: true,
      },
    },
  };
  assert.deepEqual(taskStateNames(nested), ["A"]);
});

Deno.test("state machine: the JSON differs between resources only in the resources", () => {
  const a = stateMachineJson(REAL), b = stateMachineJson(RESOURCE_PLACEHOLDERS);
  let substituted = b;
  for (const [k, v] of Object.entries(RESOURCE_PLACEHOLDERS)) {
    substituted = substituted.replaceAll(v, REAL[k as keyof typeof REAL]);
  }
  assert.equal(substituted, a);
});
