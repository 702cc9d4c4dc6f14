/**
 * `Figure`: a Plotly figure as plain data (`data`, `layout`, `config`) that
 * displays itself in Jupyter and serialises to JSON or to a standalone HTML page.
 *
 * @module
 */

import { plotlySource, scriptSafe } from "./_plotly.ts";
import { htmlPage, type PageItem } from "./html_page.ts";

/**
 * One Plotly trace, e.g. `{ type: "scatter", x, y, name }`. Columns may be typed
 * arrays; they become JSON arrays (NaN → `null`, a gap) when serialised. The keys
 * are Plotly's (https://plotly.com/javascript/reference/).
 */
export type Trace = { type: string; [key: string]: unknown };

/** A Plotly layout object (axes, domains, shapes, titles). */
export type Layout = Record<string, unknown>;

/** A Plotly config object (`responsive`, `displaylogo`, `scrollZoom`, …). */
export type PlotConfig = Record<string, unknown>;

/** The plain-data form of a figure, as Plotly's `newPlot(el, data, layout, config)` takes it. */
export interface FigureSpec {
  /** The traces. */
  data: Trace[];
  /** The layout. */
  layout: Layout;
  /** The config. */
  config?: PlotConfig;
}

/** A Jupyter MIME bundle: MIME type → payload. */
export type MimeBundle = Record<string, unknown>;

/** The symbol a Deno Jupyter kernel calls to display an object. */
export const JUPYTER_DISPLAY: unique symbol = Symbol.for("Jupyter.display") as never;

/** The MIME type JupyterLab, VS Code and nteract render Plotly figures from. */
export const PLOTLY_MIME = "application/vnd.plotly.v1+json";

const DEFAULT_CONFIG: PlotConfig = { responsive: true, displaylogo: false, scrollZoom: true };

/** Typed arrays become plain arrays; everything else stays (NaN becomes `null` in JSON). */
function replacer(_key: string, value: unknown): unknown {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return Array.from(value as unknown as ArrayLike<number>);
  }
  return value;
}

/**
 * Whether the text/html of the next figure displayed in this process must carry
 * plotly.js itself (see {@link Figure}'s display notes).
 */
let plotlyOnPage = false;

/**
 * A Plotly figure. Every builder in `src/plot` returns one; in a Deno Jupyter
 * notebook a figure that ends a cell draws itself.
 *
 * **Display** (`[Symbol.for("Jupyter.display")]()`) returns three representations:
 * `application/vnd.plotly.v1+json` (drawn natively by JupyterLab with Plotly's
 * renderer, VS Code and nteract), `text/html` (classic Notebook, nbconvert exports)
 * and `text/plain` (a one-line summary). The HTML draws with plotly.js inlined:
 * the first figure displayed in a kernel carries the 4.8 MB bundle and later ones
 * reuse it from the page (as plotly.py's offline notebook mode does), so a notebook
 * run top to bottom, or its export, works with no network without every output
 * weighing megabytes. {@link Figure.toHtml} is always fully self-contained.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Figure, JUPYTER_DISPLAY } from "./figure.ts";
 * const fig = new Figure({
 *   data: [{ type: "scatter", x: ["2024-01-02", "2024-01-03"], y: new Float64Array([1, NaN]) }],
 *   layout: { title: { text: "Demo" } },
 * });
 * assert.deepEqual(fig.toJSON().data[0]!.y, [1, null]);
 * const bundle = await fig[JUPYTER_DISPLAY](); // what the Deno kernel calls
 * assert.ok("application/vnd.plotly.v1+json" in bundle && "text/html" in bundle);
 * ```
 */
export class Figure implements FigureSpec, PageItem {
  /** Figures draw with plotly.js. */
  readonly usesPlotly = true;
  /** The traces. */
  data: Trace[];
  /** The layout. */
  layout: Layout;
  /** The config (defaults: responsive, scroll zoom, no Plotly logo). */
  config: PlotConfig;

