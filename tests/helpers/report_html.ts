/** Reading saved HTML reports in tests: their figures' specs and any external URL they load. */

/** A figure as a report embeds it (`fig = {data, layout, config}` in its script). */
export interface EmbeddedFigure {
  data: { type: string; name?: string; uid?: string; x?: unknown[]; y?: unknown[] }[];
  layout: Record<string, unknown>;
}

/**
 * The figures of a page written by `saveHtml`, in order (parsed from each figure's script).
 *
 * @param html The page.
 * @returns Their specs.
 */
export function figuresOf(html: string): EmbeddedFigure[] {
  return [...html.matchAll(/, fig = (\{.*\});\n/g)].map((m) => JSON.parse(m[1]!));
}

/**
 * Everything a page would load from elsewhere: any script with `src` or stylesheet
 * `<link>` (whatever its URL: an offline page inlines both), and http(s) images,
 * frames, CSS `@import`s and `url(…)`s. plotly.js's own text mentions URLs in
 * strings that load nothing: only the markup outside the inline scripts is read.
 *
 * @param html The page.
 * @returns The offending snippets (empty for an offline page).
 */
export function externalLoads(html: string): string[] {
  const markup = html.replace(/<script\b[^>]*>[\s\S]*?<\/script>/gi, (tag) => tag.slice(0, 200));
  const found: string[] = [];
  for (
    const re of [
      /<script\b[^>]*\bsrc\s*=[^>]*>/gi,
      /<link\b[^>]*\bhref\s*=[^>]*>/gi,
      /<(img|iframe|source|embed|object)\b[^>]*\b(src|data)\s*=\s*["']?(https?:)?\/\/[^>]*>/gi,
      /@import\s+(url\()?\s*["']?(https?:)?\/\//gi,
      /url\(\s*["']?(https?:)?\/\/[^)]*\)/gi,
    ]
  ) {
    for (const m of markup.matchAll(re)) found.push(m[0]);
  }
  return found;
}
