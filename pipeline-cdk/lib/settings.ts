/**
 * The deployment's parameters: what a user may change with CDK context
 * (`cdk.json`'s `context`, or `deno task synth -c asxlab:alertEmail=me@example.com`),
 * their defaults, and the checks that turn a typo into a clear error at synth
 * time instead of a surprise in AWS.
 *
 * @module
 */

/** Where the lake's objects are encrypted at rest. */
export type LakeEncryption = "s3" | "kms";

/** Everything a deployment can be told. */
export interface PipelineSettings {
  /** The AWS region. @default {"ap-southeast-2"} */
  region: string;
  /** Email address subscribed to the `stock-stream-alerts` topic. @default {no subscription} */
  alertEmail?: string;
  /** EventBridge schedule of the daily run (UTC). @default {"cron(0 20 * * ? *)"}, 06:00 AEST */
  schedule: string;
  /** Whether the schedule is enabled (a disabled rule keeps its target). @default {true} */
  scheduleEnabled: boolean;
  /** The lake bucket's name. @default {a name CloudFormation generates} */
  lakeBucketName?: string;
  /** S3-managed keys, or a customer-managed KMS key ($1/month). @default {"s3"} */
  encryption: LakeEncryption;
  /** Server access logs of the lake bucket, to a second bucket. @default {true} */
  accessLogs: boolean;
  /** X-Ray tracing of the state machine and the functions. @default {true} */
  tracing: boolean;
  /** Pause between two Yahoo requests in one batch, ms (`ASXLAB_FETCH_PAUSE_MS`). @default {2000} */
  fetchPauseMs: number;
  /** Where the ASX list is downloaded from (`ASXLAB_ASX_LIST_URL`). @default {the pipeline's} */
  asxListUrl?: string;
  /** Days after which raw batches move to S3 Standard-IA. @default {30} */
  rawToInfrequentAccessDays: number;
  /** Days after which quarantined rows expire. @default {90} */
  quarantineExpiryDays: number;
  /** Days a replaced or deleted object version is kept. @default {30} */
  noncurrentVersionDays: number;
  /** Days CloudWatch keeps the functions' and the state machine's logs. @default {30} */
  logRetentionDays: number;
  /** Athena refuses a query that would scan more than this, MB. @default {1024} */
  athenaBytesScannedCutoffMb: number;
  /** The "no run" alarm fires after this many hours without a successful run. @default {26} */
  noRunAlarmHours: number;
}

/** The defaults, which `cdk.json` does not need to repeat. */
export const DEFAULT_SETTINGS: Readonly<PipelineSettings> = {
  region: "ap-southeast-2",
  schedule: "cron(0 20 * * ? *)",
  scheduleEnabled: true,
  encryption: "s3",
  accessLogs: true,
  tracing: true,
  fetchPauseMs: 2000,
  rawToInfrequentAccessDays: 30,
  quarantineExpiryDays: 90,
  noncurrentVersionDays: 30,
  logRetentionDays: 30,
  athenaBytesScannedCutoffMb: 1024,
  noRunAlarmHours: 26,
};

/** Prefix of every context key this app reads. */
export const CONTEXT_PREFIX = "asxlab:";

/** CloudWatch Logs accepts only these retention periods (days). */
const LOG_RETENTION_DAYS = [
  1,
  3,
  5,
  7,
  14,
  30,
  60,
  90,
  120,
  150,
  180,
  365,
  400,
  545,
  731,
  1096,
  1827,
  2192,
  2557,
  2922,
  3288,
  3653,
];

type Kind = "string" | "boolean" | "integer";

const KINDS: { [K in keyof PipelineSettings]-?: Kind } = {
  region: "string",
  alertEmail: "string",
  schedule: "string",
  scheduleEnabled: "boolean",
  lakeBucketName: "string",
  encryption: "string",
  accessLogs: "boolean",
  tracing: "boolean",
  fetchPauseMs: "integer",
  asxListUrl: "string",
  rawToInfrequentAccessDays: "integer",
  quarantineExpiryDays: "integer",
  noncurrentVersionDays: "integer",
  logRetentionDays: "integer",
  athenaBytesScannedCutoffMb: "integer",
  noRunAlarmHours: "integer",
};

/** The context keys this app reads, e.g. `asxlab:alertEmail`. */
export const CONTEXT_KEYS: readonly string[] = Object.keys(KINDS).map((k) => CONTEXT_PREFIX + k);