  /**
   * @param spec Traces, layout and optional config (merged over the defaults).
   */
  constructor(spec: FigureSpec) {
    this.data = spec.data;
    this.layout = spec.layout;
    this.config = { ...DEFAULT_CONFIG, ...spec.config };
  }

  /** The figure's title (`layout.title.text`), if any. */
  get title(): string | undefined {
    return (this.layout.title as { text?: string } | undefined)?.text;
  }

  /**
   * The figure as JSON text: typed arrays as arrays, NaN as `null`.
   *
   * @returns JSON of `{ data, layout, config }`.
   */
  toJSONString(): string {
    return JSON.stringify({ data: this.data, layout: this.layout, config: this.config }, replacer);
  }

  /**
   * The figure as plain JSON-compatible data (a deep copy).
   *
   * @returns `{ data, layout, config }` with arrays only.
   */
  toJSON(): FigureSpec & { config: PlotConfig } {
    return JSON.parse(this.toJSONString());
  }

  /**
   * A one-line description: title, trace kinds and point count.
   *
   * @returns e.g. `Figure "BHP.AX" (candlestick, bar, 2× scatter; 25,180 points)`.
   */
  toString(): string {
    const kinds = new Map<string, number>();
    let points = 0;
    for (const t of this.data) {
      kinds.set(t.type, (kinds.get(t.type) ?? 0) + 1);
      const col = (t.y ?? t.z ?? t.x ?? t.close) as ArrayLike<unknown> | undefined;
      if (col && typeof col.length === "number") points += col.length;
    }
    const title = this.title;
    const list = [...kinds].map(([k, n]) => (n > 1 ? `${n}× ${k}` : k)).join(", ");
    return `Figure${title ? ` "${title}"` : ""} (${list || "no traces"}; ${
      points.toLocaleString("en-AU")
    } points)`;
  }

  /**
   * HTML that draws the figure into a new `<div>` of its own.
   *
   * @param options `plotly`: the plotly.js source to inline before the figure's
   * script (omit when the page already loads it).
   * @returns A `<div>` and the `<script>` that draws it.
   */
  toHtmlFragment(options: { plotly?: string } = {}): string {
    const id = `asxlab-${crypto.randomUUID()}`;
    const height = typeof this.layout.height === "number" ? this.layout.height : 500;
    const json = this.toJSONString().replaceAll("<", "\\u003c");
    const lib = options.plotly === undefined
      ? ""
      : `<script type="text/javascript">${scriptSafe(options.plotly)}</script>\n`;
    return `${lib}<div id="${id}" class="asxlab-figure" style="width:100%;height:${height}px"></div>
<script type="text/javascript">(function () {
  var el = document.getElementById("${id}"), fig = ${json};
  if (!window.Plotly) {
    el.style.height = "auto";
    el.textContent = "plotly.js is not loaded on this page: run the notebook from the top, or save the figure with saveHtml().";
    return;
  }
  var t0 = performance.now();
  Plotly.newPlot(el, fig.data, fig.layout, fig.config).then(function () {
    el.dataset.renderMs = String(Math.round(performance.now() - t0));
  });
})();</script>`;
  }

  /**
   * A standalone HTML page with plotly.js inlined: opens with no network.
   *
   * @param title The page title. @default {the figure's title, else "asxlab figure"}
   * @returns The HTML document.
   */
  async toHtml(title?: string): Promise<string> {
    return await htmlPage([this], { title });
  }

  /**
   * The Jupyter MIME bundle (called by the Deno kernel).
   *
   * @returns Plotly JSON, HTML and plain text.
   */
  async [JUPYTER_DISPLAY](): Promise<MimeBundle> {
    const plotly = plotlyOnPage ? undefined : await plotlySource();
    plotlyOnPage = true;
    return {
      [PLOTLY_MIME]: this.toJSON(),
      "text/html": this.toHtmlFragment({ plotly }),
      "text/plain": this.toString(),
    };
  }
}
