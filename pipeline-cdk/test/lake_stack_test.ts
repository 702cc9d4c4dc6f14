import assert from "node:assert/strict";
import { Match } from "aws-cdk-lib/assertions";
import { ACCESS_LOG_DAYS, ATHENA_RESULTS_PREFIX, LAKE_LOGICAL_IDS } from "../lib/lake_stack.ts";
import { app, resources } from "./_app.ts";

const SSL_ONLY = Match.objectLike({
  Effect: "Deny",
  Action: "s3:*",
  Principal: { AWS: "*" },
  Condition: { Bool: { "aws:SecureTransport": "false" } },
});

Deno.test("lake bucket: private, S3-managed encryption, TLS 1.2+ only, versioned", () => {
  const { lakeTemplate: t } = app();
  t.hasResourceProperties("AWS::S3::Bucket", {
    BucketName: {
      "Fn::Join": ["-", ["asxlab-lake", { Ref: "AWS::AccountId" }, { Ref: "AWS::Region" }]],
    },
    PublicAccessBlockConfiguration: {
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    },
    BucketEncryption: {
      ServerSideEncryptionConfiguration: [{
        ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" },
        BucketKeyEnabled: false,
      }],
    },
    VersioningConfiguration: { Status: "Enabled" },
    OwnershipControls: { Rules: [{ ObjectOwnership: "BucketOwnerEnforced" }] },
  });
  t.hasResourceProperties("AWS::S3::BucketPolicy", {
    Bucket: { Ref: LAKE_LOGICAL_IDS.bucket },
    PolicyDocument: {
      Statement: Match.arrayWith([
        SSL_ONLY,
        Match.objectLike({
          Effect: "Deny",
          Condition: { NumericLessThan: { "s3:TlsVersion": 1.2 } },
        }),
      ]),
    },
  });
  // Nothing in the lake stack grants anything to anyone: access comes from the functions' roles.
  for (const [, policy] of Object.entries(resources(t, "AWS::S3::BucketPolicy"))) {
    const doc = policy.Properties.PolicyDocument as {
      Statement: { Effect: string; Principal: unknown }[];
    };
    for (const s of doc.Statement) {
      if (s.Effect === "Allow") {
        assert.deepEqual(s.Principal, { Service: "logging.s3.amazonaws.com" });
      }
    }
  }
});

Deno.test("lake bucket: retained, with the stable logical IDs, in a protected stack", () => {
  const { lakeTemplate: t, lake } = app();
  for (const id of [LAKE_LOGICAL_IDS.bucket, LAKE_LOGICAL_IDS.accessLogsBucket]) {
    const r = t.toJSON().Resources[id];
    assert.ok(r, `no resource ${id}`);
    assert.equal(r.DeletionPolicy, "Retain");
    assert.equal(r.UpdateReplacePolicy, "Retain");
  }
  assert.equal(lake.terminationProtection, true);
});

Deno.test("lake bucket: lifecycle for the lake's layout", () => {
  const { lakeTemplate: t } = app();
  const lake = t.toJSON().Resources[LAKE_LOGICAL_IDS.bucket].Properties;
  const rules = lake.LifecycleConfiguration.Rules as Record<string, unknown>[];
  const byId = Object.fromEntries(rules.map((r) => [r.Id, r]));
  assert.deepEqual(byId["raw-data-to-infrequent-access"], {
    Id: "raw-data-to-infrequent-access",
    Prefix: "raw-data/",
    Status: "Enabled",
    Transitions: [{ StorageClass: "STANDARD_IA", TransitionInDays: 30 }],
  });
  assert.deepEqual(byId["quarantine-expiry"], {
    Id: "quarantine-expiry",
    Prefix: "quarantine/",
    Status: "Enabled",
    ExpirationInDays: 90,
  });
  assert.equal((byId["athena-results-expiry"] as { Prefix: string }).Prefix, ATHENA_RESULTS_PREFIX);
  assert.deepEqual(byId["noncurrent-versions"], {
    Id: "noncurrent-versions",
    Status: "Enabled",
    NoncurrentVersionExpiration: { NoncurrentDays: 30 },
    AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
  });
  assert.equal(
    (byId["expired-delete-markers"] as { ExpiredObjectDeleteMarker: boolean })
      .ExpiredObjectDeleteMarker,
    true,
  );
  // No rule expires curated data, raw batches, symbols, runs or watermarks.
  for (const r of rules) {
    if (r.ExpirationInDays !== undefined) {
      assert.ok(
        ["quarantine/", ATHENA_RESULTS_PREFIX].includes(r.Prefix as string),
        JSON.stringify(r),
      );
    }
  }
});

