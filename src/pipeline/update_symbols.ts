/**
 * `UpdateASXSymbols`: refresh the ASX list, publish it with its changes, and
 * split the symbols into fetch batches.
 *
 * @module
 */

import { isTradingDay } from "../core/calendar.ts";
import { parseDate } from "../core/dates.ts";
import { ConfigError } from "../core/errors.ts";
import { validateSymbol } from "../core/symbol.ts";
import type { Lake } from "../lake/lake.ts";
import { type AsxCompany, parseAsxList } from "../sources/asx.ts";
import { csvText } from "./_csv.ts";
import { changesKey, SYMBOLS_KEY, symbolsKey } from "./keys.ts";
import { defaultRunDate } from "./windows.ts";

/** What starts a run (the state machine's input). Every field is optional. */
export interface UpdateSymbolsEvent {
  /** Run date `YYYY-MM-DD`. @default {the last ASX session that has closed (see defaultRunDate)} */
  date?: string;
  /** Fetch these symbols instead of the ASX list (nothing is published under `symbols/`). */
  symbols?: string[];
  /** Fetch every symbol from this date to the run date (backfill), not from its watermark. */
  backfillFrom?: string | null;
  /** Publish an ASX list even when it shrank by more than the allowed share. @default {false} */
  force?: boolean;
}

/** One fetch batch. */
export interface SymbolBatch {
  /** Its symbols. */
  symbols: string[];
  /** Its number, from 0. */
  batchNumber: number;
}

/** Added and removed symbols against the previous published list. */
export interface SymbolChanges {
  /** Symbols in this list and not in the previous one, sorted. */
  added: string[];
  /** Symbols in the previous list and not in this one, sorted. */
  removed: string[];
}

/** What `UpdateASXSymbols` hands to the rest of the state machine. */
export interface UpdateSymbolsOutput {
  /** 200. */
  statusCode: number;
  /** The run date. */
  date: string;
  /** The backfill's first date, or `null` for an incremental run. */
  backfillFrom: string | null;
  /** Every symbol to fetch, sorted. */
  symbols: string[];
  /** The symbols in batches. Empty when the run date is not an ASX session (nothing to fetch). */
  symbolBatches: SymbolBatch[];
  /** About the list. */
  metadata: {
    total_symbols: number;
    num_batches: number;
    /** The published list's key, or `null` when nothing was published. */
    s3_key: string | null;
    changes: SymbolChanges;
    /** `"asx"` (the ASX list) or `"given"` (symbols passed in). */
    source: "asx" | "given";
    /** Whether the run date is an ASX session. */
    trading_day: boolean;
  };
}

/** What `updateSymbols` needs. */
export interface UpdateSymbolsDeps {
  /** The lake. */
  lake: Lake;
  /** The clock, for the default run date. */
  now: () => Date;
  /** Downloads the ASX list (e.g. `() => fetchAsxList(url)`). */
  listSource: () => Promise<AsxCompany[]>;
  /** Symbols per fetch batch. @default {100} */
  batchSize?: number;
  /** The largest share by which the list may shrink from the previous one without `force`. @default {0.1} */
  maxShrink?: number;
  /** Symbols fetched with the ASX list (not published in it). @default {["^AXJO"]} */
  extraSymbols?: readonly string[];
  /** Progress lines. @default {none} */
  log?: (line: string) => void;
}

