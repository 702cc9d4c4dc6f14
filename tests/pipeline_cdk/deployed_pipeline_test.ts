/**
 * The deployed pipeline, run here: the state machine definition from the
 * synthesised template (its ARNs substituted) executed by the local runner,
 * each Task invoking the deployed function with the deployed environment,
 * against s3rver (a bucket named as the deployed one) and the fake Yahoo.
 * Every S3 request a function makes must be allowed by that function's
 * deployed IAM policy, so a missing grant fails here rather than in AWS.
 *
 * Two ways to invoke a function: its handler module in this process (the three
 * share one container's dependencies, so the lake is opened once), and its
 * bundle under `node` from a directory holding only the deployed asset, one
 * cold process per invocation, as Lambda runs it (skipped, loudly, when `node`
 * is not on PATH).
 */

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { runPipelineLocally } from "../../src/pipeline/local_runner.ts";
import { closeEngines } from "../../src/lake/open_engine.ts";
import { startFakeYahoo } from "../fakes/fake_yahoo.ts";
import { HAS_NODE, invokeUnderNode } from "../helpers/node_lambda.ts";
import { startS3rver } from "../helpers/s3rver.ts";
import { assertSeries, curated } from "../pipeline/_helpers.ts";
import {
  type CfnTemplate,
  LAKE_BUCKET,
  REGION,
  resolveCfn,
  resourcesOf,
  synthesise,
} from "./_synth.ts";

const DATE = "2024-08-01";
const LIST = Deno.readTextFileSync(
  new URL("../fixtures/asx/ASX_Listed_Companies_2024-08-01.csv", import.meta.url),
);
/** Four companies (with ^AXJO, five symbols), in batches of two: three FetchStockData calls. */
const SMALL_LIST = LIST.split("\n").slice(0, 5).join("\n");
const BATCH_SIZE = "2";

/** One deployed function, as the template says. */
interface Deployed {
  /** Its logical ID (the fake ARN's name). */
  id: string;
  arn: string;
  /** The module under src/pipeline/lambda, from its description. */
  entry: string;
  /** The code asset's S3 key (`<hash>.zip`; cdk.out holds it as `asset.<hash>/`). */
  asset: string;
  memoryMb: number;
  /** Its environment, resolved. */
  env: Record<string, string>;
  /** Its role's policy statements, resolved. */
  statements: { Effect: string; Action: string | string[]; Resource: string | string[] }[];
}

