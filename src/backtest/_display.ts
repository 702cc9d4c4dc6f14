/**
 * How results read as text and as HTML: the stats record with units, trade
 * tables, and the number formats the CLI and Jupyter share (dollar amounts with
 * thousands separators, durations in days, columns aligned on the decimal point).
 *
 * @module
 */

import type { StatKey, Stats } from "./metrics.ts";
import { STAT_KEYS } from "./metrics.ts";
import type { Trade } from "./result.ts";

/** The key the Deno Jupyter kernel calls to display an object. */
export const DISPLAY: unique symbol = Symbol.for("Jupyter.display") as never;

/**
 * One stat as text: dollar amounts with two decimals and thousands separators,
 * durations in days, counts as integers, the rest to six significant digits.
 *
 * @param key The stat.
 * @param v Its value.
 * @returns The text (`NaN` for an undefined value).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { statValue } from "./_display.ts";
 * assert.equal(statValue("Equity Final [$]", 1234567.891), "1,234,567.89");
 * assert.equal(statValue("Max. Drawdown Duration", 31), "31 days");
 * assert.equal(statValue("Sharpe Ratio", 0.8989983621), "0.898998");
 * ```
 */
export function statValue(key: StatKey | string, v: number | string): string {
  if (typeof v === "string") return v;
  if (v !== v) return "NaN";
  if (!Number.isFinite(v)) return String(v);
  if (key.includes("Duration")) return `${Number.isInteger(v) ? v : v.toFixed(1)} days`;
  if (key === "# Trades") return String(v);
  if (key.includes("[$]")) return money(v);
  if (Math.abs(v) >= 1e4) return money(v);
  return v.toPrecision(6).replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, "");
}

/** Two decimals with thousands separators: `-1,234.50`. */
function money(v: number): string {
  const [int, frac] = Math.abs(v).toFixed(2).split(".");
  return `${v < 0 ? "-" : ""}${int!.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}.${frac}`;
}

/**
 * Right-aligns numbers on their decimal point (text cells are left as they are).
 *
 * @param cells A column's cells.
 * @returns The cells padded so that their points line up.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { alignDecimals } from "./_display.ts";
 * assert.deepEqual(alignDecimals(["1.5", "-12.25", "3"]), ["  1.5 ", "-12.25", "  3   "]);
 * ```
 */
export function alignDecimals(cells: string[]): string[] {
  const num = /^-?[\d,]+(\.\d+)?$/;
  const parts = cells.map((c): [string, string] | undefined => {
    if (!num.test(c)) return undefined;
    const dot = c.indexOf(".");
    return dot < 0 ? [c, ""] : [c.slice(0, dot), c.slice(dot)];
  });
  const left = Math.max(0, ...parts.map((p) => p ? p[0].length : 0));
  const right = Math.max(0, ...parts.map((p) => p ? p[1].length : 0));
  return cells.map((c, k) => {
    const p = parts[k];
    return p ? p[0].padStart(left) + p[1].padEnd(right) : c;
  });
}

/**
 * The stats record as an aligned two-column text table.
 *
 * @param stats The stats.
 * @returns One line per stat, values aligned on their decimal point.
 */
export function statsText(stats: Stats): string {
  const width = Math.max(...STAT_KEYS.map((k) => k.length));
  const values = STAT_KEYS.map((k) => statValue(k, stats[k]));
  // Align each unit group (plain numbers; "N days") on its decimal point.
  const plain = alignDecimals(values.map((v) => v.endsWith(" days") ? "" : v));
  const days = alignDecimals(values.map((v) => v.endsWith(" days") ? v.slice(0, -5) : ""));
  return STAT_KEYS.map((k, i) =>
    `${k.padEnd(width)}  ${values[i]!.endsWith(" days") ? `${days[i]} days` : plain[i]}`.trimEnd()
  ).join("\n");
}

/**
 * Escapes text for HTML.
 *
 * @param s Text.
 * @returns The text with `& < > "` escaped.
 */
export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"]/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!,
  );
}

/**
 * An HTML table, numbers right-aligned.
 *
 * @param header Column names.
 * @param rows Cell texts.
 * @returns The table's HTML.
 */
export function htmlTable(header: readonly string[], rows: readonly string[][]): string {
  const num = /^-?[\d,.]+( days)?$|^NaN$/;
  const cell = (tag: string, c: string) =>
    `<${tag}${num.test(c) ? ' style="text-align:right"' : ""}>${escapeHtml(c)}</${tag}>`;
  return `<table><thead><tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr>` +
    `</thead><tbody>${
      rows.map((r) => `<tr>${r.map((c) => cell("td", c)).join("")}</tr>`).join("")
    }</tbody></table>`;
}

const TRADE_COLUMNS = [
  "Symbol",
  "Size",
  "Entry",
  "Exit",
  "Entry price",
  "Exit price",
  "PnL [$]",
  "Return [%]",
  "Fees [$]",
  "Days",
  "Exit reason",
];

/**
 * Trades as an HTML table: the first and last `limit / 2` when there are more.
 *
 * @param trades The trades.
 * @param limit Most rows shown.
 * @returns The table's HTML.
 */
export function tradesTable(trades: readonly Trade[], limit: number): string {
  const shown = trades.length <= limit
    ? trades
    : [...trades.slice(0, limit / 2), undefined, ...trades.slice(-limit / 2)];
  const p = (v: number) => v.toPrecision(6).replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, "");
  const rows = shown.map((t) =>
    t === undefined ? TRADE_COLUMNS.map((_, j) => (j === 0 ? "…" : "")) : [
      t.symbol,
      String(t.size),
      t.entryDate,
      t.exitDate,
      p(t.entryPrice),
      p(t.exitPrice),
      money(t.pnl),
      (t.return * 100).toFixed(2),
      money(t.commission),
      String(t.duration),
      t.exitReason,
    ]
  );
  return htmlTable(TRADE_COLUMNS, rows);
}
