/**
 * The external tools some tests drive (Jupyter with the Deno kernel, headless
 * Chromium): where they are, and whether their absence skips or fails a test.
 * With `ASXLAB_REQUIRE_JUPYTER=1` (CI) a missing tool fails the test; otherwise the
 * test is skipped and its name says why.
 *
 * @module
 */

/** Whether missing notebook/browser tools must fail the tests (`ASXLAB_REQUIRE_JUPYTER=1`). */
export const REQUIRE_TOOLCHAIN = Deno.env.get("ASXLAB_REQUIRE_JUPYTER") === "1";

/** A tool found, or why not. */
export type Found = { path: string; reason?: undefined } | { path?: undefined; reason: string };

async function run(cmd: string, args: string[]): Promise<{ ok: boolean; out: string }> {
  try {
    const r = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
    return { ok: r.success, out: new TextDecoder().decode(r.stdout).trim() };
  } catch {
    return { ok: false, out: "" };
  }
}

/** A Python with nbclient, nbconvert and a `deno` Jupyter kernel installed. */
export async function findJupyterPython(): Promise<Found> {
  const probe =
    "import nbclient, nbconvert, nbformat\nfrom jupyter_client.kernelspec import KernelSpecManager\nprint(KernelSpecManager().find_kernel_specs().get('deno', ''))";
  let sawPython = false;
  for (const python of ["/usr/bin/python3", "python3"]) {
    const r = await run(python, ["-c", probe]);
    if (r.ok && r.out) return { path: python };
    if (r.ok) sawPython = true;
  }
  return {
    reason: sawPython
      ? "no Deno Jupyter kernel (run `deno jupyter --install`)"
      : "no Python with nbclient and nbconvert (apt-get install jupyter-client jupyter-nbconvert python3-nbclient)",
  };
}

/** Debian's Chromium. */
export async function findChromium(): Promise<Found> {
  for (const bin of ["chromium", "chromium-browser"]) {
    if ((await run(bin, ["--version"])).ok) return { path: bin };
  }
  return { reason: "no chromium (apt-get install chromium)" };
}

/** The test name, marked when the tool is missing and the test therefore skipped. */
export function toolTestName(name: string, found: Found): string {
  return found.path || REQUIRE_TOOLCHAIN ? name : `${name} (skipped: ${found.reason})`;
}

/** Throws when a required tool is missing (CI), naming the install step. */
export function assertFound(found: Found): string {
  if (!found.path) {
    throw new Error(`ASXLAB_REQUIRE_JUPYTER=1 but ${found.reason}`);
  }
  return found.path;
}
