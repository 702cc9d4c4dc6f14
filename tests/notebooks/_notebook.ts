/**
 * Reading notebooks and turning their code cells into one Deno module that runs
 * them in order under the {@link ./jupyter_shim.ts} shim.
 *
 * @module
 */
import { parse } from "@babel/parser";
import { dirname, resolve } from "node:path";
import { pathToFileURL } from "node:url";

/** A notebook cell, as nbformat 4 stores it. */
export interface Cell {
  cell_type: "code" | "markdown" | "raw";
  source: string | string[];
  metadata: { tags?: string[] };
  outputs?: unknown[];
  execution_count?: number | null;
}

/** An nbformat 4 notebook. */
export interface Notebook {
  cells: Cell[];
  metadata: { kernelspec?: { name: string } };
  nbformat: number;
}

/** The repository's notebooks directory. */
export const NOTEBOOKS_DIR = resolve(dirname(new URL(import.meta.url).pathname), "../../notebooks");

/** The notebooks in `notebooks/`, sorted by name (absolute paths). */
export function notebookPaths(): string[] {
  return [...Deno.readDirSync(NOTEBOOKS_DIR)]
    .filter((e) => e.isFile && e.name.endsWith(".ipynb"))
    .map((e) => resolve(NOTEBOOKS_DIR, e.name))
    .sort();
}

/** Reads a notebook. */
export function readNotebook(path: string): Notebook {
  return JSON.parse(Deno.readTextFileSync(path));
}

/** A cell's source as one string. */
export function sourceOf(cell: Cell): string {
  return Array.isArray(cell.source) ? cell.source.join("") : cell.source;
}

/**
 * One module running every code cell in order: relative imports resolved against
 * the notebook's directory, each cell's last expression statement displayed like
 * the kernel does, `cellStart(i)` before each cell (so a failure names its cell).
 *
 * @param nb The notebook.
 * @param notebookPath Where it lives (relative imports resolve from its directory).
 * @returns TypeScript source.
 * @throws {SyntaxError} When a cell does not parse (the message names the cell).
 */
export function cellsAsModule(nb: Notebook, notebookPath: string): string {
  const base = pathToFileURL(notebookPath);
  const shim = new URL("./jupyter_shim.ts", import.meta.url).href;
  const parts = [`import * as __shim from ${JSON.stringify(shim)};`];
  nb.cells.forEach((cell, index) => {
    if (cell.cell_type !== "code") return;
    let src = sourceOf(cell);
    let program;
    try {
      program = parse(src, { sourceType: "module", plugins: ["typescript"] }).program;
    } catch (err) {
      throw new SyntaxError(
        `Cell ${index} of ${notebookPath} does not parse: ${(err as Error).message}`,
      );
    }
    // Edits from the end backwards keep earlier offsets valid.
    const edits: [number, number, string][] = [];
    const last = program.body.at(-1);
    if (last?.type === "ExpressionStatement") {
      const expr = last.expression;
      edits.push([
        last.start!,
        last.end!,
        `await __shim.cellResult(${src.slice(expr.start!, expr.end!)});`,
      ]);
    }
    for (const node of program.body) {
      if (node.type === "ImportDeclaration" && node.source.value.startsWith(".")) {
        edits.push([
          node.source.start!,
          node.source.end!,
          JSON.stringify(new URL(node.source.value, base).href),
        ]);
      }
    }
    edits.sort((a, b) => b[0] - a[0]);
    for (const [s, e, text] of edits) src = src.slice(0, s) + text + src.slice(e);
    parts.push(`// ---- cell ${index} ----`, `__shim.cellStart(${index});`, src);
  });
  parts.push("await __shim.finish();", "");
  return parts.join("\n");
}
