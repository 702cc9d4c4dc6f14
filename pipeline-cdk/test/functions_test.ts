import assert from "node:assert/strict";
import { Match } from "aws-cdk-lib/assertions";
import { RESOURCE_PLACEHOLDERS, stateMachineDefinition } from "../../src/pipeline/state_machine.ts";
import { taskTimeoutSeconds } from "../lib/fetch_functions.ts";
import { PIPELINE_HANDLERS } from "../lib/handlers.ts";
import { app, resources } from "./_app.ts";

const LAKE_BUCKET = {
  "Fn::Join": ["-", ["asxlab-lake", { Ref: "AWS::AccountId" }, { Ref: "AWS::Region" }]],
};
const objects = (pattern: string) => ({
  "Fn::Join": ["", ["arn:aws:s3:::", LAKE_BUCKET, `/${pattern}`]],
});
const BUCKET_ARN = { "Fn::Join": ["", ["arn:aws:s3:::", LAKE_BUCKET]] };

/** The logical ID of the function that runs `src/pipeline/lambda/<entry>.ts`. */
function functionId(entry: string, overrides = {}): string {
  const fns = resources(app(overrides).pipelineTemplate, "AWS::Lambda::Function");
  const ids = Object.keys(fns).filter((id) =>
    String(fns[id]!.Properties.Description).includes(`src/pipeline/lambda/${entry}.ts`)
  );
  assert.equal(ids.length, 1, `one function for ${entry}`);
  return ids[0]!;
}

Deno.test("functions: one per handler, Node.js 22 on arm64, sized and timed as the table and the ASL say", () => {
  const t = app().pipelineTemplate;
  t.resourceCountIs("AWS::Lambda::Function", PIPELINE_HANDLERS.length);
  const asl = stateMachineDefinition(RESOURCE_PLACEHOLDERS);
  for (const h of PIPELINE_HANDLERS) {
    const fn = resources(t, "AWS::Lambda::Function")[functionId(h.entry)]!.Properties;
    assert.equal(fn.Runtime, "nodejs22.x");
    assert.deepEqual(fn.Architectures, ["arm64"]);
    assert.equal(fn.Handler, "index.handler");
    assert.equal(fn.MemorySize, h.memoryMb);
    assert.equal(fn.Timeout, taskTimeoutSeconds(asl, h.state), h.state);
    assert.deepEqual(fn.TracingConfig, { Mode: "Active" });
  }
  // The fetcher may run 15 minutes, like the seed's.
  assert.equal(
    resources(t, "AWS::Lambda::Function")[functionId("fetch_stock_data")]!.Properties.Timeout,
    900,
  );
});

Deno.test("functions: configured from the environment the handlers read", () => {
  const t =
    app({ "asxlab:fetchPauseMs": "1500", "asxlab:asxListUrl": "https://example.com/asx.csv" })
      .pipelineTemplate;
  for (const h of PIPELINE_HANDLERS) {
    t.hasResourceProperties("AWS::Lambda::Function", {
      Description: Match.stringLikeRegexp(`lambda/${h.entry}\\.ts`),
      Environment: {
        Variables: {
          ASXLAB_LAKE: { "Fn::Join": ["", ["s3://", LAKE_BUCKET]] },
          ASXLAB_FETCH_PAUSE_MS: "1500",
          ASXLAB_ASX_LIST_URL: "https://example.com/asx.csv",
          NODE_OPTIONS: "--enable-source-maps",
        },
      },
    });
  }
});

