import assert from "node:assert/strict";
import { Capture, Match } from "aws-cdk-lib/assertions";
import {
  FAILURE_SUBJECT,
  RESOURCE_PLACEHOLDERS,
  STATE_MACHINE_NAME,
  stateMachineJson,
  type StateMachineResources,
} from "../../src/pipeline/state_machine.ts";
import { deployedDefinition } from "../lib/daily_state_machine.ts";
import { PIPELINE_HANDLERS, substitutionName } from "../lib/handlers.ts";
import { app, resources } from "./_app.ts";

type Json = Record<string, unknown>;

/** The state machine resource's properties. */
function stateMachine(overrides = {}): Json {
  const sms = resources(app(overrides).pipelineTemplate, "AWS::StepFunctions::StateMachine");
  const all = Object.values(sms);
  assert.equal(all.length, 1);
  return all[0]!.Properties;
}

/**
 * What CloudFormation deploys: the DefinitionString with each `${Name}`
 * replaced by its substitution, every reference resolved to a fake ARN named
 * after the resource it points at.
 */
function substituted(props: Json): { json: string; arnOf: Record<string, string> } {
  const subs = props.DefinitionSubstitutions as Record<string, Json>;
  const arnOf: Record<string, string> = {};
  for (const [name, ref] of Object.entries(subs)) {
    const getAtt = ref["Fn::GetAtt"] as [string, string] | undefined;
    arnOf[name] = getAtt
      ? `arn:aws:lambda:ap-southeast-2:123456789012:function:${getAtt[0]}`
      : `arn:aws:sns:ap-southeast-2:123456789012:${ref.Ref as string}`;
  }
  const json = (props.DefinitionString as string).replace(/\$\{([A-Za-z0-9]+)\}/g, (_, n) => {
    assert.ok(n in arnOf, `no substitution for \${${n}}`);
    return arnOf[n]!;
  });
  return { json, arnOf };
}

Deno.test("state machine: stock-data-pipeline, a Standard workflow, deploying src/pipeline's ASL as written", () => {
  const props = stateMachine();
  assert.equal(props.StateMachineName, STATE_MACHINE_NAME);
  assert.equal(STATE_MACHINE_NAME, "stock-data-pipeline");
  assert.equal(props.StateMachineType, "STANDARD");
  assert.equal(props.DefinitionString, stateMachineJson(RESOURCE_PLACEHOLDERS));
  assert.equal(props.DefinitionString, deployedDefinition());
});

Deno.test("state machine: after substitution, the deployed definition is the pipeline's ASL for the real ARNs", () => {
  const props = stateMachine();
  const { json, arnOf } = substituted(props);
  assert.doesNotMatch(json, /\$\{/, "every placeholder substituted");
  // The placeholders the definition uses are exactly the substitutions given.
  const used = new Set(
    [...(props.DefinitionString as string).matchAll(/\$\{([A-Za-z0-9]+)\}/g)].map((m) => m[1]),
  );
  assert.deepEqual([...used].sort(), Object.keys(arnOf).sort());
  // Each placeholder points at the function that runs that state's handler.
  const fns = resources(app().pipelineTemplate, "AWS::Lambda::Function");
  const real: StateMachineResources = { ...RESOURCE_PLACEHOLDERS };
  for (const h of PIPELINE_HANDLERS) {
    const arn = arnOf[substitutionName(h.resource)]!;
    const logicalId = arn.split(":").at(-1)!;
    assert.match(
      String(fns[logicalId]?.Properties.Description),
      new RegExp(`lambda/${h.entry}\\.ts`),
    );
    real[h.resource] = arn;
  }
  const topic = arnOf[substitutionName("alertTopic")]!;
  assert.equal(
    resources(app().pipelineTemplate, "AWS::SNS::Topic")[topic.split(":").at(-1)!]?.Properties
      .TopicName,
    "stock-stream-alerts",
  );
  real.alertTopic = topic;
  assert.equal(json, stateMachineJson(real));
});

/** The deployed ASL, parsed. */
function asl(): Json {
  return JSON.parse(substituted(stateMachine()).json) as Json;
}

function state(name: string): Json {
  const top = asl().States as Record<string, Json>;
  if (top[name]) return top[name]!;
  const map = (top.SplitIntoBatches!.ItemProcessor as { States: Record<string, Json> }).States;
  assert.ok(map[name], `no state ${name}`);
  return map[name]!;
}

Deno.test("state machine ASL: UpdateASXSymbols retries TaskFailed 60 s x3 with backoff 2, and catches all into NotifyFailure", () => {
  const s = state("UpdateASXSymbols");
  assert.equal(asl().StartAt, "UpdateASXSymbols");
  const retry = (s.Retry as Json[]).find((r) =>
    (r.ErrorEquals as string[]).includes("States.TaskFailed")
  );
  assert.deepEqual(
    { ...retry },
    { ErrorEquals: ["States.TaskFailed"], IntervalSeconds: 60, MaxAttempts: 3, BackoffRate: 2 },
  );
  assert.deepEqual(s.Catch, [{
    ErrorEquals: ["States.ALL"],
    ResultPath: "$.error",
    Next: "NotifyFailure",
  }]);
  assert.equal(s.Next, "SplitIntoBatches");
});

Deno.test("state machine ASL: SplitIntoBatches maps $.symbolBatches, 10 at a time, into $.batchResults", () => {
  const m = state("SplitIntoBatches");
  assert.equal(m.Type, "Map");
  assert.equal(m.ItemsPath, "$.symbolBatches");
  assert.equal(m.MaxConcurrency, 10);
  assert.equal(m.ResultPath, "$.batchResults");
  assert.equal(m.Next, "AggregateResults");
});

Deno.test("state machine ASL: FetchStockData retries 2 x 30 s, then records the failure and the run continues", () => {
  const f = state("FetchStockData");
  const retry = (f.Retry as Json[]).find((r) =>
    (r.ErrorEquals as string[]).includes("States.TaskFailed")
  );
  assert.equal(retry?.IntervalSeconds, 30);
  assert.equal(retry?.MaxAttempts, 2);
  const katch = f.Catch as Json[];
  assert.equal(katch.length, 1);
  assert.deepEqual(katch[0]!.ErrorEquals, ["States.ALL"]);
  // The catch leads to a state that ends the iteration (the Map goes on), not to a failure.
  const next = state(katch[0]!.Next as string);
  assert.equal(next.Type, "Pass");
  assert.equal(next.End, true);
  assert.equal(f.TimeoutSeconds, 900);
});

Deno.test("state machine ASL: each Task invokes its function by the substituted ARN", () => {
  const { arnOf } = substituted(stateMachine());
  for (const h of PIPELINE_HANDLERS) {
    const s = state(h.state);
    assert.equal(s.Resource, "arn:aws:states:::lambda:invoke");
    assert.equal((s.Parameters as Json).FunctionName, arnOf[substitutionName(h.resource)]);
  }
  const catchAll = state("AggregateResults").Catch as Json[];
  assert.equal(catchAll[0]!.Next, "NotifyFailure");
});

Deno.test("state machine ASL: NotifyFailure publishes to the alert topic with the seed's subject", () => {
  const n = state("NotifyFailure");
  const { arnOf } = substituted(stateMachine());
  assert.equal(n.Resource, "arn:aws:states:::sns:publish");
  assert.equal((n.Parameters as Json).TopicArn, arnOf[substitutionName("alertTopic")]);
  assert.equal((n.Parameters as Json).Subject, FAILURE_SUBJECT);
  assert.equal(FAILURE_SUBJECT, "Stock Stream Pipeline Failed");
});

Deno.test("state machine: logs every state event to its own log group, with X-Ray tracing", () => {
  const t = app().pipelineTemplate;
  const group = new Capture();
  t.hasResourceProperties("AWS::StepFunctions::StateMachine", {
    LoggingConfiguration: {
      Level: "ALL",
      IncludeExecutionData: false,
      Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { "Fn::GetAtt": [group, "Arn"] } } }],
    },
    TracingConfiguration: { Enabled: true },
  });
  const lg = resources(t, "AWS::Logs::LogGroup")[group.asString()]!.Properties;
  assert.equal(lg.LogGroupName, "/aws/vendedlogs/states/stock-data-pipeline");
  assert.equal(lg.RetentionInDays, 30);
  const untraced = stateMachine({ "asxlab:tracing": "false" });
  assert.deepEqual(untraced.TracingConfiguration, { Enabled: false });
});

