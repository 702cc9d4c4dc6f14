/**
 * What `deno task synth` deploys, compared with what runs here: the state
 * machine definition the local runner executes, the schema the lake writes,
 * the environment variables the handlers read.
 */

import assert from "node:assert/strict";
import { DataType } from "apache-arrow";
import { rawTable } from "../../src/lake/schema.ts";
import { PIPELINE_ENV } from "../../src/pipeline/config.ts";
import { LOCAL_RESOURCES } from "../../src/pipeline/local_runner.ts";
import {
  RESOURCE_PLACEHOLDERS,
  stateMachineJson,
  type StateMachineResources,
} from "../../src/pipeline/state_machine.ts";
import { resourcesOf, synthesise } from "./_synth.ts";

const NO_LEAKS = { sanitizeResources: false, sanitizeOps: false };

Deno.test({
  name: "deployed definition: after substitution it is the ASL the local runner executes",
  ...NO_LEAKS,
  fn: async () => {
    const { pipeline } = await synthesise();
    const [[, sm]] = resourcesOf(pipeline, "AWS::StepFunctions::StateMachine") as [
      [string, { DefinitionString: string; DefinitionSubstitutions: Record<string, unknown> }],
    ];
    // Placeholder name -> the resource it stands for in the pipeline's definition.
    const resourceOf = Object.fromEntries(
      Object.entries(RESOURCE_PLACEHOLDERS).map(([k, v]) => [v.slice(2, -1), k]),
    ) as Record<string, keyof StateMachineResources>;
    assert.deepEqual(
      Object.keys(sm.DefinitionSubstitutions).sort(),
      Object.keys(resourceOf).sort(),
    );
    // Substitute what the local runner puts there; the result must be byte for byte what
    // runPipelineLocally runs by default.
    const local = sm.DefinitionString.replace(/\$\{([A-Za-z0-9]+)\}/g, (_, name: string) => {
      const resource = resourceOf[name];
      assert.ok(resource, `unknown placeholder \${${name}}`);
      return LOCAL_RESOURCES[resource];
    });
    assert.equal(local, stateMachineJson(LOCAL_RESOURCES));
  },
});

Deno.test({
  name: "deployed Glue table: the lake's columns, in order, with their Parquet types",
  ...NO_LEAKS,
  fn: async () => {
    const { pipeline } = await synthesise();
    const [[, table]] = resourcesOf(pipeline, "AWS::Glue::Table") as [
      [
        string,
        { TableInput: { StorageDescriptor: { Columns: { Name: string; Type: string }[] } } },
      ],
    ];
    const schema = rawTable({
      symbol: ["BHP.AX"],
      date: ["2024-08-01"],
      open: [44],
      high: [45],
      low: [43.5],
      close: [44.8],
      volume: [7_100_000],
      adjusted_close: [44.8],
      fetch_timestamp: "2024-08-01T08:00:00.000Z",
    }, 0).schema;
    const hive = (t: DataType): string => {
      if (DataType.isUtf8(t)) return "string";
      if (DataType.isDate(t)) return "date";
      if (DataType.isFloat(t) && t.precision === 2) return "double";
      if (DataType.isInt(t) && t.bitWidth === 64) return "bigint";
      if (DataType.isInt(t) && t.bitWidth === 32) return "int";
      throw new TypeError(`No Hive type for ${t}`);
    };
    assert.deepEqual(
      table.TableInput.StorageDescriptor.Columns,
      schema.fields.map((f) => ({ Name: f.name, Type: hive(f.type) })),
    );
  },
});

Deno.test({
  name: "deployed functions: every environment variable is one the handlers read",
  ...NO_LEAKS,
  fn: async () => {
    const { pipeline } = await synthesise();
    const fns = resourcesOf(pipeline, "AWS::Lambda::Function");
    assert.equal(fns.length, 3);
    for (const [id, fn] of fns) {
      const vars = Object.keys(
        (fn.Environment as { Variables: Record<string, unknown> }).Variables,
      );
      assert.ok(vars.includes("ASXLAB_LAKE"), id);
      for (const v of vars) {
        assert.ok(v in PIPELINE_ENV || v === "NODE_OPTIONS", `${id}: ${v} is read by nothing`);
      }
    }
  },
});
