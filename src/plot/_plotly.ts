/**
 * The plotly.js bundle that offline HTML inlines: `plotly.js-dist-min`, pinned in
 * deno.json and read from the npm cache as text on first use (never executed here,
 * never fetched from a CDN).
 *
 * @module
 */

let source: Promise<string> | undefined;

/**
 * The minified plotly.js source, loaded once per process.
 *
 * @returns The bundle's text (about 4.8 MB).
 */
export function plotlySource(): Promise<string> {
  return source ??= import("plotly.js-dist-min/plotly.min.js", { with: { type: "text" } })
    .then((m) => m.default as string);
}

/**
 * Makes inline `<script>` text safe to embed in HTML: `</script` and `<!--` inside
 * it would end or confuse the element.
 *
 * @param js JavaScript (or JSON) text.
 * @returns The same program with `<` escaped where it could close the element.
 */
export function scriptSafe(js: string): string {
  return js.replace(/<(\/script|!--)/gi, "\\x3C$1");
}
