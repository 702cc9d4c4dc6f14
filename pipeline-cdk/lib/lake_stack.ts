/**
 * The stateful half of the deployment: the lake bucket (and, when asked, its
 * KMS key and its access-log bucket). Everything here is retained when the
 * stack is deleted or a resource would be replaced, and keeps a fixed logical
 * ID, so that refactoring the app can never replace the bucket that holds the
 * data.
 *
 * @module
 */

import { Aws, Duration, Fn, RemovalPolicy, Stack, type StackProps, Validations } from "aws-cdk-lib";
import * as kms from "aws-cdk-lib/aws-kms";
import * as s3 from "aws-cdk-lib/aws-s3";
import type { Construct } from "constructs";
import type { PipelineSettings } from "./settings.ts";

/** The logical IDs that must never change (a new ID would replace the resource). */
export const LAKE_LOGICAL_IDS = {
  bucket: "LakeBucket",
  accessLogsBucket: "AccessLogsBucket",
  key: "LakeKey",
} as const;

/** Where Athena writes query results, inside the lake bucket (outside the lake's layout). */
export const ATHENA_RESULTS_PREFIX = "athena-results/";

/** How long Athena's result files are kept. */
export const ATHENA_RESULTS_DAYS = 7;

/** How long server access logs are kept. */
export const ACCESS_LOG_DAYS = 90;

/**
 * The lake bucket's name: `asxlab:lakeBucketName`, or `asxlab-lake-<account>-<region>`.
 * A known name lets the pipeline stack find the bucket without a cross-stack
 * reference, so either stack can be deployed, changed or deleted on its own.
 *
 * @param settings The deployment's settings.
 * @returns The name (a CloudFormation expression when it involves the account).
 */
export function lakeBucketName(
  settings: Pick<PipelineSettings, "lakeBucketName">,
): string {
  return settings.lakeBucketName ??
    Fn.join("-", ["asxlab-lake", Aws.ACCOUNT_ID, Aws.REGION]);
}

/** Props of {@link LakeStack}. */
export interface LakeStackProps extends StackProps {
  /** The deployment's settings (encryption, access logs, lifecycle). */
  settings: PipelineSettings;
}

/**
 * The lake bucket: private, encrypted, TLS only, versioned, with lifecycle
 * rules for the lake's layout (DESIGN.md "The lake").
 */
export class LakeStack extends Stack {
  /** The bucket that holds the lake (`s3://<bucket>/`). */
  readonly bucket: s3.Bucket;
  /** The customer-managed key, when `encryption` is `"kms"`. */
  readonly key: kms.Key | undefined;

  constructor(scope: Construct, id: string, props: LakeStackProps) {
    super(scope, id, props);
    const s = props.settings;

    this.key = s.encryption === "kms"
      ? new kms.Key(this, "Key", {
        description: "asxlab lake: encrypts the lake bucket and the alert topic",
        enableKeyRotation: true,
        removalPolicy: RemovalPolicy.RETAIN,
      })
      : undefined;
    if (this.key) {
      (this.key.node.defaultChild as kms.CfnKey).overrideLogicalId(
        LAKE_LOGICAL_IDS.key,
      );
    }

    const accessLogs = s.accessLogs
      ? new s3.Bucket(this, "AccessLogs", {
        // S3 delivers access logs only to a bucket encrypted with S3-managed keys.
        encryption: s3.BucketEncryption.S3_MANAGED,
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        enforceSSL: true,
        removalPolicy: RemovalPolicy.RETAIN,
        lifecycleRules: [{
          id: "expire-access-logs",
          expiration: Duration.days(ACCESS_LOG_DAYS),
        }],
      })
      : undefined;
    if (accessLogs) {
      (accessLogs.node.defaultChild as s3.CfnBucket).overrideLogicalId(
        LAKE_LOGICAL_IDS.accessLogsBucket,
      );
      // The access-log bucket cannot log to itself (each delivery would log another one).
      Validations.of(accessLogs).acknowledge({
        id: "AwsSolutions-S1",
        reason: "This is the access-log destination; logging its own writes would loop.",
      });
    }

    this.bucket = new s3.Bucket(this, "Lake", {
      bucketName: lakeBucketName(s),
      encryption: this.key ? s3.BucketEncryption.KMS : s3.BucketEncryption.S3_MANAGED,
      encryptionKey: this.key,
      // One data key per bucket instead of a KMS request per object (KMS requests cost).
      bucketKeyEnabled: this.key !== undefined,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: accessLogs ? "lake/" : undefined,
      lifecycleRules: [
        {
          id: "raw-data-to-infrequent-access",
          prefix: "raw-data/",
          // S3 leaves objects under 128 KB in Standard (IA bills 128 KB minimum),
          // so daily batches of a few KB stay put and backfill batches move.
          transitions: [{
            storageClass: s3.StorageClass.INFREQUENT_ACCESS,
            transitionAfter: Duration.days(s.rawToInfrequentAccessDays),
          }],
        },
        {
          id: "quarantine-expiry",
          prefix: "quarantine/",
          expiration: Duration.days(s.quarantineExpiryDays),
        },
        {
          id: "athena-results-expiry",
          prefix: ATHENA_RESULTS_PREFIX,
          expiration: Duration.days(ATHENA_RESULTS_DAYS),
        },
        {
          // Each daily merge replaces the current year's file: keep a month of old versions to
          // recover from a bad run, not every day's copy forever.
          id: "noncurrent-versions",
          noncurrentVersionExpiration: Duration.days(s.noncurrentVersionDays),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
        { id: "expired-delete-markers", expiredObjectDeleteMarker: true },
      ],
    });
    (this.bucket.node.defaultChild as s3.CfnBucket).overrideLogicalId(
      LAKE_LOGICAL_IDS.bucket,
    );
    if (!accessLogs) {
      Validations.of(this.bucket).acknowledge({
        id: "AwsSolutions-S1",
        reason: "Server access logs were turned off by the deployer (asxlab:accessLogs=false).",
      });
    }
  }
}
