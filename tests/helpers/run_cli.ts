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
