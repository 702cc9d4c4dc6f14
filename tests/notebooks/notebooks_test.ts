import assert from "node:assert/strict";
import { basename, dirname, resolve } from "node:path";
import { PLOTLY_MIME } from "../../src/mod.ts";
import {
  assertFound,
  findJupyterPython,
  REQUIRE_TOOLCHAIN,
  toolTestName,
} from "../helpers/toolchain.ts";
import { cellsAsModule, notebookPaths, readNotebook, sourceOf } from "./_notebook.ts";
import { seedPipelineLake } from "../../scripts/pipeline_demo.ts";

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), "../..");
const CONFIG = resolve(ROOT, "deno.json");
const NBRUN = resolve(ROOT, "tests/notebooks/nbrun.py");
const jupyter = await findJupyterPython();

async function deno(args: string[], env: Record<string, string> = {}) {
  const r = await new Deno.Command(Deno.execPath(), { args, env, stdout: "piped", stderr: "piped" })
    .output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { ok: r.success, stdout: text(r.stdout), stderr: text(r.stderr) };
}

/**
 * Notebook 05 reads a pipeline lake: one seeded by real local pipeline runs
 * against the fake Yahoo (`deno task pipeline:demo`), made once for both of its
 * tests and removed at the end.
 */
let pipelineLake: Promise<string> | undefined;
function envFor(name: string): Promise<Record<string, string>> {
  if (!name.startsWith("05_")) return Promise.resolve({});
  pipelineLake ??= (async () => {
    const dir = await Deno.makeTempDir({ prefix: "asxlab-nb05-lake-" });
    globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
    await seedPipelineLake(dir);
    return dir;
  })();
  return pipelineLake.then((dir) => ({ ASXLAB_LAKE: dir }));
}

const paths = notebookPaths();
Deno.test("notebooks: the research stories are present", () => {
  assert.deepEqual(paths.map((p) => basename(p)).slice(0, 5), [
    "01_lake_tour.ipynb",
    "02_indicators.ipynb",
    "03_backtest.ipynb",
    "04_sweep_and_universe.ipynb",
    "05_pipeline_health.ipynb",
  ]);
});

for (const path of paths) {
  const name = basename(path);
  const nb = readNotebook(path);
  const plotCells = nb.cells.flatMap((c, i) => (c.metadata.tags?.includes("plot") ? [i] : []));

  Deno.test(`${name}: committed with outputs cleared, a story in markdown, imports from src/mod.ts`, () => {
    assert.equal(nb.metadata.kernelspec?.name, "deno");
    for (const cell of nb.cells.filter((c) => c.cell_type === "code")) {
      assert.deepEqual(cell.outputs, []);
      assert.equal(cell.execution_count, null);
      for (const m of sourceOf(cell).matchAll(/from "(\.[^"]*)"/g)) {
        assert.equal(
          m[1],
          "../src/mod.ts",
          `${name} imports ${m[1]}: notebooks import only src/mod.ts`,
        );
      }
    }
    assert.equal(nb.cells[0]!.cell_type, "markdown");
    assert.ok(nb.cells.filter((c) => c.cell_type === "markdown").length >= 3);
    assert.ok(plotCells.length >= 1, `${name} has no cell tagged "plot"`);
  });

  Deno.test(`${name}: code cells type-check and run in order under Deno (Deno.jupyter shim)`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "asxlab-nb-" });
    try {
      const module = `${dir}/${name.replace(".ipynb", ".ts")}`;
      await Deno.writeTextFile(module, cellsAsModule(nb, path));
      const check = await deno(["check", "--config", CONFIG, module]);
      assert.ok(check.ok, `${name} does not type-check:\n${check.stderr}`);
      const out = `${dir}/outputs.json`;
      const run = await deno(["run", "--allow-all", "--config", CONFIG, module], {
        ASXLAB_SHIM_OUT: out,
        ...await envFor(name),
      });
      const lastCell = run.stderr.match(/\[shim\] cell (\d+)/g)?.at(-1);
      assert.ok(run.ok, `${name} failed in ${lastCell ?? "its first cell"}:\n${run.stderr}`);
      const outputs: { cell: number; mimes: Record<string, number> }[] = JSON.parse(
        await Deno.readTextFile(out),
      );
      for (const i of plotCells) {
        const o = outputs.find((o) => o.cell === i);
        assert.ok(o && o.mimes[PLOTLY_MIME]! > 0, `${name} cell ${i} displayed no Plotly figure`);
        assert.ok(o.mimes["text/html"]! > 0 && o.mimes["text/plain"]! > 0);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });

  Deno.test({
    name: toolTestName(`${name}: executes in Jupyter with the Deno kernel (nbclient)`, jupyter),
    ignore: !jupyter.path && !REQUIRE_TOOLCHAIN,
    fn: async () => {
      const python = assertFound(jupyter);
      const dir = await Deno.makeTempDir({ prefix: "asxlab-nb-" });
      try {
        const r = await new Deno.Command(python, {
          args: [NBRUN, "execute", path, `${dir}/${name}`, "--timeout", "300"],
          env: await envFor(name),
          stdout: "piped",
          stderr: "piped",
        }).output();
        const stderr = new TextDecoder().decode(r.stderr);
        assert.ok(r.success, `${name} failed in Jupyter:\n${stderr}`);
        const summary: {
          cells: {
            index: number;
            output_types: string[];
            mimes: string[];
            errors: string[];
            seconds: number;
          }[];
          late_messages: number;
          bad_signatures: number;
          seconds: number;
        } = JSON.parse(new TextDecoder().decode(r.stdout));
        const code = nb.cells.flatMap((c, i) => (c.cell_type === "code" ? [i] : []));
        assert.deepEqual(summary.cells.map((c) => c.index), code);
        for (const cell of summary.cells) {
          assert.deepEqual(cell.errors, [], `${name} cell ${cell.index} raised`);
          assert.ok(!cell.output_types.includes("error"));
        }
        for (const i of plotCells) {
          const cell = summary.cells.find((c) => c.index === i)!;
          assert.ok(cell.mimes.includes(PLOTLY_MIME), `${name} cell ${i} has no Plotly output`);
        }
        assert.ok(summary.seconds < 60, `${name} took ${summary.seconds} s (goal: under a minute)`);
        console.log(
          `${name}: ${summary.seconds} s in Jupyter; first code cell ${
            summary.cells[0]!.seconds
          } s; ` +
            `${summary.late_messages} output(s) arrived after "idle", ` +
            `${summary.bad_signatures} message(s) dropped for a bad signature`,
        );
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}
