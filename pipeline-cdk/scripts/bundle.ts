/**
 * `deno task bundle`: bundles the pipeline's Lambda handlers for Node.js 22
 * into `pipeline-cdk/.build/lambda/` (or `--out DIR`).
 *
 * @module
 */

import process from "node:process";
import { parseArgs } from "node:util";
import { bundleHandlers } from "../lib/bundle_handlers.ts";
import { errorLine, runScript } from "../lib/cli.ts";
import { DEFAULT_BUNDLE_DIR } from "../lib/paths.ts";

await runScript(async () => {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { out: { type: "string", default: DEFAULT_BUNDLE_DIR } },
  });
  const started = performance.now();
  try {
    await bundleHandlers({ outDir: values.out, log: (line) => console.error(line) });
  } catch (err) {
    console.error(errorLine(err));
    return 1;
  }
  console.error(
    `Bundled into ${values.out} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return 0;
});
