/**
 * Offline HTML pages: figures, tables and text in one file with plotly.js inlined
 * once, so a report opens anywhere with no network.
 *
 * @module
 */

import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { plotlySource, scriptSafe } from "./_plotly.ts";

/** Something a page can hold: a `Figure`, an `HtmlTable`, or your own. */
export interface PageItem {
  /** Whether the item needs plotly.js on the page. */
  readonly usesPlotly: boolean;
  /** The item's own title, if any (a page of one item takes it). */
  readonly title?: string | undefined;
  /**
   * The item's HTML.
   *
   * @param options `plotly`: plotly.js source to inline with the item (pages inline it
   * once in `<head>` and pass nothing).
   */
  toHtmlFragment(options?: { plotly?: string }): string;
}

/** A report: a title and items in order; a string item is a paragraph (`"# …"`, `"## …"`: a heading). */
export interface Report {
  /** The page title and first heading. */
  title?: string;
  /** Figures, tables and text, in order. */
  items: readonly (PageItem | string)[];
}

/** Options of {@link htmlPage}. */
export interface HtmlPageOptions {
  /** The page title (`<title>` and a heading). @default {the report's, or the one item's, else "asxlab report"} */
  title?: string;
}

const STYLE =
  `body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:1.5rem;color:#222}
h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:1.6rem}
.asxlab-figure{margin:0.5rem 0 1.5rem}`;

/**
 * Escapes text for HTML element content and attribute values.
 *
 * @param text Any text.
 * @returns The text with `& < > " '` escaped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { escapeHtml } from "./html_page.ts";
 * assert.equal(escapeHtml(`<b>"BHP" & co</b>`), "&lt;b&gt;&quot;BHP&quot; &amp; co&lt;/b&gt;");
 * ```
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** A Plotly title as plain text: line breaks become " · ", other tags go. */
function plainText(title: string): string {
  return title.replace(/<br\s*\/?>/gi, " · ").replace(/<[^>]*>/g, "");
}

function textItem(text: string): string {
  const m = /^(#{1,2}) (.*)$/s.exec(text);
  if (m) {
    const level = m[1]!.length + 1;
    return `<h${level}>${escapeHtml(m[2]!)}</h${level}>`;
  }
  return `<p>${escapeHtml(text)}</p>`;
}

function isReport(value: unknown): value is Report {
  return typeof value === "object" && value !== null && "items" in value &&
    Array.isArray((value as Report).items);
}

function itemsOf(content: PageItem | readonly (PageItem | string)[] | Report): {
  items: readonly (PageItem | string)[];
  title?: string;
} {
  if (isReport(content)) return content;
  if (Array.isArray(content)) return { items: content };
  return { items: [content as PageItem] };
}

/**
 * One HTML document holding the items in order, with plotly.js inlined once when a
 * figure is present.
 *
 * @param content A figure or table, a list of them (strings are paragraphs), or a {@link Report}.
 * @param options The page title.
 * @returns The HTML text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { htmlPage, htmlTable } from "../mod.ts";
 * const page = await htmlPage(["## Costs", htmlTable([{ fee: 10 }])], { title: "Demo" });
 * assert.match(page, /<title>Demo<\/title>/);
 * assert.ok(!page.includes("Plotly")); // no figure, no bundle
 * ```
 */
export async function htmlPage(
  content: PageItem | readonly (PageItem | string)[] | Report,
  options: HtmlPageOptions = {},
): Promise<string> {
  const { items, title: reportTitle } = itemsOf(content);
  const only = items.length === 1 && typeof items[0] !== "string" ? items[0] : undefined;
  const title = plainText(options.title ?? reportTitle ?? only?.title ?? "asxlab report");
  const plotly = items.some((i) => typeof i !== "string" && i.usesPlotly)
    ? `<script type="text/javascript">${scriptSafe(await plotlySource())}</script>`
    : "";
  const body = items.map((i) => typeof i === "string" ? textItem(i) : i.toHtmlFragment()).join(
    "\n",
  );
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="asxlab">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
${plotly}
</head>
<body>
<h1>${escapeHtml(title)}</h1>
${body}
</body>
</html>
`;
}

/**
 * Writes figures, tables or a report to one HTML file that opens offline (plotly.js
 * inlined). Parent directories are created; the file is replaced atomically (written
 * beside it, then renamed), so a failed write never leaves half a report.
 *
 * @param content A figure or table, a list of them (strings are paragraphs), or a {@link Report}.
 * @param path Where to write, e.g. `"data-cache/reports/bhp.html"`.
 * @param options The page title.
 * @returns The absolute path written.
 * @throws {Error} When the file cannot be written (the message names the path).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Figure, saveHtml } from "../mod.ts";
 * const dir = await Deno.makeTempDir();
 * const fig = new Figure({ data: [{ type: "bar", x: ["a", "b"], y: [1, 2] }], layout: {} });
 * const path = await saveHtml(fig, `${dir}/chart.html`, { title: "Bars" });
 * assert.ok((await Deno.readTextFile(path)).includes("Plotly.newPlot"));
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function saveHtml(
  content: PageItem | readonly (PageItem | string)[] | Report,
  path: string,
  options: HtmlPageOptions = {},
): Promise<string> {
  const html = await htmlPage(content, options);
  const target = resolve(path);
  const tmp = `${target}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  try {
    await mkdir(dirname(target), { recursive: true });
    await writeFile(tmp, html);
    await rename(tmp, target);
  } catch (err) {
    // The temp file may not exist, or its directory may not be one (a file in the way).
    await rm(tmp, { force: true }).catch(() => {});
    throw new Error(`Cannot write the HTML report "${path}": ${(err as Error).message}`, {
      cause: err,
    });
  }
  return target;
}
