/**
 * Helpers shared by the two engines (private): names and quoting, the SQL of a
 * filtered Parquet view, checking that source files exist, and messages.
 *
 * @module
 */

import { stat } from "node:fs/promises";
import { formatDate } from "../core/dates.ts";
import { LakeError } from "../core/errors.ts";
import { validateSymbol } from "../core/symbol.ts";
import type { ParquetFilter, ParquetSource } from "./engine.ts";
import { fsCode } from "./_fs.ts";

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * Checks a table name before it is spliced into SQL.
 *
 * @param name e.g. `ohlcv_1`.
 * @returns The name.
 * @throws {TypeError} When it is not a plain identifier.
 */
export function checkName(name: string): string {
  if (!NAME.test(name)) {
    throw new TypeError(
      `Invalid table name "${name}": use letters, digits and "_", starting with a letter or "_"`,
    );
  }
  return name;
}

/**
 * Quotes an identifier for DuckDB.
 *
 * @param name Any identifier.
 * @returns `"name"` with inner quotes doubled.
 */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Quotes a string literal for DuckDB.
 *
 * @param text Any text.
 * @returns `'text'` with inner quotes doubled.
 */
export function quoteString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * Checks that every source is a readable regular file, so a missing object is a
 * `NotFound` naming its key rather than DuckDB's "no files found" about a path.
 *
 * @param sources The files to check.
 * @returns Their total size in bytes.
 * @throws {LakeError} `NotFound` naming the first missing key; `Other` when one is not a file.
 */
export async function checkSources(sources: readonly ParquetSource[]): Promise<number> {
  let bytes = 0;
  for (const source of sources) {
    let isFile: boolean;
    try {
      const st = await stat(source.path);
      isFile = st.isFile();
      bytes += st.size;
    } catch (err) {
      const code = fsCode(err);
      if (code === "ENOENT" || code === "ENOTDIR") {
        throw new LakeError(
          `Cannot read Parquet object "${source.key}": file "${source.path}" does not exist`,
          { key: source.key, code: "NotFound", cause: err },
        );
      }
      throw new LakeError(
        `Cannot read Parquet object "${source.key}" from "${source.path}": ${messageOf(err)}`,
        { key: source.key, cause: err },
      );
    }
    if (!isFile) {
      throw new LakeError(
        `Cannot read Parquet object "${source.key}": "${source.path}" is not a file`,
        { key: source.key },
      );
    }
  }
  return bytes;
}

/**
 * The SQL of a view over Parquet files that holds exactly the rows and columns a
 * filter selects. DuckDB prunes row groups by their statistics for the date range
 * and a single symbol (comparisons are pushed into the scan), and reads only the
 * selected columns. Hive partitioning is off: a `year=YYYY/` directory never
 * becomes a column.
 *
 * With `splitSymbols`, several symbols become a `UNION ALL` of one scan per symbol,
 * each pruned by its equality, for a DuckDB that cannot push an `IN` list into the
 * scan (0.9): worth it when a few symbols are wanted from large files.
 *
 * With `dedupe`, files of one group (a year with several files: another tool's
 * layout, or a merge killed between replacing the year's file and deleting the
 * others) keep one row per (symbol, date): the first by `dedupe.order`, then the
 * file that comes last. Groups of one file are read as they are.
 *
 * @param name The view's (checked) name.
 * @param paths Local file paths, in order.
 * @param filter Symbols (validated here), dates and columns.
 * @param splitSymbols One scan per symbol instead of one scan with an `IN` list. @default {false}
 * @param dedupe Each path's group, and the SQL order that picks a group's row.
 * @returns `CREATE OR REPLACE VIEW …`.
 * @throws {ConfigError} On an invalid symbol.
 * @throws {RangeError} On a fractional epoch day.
 */