Deno.test("functions: each logs to its own log group with a retention", () => {
  const t = app().pipelineTemplate;
  const groups = resources(t, "AWS::Logs::LogGroup");
  for (const h of PIPELINE_HANDLERS) {
    const fn = resources(t, "AWS::Lambda::Function")[functionId(h.entry)]!.Properties;
    const ref = (fn.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
    assert.equal(groups[ref]?.Properties.RetentionInDays, 30);
  }
});

/** Each function's role's statements, by handler. */
function statementsOf(entry: string, overrides = {}): Record<string, unknown>[] {
  const t = app(overrides).pipelineTemplate;
  const fn = resources(t, "AWS::Lambda::Function")[functionId(entry, overrides)]!.Properties;
  const roleId = (fn.Role as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
  const role = resources(t, "AWS::IAM::Role")[roleId]!.Properties;
  assert.equal(role.ManagedPolicyArns, undefined, "no AWS-managed policy on the role");
  const policies = Object.values(resources(t, "AWS::IAM::Policy")).filter((p) =>
    (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleId)
  );
  assert.equal(policies.length, 1);
  return (policies[0]!.Properties.PolicyDocument as { Statement: Record<string, unknown>[] })
    .Statement;
}

const asList = (v: unknown) => (Array.isArray(v) ? v : [v]);

Deno.test("functions: S3 access is only the handler's own prefixes, by kind", () => {
  const READ = ["s3:GetBucket*", "s3:GetObject*", "s3:List*"];
  const PUT = [
    "s3:Abort*",
    "s3:PutObject",
    "s3:PutObjectLegalHold",
    "s3:PutObjectRetention",
    "s3:PutObjectTagging",
    "s3:PutObjectVersionTagging",
  ];
  for (const h of PIPELINE_HANDLERS) {
    const s3 = statementsOf(h.entry).filter((s) =>
      asList(s.Action).some((a) => a.startsWith("s3:"))
    );
    const find = (actions: string[]) =>
      s3.find((s) => JSON.stringify(asList(s.Action).sort()) === JSON.stringify(actions));
    const sameSet = (got: unknown, want: unknown[]) =>
      assert.deepEqual(
        asList(got).map((x) => JSON.stringify(x)).sort(),
        want.map((x) => JSON.stringify(x)).sort(),
        h.state,
      );
    let expected = 0;
    if (h.lake.read.length > 0) {
      expected++;
      sameSet(find(READ)?.Resource, [...h.lake.read.map(objects), BUCKET_ARN]);
    }
    if (h.lake.put.length > 0) {
      expected++;
      sameSet(find(PUT)?.Resource, h.lake.put.map(objects));
    }
    if (h.lake.delete.length > 0) {
      expected++;
      sameSet(find(["s3:DeleteObject*"])?.Resource, h.lake.delete.map(objects));
    }
    assert.equal(s3.length, expected, `${h.state}: no other S3 statement`);
    for (const s of s3) assert.equal(s.Effect, "Allow");
  }
});

Deno.test("functions: what each may touch, in plain words", () => {
  const byState = Object.fromEntries(PIPELINE_HANDLERS.map((h) => [h.state, h.lake]));
  // Only the aggregator writes the curated lake, and only it deletes anything.
  for (const h of PIPELINE_HANDLERS) {
    assert.equal(h.lake.put.includes("ohlcv/*"), h.state === "AggregateResults", h.state);
    assert.equal(h.lake.delete.length > 0, h.state === "AggregateResults", h.state);
  }
  assert.deepEqual(byState.UpdateASXSymbols, {
    read: ["symbols/*"],
    put: ["symbols/*"],
    delete: [],
  });
  assert.deepEqual(byState.FetchStockData?.put, ["raw-data/*", "quarantine/*"]);
});

Deno.test("functions: every other permission is its log group, or X-Ray (which has no resources)", () => {
  for (const h of PIPELINE_HANDLERS) {
    const others = statementsOf(h.entry).filter((s) =>
      !asList(s.Action).some((a) => a.startsWith("s3:"))
    );
    for (const s of others) {
      const actions = asList(s.Action);
      if (s.Resource === "*") {
        assert.deepEqual(actions.sort(), ["xray:PutTelemetryRecords", "xray:PutTraceSegments"]);
      } else {
        assert.deepEqual(actions.sort(), ["logs:CreateLogStream", "logs:PutLogEvents"]);
        assert.match(JSON.stringify(s.Resource), /Logs[0-9A-F]{8}","Arn"/);
      }
    }
    // Without tracing, nothing at all is granted on "*".
    const untraced = statementsOf(h.entry, { "asxlab:tracing": "false" });
    assert.ok(untraced.every((s) => s.Resource !== "*"), h.state);
  }
});

Deno.test("functions: with a KMS lake, the grants include the key and nothing wider", () => {
  for (const h of PIPELINE_HANDLERS) {
    const kms = statementsOf(h.entry, { "asxlab:encryption": "kms" }).filter((s) =>
      asList(s.Action).some((a) => a.startsWith("kms:"))
    );
    assert.ok(kms.length > 0, h.state);
    for (const s of kms) {
      assert.match(JSON.stringify(s.Resource), /GetStackOutput|LakeKey|Fn::ImportValue/);
    }
  }
});
