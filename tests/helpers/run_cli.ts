/** What a CLI process printed and how it exited. */
export interface CliResult {
  /** Exit code. */
  code: number;
  /** Everything on stdout. */
  stdout: string;
  /** Everything on stderr (Deno's own diagnostics are silenced with --quiet). */
  stderr: string;
}

/**
 * Runs a Deno script as a whole process, as a user would from `deno task`.
 *
 * @param script Path of the script.
 * @param args Its arguments.
 * @returns Exit code, stdout and stderr.
 */
export async function runScript(script: string, ...args: string[]): Promise<CliResult> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "--allow-all", script, ...args],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** The repository root (where deno.json is). */
const ROOT = new URL("../../", import.meta.url).pathname;

/**
 * Runs a `deno task` of this project from another directory, as a user in that
 * directory would (`deno task` then runs the task in the project root and passes
 * the user's directory as `INIT_CWD`).
 *
 * @param cwd The directory the user is in.
 * @param task The task name.
 * @param args Its arguments.
 * @returns Exit code, stdout and stderr (Deno's `Task …` line removed from stderr).
 */
export async function runTask(cwd: string, task: string, ...args: string[]): Promise<CliResult> {
  // `deno task` keeps an INIT_CWD it inherits (as npm does): under `deno task test`
  // it would be the project's, so the child gets an environment without it.
  const env = Deno.env.toObject();
  delete env.INIT_CWD;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "--quiet", "--config", `${ROOT}deno.json`, task, ...args],
    cwd,
    stdout: "piped",
    stderr: "piped",
    env: { ...env, NO_COLOR: "1" },
    clearEnv: true,
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}
