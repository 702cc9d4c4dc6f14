import assert from "node:assert/strict";
import { CONTEXT_KEYS, DEFAULT_SETTINGS, settingsFromContext } from "../lib/settings.ts";

const from = (ctx: Record<string, unknown>) => settingsFromContext((k) => ctx[k], Object.keys(ctx));

Deno.test("settings: defaults when the context says nothing", () => {
  assert.deepEqual(from({}), DEFAULT_SETTINGS);
  assert.equal(DEFAULT_SETTINGS.schedule, "cron(0 20 * * ? *)");
  assert.equal(DEFAULT_SETTINGS.region, "ap-southeast-2");
});

Deno.test("settings: -c strings and cdk.json values are parsed by kind", () => {
  const s = from({
    "asxlab:fetchPauseMs": "500",
    "asxlab:tracing": "false",
    "asxlab:accessLogs": false,
    "asxlab:alertEmail": " me@example.com ",
    "asxlab:schedule": "cron(30 21 ? * MON-FRI *)",
    "asxlab:encryption": "kms",
    "asxlab:logRetentionDays": 90,
  });
  assert.equal(s.fetchPauseMs, 500);
  assert.equal(s.tracing, false);
  assert.equal(s.accessLogs, false);
  assert.equal(s.alertEmail, "me@example.com");
  assert.equal(s.schedule, "cron(30 21 ? * MON-FRI *)");
  assert.equal(s.encryption, "kms");
  assert.equal(s.logRetentionDays, 90);
});

Deno.test("settings: a typo'd key or a bad value is an error naming it", () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ "asxlab:fetchPause": "1" }, /Unknown context key asxlab:fetchPause: expected one of/],
    [{ "asxlab:fetchPauseMs": "2s" }, /asxlab:fetchPauseMs="2s": expected a whole number/],
    [{ "asxlab:fetchPauseMs": -1 }, /expected a whole number >= 0/],
    [{ "asxlab:tracing": "yes" }, /asxlab:tracing="yes": expected true or false/],
    [
      { "asxlab:schedule": "0 20 * * *" },
      /asxlab:schedule="0 20 \* \* \*": expected an EventBridge/,
    ],
    [{ "asxlab:encryption": "aes" }, /asxlab:encryption="aes": use "s3" or "kms"/],
    [{ "asxlab:alertEmail": "nobody" }, /not an email address/],
    [{ "asxlab:lakeBucketName": "My_Bucket" }, /not a valid S3 bucket name/],
    [{ "asxlab:logRetentionDays": 10 }, /CloudWatch Logs accepts 1, 3, 5/],
    [{ "asxlab:rawToInfrequentAccessDays": 7 }, /after 30 days at the earliest/],
    [{ "asxlab:athenaBytesScannedCutoffMb": 1 }, /smallest limit is 10 MB/],
    [{ "asxlab:noRunAlarmHours": 12 }, /expected 24 to 168 hours/],
    [{ "asxlab:region": "sydney" }, /not an AWS region name/],
  ];
  for (const [ctx, message] of cases) assert.throws(() => from(ctx), message, JSON.stringify(ctx));
});

Deno.test("settings: every context key has a default or is optional, and keys are documented", () => {
  const optional = ["asxlab:alertEmail", "asxlab:lakeBucketName", "asxlab:asxListUrl"];
  for (const key of CONTEXT_KEYS) {
    const name = key.slice("asxlab:".length) as keyof typeof DEFAULT_SETTINGS;
    assert.ok(name in DEFAULT_SETTINGS || optional.includes(key), `${key} has no default`);
  }
});
