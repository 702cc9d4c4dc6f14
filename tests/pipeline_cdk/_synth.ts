/**
 * The CDK app as `deno task synth` builds it, for tests that compare the
 * deployed templates with what runs here: pipeline-cdk has its own deno.json
 * (aws-cdk-lib stays out of the main install), so it runs in a subprocess,
 * once per test process, into a temp directory.
 *
 * Also a small CloudFormation resolver: `Ref`, `Fn::GetAtt` and `Fn::Join`
 * evaluated for a fake account, so templates can be read as AWS would see them.
 *
 * @module
 */

import { join } from "node:path";
import { bundleLambdas } from "../../scripts/bundle_lambdas.ts";

/** The fake account the resolver deploys into. */
export const ACCOUNT = "123456789012";
/** The region the app deploys to by default. */
export const REGION = "ap-southeast-2";
/** The lake bucket's name in that account (`asxlab-lake-<account>-<region>`). */
export const LAKE_BUCKET = `asxlab-lake-${ACCOUNT}-${REGION}`;

const ROOT = new URL("../../", import.meta.url).pathname;
const CDK_CONFIG = join(ROOT, "pipeline-cdk/deno.json");

/** A CloudFormation template. */
export interface CfnTemplate {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
}

/** What one synth produced. */
export interface Synthesised {
  /** The bundles (`<dir>/<entry>/index.mjs`). */
  bundleDir: string;
  /** The cloud assembly. */
  outDir: string;
  /** The pipeline stack's template. */
  pipeline: CfnTemplate;
  /** The lake stack's template. */
  lake: CfnTemplate;
}

let once: Promise<Synthesised> | undefined;

async function run(args: string[]): Promise<void> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "--config", CDK_CONFIG, ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(
      `${args.join(" ")} failed:\n${new TextDecoder().decode(out.stderr)}${
        new TextDecoder().decode(out.stdout)
      }`,
    );
  }
}

/**
 * Bundles the handlers and synthesises the app, as `deno task synth` does
 * (once per process).
 *
 * @returns Where the bundles and templates are, and the parsed templates.
 */
export function synthesise(): Promise<Synthesised> {
  once ??= (async () => {
    const dir = await Deno.makeTempDir({ prefix: "asxlab-synth-" });
    const bundleDir = join(dir, "bundles");
    const outDir = join(dir, "cdk.out");
    await bundleLambdas({ outDir: bundleDir });
    await run(["pipeline-cdk/bin/app.ts", "--bundles", bundleDir, "--outdir", outDir]);
    const read = (name: string) =>
      JSON.parse(Deno.readTextFileSync(join(outDir, `${name}.template.json`))) as CfnTemplate;
    globalThis.addEventListener("unload", () => {
      try {
        Deno.removeSync(dir, { recursive: true });
      } catch {
        // already gone
      }
    });
    return { bundleDir, outDir, pipeline: read("AsxlabPipeline"), lake: read("AsxlabLake") };
  })();
  return once;
}

/**
 * Evaluates a CloudFormation value for {@link ACCOUNT} in {@link REGION}:
 * pseudo parameters, `Fn::Join`, `Ref` (a resource's logical ID, or a fake ARN
 * for functions and topics) and `Fn::GetAtt …Arn` (a fake ARN naming the
 * resource).
 *
 * @param template The template the value comes from.
 * @param value A template value.
 * @returns The value as AWS would resolve it (in shape).
 */
export function resolveCfn(template: CfnTemplate, value: unknown): unknown {
  const arnOf = (id: string): string => {
    const type = template.Resources[id]?.Type;
    switch (type) {
      case "AWS::Lambda::Function":
        return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${id}`;
      case "AWS::SNS::Topic":
        return `arn:aws:sns:${REGION}:${ACCOUNT}:${id}`;
      case "AWS::Logs::LogGroup":
        return `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${id}:*`;
      case "AWS::StepFunctions::StateMachine":
        return `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${id}`;
      default:
        return `arn:aws:cloudformation:${REGION}:${ACCOUNT}:${type ?? "unknown"}/${id}`;
    }
  };
  const visit = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(visit);
    if (v === null || typeof v !== "object") return v;
    const o = v as Record<string, unknown>;
    if ("Ref" in o) {
      const ref = o.Ref as string;
      if (ref === "AWS::AccountId") return ACCOUNT;
      if (ref === "AWS::Region") return REGION;
      if (ref === "AWS::Partition") return "aws";
      const type = template.Resources[ref]?.Type;
      return type === "AWS::SNS::Topic" || type === "AWS::StepFunctions::StateMachine"
        ? arnOf(ref)
        : ref;
    }
    if ("Fn::GetAtt" in o) {
      const [id, attr] = o["Fn::GetAtt"] as [string, string];
      if (attr !== "Arn") throw new Error(`Cannot resolve Fn::GetAtt ${id}.${attr}`);
      return arnOf(id);
    }
    if ("Fn::Join" in o) {
      const [sep, parts] = o["Fn::Join"] as [string, unknown[]];
      return parts.map((p) => String(visit(p))).join(sep);
    }
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, visit(x)]));
  };
  return visit(value);
}

/** The resources of one type, by logical ID. */
export function resourcesOf(
  template: CfnTemplate,
  type: string,
): [string, Record<string, unknown>][] {
  return Object.entries(template.Resources)
    .filter(([, r]) => r.Type === type)
    .map(([id, r]) => [id, r.Properties]);
}
