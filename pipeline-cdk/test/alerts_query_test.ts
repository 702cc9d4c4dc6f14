import assert from "node:assert/strict";
import { Match } from "aws-cdk-lib/assertions";
import { ALERT_TOPIC_NAME } from "../lib/pipeline_alarms.ts";
import { OHLCV_TABLE_COLUMNS, PROJECTED_YEARS, QUERY_NAMES } from "../lib/lake_query.ts";
import { app, resources } from "./_app.ts";

type Json = Record<string, unknown>;
const LAKE_BUCKET = {
  "Fn::Join": ["-", ["asxlab-lake", { Ref: "AWS::AccountId" }, { Ref: "AWS::Region" }]],
};

function topicId(overrides = {}): string {
  const topics = resources(app(overrides).pipelineTemplate, "AWS::SNS::Topic");
  const ids = Object.keys(topics);
  assert.equal(ids.length, 1);
  assert.equal(topics[ids[0]!]!.Properties.TopicName, ALERT_TOPIC_NAME);
  return ids[0]!;
}

Deno.test("alerts: the stock-stream-alerts topic accepts TLS only, and subscribes the configured email", () => {
  const t = app({ "asxlab:alertEmail": "quant@example.com" }).pipelineTemplate;
  const id = topicId({ "asxlab:alertEmail": "quant@example.com" });
  assert.equal(ALERT_TOPIC_NAME, "stock-stream-alerts");
  t.hasResourceProperties("AWS::SNS::Subscription", {
    Protocol: "email",
    Endpoint: "quant@example.com",
    TopicArn: { Ref: id },
  });
  t.hasResourceProperties("AWS::SNS::TopicPolicy", {
    Topics: [{ Ref: id }],
    PolicyDocument: {
      Statement: Match.arrayWith([
        Match.objectLike({
          Effect: "Deny",
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        }),
      ]),
    },
  });
  app().pipelineTemplate.resourceCountIs("AWS::SNS::Subscription", 0);
});

Deno.test("alerts: with a KMS lake the topic is encrypted with the lake's key, which CloudWatch may use", () => {
  const built = app({ "asxlab:encryption": "kms" });
  const topic = resources(
    built.pipelineTemplate,
    "AWS::SNS::Topic",
  )[topicId({ "asxlab:encryption": "kms" })]!;
  assert.ok(topic.Properties.KmsMasterKeyId, "topic has a key");
  built.lakeTemplate.hasResourceProperties("AWS::KMS::Key", {
    KeyPolicy: {
      Statement: Match.arrayWith([
        Match.objectLike({
          Principal: { Service: "cloudwatch.amazonaws.com" },
          Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
        }),
      ]),
    },
  });
});

/** The alarms, by their construct ID's start (logical IDs are `Alarms<Id><hash>`). */
function alarms(overrides = {}): Record<string, Json> {
  const all = resources(app(overrides).pipelineTemplate, "AWS::CloudWatch::Alarm");
  return Object.fromEntries(
    Object.entries(all).map((
      [id, r],
    ) => [id.replace(/^Alarms/, "").replace(/[0-9A-F]{8}$/, ""), r.Properties]),
  );
}

Deno.test("alarms: every alarm notifies the alert topic", () => {
  const id = topicId();
  const all = alarms();
  assert.deepEqual(Object.keys(all).sort(), [
    "ExecutionsFailed",
    "ExecutionsTimedOut",
    "FunctionErrors",
    "FunctionThrottles",
    "NoSuccessfulRun",
  ]);
  for (const [name, a] of Object.entries(all)) {
    assert.deepEqual(a.AlarmActions, [{ Ref: id }], name);
    assert.ok(String(a.AlarmDescription).length > 20, name);
  }
});

Deno.test("alarms: execution failures and timeouts, any in 5 minutes", () => {
  const smId = Object.keys(
    resources(app().pipelineTemplate, "AWS::StepFunctions::StateMachine"),
  )[0]!;
  const all = alarms();
  for (
    const [name, metric] of [["ExecutionsFailed", "ExecutionsFailed"], [
      "ExecutionsTimedOut",
      "ExecutionsTimedOut",
    ]]
  ) {
    assert.deepEqual(
      {
        namespace: all[name!]!.Namespace,
        metric: all[name!]!.MetricName,
        dimensions: all[name!]!.Dimensions,
        stat: all[name!]!.Statistic,
        period: all[name!]!.Period,
        op: all[name!]!.ComparisonOperator,
        threshold: all[name!]!.Threshold,
        missing: all[name!]!.TreatMissingData,
      },
      {
        namespace: "AWS/States",
        metric,
        dimensions: [{ Name: "StateMachineArn", Value: { Ref: smId } }],
        stat: "Sum",
        period: 300,
        op: "GreaterThanOrEqualToThreshold",
        threshold: 1,
        missing: "notBreaching",
      },
    );
  }
});

