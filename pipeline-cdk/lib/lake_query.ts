/**
 * Query at scale: a Glue table over the lake's curated `ohlcv/` Parquet (one
 * partition per `year=`, found by partition projection, so nothing has to
 * register new years) and an Athena workgroup that writes results under the
 * lake bucket's `athena-results/` and refuses queries that would scan too much.
 *
 * @module
 */

import { Stack } from "aws-cdk-lib";
import * as athena from "aws-cdk-lib/aws-athena";
import * as glue from "aws-cdk-lib/aws-glue";
import type * as kms from "aws-cdk-lib/aws-kms";
import type * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { ATHENA_RESULTS_PREFIX } from "./lake_stack.ts";
import type { PipelineSettings } from "./settings.ts";

/** The Glue database, the table and the Athena workgroup. */
export const QUERY_NAMES = {
  database: "asxlab",
  table: "ohlcv",
  workGroup: "asxlab",
} as const;

/**
 * The curated schema (src/lake/schema.ts `LAKE_TYPES`) in Hive types.
 * tests/pipeline_cdk checks that both list the same columns and types.
 */
export const OHLCV_TABLE_COLUMNS: readonly { name: string; type: string }[] = [
  { name: "symbol", type: "string" },
  { name: "date", type: "date" },
  { name: "open", type: "double" },
  { name: "high", type: "double" },
  { name: "low", type: "double" },
  { name: "close", type: "double" },
  { name: "volume", type: "bigint" },
  { name: "adjusted_close", type: "double" },
  { name: "fetch_timestamp", type: "string" },
  { name: "batch_number", type: "int" },
];

/** The years partition projection enumerates (a query without a `year` filter lists each). */
export const PROJECTED_YEARS = "1980,2100";

/** Props of {@link LakeQuery}. */
export interface LakeQueryProps {
  /** The lake bucket. */
  bucket: s3.IBucket;
  /** Its customer-managed key, when it has one (query results use it too). */
  key?: kms.IKey;
  /** The deployment's settings (`athenaBytesScannedCutoffMb`). */
  settings: PipelineSettings;
}

/** The Glue catalog entries and the Athena workgroup over the lake. */
export class LakeQuery extends Construct {
  /** The Athena workgroup. */
  readonly workGroup: athena.CfnWorkGroup;
  /** The `ohlcv` table. */
  readonly table: glue.CfnTable;

  constructor(scope: Construct, id: string, props: LakeQueryProps) {
    super(scope, id);
    const { bucket, key, settings } = props;
    const catalogId = Stack.of(this).account;
    const ohlcv = `s3://${bucket.bucketName}/ohlcv/`;

    const database = new glue.CfnDatabase(this, "Database", {
      catalogId,
      databaseInput: {
        name: QUERY_NAMES.database,
        description: "asxlab: the ASX daily OHLCV lake",
      },
    });
    this.table = new glue.CfnTable(this, "OhlcvTable", {
      catalogId,
      databaseName: QUERY_NAMES.database,
      tableInput: {
        name: QUERY_NAMES.table,
        description:
          "Curated daily bars: one Parquet file per year (ohlcv/year=YYYY/part-0.parquet)",
        tableType: "EXTERNAL_TABLE",
        parameters: {
          classification: "parquet",
          EXTERNAL: "TRUE",
          "projection.enabled": "true",
          "projection.year.type": "integer",
          "projection.year.range": PROJECTED_YEARS,
          "storage.location.template": `${ohlcv}year=\${year}/`,
        },
        partitionKeys: [{ name: "year", type: "int" }],
        storageDescriptor: {
          location: ohlcv,
          columns: OHLCV_TABLE_COLUMNS.map((c) => ({ ...c })),
          inputFormat: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
          outputFormat: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
          serdeInfo: {
            serializationLibrary: "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
          },
        },
      },
    });
    this.table.addResourceDependency(database);

    this.workGroup = new athena.CfnWorkGroup(this, "WorkGroup", {
      name: QUERY_NAMES.workGroup,
      description: "asxlab: queries over the lake, results under athena-results/",
      state: "ENABLED",
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: settings.athenaBytesScannedCutoffMb * 1024 *
          1024,
        engineVersion: { selectedEngineVersion: "AUTO" },
        resultConfiguration: {
          outputLocation: `s3://${bucket.bucketName}/${ATHENA_RESULTS_PREFIX}`,
          encryptionConfiguration: key
            ? { encryptionOption: "SSE_KMS", kmsKey: key.keyArn }
            : { encryptionOption: "SSE_S3" },
        },
      },
    });
  }
}