Deno.test("state machine role: invokes the three functions and publishes to the topic, nothing else scoped", () => {
  const t = app().pipelineTemplate;
  const props = stateMachine();
  const roleId = (props.RoleArn as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
  const policy = Object.values(resources(t, "AWS::IAM::Policy")).find((p) =>
    (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleId)
  )!;
  const statements = (policy.Properties.PolicyDocument as { Statement: Json[] }).Statement;
  const invoke = statements.find((s) => s.Action === "lambda:InvokeFunction")!;
  const fnIds = Object.keys(resources(t, "AWS::Lambda::Function")).sort();
  const invoked = (invoke.Resource as Json[]).map((r) => JSON.stringify(r)).sort();
  assert.deepEqual(
    invoked,
    [
      ...fnIds.map((id) => ({ "Fn::GetAtt": [id, "Arn"] })),
      ...fnIds.map((id) => ({ "Fn::Join": ["", [{ "Fn::GetAtt": [id, "Arn"] }, ":*"]] })),
    ].map((r) => JSON.stringify(r)).sort(),
  );
  const publish = statements.find((s) => s.Action === "sns:Publish")!;
  assert.deepEqual(publish.Resource, (props.DefinitionSubstitutions as Json).AlertTopicArn);
  for (const s of statements) {
    if (s.Resource === "*") {
      for (const a of s.Action as string[]) assert.match(a, /^(logs|xray):/);
    }
  }
  assert.equal(statements.length, 3);
});

Deno.test("schedule: EventBridge cron(0 20 * * ? *) starts the state machine with an empty input", () => {
  const t = app().pipelineTemplate;
  const smId = Object.keys(resources(t, "AWS::StepFunctions::StateMachine"))[0]!;
  const role = new Capture();
  t.hasResourceProperties("AWS::Events::Rule", {
    ScheduleExpression: "cron(0 20 * * ? *)",
    State: "ENABLED",
    Targets: [{
      Arn: { Ref: smId },
      Input: "{}",
      RoleArn: { "Fn::GetAtt": [role, "Arn"] },
      Id: Match.anyValue(),
    }],
  });
  t.hasResourceProperties("AWS::IAM::Policy", {
    PolicyDocument: {
      Statement: [{ Action: "states:StartExecution", Effect: "Allow", Resource: { Ref: smId } }],
    },
    Roles: [{ Ref: role.asString() }],
  });
});

Deno.test("schedule: configurable, and can be disabled", () => {
  const t =
    app({ "asxlab:schedule": "cron(30 21 ? * MON-FRI *)", "asxlab:scheduleEnabled": "false" })
      .pipelineTemplate;
  t.hasResourceProperties("AWS::Events::Rule", {
    ScheduleExpression: "cron(30 21 ? * MON-FRI *)",
    State: "DISABLED",
  });
});
