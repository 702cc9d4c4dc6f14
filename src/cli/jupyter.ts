/**
 * `deno task jupyter`: sets up Jupyter with the Deno kernel, then starts the
 * notebook server in the project, so notebooks find `deno.json`.
 *
 * Set-up, each step only when needed: Debian's Jupyter packages (`apt-get install
 * jupyter-client jupyter-nbconvert python3-nbclient jupyter-notebook`; as root it runs
 * apt itself, otherwise it prints the command), then `deno jupyter --install` (the
 * kernelspec). Then it starts JupyterLab if installed, else the classic Notebook
 * (Debian 12 ships no JupyterLab), with the iopub rate limit raised so the first
 * figure, which carries plotly.js, is not dropped.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { resolve } from "node:path";
import { ConfigError } from "../core/errors.ts";
import { runCli } from "./_cli.ts";

const APT_PACKAGES = [
  "jupyter-client",
  "jupyter-nbconvert",
  "python3-nbclient",
  "jupyter-notebook",
];
const ROOT = resolve(new URL("../..", import.meta.url).pathname);

const HELP = `deno task jupyter [--setup-only] [-- jupyter server arguments]

Sets up Jupyter with the Deno kernel (Debian packages, deno jupyter --install) and starts
the notebook server in this project. Open notebooks/01_lake_tour.ipynb to begin.

  --setup-only   install what is missing, then exit without starting the server
  --help         this text`;

async function ok(cmd: string, args: string[]): Promise<boolean> {
  try {
    return (await new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).output())
      .success;
  } catch {
    return false;
  }
}

async function step(cmd: string, args: string[]): Promise<void> {
  console.error(`$ ${cmd} ${args.join(" ")}`);
  const r = await new Deno.Command(cmd, { args, stdout: "inherit", stderr: "inherit" }).output();
  if (!r.success) throw new ConfigError(`"${cmd} ${args.join(" ")}" failed (exit ${r.code})`);
}

const hasJupyter = () =>
  ok("/usr/bin/python3", ["-c", "import nbclient, nbconvert, jupyter_client, notebook"]);

runCli(async () => {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    options: { "setup-only": { type: "boolean" }, help: { type: "boolean" } },
    allowPositionals: true,
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (!(await hasJupyter())) {
    const install = ["install", "-y", "-q", "--no-install-recommends", ...APT_PACKAGES];
    if (Deno.uid?.() !== 0 || !(await ok("apt-get", ["--version"]))) {
      console.error(`Jupyter is missing. Install it with:\n  sudo apt-get ${install.join(" ")}`);
      return 1;
    }
    await step("apt-get", ["update", "-q"]);
    await step("apt-get", install);
  }
  const kernels = await new Deno.Command("jupyter", { args: ["kernelspec", "list", "--json"] })
    .output().then((r) => new TextDecoder().decode(r.stdout)).catch(() => "");
  if (!/"deno"\s*:/.test(kernels)) await step(Deno.execPath(), ["jupyter", "--install"]);
  console.error("Jupyter and the Deno kernel are set up.");
  if (values["setup-only"]) return 0;
  const app = (await ok("jupyter", ["lab", "--version"])) ? "lab" : "notebook";
  const limit = app === "lab" ? "ServerApp" : "NotebookApp";
  await step("jupyter", [
    app,
    `--notebook-dir=${ROOT}`,
    `--${limit}.iopub_data_rate_limit=1e10`,
    ...positionals,
  ]);
  return 0;
});
