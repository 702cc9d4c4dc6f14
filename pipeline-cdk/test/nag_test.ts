import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import * as cx from "aws-cdk-lib/cx-api";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { CDK_DIR, DEFAULT_BUNDLE_DIR } from "../lib/paths.ts";
import { buildApp } from "../lib/pipeline_app.ts";
import { CDK_JSON_CONTEXT } from "./_app.ts";

interface Violation {
  ruleName: string;
  severity: string;
  violatingConstructs: { constructPath: string }[];
}

/** Synthesises the whole app (cdk-nag runs as a validation plugin) and returns its findings. */
function synth(overrides: Record<string, unknown>): { error?: string; violations: Violation[] } {
  const outdir = Deno.makeTempDirSync({ prefix: "asxlab-nag-" });
  const { app } = buildApp({
    outdir,
    context: { ...CDK_JSON_CONTEXT, ...overrides },
    code: () => lambda.Code.fromInline("exports.handler = async () => ({});"),
  });
  let error: string | undefined;
  try {
    app.synth();
  } catch (err) {
    error = String(err);
  }
  const report = join(outdir, "validation-report.json");
  const violations = existsSync(report)
    ? (JSON.parse(readFileSync(report, "utf8")) as {
      pluginReports: { violations: Violation[] }[];
    }).pluginReports.flatMap((p) => p.violations)
    : [];
  Deno.removeSync(outdir, { recursive: true });
  return { error, violations };
}

const VARIANTS: Record<string, Record<string, unknown>> = {
  defaults: {},
  "KMS, email, no tracing, no access logs": {
    "asxlab:encryption": "kms",
    "asxlab:alertEmail": "quant@example.com",
    "asxlab:tracing": "false",
    "asxlab:accessLogs": "false",
  },
  "KMS with tracing and access logs": { "asxlab:encryption": "kms" },
};

for (const [name, overrides] of Object.entries(VARIANTS)) {
  Deno.test(`cdk-nag AwsSolutions: no unacknowledged finding (${name})`, () => {
    const { error, violations } = synth(overrides);
    const listed = violations.map((v) =>
      `${v.severity} ${v.ruleName} at ${
        v.violatingConstructs.map((c) => c.constructPath).join(", ")
      }`
    );
    assert.deepEqual(listed, []);
    assert.equal(error, undefined);
  });
}

Deno.test("cdk-nag: a new wildcard grant fails the synth (the checks are really on)", async () => {
  const s3 = await import("aws-cdk-lib/aws-s3");
  const outdir = Deno.makeTempDirSync({ prefix: "asxlab-nag-" });
  const { app, pipeline } = buildApp({
    outdir,
    context: CDK_JSON_CONTEXT,
    code: () => lambda.Code.fromInline("exports.handler = async () => ({});"),
  });
  const fn = pipeline.functions.byState.get("FetchStockData")!;
  s3.Bucket.fromBucketName(pipeline, "Other", "someone-elses-bucket").grantRead(fn);
  assert.throws(() => app.synth(), /Validation failed/);
  const report = readFileSync(join(outdir, "validation-report.json"), "utf8");
  assert.match(report, /someone-elses-bucket\/\*/);
  Deno.removeSync(outdir, { recursive: true });
});

Deno.test("cdk.json: carries every feature flag CDK currently recommends, at its recommended value", () => {
  for (const [flag, value] of Object.entries(cx.CURRENTLY_RECOMMENDED_FLAGS)) {
    assert.deepEqual(CDK_JSON_CONTEXT[flag], value, flag);
  }
  const cdkJson = JSON.parse(readFileSync(new URL("../cdk.json", import.meta.url), "utf8"));
  // The CDK CLI bundles first, as `deno task synth` does, with the one bundling command.
  assert.match(cdkJson.app, /^deno task bundle && deno run --allow-all bin\/app\.ts$/);
  const tasks = JSON.parse(readFileSync(new URL("../deno.json", import.meta.url), "utf8")).tasks;
  assert.match(tasks.synth, /^deno task bundle && deno run --allow-all bin\/app\.ts$/);
  assert.ok(
    tasks.bundle.endsWith(
      ` ../scripts/bundle_lambdas.ts --out ${relative(CDK_DIR, DEFAULT_BUNDLE_DIR)}`,
    ),
    tasks.bundle,
  );
});
