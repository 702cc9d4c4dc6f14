/**
 * HTML tables for records (stats, trades, sweep rows) that display themselves in
 * Jupyter and sit in offline reports beside the figures.
 *
 * @module
 */

import { escapeHtml, type PageItem } from "./html_page.ts";
import { JUPYTER_DISPLAY, type MimeBundle } from "./figure.ts";
import type { Trade } from "../mod.ts";

/** A cell value a table shows. */
export type CellValue = string | number | boolean | bigint | Date | null | undefined;

/** Options of {@link htmlTable}. */
export interface HtmlTableOptions {
  /** Columns to show, in order. @default {the keys of the first row} */
  columns?: readonly string[];
  /** A caption above the table. */
  caption?: string;
  /**
   * Formats one cell (return `undefined` for the default).
   * @default {by {@link formatValue}}
   */
  format?: (column: string, value: CellValue, row: Readonly<Record<string, CellValue>>) =>
    | string
    | undefined;
}

const EN_AU = "en-AU";
const CSS = `<style>.asxlab-table{border-collapse:collapse;font-size:0.85rem;margin:0.5rem 0 1rem}
.asxlab-table caption{text-align:left;font-weight:600;padding:0.25rem 0}
.asxlab-table th,.asxlab-table td{padding:0.2rem 0.6rem;border-bottom:1px solid #ddd}
.asxlab-table th{text-align:left;background:#f5f5f5}
.asxlab-table td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}</style>`;

/**
 * The default display of a value under a column: dollars (`[$]`, `pnl`, `commission`,
 * `price`, `cash`, `equity`) with thousands separators and cents; percentages (`[%]`)
 * with two decimals; durations (a backtest's `Duration` stats, in calendar days) as
 * days; years as they are; other numbers with thousands separators and up to four
 * decimals; NaN as `—`; dates as `YYYY-MM-DD`.
 *
 * @param column The column name (its units decide the format).
 * @param value The value.
 * @returns The text to show.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatValue } from "./table.ts";
 * assert.equal(formatValue("Equity Final [$]", 1234567.891), "1,234,567.89");
 * assert.equal(formatValue("Return [%]", 12.3456), "12.35");
 * assert.equal(formatValue("Sharpe Ratio", NaN), "—");
 * assert.equal(formatValue("Max. Drawdown Duration", 1234), "1,234 days");
 * ```
 */
export function formatValue(column: string, value: CellValue): string {
  if (value === null || value === undefined) return "";
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value === "bigint") return value.toLocaleString(EN_AU);
  if (typeof value !== "number") return String(value);
  if (Number.isNaN(value)) return "—";
  if (!Number.isFinite(value)) return value > 0 ? "∞" : "−∞";
  if (/duration/i.test(column)) {
    return `${value.toLocaleString(EN_AU, { maximumFractionDigits: 1 })} days`;
  }
  const money = /\[\$\]|pnl|commission|price|cash|equity|fee/i.test(column);
  if (money || /\[%\]/.test(column)) {
    return value.toLocaleString(EN_AU, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }
  if (Number.isInteger(value)) {
    return /\byear\b/i.test(column) ? String(value) : value.toLocaleString(EN_AU);
  }
  return value.toLocaleString(EN_AU, { maximumFractionDigits: Math.abs(value) >= 100 ? 2 : 4 });
}

/**
 * A table of records. Displays itself in Jupyter (`text/html` and an aligned
 * `text/plain`) and goes into reports (`saveHtml`). Numbers are right-aligned in
 * tabular figures, so decimal points line up.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { htmlTable } from "./table.ts";
 * const t = htmlTable([{ symbol: "BHP.AX", "Return [%]": 12.5 }, { symbol: "CBA.AX", "Return [%]": -3 }]);
 * assert.match(t.toHtmlFragment(), /<td class="num">12\.50<\/td>/);
 * assert.match(t.toString(), /CBA\.AX\s+-3\.00/);
 * ```
 */
export class HtmlTable implements PageItem {
  /** Tables need no plotly.js. */
  readonly usesPlotly = false;
  /** The column names, in order. */
  readonly columns: readonly string[];
  /** The rows. */
  readonly rows: readonly Record<string, CellValue>[];
  /** The caption, if any. */
  readonly caption: string | undefined;
  readonly #format: HtmlTableOptions["format"];

  /**
   * @param rows The records.
   * @param options Columns, caption and formatting.
   */
  constructor(rows: readonly Record<string, CellValue>[], options: HtmlTableOptions = {}) {
    this.rows = rows;
    this.columns = options.columns ?? Object.keys(rows[0] ?? {});
    this.caption = options.caption;
    this.#format = options.format;
  }

