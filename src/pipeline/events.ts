/**
 * Splits and dividends from Yahoo, kept in two small CSV files that any tool
 * reads: `events/splits.csv` (`symbol,date,numerator,denominator`) and
 * `events/dividends.csv` (`symbol,date,amount`), sorted by symbol and date, one
 * row per (symbol, date) — a later report of the same event replaces the
 * earlier one, so reruns change nothing.
 *
 * @module
 */

import type { Lake } from "../lake/lake.ts";
import type { DividendEvent, SplitEvent } from "../sources/yahoo.ts";
import { csvRecords, csvText } from "./_csv.ts";
import { DIVIDENDS_KEY, SPLITS_KEY } from "./keys.ts";

/** How many events were new or changed. */
export interface EventsReport {
  /** Splits added or changed. */
  splits: number;
  /** Dividends added or changed. */
  dividends: number;
}

async function readText(lake: Lake, key: string): Promise<string | undefined> {
  if ((await lake.store.head(key)) === undefined) return undefined;
  return new TextDecoder().decode(await lake.store.get(key));
}

async function upsert<T extends { symbol: string; date: string }>(
  lake: Lake,
  key: string,
  header: readonly (keyof T & string)[],
  parseRecord: (r: Record<string, string>) => T,
  incoming: readonly T[],
): Promise<number> {
  if (incoming.length === 0) return 0;
  const text = await readText(lake, key);
  const byKey = new Map<string, T>();
  for (const r of text === undefined ? [] : csvRecords(text)) {
    const e = parseRecord(r);
    byKey.set(`${e.symbol} ${e.date}`, e);
  }
  let changed = 0;
  for (const e of incoming) {
    const k = `${e.symbol} ${e.date}`;
    const old = byKey.get(k);
    if (old === undefined || header.some((h) => String(old[h]) !== String(e[h]))) changed++;
    byKey.set(k, e);
  }
  if (changed === 0) return 0;
  const all = [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, e]) =>
    header.map((h) => e[h] as string | number)
  );
  await lake.store.put(key, new TextEncoder().encode(csvText(header, all)));
  return changed;
}

/**
 * Adds a run's splits and dividends to the lake's event files.
 *
 * @param lake The lake.
 * @param splits Splits reported by the run's fetches.
 * @param dividends Dividends reported by the run's fetches.
 * @returns How many were new or changed.
 */
export async function recordEvents(
  lake: Lake,
  splits: readonly SplitEvent[],
  dividends: readonly DividendEvent[],
): Promise<EventsReport> {
  return {
    splits: await upsert<SplitEvent>(
      lake,
      SPLITS_KEY,
      ["symbol", "date", "numerator", "denominator"],
      (r) => ({
        symbol: r.symbol!,
        date: r.date!,
        numerator: Number(r.numerator),
        denominator: Number(r.denominator),
      }),
      splits,
    ),
    dividends: await upsert<DividendEvent>(
      lake,
      DIVIDENDS_KEY,
      ["symbol", "date", "amount"],
      (r) => ({ symbol: r.symbol!, date: r.date!, amount: Number(r.amount) }),
      dividends,
    ),
  };
}