function parse(
  key: string,
  kind: Kind,
  value: unknown,
): string | boolean | number {
  const bad = (expected: string) =>
    new TypeError(
      `Invalid context ${key}=${JSON.stringify(value)}: expected ${expected}`,
    );
  switch (kind) {
    case "string":
      if (typeof value !== "string" || value.trim() === "") {
        throw bad("a non-empty string");
      }
      return value.trim();
    case "boolean":
      if (value === true || value === "true") return true;
      if (value === false || value === "false") return false;
      throw bad("true or false");
    case "integer": {
      const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
      if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) {
        throw bad("a whole number >= 0");
      }
      return n;
    }
  }
}

/**
 * Reads the settings from CDK context, checking every value.
 *
 * @param context Looks up one context key (e.g. `(k) => app.node.tryGetContext(k)`).
 * @returns The settings, defaults filled in.
 * @throws {TypeError} On an unknown `asxlab:` key or a malformed value, naming both.
 * @throws {RangeError} On a value outside what AWS accepts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { settingsFromContext } from "./settings.ts";
 * const ctx: Record<string, unknown> = { "asxlab:fetchPauseMs": "500" };
 * const s = settingsFromContext((k) => ctx[k], Object.keys(ctx));
 * assert.equal(s.fetchPauseMs, 500);
 * assert.equal(s.schedule, "cron(0 20 * * ? *)");
 * ```
 */
export function settingsFromContext(
  context: (key: string) => unknown,
  allKeys: readonly string[] = [],
): PipelineSettings {
  for (const key of allKeys) {
    if (key.startsWith(CONTEXT_PREFIX) && !CONTEXT_KEYS.includes(key)) {
      throw new TypeError(
        `Unknown context key ${key}: expected one of ${CONTEXT_KEYS.join(", ")}`,
      );
    }
  }
  const out: Record<string, unknown> = { ...DEFAULT_SETTINGS };
  for (const [name, kind] of Object.entries(KINDS)) {
    const key = CONTEXT_PREFIX + name;
    const value = context(key);
    if (value !== undefined && value !== null) {
      out[name] = parse(key, kind, value);
    }
  }
  const s = out as unknown as PipelineSettings;
  check(s);
  return s;
}

function check(s: PipelineSettings): void {
  const range = (key: keyof PipelineSettings, why: string) =>
    new RangeError(
      `Invalid context ${CONTEXT_PREFIX}${key}=${JSON.stringify(s[key])}: ${why}`,
    );
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(s.region)) {
    throw range("region", "not an AWS region name");
  }
  if (!/^(cron|rate)\(.+\)$/.test(s.schedule)) {
    throw range(
      "schedule",
      'expected an EventBridge expression such as "cron(0 20 * * ? *)"',
    );
  }
  if (s.encryption !== "s3" && s.encryption !== "kms") {
    throw range("encryption", 'use "s3" or "kms"');
  }
  if (
    s.alertEmail !== undefined &&
    !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(s.alertEmail)
  ) {
    throw range("alertEmail", "not an email address");
  }
  if (
    s.lakeBucketName !== undefined &&
    !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(s.lakeBucketName)
  ) {
    throw range("lakeBucketName", "not a valid S3 bucket name");
  }
  if (s.asxListUrl !== undefined && !/^https?:\/\//.test(s.asxListUrl)) {
    throw range("asxListUrl", "expected an http(s) URL");
  }
  if (!LOG_RETENTION_DAYS.includes(s.logRetentionDays)) {
    throw range(
      "logRetentionDays",
      `CloudWatch Logs accepts ${LOG_RETENTION_DAYS.join(", ")}`,
    );
  }
  if (s.athenaBytesScannedCutoffMb < 10) {
    throw range(
      "athenaBytesScannedCutoffMb",
      "Athena's smallest limit is 10 MB",
    );
  }
  // S3 requires an object to stay 30 days in Standard before it moves to Standard-IA.
  if (s.rawToInfrequentAccessDays < 30) {
    throw range(
      "rawToInfrequentAccessDays",
      "S3 moves objects to Standard-IA after 30 days at the earliest",
    );
  }
  for (
    const key of ["quarantineExpiryDays", "noncurrentVersionDays"] as const
  ) {
    if (s[key] < 1) throw range(key, "expected at least 1 day");
  }
  // An alarm over hourly periods may look back at most 7 days; less than a day would fire daily.
  if (s.noRunAlarmHours < 24 || s.noRunAlarmHours > 168) {
    throw range("noRunAlarmHours", "expected 24 to 168 hours");
  }
}