export function parquetViewSql(
  name: string,
  paths: readonly string[],
  filter: ParquetFilter,
  splitSymbols = false,
  dedupe?: { group: readonly (string | number)[]; order: string },
): string {
  const cols = filter.columns ? filter.columns.map(quoteIdent).join(", ") : "*";
  const list = (ps: readonly string[]) => ps.map(quoteString).join(", ");
  const scan = (ps: readonly string[], f: ParquetFilter) =>
    `SELECT ${cols} FROM read_parquet([${list(ps)}], hive_partitioning = false)${whereClause(f)}`;
  const scans = (ps: readonly string[]) =>
    splitSymbols && filter.symbols && filter.symbols.length > 1
      ? filter.symbols.map((s) => scan(ps, { ...filter, symbols: [s] }))
      : [scan(ps, filter)];
  const groups = new Map<string | number, string[]>();
  paths.forEach((p, i) => {
    const g = dedupe?.group[i] ?? i;
    groups.set(g, [...(groups.get(g) ?? []), p]);
  });
  const singles = [...groups.values()].filter((g) => g.length === 1).map((g) => g[0]!);
  const parts = singles.length > 0 ? scans(singles) : [];
  for (const files of groups.values()) {
    if (files.length === 1) continue;
    parts.push(
      `SELECT ${cols === "*" ? "* EXCLUDE (filename)" : cols} FROM (SELECT * FROM ` +
        `read_parquet([${list(files)}], hive_partitioning = false, filename = true)` +
        `${whereClause(filter)} QUALIFY row_number() OVER (PARTITION BY symbol, date ` +
        `ORDER BY ${dedupe!.order}, filename DESC) = 1)`,
    );
  }
  return `CREATE OR REPLACE VIEW ${quoteIdent(name)} AS ${parts.join(" UNION ALL ")}`;
}

/** The exact filter as a WHERE clause (symbols validated before they touch SQL). */
function whereClause(filter: ParquetFilter): string {
  const terms: string[] = [];
  if (filter.symbols) {
    const list = filter.symbols.map((s) => quoteString(validateSymbol(s)));
    // One symbol as an equality: DuckDB pushes it into the Parquet scan and skips every row
    // group whose statistics exclude it (an IN list is evaluated after the scan instead).
    terms.push(
      list.length === 0
        ? "false"
        : list.length === 1
        ? `symbol = ${list[0]}`
        : `symbol IN (${list.join(", ")})`,
    );
  }
  if (filter.start !== undefined) terms.push(`date >= ${sqlDay(filter.start)}`);
  if (filter.end !== undefined) terms.push(`date <= ${sqlDay(filter.end)}`);
  return terms.length > 0 ? ` WHERE ${terms.join(" AND ")}` : "";
}

function sqlDay(day: number): string {
  if (!Number.isInteger(day)) throw new RangeError(`Invalid epoch day ${day}: expected an integer`);
  return `DATE '${formatDate(day)}'`;
}

/**
 * What an `EXPLAIN` or `EXPLAIN ANALYZE` statement explains: the text after those
 * keywords (and any whitespace and comments before and between them), or
 * `undefined` when `sql` is not an EXPLAIN. Only splits the text: whether the
 * rest is a statement that may run is DuckDB's parser's call (`checkReadOnly`).
 * Anything unusual (nested comments, `EXPLAIN (FORMAT …)`) leaves a rest the
 * parser rejects, so the split errs on the side of refusing.
 *
 * @param sql A statement.
 * @returns The explained statement, or `undefined`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { explainArgument } from "./_engine_util.ts";
 * assert.equal(explainArgument("/* why *\/ EXPLAIN ANALYZE select 1"), "select 1");
 * assert.equal(explainArgument("select 1"), undefined);
 * ```
 */
export function explainArgument(sql: string): string | undefined {
  let rest = skipBlank(sql);
  const explain = /^explain\b/i.exec(rest);
  if (!explain) return undefined;
  rest = skipBlank(rest.slice(explain[0].length));
  const analyze = /^analyze\b/i.exec(rest);
  if (analyze) rest = skipBlank(rest.slice(analyze[0].length));
  return rest;
}

/** Drops leading whitespace, `-- …` line comments and `/* … *\/` block comments. */
function skipBlank(text: string): string {
  for (;;) {
    const t = text.replace(/^\s+/, "");
    if (t.startsWith("--")) {
      const nl = t.indexOf("\n");
      text = nl < 0 ? "" : t.slice(nl + 1);
    } else if (t.startsWith("/*")) {
      const end = t.indexOf("*/");
      text = end < 0 ? "" : t.slice(end + 2);
    } else return t;
  }
}

/**
 * The message of anything thrown.
 *
 * @param err Anything.
 * @returns Its message.
 */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Shortens SQL for an error message.
 *
 * @param sql Any SQL.
 * @returns At most 300 characters on one line.
 */
export function sqlSnippet(sql: string): string {
  const one = sql.replace(/\s+/g, " ").trim();
  return one.length > 300 ? `${one.slice(0, 297)}...` : one;
}
