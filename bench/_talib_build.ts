/**
 * Builds the TA-Lib peers of the indicator bench in `bench/.build/` (gitignored): the
 * npm `talib` package (sources only), TA-Lib C from its bundled sources, the C harness
 * (`bench/talib_harness.c`) and the node addon. Every step reports failure as a reason
 * string instead of throwing, so that the bench can list the peer as skipped.
 *
 * @module
 */
import { existsSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";

/** Where the build outputs live. */
export const BUILD_DIR: string = new URL("./.build/", import.meta.url).pathname;
const TALIB_PKG = join(BUILD_DIR, "node_modules/talib");
const TALIB_LIB = join(TALIB_PKG, "src/lib");
/** The compiled harness. */
export const HARNESS: string = join(BUILD_DIR, "talib_harness");
/** The compiled node addon. */
export const ADDON: string = join(TALIB_PKG, "build/Release/talib.node");

/** A built peer (its path) or the reason it could not be built. */
export type BuildResult = { ok: true; path: string } | { ok: false; reason: string };

async function sh(cmd: string, args: string[], cwd: string): Promise<string | null> {
  try {
    const out = await new Deno.Command(cmd, { args, cwd, stdout: "piped", stderr: "piped" })
      .output();
    if (out.success) return null;
    const err = new TextDecoder().decode(out.stderr).trim().split("\n").slice(-3).join(" | ");
    return `${cmd} ${args.join(" ")} exited with ${out.code}: ${err}`;
  } catch (e) {
    return `${cmd} could not run: ${(e as Error).message}`;
  }
}

function removeObjects(dir: string): void {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) removeObjects(path);
    else if (name.endsWith(".o") || name.endsWith(".a")) rmSync(path);
  }
}

/**
 * Installs the npm `talib` sources and builds TA-Lib C and the harness (once).
 *
 * @param log Progress messages.
 * @returns The harness path, or why it could not be built.
 */
export async function buildHarness(log: (m: string) => void): Promise<BuildResult> {
  if (existsSync(HARNESS)) return { ok: true, path: HARNESS };
  Deno.mkdirSync(BUILD_DIR, { recursive: true });
  if (!existsSync(join(TALIB_PKG, "package.json"))) {
    log("installing npm talib (sources only) into bench/.build …");
    const err = await sh(
      "npm",
      ["install", "talib@1.1.6", "--ignore-scripts", "--no-save", "--prefix", "."],
      BUILD_DIR,
    );
    if (err) return { ok: false, reason: err };
  }
  const libs = ["libta_abstract_csr.a", "libta_func_csr.a", "libta_common_csr.a"].map((l) =>
    join(TALIB_LIB, "lib", l)
  );
  if (!libs.every((l) => existsSync(l))) {
    log("building TA-Lib C (about 15 s) …");
    removeObjects(TALIB_LIB); // the package ships prebuilt objects that may not fit this machine
    const err = await sh("node", ["src/lib/build.js"], TALIB_PKG);
    if (err) return { ok: false, reason: err };
    if (!libs.every((l) => existsSync(l))) {
      return { ok: false, reason: `TA-Lib C build produced no ${libs.join(", ")}` };
    }
  }
  log("compiling bench/talib_harness.c with gcc -O2 …");
  const source = new URL("./talib_harness.c", import.meta.url).pathname;
  const err = await sh(
    "gcc",
    ["-O2", "-o", HARNESS, source, `-I${join(TALIB_LIB, "include")}`, ...libs, "-lm"],
    BUILD_DIR,
  );
  return err ? { ok: false, reason: err } : { ok: true, path: HARNESS };
}

/**
 * Builds the npm `talib` node addon with node-gyp against the system's node headers.
 *
 * @param log Progress messages.
 * @returns The addon path, or why it could not be built.
 */
export async function buildAddon(log: (m: string) => void): Promise<BuildResult> {
  if (existsSync(ADDON)) return { ok: true, path: ADDON };
  if (!existsSync(join(TALIB_PKG, "package.json"))) {
    return { ok: false, reason: "npm talib is not installed (see the TA-Lib C build)" };
  }
  log("building the talib node addon with node-gyp (about a minute) …");
  const err = await sh("npx", ["--yes", "node-gyp", "rebuild", "--nodedir=/usr"], TALIB_PKG);
  if (err) return { ok: false, reason: err };
  return existsSync(ADDON)
    ? { ok: true, path: ADDON }
    : { ok: false, reason: `node-gyp finished but ${ADDON} is missing` };
}