Deno.test("lake bucket: lifecycle days follow the settings", () => {
  const { lakeTemplate: t } = app({
    "asxlab:quarantineExpiryDays": "14",
    "asxlab:rawToInfrequentAccessDays": "60",
    "asxlab:noncurrentVersionDays": "7",
  });
  const rules = t.toJSON().Resources[LAKE_LOGICAL_IDS.bucket].Properties.LifecycleConfiguration
    .Rules as Record<string, unknown>[];
  const byId = Object.fromEntries(rules.map((r) => [r.Id, r]));
  assert.equal((byId["quarantine-expiry"] as { ExpirationInDays: number }).ExpirationInDays, 14);
  assert.deepEqual(
    (byId["raw-data-to-infrequent-access"] as { Transitions: unknown }).Transitions,
    [
      { StorageClass: "STANDARD_IA", TransitionInDays: 60 },
    ],
  );
  assert.deepEqual(
    (byId["noncurrent-versions"] as { NoncurrentVersionExpiration: unknown })
      .NoncurrentVersionExpiration,
    {
      NoncurrentDays: 7,
    },
  );
});

Deno.test("lake bucket: server access logs go to a private, SSE-S3, expiring log bucket", () => {
  const { lakeTemplate: t } = app();
  const r = t.toJSON().Resources;
  assert.deepEqual(r[LAKE_LOGICAL_IDS.bucket].Properties.LoggingConfiguration, {
    DestinationBucketName: { Ref: LAKE_LOGICAL_IDS.accessLogsBucket },
    LogFilePrefix: "lake/",
  });
  const logs = r[LAKE_LOGICAL_IDS.accessLogsBucket].Properties;
  assert.equal(
    logs.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault
      .SSEAlgorithm,
    "AES256",
  );
  assert.deepEqual(logs.LifecycleConfiguration.Rules[0].ExpirationInDays, ACCESS_LOG_DAYS);
  assert.equal(logs.PublicAccessBlockConfiguration.RestrictPublicBuckets, true);
  t.hasResourceProperties("AWS::S3::BucketPolicy", {
    Bucket: { Ref: LAKE_LOGICAL_IDS.accessLogsBucket },
    PolicyDocument: {
      Statement: Match.arrayWith([
        SSL_ONLY,
        Match.objectLike({
          Effect: "Allow",
          Action: "s3:PutObject",
          Principal: { Service: "logging.s3.amazonaws.com" },
          Condition: Match.objectLike({
            ArnLike: { "aws:SourceArn": { "Fn::GetAtt": [LAKE_LOGICAL_IDS.bucket, "Arn"] } },
          }),
        }),
      ]),
    },
  });
});

Deno.test("lake bucket: without access logs there is no log bucket", () => {
  const { lakeTemplate: t } = app({ "asxlab:accessLogs": "false" });
  t.resourceCountIs("AWS::S3::Bucket", 1);
  assert.equal(
    t.toJSON().Resources[LAKE_LOGICAL_IDS.bucket].Properties.LoggingConfiguration,
    undefined,
  );
});

Deno.test("lake bucket: KMS encryption with a rotated, retained key and a bucket key", () => {
  const { lakeTemplate: t } = app({ "asxlab:encryption": "kms" });
  const r = t.toJSON().Resources;
  assert.equal(r[LAKE_LOGICAL_IDS.key].Type, "AWS::KMS::Key");
  assert.equal(r[LAKE_LOGICAL_IDS.key].DeletionPolicy, "Retain");
  assert.equal(r[LAKE_LOGICAL_IDS.key].Properties.EnableKeyRotation, true);
  assert.deepEqual(r[LAKE_LOGICAL_IDS.bucket].Properties.BucketEncryption, {
    ServerSideEncryptionConfiguration: [{
      BucketKeyEnabled: true,
      ServerSideEncryptionByDefault: {
        SSEAlgorithm: "aws:kms",
        KMSMasterKeyID: { "Fn::GetAtt": [LAKE_LOGICAL_IDS.key, "Arn"] },
      },
    }],
  });
});

Deno.test("lake bucket: a named bucket keeps its name", () => {
  const { lakeTemplate: t } = app({ "asxlab:lakeBucketName": "my-asx-lake" });
  t.hasResourceProperties("AWS::S3::Bucket", { BucketName: "my-asx-lake" });
});
