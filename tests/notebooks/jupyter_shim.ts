/**
 * A small `Deno.jupyter` for running notebook cells under plain `deno run`: the
 * display calls and each cell's last expression are formatted the way the Deno
 * kernel formats them (an object's `[Symbol.for("Jupyter.display")]()`, else text)
 * and recorded per cell; `finish()` writes what each cell displayed (MIME types and
 * sizes) as JSON to the path in `ASXLAB_SHIM_OUT`.
 *
 * @module
 */

const $display = Symbol.for("Jupyter.display");
type Bundle = Record<string, unknown>;
const outputs: { cell: number; mimes: Record<string, number> }[] = [];
let current = -1;

async function format(obj: unknown): Promise<Bundle> {
  if (
    obj !== null && typeof obj === "object" &&
    typeof (obj as Record<symbol, unknown>)[$display] === "function"
  ) {
    return await (obj as Record<symbol, () => Bundle | Promise<Bundle>>)[$display]!();
  }
  return { "text/plain": Deno.inspect(obj) };
}

function record(bundle: Bundle): void {
  const mimes: Record<string, number> = {};
  for (const [mime, payload] of Object.entries(bundle)) {
    mimes[mime] = typeof payload === "string" ? payload.length : JSON.stringify(payload).length;
  }
  outputs.push({ cell: current, mimes });
}

const tagged = (mime: string) => (strings: TemplateStringsArray, ...values: unknown[]) => ({
  [$display]: () => ({ [mime]: String.raw({ raw: strings }, ...values) }),
});

const jupyter = {
  $display,
  format,
  async display(obj: unknown, options: { raw?: boolean } = {}): Promise<void> {
    record(options.raw ? obj as Bundle : await format(obj));
  },
  broadcast(): Promise<void> {
    return Promise.resolve();
  },
  md: tagged("text/markdown"),
  html: tagged("text/html"),
  svg: tagged("image/svg+xml"),
  image(): never {
    throw new TypeError("Deno.jupyter.image is not shimmed");
  },
};

const real = Deno;
Object.defineProperty(globalThis, "Deno", {
  value: new Proxy(real, { get: (t, k) => (k === "jupyter" ? jupyter : Reflect.get(t, k)) }),
  configurable: true,
  writable: true,
});

/** Marks the start of code cell `index` (its position among all cells). */
export function cellStart(index: number): void {
  current = index;
  console.error(`[shim] cell ${index}`);
}

/** Displays a cell's last expression, as the kernel does when it is not `undefined`. */
export async function cellResult(value: unknown): Promise<void> {
  if (value !== undefined) record(await format(value));
}

/** Writes the recorded outputs to `$ASXLAB_SHIM_OUT`. */
export async function finish(): Promise<void> {
  const path = real.env.get("ASXLAB_SHIM_OUT");
  if (path) await real.writeTextFile(path, JSON.stringify(outputs));
}