/** The Lambda functions of the template, by the Task state whose substitution names them. */
function deployedFunctions(template: CfnTemplate): Map<string, Deployed> {
  const [[, sm]] = resourcesOf(template, "AWS::StepFunctions::StateMachine") as [
    [string, { DefinitionString: string; DefinitionSubstitutions: Record<string, unknown> }],
  ];
  const definition = JSON.parse(sm.DefinitionString) as Record<string, unknown>;
  // Task state -> placeholder name, read from the definition itself.
  const tasks = new Map<string, string>();
  const walk = (machine: unknown) => {
    const states = (machine as { States: Record<string, Record<string, unknown>> }).States;
    for (const [name, s] of Object.entries(states)) {
      const fn = (s.Parameters as { FunctionName?: string } | undefined)?.FunctionName;
      if (s.Type === "Task" && fn) tasks.set(name, fn.slice(2, -1));
      if (s.Type === "Map") walk(s.ItemProcessor);
    }
  };
  walk(definition);
  const out = new Map<string, Deployed>();
  for (const [state, placeholder] of tasks) {
    const ref = sm.DefinitionSubstitutions[placeholder] as { "Fn::GetAtt": [string, string] };
    const id = ref["Fn::GetAtt"][0];
    const fn = template.Resources[id]!.Properties;
    const role = (fn.Role as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
    const policy = resourcesOf(template, "AWS::IAM::Policy").find(([, p]) =>
      (p.Roles as { Ref: string }[]).some((r) => r.Ref === role)
    )!;
    out.set(state, {
      id,
      arn: resolveCfn(template, ref) as string,
      entry: /src\/pipeline\/lambda\/(\w+)\.ts/.exec(fn.Description as string)![1]!,
      asset: (fn.Code as { S3Key: string }).S3Key,
      memoryMb: fn.MemorySize as number,
      env: resolveCfn(template, (fn.Environment as { Variables: unknown }).Variables) as Record<
        string,
        string
      >,
      statements:
        (resolveCfn(template, policy[1].PolicyDocument) as { Statement: Deployed["statements"] })
          .Statement,
    });
  }
  return out;
}

const glob = (pattern: string) =>
  new RegExp(
    `^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`,
  );
const list = <T>(v: T | T[]) => (Array.isArray(v) ? v : [v]);

/** Whether an identity policy allows `action` on `resource` (no conditions, no denies here). */
function allows(statements: Deployed["statements"], action: string, resource: string): boolean {
  return statements.some((s) =>
    s.Effect === "Allow" &&
    list(s.Action).some((a) => glob(a).test(action)) &&
    list(s.Resource).some((r) => glob(r).test(resource))
  );
}

/** The IAM action and resource an S3 request needs (path-style `/bucket[/key]`). */
function iamOf(method: string, path: string): { action: string; resource: string } {
  const [, bucket, ...rest] = path.split("/");
  const key = rest.map(decodeURIComponent).join("/");
  if (key === "") return { action: "s3:ListBucket", resource: `arn:aws:s3:::${bucket}` };
  const action = {
    GET: "s3:GetObject",
    HEAD: "s3:GetObject",
    PUT: "s3:PutObject",
    POST: "s3:PutObject",
    DELETE: "s3:DeleteObject",
  }[method];
  assert.ok(action, `unexpected S3 request ${method} ${path}`);
  return { action, resource: `arn:aws:s3:::${bucket}/${key}` };
}

/** Invokes a deployed function with an event and its environment (plus the test's). */
type Invoke = (fn: Deployed, env: Record<string, string>, event: unknown) => Promise<unknown>;

/** What one invocation under node measured. */
interface Measured {
  fn: string;
  ms: number;
  maxRssMb: number;
}

/**
 * Runs the deployed definition with the deployed functions against s3rver and
 * the fake Yahoo; checks the lake and every S3 request against the IAM policies.
 */
async function runDeployed(invoke: Invoke): Promise<void> {
  const { pipeline } = await synthesise();
  const functions = deployedFunctions(pipeline);
  assert.deepEqual([...functions.keys()].sort(), [
    "AggregateResults",
    "FetchStockData",
    "UpdateASXSymbols",
  ]);
  const [[, sm]] = resourcesOf(pipeline, "AWS::StepFunctions::StateMachine") as [
    [string, { DefinitionString: string; DefinitionSubstitutions: Record<string, unknown> }],
  ];
  const substitutions = resolveCfn(pipeline, sm.DefinitionSubstitutions) as Record<string, string>;
  const definition = JSON.parse(
    sm.DefinitionString.replace(/\$\{(\w+)\}/g, (_, n: string) => substitutions[n]!),
  );

  const s3 = await startS3rver({ bucket: LAKE_BUCKET });
  const fake = await startFakeYahoo({ asxList: SMALL_LIST, retryAfterSeconds: 0 });
  const scratch = mkdtempSync(join(tmpdir(), "asxlab-deployed-"));
  try {
    const testEnv: Record<string, string> = {
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
      AWS_REGION: REGION,
      ASXLAB_YAHOO_URL: fake.url,
      ASXLAB_ASX_LIST_URL: fake.asxListUrl,
      ASXLAB_FETCH_PAUSE_MS: "0", // deployed: 2000
      ASXLAB_BATCH_SIZE: BATCH_SIZE,
      ASXLAB_CACHE_DIR: join(scratch, "lambda-cache"), // deployed: the default under /tmp
    };
    // Which function's window each S3 request fell in (the states never overlap).
    const windows = new Map<string, { from: number; to: number; active: number; calls: number }>();
    const answers = new Map<string, unknown>();
    const task = (state: string) => async (input: unknown) => {
      const fn = functions.get(state)!;
      const { FunctionName, Payload } = input as { FunctionName: string; Payload: unknown };
      assert.equal(FunctionName, fn.arn, `${state} invokes the deployed function`);
      const w = windows.get(state) ??
        { from: s3.log.length, to: s3.log.length, active: 0, calls: 0 };
      windows.set(state, w);
      w.active++;
      w.calls++;
      try {
        const out = await invoke(fn, { ...fn.env, ...testEnv }, Payload);
        answers.set(state, out);
        return { Payload: out, StatusCode: 200 };
      } finally {
        w.active--;
        w.to = s3.log.length;
      }
    };
    const result = await runPipelineLocally({
      config: {
        lake: `s3://${LAKE_BUCKET}`,
        s3Endpoint: s3.endpoint,
        s3Credentials: s3.credentials,
        yahooUrl: fake.url,
        asxListUrl: fake.asxListUrl,
        cacheDir: join(scratch, "runner-cache"),
      },
      date: DATE,
      definition,
      retryWaitMs: 0,
      handlers: {
        UpdateASXSymbols: task("UpdateASXSymbols"),
        FetchStockData: task("FetchStockData"),
        AggregateResults: task("AggregateResults"),
      },
    });
    assert.equal(
      result.status,
      "SUCCEEDED",
      JSON.stringify({ error: result.error, alerts: result.alerts }),
    );
    assert.equal(windows.get("FetchStockData")?.calls, 3);

    // The lake holds exactly the fake's bars for the day.
    const got = await curated(`s3://${LAKE_BUCKET}`, {
      endpoint: s3.endpoint,
      credentials: s3.credentials,
      cacheDir: join(scratch, "check-cache"),
    });
    // The aggregator's answer is the run summary it wrote.
    const summary = answers.get("AggregateResults") as { date: string; symbols_processed: number };
    assert.equal(summary.date, DATE);
    assert.equal(summary.symbols_processed, 5);
    for (const symbol of got.keys()) assertSeries(got, fake, symbol, DATE, DATE);
    assert.ok(got.size >= 4, `${got.size} symbols with a bar`);

    // Every S3 request each function made is allowed by its deployed policy.
    for (const [state, w] of windows) {
      const fn = functions.get(state)!;
      const requests = s3.log.slice(w.from, w.to);
      assert.ok(requests.length > 0, `${state} used the lake`);
      for (const r of requests) {
        const { action, resource } = iamOf(r.method, r.path);
        assert.ok(
          allows(fn.statements, action, resource),
          `${state}'s deployed policy does not allow ${action} on ${resource}`,
        );
      }
    }
  } finally {
    await fake.close();
    await s3.close();
    await closeEngines();
    rmSync(scratch, { recursive: true, force: true });
  }
}

Deno.test({
  name:
    "deployed pipeline: the deployed ASL runs the deployed handlers, within their IAM policies (handlers in-process)",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const saved = { ...process.env };
    try {
      await runDeployed(async (fn, env, event) => {
        Object.assign(process.env, env);
        const mod = await import(`../../src/pipeline/lambda/${fn.entry}.ts`);
        return await mod.handler(event);
      });
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
    }
  },
});