Deno.test("alarms: Lambda errors and throttles of all three functions", () => {
  const fnIds = Object.keys(resources(app().pipelineTemplate, "AWS::Lambda::Function")).sort();
  const all = alarms();
  for (const [name, metric] of [["FunctionErrors", "Errors"], ["FunctionThrottles", "Throttles"]]) {
    const metrics = all[name!]!.Metrics as Json[];
    const expr = metrics.find((m) => m.Expression)!;
    assert.equal(expr.Expression, "m0 + m1 + m2");
    const stats = metrics.filter((m) => m.MetricStat).map((m) => m.MetricStat as Json);
    assert.deepEqual(
      stats.map((s) => (s.Metric as Json).MetricName),
      [metric, metric, metric],
    );
    assert.deepEqual(
      stats.map((
        s,
      ) => ((s.Metric as { Dimensions: { Value: { Ref: string } }[] }).Dimensions[0]!.Value.Ref))
        .sort(),
      fnIds,
    );
    assert.ok(
      stats.every((s) =>
        s.Stat === "Sum" && s.Period === 300 && (s.Metric as Json).Namespace === "AWS/Lambda"
      ),
    );
    assert.equal(all[name!]!.Threshold, 1);
  }
});

Deno.test("alarms: no successful run in 26 hours (hourly periods, all missing or zero)", () => {
  const a = alarms().NoSuccessfulRun!;
  assert.equal(a.Namespace, "AWS/States");
  assert.equal(a.MetricName, "ExecutionsSucceeded");
  assert.equal(a.Period, 3600);
  assert.equal(a.EvaluationPeriods, 26);
  assert.equal(a.DatapointsToAlarm, 26);
  assert.equal(a.ComparisonOperator, "LessThanThreshold");
  assert.equal(a.Threshold, 1);
  assert.equal(a.TreatMissingData, "breaching");
  // CloudWatch evaluates at most 7 days of hourly periods.
  assert.ok((a.Period as number) * (a.EvaluationPeriods as number) <= 7 * 86400);
  assert.equal(alarms({ "asxlab:noRunAlarmHours": "50" }).NoSuccessfulRun!.EvaluationPeriods, 50);
});

Deno.test("query: a Glue table over ohlcv/ Parquet, partitions found by projection on year", () => {
  const t = app().pipelineTemplate;
  t.hasResourceProperties("AWS::Glue::Database", {
    CatalogId: { Ref: "AWS::AccountId" },
    DatabaseInput: { Name: QUERY_NAMES.database },
  });
  const ohlcv = { "Fn::Join": ["", ["s3://", LAKE_BUCKET, "/ohlcv/"]] };
  t.hasResourceProperties("AWS::Glue::Table", {
    DatabaseName: QUERY_NAMES.database,
    TableInput: {
      Name: "ohlcv",
      TableType: "EXTERNAL_TABLE",
      PartitionKeys: [{ Name: "year", Type: "int" }],
      Parameters: {
        classification: "parquet",
        "projection.enabled": "true",
        "projection.year.type": "integer",
        "projection.year.range": PROJECTED_YEARS,
        "storage.location.template": {
          "Fn::Join": ["", ["s3://", LAKE_BUCKET, "/ohlcv/year=${year}/"]],
        },
      },
      StorageDescriptor: {
        Location: ohlcv,
        Columns: OHLCV_TABLE_COLUMNS.map((c) => ({ Name: c.name, Type: c.type })),
        SerdeInfo: {
          SerializationLibrary: "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
        },
      },
    },
  });
});

Deno.test("query: an Athena workgroup with results under athena-results/ and a bytes-scanned limit", () => {
  const t = app().pipelineTemplate;
  t.hasResourceProperties("AWS::Athena::WorkGroup", {
    Name: QUERY_NAMES.workGroup,
    WorkGroupConfiguration: {
      EnforceWorkGroupConfiguration: true,
      BytesScannedCutoffPerQuery: 1024 * 1024 * 1024,
      ResultConfiguration: {
        OutputLocation: { "Fn::Join": ["", ["s3://", LAKE_BUCKET, "/athena-results/"]] },
        EncryptionConfiguration: { EncryptionOption: "SSE_S3" },
      },
    },
  });
  app({ "asxlab:athenaBytesScannedCutoffMb": "100", "asxlab:encryption": "kms" }).pipelineTemplate
    .hasResourceProperties("AWS::Athena::WorkGroup", {
      WorkGroupConfiguration: {
        BytesScannedCutoffPerQuery: 100 * 1024 * 1024,
        ResultConfiguration: {
          EncryptionConfiguration: { EncryptionOption: "SSE_KMS", KmsKey: Match.anyValue() },
        },
      },
    });
});
