/**
 * `deno task notebooks:export`: executes every notebook with the Deno kernel
 * (through tests/notebooks/nbrun.py and nbclient) and renders it to HTML under
 * `data-cache/reports/`, plots included and drawn offline (the first figure of each
 * notebook carries plotly.js).
 *
 * @module
 */
import { basename, dirname, resolve } from "node:path";
import { findJupyterPython } from "../helpers/toolchain.ts";
import { notebookPaths } from "./_notebook.ts";
import { DEFAULT_PIPELINE_LAKE_DIR } from "../../src/lake/defaults.ts";

/** Whether notebook 05 has a lake to read: `$ASXLAB_LAKE`, or the pipeline's own with runs. */
function hasPipelineRuns(): boolean {
  if (Deno.env.get("ASXLAB_LAKE")) return true;
  try {
    return [...Deno.readDirSync(resolve(DEFAULT_PIPELINE_LAKE_DIR, "runs"))].length > 0;
  } catch {
    return false;
  }
}

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), "../..");
const OUT = resolve(ROOT, "data-cache/reports");

const jupyter = await findJupyterPython();
if (!jupyter.path) {
  console.error(
    `error: cannot export notebooks: ${jupyter.reason} (or run: deno task jupyter --setup-only)`,
  );
  Deno.exit(2);
}
await Deno.mkdir(OUT, { recursive: true });
let failed = 0;
for (const path of notebookPaths()) {
  const out = resolve(OUT, basename(path).replace(/\.ipynb$/, ".html"));
  if (basename(path).startsWith("05_") && !hasPipelineRuns()) {
    console.error(
      `${basename(path)}: skipped, no pipeline runs in ${DEFAULT_PIPELINE_LAKE_DIR} ` +
        "(seed a demo lake with `deno task pipeline:demo`, or set ASXLAB_LAKE)",
    );
    continue;
  }
  console.error(`${basename(path)} → ${out}`);
  const r = await new Deno.Command(jupyter.path, {
    args: [resolve(ROOT, "tests/notebooks/nbrun.py"), "export", path, out],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!r.success) failed++;
}
Deno.exit(failed ? 1 : 0);