  #cell(column: string, row: Readonly<Record<string, CellValue>>): string {
    const value = row[column];
    return this.#format?.(column, value, row) ?? formatValue(column, value);
  }

  /**
   * The table as HTML (with its small stylesheet).
   *
   * @returns A `<table>`.
   */
  toHtmlFragment(): string {
    const head = this.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join("");
    const body = this.rows.map((row) =>
      "<tr>" + this.columns.map((c) => {
        const v = row[c];
        const cls = typeof v === "number" || typeof v === "bigint" ? ' class="num"' : "";
        return `<td${cls}>${escapeHtml(this.#cell(c, row))}</td>`;
      }).join("") + "</tr>"
    ).join("\n");
    const caption = this.caption ? `<caption>${escapeHtml(this.caption)}</caption>` : "";
    return `${CSS}<table class="asxlab-table">${caption}<thead><tr>${head}</tr></thead>
<tbody>
${body}
</tbody></table>`;
  }

  /**
   * The table as aligned plain text (numbers right-aligned, text left-aligned).
   *
   * @returns Lines of text.
   */
  toString(): string {
    const cells = this.rows.map((row) => this.columns.map((c) => this.#cell(c, row)));
    const widths = this.columns.map((c, j) =>
      Math.max(c.length, ...cells.map((r) => r[j]!.length))
    );
    const numeric = this.rows.map((row) =>
      this.columns.map((c) => typeof row[c] === "number" || typeof row[c] === "bigint")
    );
    const line = (values: readonly string[], right?: readonly boolean[]) =>
      values.map((v, j) => right?.[j] ? v.padStart(widths[j]!) : v.padEnd(widths[j]!)).join("  ")
        .trimEnd();
    return [
      ...(this.caption ? [this.caption] : []),
      line(this.columns),
      ...cells.map((row, i) => line(row, numeric[i])),
    ].join("\n");
  }

  /**
   * The Jupyter MIME bundle (called by the Deno kernel).
   *
   * @returns HTML and plain text.
   */
  [JUPYTER_DISPLAY](): MimeBundle {
    return { "text/html": this.toHtmlFragment(), "text/plain": this.toString() };
  }
}

/**
 * A table of records.
 *
 * @param rows The records (e.g. sweep rows flattened, a symbol summary).
 * @param options Columns, caption, formatting.
 * @returns The table.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { htmlTable } from "./table.ts";
 * assert.deepEqual(htmlTable([{ a: 1, b: 2 }], { columns: ["b"] }).columns, ["b"]);
 * ```
 */
export function htmlTable(
  rows: readonly Record<string, CellValue>[],
  options: HtmlTableOptions = {},
): HtmlTable {
  return new HtmlTable(rows, options);
}

/**
 * A two-column table of a flat record, e.g. a backtest's stats (keys carry units:
 * `Return [%]`, `Equity Final [$]`).
 *
 * @param record Key → value.
 * @param caption A caption. @default {none}
 * @returns The table, one row per key.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { recordTable } from "./table.ts";
 * const t = recordTable({ "Return [%]": 4.2, "# Trades": 12 }, "Stats");
 * assert.equal(t.rows.length, 2);
 * assert.match(t.toString(), /Return \[%\]\s+4\.20/);
 * ```
 */
export function recordTable(
  record: Readonly<Record<string, CellValue>>,
  caption?: string,
): HtmlTable {
  const rows = Object.entries(record).map(([key, value]) => ({ key, value }));
  return new HtmlTable(rows, {
    columns: ["key", "value"],
    caption,
    format: (column, value, row) =>
      column === "value" ? formatValue(String(row.key), value) : undefined,
  });
}

/** The trade fields {@link tradesTable} shows (dates as ISO strings or `Date`s). */
export type TableTrade =
  & Pick<
    Trade,
    | "symbol"
    | "size"
    | "entryPrice"
    | "exitPrice"
    | "pnl"
    | "return"
    | "commission"
    | "duration"
    | "exitReason"
  >
  & { entryDate: string | Date; exitDate: string | Date };

/**
 * A table of trades, one row each: dates, side and size, prices, PnL and return,
 * fees, days held and why the trade closed.
 *
 * @param trades A backtest's `trades` (or `openTrades`).
 * @param caption A caption. @default {"Trades (n)"}
 * @returns The table.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tradesTable } from "./table.ts";
 * const t = tradesTable([{ symbol: "BHP.AX", size: 100, entryDate: "2020-01-02",
 *   exitDate: "2020-02-03", entryPrice: 38, exitPrice: 40, pnl: 190, return: 0.05,
 *   commission: 10, duration: 32, exitReason: "order" }]);
 * assert.match(t.toString(), /long\s+100\s+38\.00\s+40\.00\s+190\.00\s+5\.00/);
 * ```
 */
export function tradesTable(trades: readonly TableTrade[], caption?: string): HtmlTable {
  const rows = trades.map((t) => ({
    symbol: t.symbol,
    entry: t.entryDate instanceof Date ? t.entryDate : String(t.entryDate).slice(0, 10),
    exit: t.exitDate instanceof Date ? t.exitDate : String(t.exitDate).slice(0, 10),
    side: t.size > 0 ? "long" : "short",
    shares: Math.abs(t.size),
    "entry price": t.entryPrice,
    "exit price": t.exitPrice,
    "PnL [$]": t.pnl,
    "return [%]": t.return * 100,
    "commission [$]": t.commission,
    days: t.duration,
    "closed by": t.exitReason,
  }));
  return new HtmlTable(rows, { caption: caption ?? `Trades (${trades.length})` });
}