const measured: Measured[] = [];

/** Invokes the deployed asset, exactly as cdk deploy uploads it, under node. */
const underNode = (outDir: string): Invoke => async (fn, env, event) => {
  const asset = join(outDir, `asset.${fn.asset.replace(/\.zip$/, "")}`);
  const run = await invokeUnderNode(asset, {
    AWS_LAMBDA_FUNCTION_NAME: fn.id,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
    ...env,
  }, event).catch((err: Error) => {
    throw Object.assign(new Error(`${fn.id}: ${err.message}`), { name: err.name });
  });
  measured.push({ fn: fn.id, ms: run.ms, maxRssMb: run.peakMb });
  return run.result;
};

Deno.test({
  name:
    "deployed pipeline: the same, each bundle under node from a directory holding only its asset",
  ignore: !HAS_NODE,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const { outDir } = await synthesise();
    await runDeployed(underNode(outDir));
    // Each function stayed well inside its memory size.
    const { pipeline } = await synthesise();
    const memory = new Map(
      [...deployedFunctions(pipeline).values()].map((f) => [f.id, f.memoryMb]),
    );
    assert.deepEqual(new Set(measured.map((m) => m.fn)), new Set(memory.keys()));
    for (const m of measured) {
      assert.ok(
        m.maxRssMb < 0.8 * memory.get(m.fn)!,
        `${m.fn}: ${m.maxRssMb.toFixed(0)} MB peak RSS`,
      );
    }
    console.log(
      measured.map((m) => `${m.fn}: ${m.ms.toFixed(0)} ms, ${m.maxRssMb.toFixed(0)} MB peak RSS`)
        .join("\n"),
    );
  },
});

if (!HAS_NODE) {
  console.warn("deployed pipeline: node is not on PATH; the run under node is skipped");
}