const byCode = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The symbols added and removed between two lists.
 *
 * @param previous The earlier list's symbols.
 * @param next The later list's symbols.
 * @returns Both sorted.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { diffSymbols } from "./update_symbols.ts";
 * assert.deepEqual(diffSymbols(["A.AX", "B.AX"], ["B.AX", "C.AX"]), { added: ["C.AX"], removed: ["A.AX"] });
 * ```
 */
export function diffSymbols(
  previous: readonly string[],
  next: readonly string[],
): SymbolChanges {
  const before = new Set(previous), after = new Set(next);
  return {
    added: [...after].filter((s) => !before.has(s)).sort(byCode),
    removed: [...before].filter((s) => !after.has(s)).sort(byCode),
  };
}

/**
 * Splits symbols into numbered batches.
 *
 * @param symbols The symbols, in the order wanted.
 * @param size Symbols per batch.
 * @returns Batches numbered from 0.
 * @throws {RangeError} When `size` is not a positive integer.
 */
export function toBatches(symbols: readonly string[], size: number): SymbolBatch[] {
  if (!Number.isInteger(size) || size < 1) {
    throw new RangeError(`Invalid batch size ${size}: expected a positive integer`);
  }
  const out: SymbolBatch[] = [];
  for (let i = 0; i < symbols.length; i += size) {
    out.push({ symbols: symbols.slice(i, i + size), batchNumber: out.length });
  }
  return out;
}

/** The seed's symbols file: `symbol,name,sector,market_cap,listing_date`. */
export function symbolsCsv(companies: readonly AsxCompany[]): string {
  return csvText(
    ["symbol", "name", "sector", "market_cap", "listing_date"],
    companies.map((c) => [c.symbol, c.name, c.sector, c.marketCap, c.listingDate]),
  );
}

/** The latest list published before `date`, if any. */
async function previousList(
  lake: Lake,
  date: string,
): Promise<{ date: string; symbols: string[] } | undefined> {
  const keys = (await lake.store.list("symbols/"))
    .map((o) => ({ key: o.key, date: SYMBOLS_KEY.exec(o.key)?.[1] }))
    .filter((o): o is { key: string; date: string } => o.date !== undefined && o.date < date);
  const last = keys.at(-1);
  if (last === undefined) return undefined;
  const text = new TextDecoder().decode(await lake.store.get(last.key));
  return {
    date: last.date,
    symbols: parseAsxList(text, { source: last.key }).map((c) => c.symbol),
  };
}

function checkEvent(event: UpdateSymbolsEvent, now: Date): {
  date: string;
  backfillFrom: string | null;
  given: string[] | undefined;
} {
  const date = event.date ?? defaultRunDate(now);
  parseDate(date);
  const backfillFrom = event.backfillFrom ?? null;
  if (backfillFrom !== null && parseDate(backfillFrom) > parseDate(date)) {
    throw new ConfigError(
      `Invalid backfill: it starts ${backfillFrom}, after the run date ${date}`,
    );
  }
  let given: string[] | undefined;
  if (event.symbols !== undefined) {
    if (!Array.isArray(event.symbols) || event.symbols.length === 0) {
      throw new ConfigError("No symbols given: expected at least one, e.g. BHP.AX");
    }
    given = [...new Set(event.symbols.map((s) => validateSymbol(String(s))))].sort(byCode);
  }
  return { date, backfillFrom, given };
}

/**
 * The `UpdateASXSymbols` handler: decides the run date, gets the symbols (the
 * ASX list, or the ones given), publishes the ASX list as
 * `symbols/DATE-symbols.csv` with `symbols/DATE-changes.json` against the
 * previous published list, and splits the symbols into batches.
 *
 * On a day the ASX does not trade (and no backfill), it fetches nothing and
 * returns no batches: the next session's run fetches from each watermark, so
 * nothing is lost.
 *
 * @param event Run date, symbols, backfill start, `force`.
 * @param deps Lake, clock, list source, batch size, shrink limit.
 * @returns The run date, symbols and batches, and what changed.
 * @throws {ConfigError} On a bad event, or an ASX list that shrank by more than
 *   `maxShrink` from the previous one without `force` (nothing is published then).
 * @throws {FetchError} When the ASX list cannot be downloaded or parsed.
 */
export async function updateSymbols(
  event: UpdateSymbolsEvent,
  deps: UpdateSymbolsDeps,
): Promise<UpdateSymbolsOutput> {
  const { date, backfillFrom, given } = checkEvent(event ?? {}, deps.now());
  const batchSize = deps.batchSize ?? 100;
  const tradingDay = isTradingDay(parseDate(date));
  const output = (
    symbols: string[],
    s3Key: string | null,
    changes: SymbolChanges,
    source: "asx" | "given",
  ): UpdateSymbolsOutput => {
    const symbolBatches = tradingDay || backfillFrom !== null ? toBatches(symbols, batchSize) : [];
    return {
      statusCode: 200,
      date,
      backfillFrom,
      symbols,
      symbolBatches,
      metadata: {
        total_symbols: symbols.length,
        num_batches: symbolBatches.length,
        s3_key: s3Key,
        changes,
        source,
        trading_day: tradingDay,
      },
    };
  };
  if (given !== undefined) return output(given, null, { added: [], removed: [] }, "given");
  if (!tradingDay && backfillFrom === null) {
    deps.log?.(`${date} is not an ASX session: nothing to fetch`);
    return output([], null, { added: [], removed: [] }, "asx");
  }

  const companies = [...await deps.listSource()].sort((a, b) => byCode(a.symbol, b.symbol));
  const symbols = companies.map((c) => c.symbol);
  const previous = await previousList(deps.lake, date);
  const maxShrink = deps.maxShrink ?? 0.1;
  if (previous !== undefined && !event?.force) {
    const shrink = 1 - symbols.length / previous.symbols.length;
    if (shrink > maxShrink) {
      throw new ConfigError(
        `The ASX list for ${date} has ${symbols.length} companies, ${
          Math.round(shrink * 100)
        } % fewer than the ${previous.symbols.length} published for ${previous.date} (limit ${
          Math.round(maxShrink * 100)
        } %): not published. Check the source, or run again with force (--force) to accept it`,
      );
    }
  }
  const changes = diffSymbols(previous?.symbols ?? [], symbols);
  const key = symbolsKey(date);
  const encode = (s: string) => new TextEncoder().encode(s);
  await deps.lake.store.put(changesKey(date), encode(JSON.stringify(changes, null, 1) + "\n"));
  await deps.lake.store.put(key, encode(symbolsCsv(companies)));
  deps.log?.(
    `ASX list: ${symbols.length} companies (+${changes.added.length} −${changes.removed.length})`,
  );
  const extra = (deps.extraSymbols ?? ["^AXJO"]).map(validateSymbol);
  const all = [...new Set([...symbols, ...extra])].sort(byCode);
  return output(all, key, changes, "asx");
}
