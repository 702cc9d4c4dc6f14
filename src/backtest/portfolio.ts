/**
 * The portfolio: one cash account, a signed position per symbol, the open lots
 * (FIFO), the closed trades, every transaction, and the equity curve.
 *
 * Accounting: a fill of `size` shares (signed: + buys, − sells) at price `p`
 * with fee `f` moves cash by `−size·p − f`. Equity is `cash + Σ position·last
 * price`; the engine marks it at every close. Selling against a long (or buying
 * against a short) closes open lots first-in first-out; what remains opens a new
 * lot. A closed lot becomes a {@link Trade}.
 *
 * @module
 */

import { formatDate } from "../core/dates.ts";

/** A closed (or, with `keepOpen`, still open) trade. */
export interface Trade {
  /** The symbol traded. */
  symbol: string;
  /** Signed shares: positive long, negative short. */
  size: number;
  /** Calendar bar index of the entry fill. */
  entryBar: number;
  /** Calendar bar index of the exit fill (the last bar while open). */
  exitBar: number;
  /** Entry date, `YYYY-MM-DD`. */
  entryDate: string;
  /** Exit date, `YYYY-MM-DD`. */
  exitDate: string;
  /** Entry fill price (after spread and slippage). */
  entryPrice: number;
  /** Exit fill price (after spread and slippage; the last close while open). */
  exitPrice: number;
  /** Profit or loss in cash: `size·(exit − entry) − commission`. */
  pnl: number;
  /** Return as a fraction: `sign(size)·(exit/entry − 1) − commission/(|size|·entry)`. */
  return: number;
  /** Fees paid on entry and exit (this trade's share when lots were split). */
  commission: number;
  /** Calendar days from entry to exit. */
  duration: number;
  /** Why the trade closed: `"order"`, `"sl"`, `"tp"`, `"end"` (closed at the last close), or `"open"`. */
  exitReason: "order" | "sl" | "tp" | "end" | "open";
}

/** One fill, as booked. */
export interface Transaction {
  /** Calendar bar index. */
  bar: number;
  /** Date, `YYYY-MM-DD`. */
  date: string;
  /** The symbol. */
  symbol: string;
  /** Signed shares: + bought, − sold. */
  size: number;
  /** Fill price after spread and slippage. */
  price: number;
  /** Fee charged (commission, at least the minimum fee). */
  fee: number;
  /** What caused it. */
  reason: "market" | "limit" | "stop" | "close" | "sl" | "tp" | "end";
}

/** An open lot: part of a position with its own entry, stops and fees. */
export interface Lot {
  /** Signed shares. */
  size: number;
  /** Calendar bar of the entry. */
  entryBar: number;
  /** Entry fill price. */
  entryPrice: number;
  /** Entry fee not yet attributed to a closed trade. */
  entryFee: number;
  /** Stop-loss price, NaN when none. */
  sl: number;
  /** Take-profit price, NaN when none. */
  tp: number;
  /** First symbol-local bar index on which the stops are checked. */
  stopsFrom: number;
}

/**
 * Cash, positions, lots, trades, transactions and the equity curve of one run.
 *
 * @example
 * ```ts
 * import { Portfolio } from "./portfolio.ts";
 * const p = new Portfolio(["X"], new Int32Array([0, 1]), 1000);
 * p.book(0, 0, 10, 50, 1, "market");
 * p.lastPrice[0] = 55;
 * console.assert(p.value() === 1000 - 501 + 550);
 * ```
 */
export class Portfolio {
  /** Cash in the account. */
  cash: number;
  /** Initial cash. */
  readonly initialCash: number;
  /** Symbols, indexed like `positions`. */
  readonly symbols: readonly string[];
  /** Signed shares per symbol. */
  readonly positions: Float64Array;
  /** Last price per symbol (the mark). */
  readonly lastPrice: Float64Array;
  /** Open lots per symbol, oldest first. */
  readonly lots: Lot[][];
  /** Number of open lots with a stop-loss or take-profit, per symbol. */
  readonly stopLots: Int32Array;
  /** Closed trades, in closing order. */
  readonly trades: Trade[] = [];
  /** Every fill, in order. */
  readonly transactions: Transaction[] = [];
  /** Total fees paid. */
  commissions = 0;
  /** Equity per calendar bar. */
  readonly equity: Float64Array;
  /** The calendar (epoch days). */
  readonly calendar: Int32Array;
  /** How many symbols hold a non-zero position. */
  held = 0;
  #dateMemo: (string | undefined)[];

  #date(bar: number): string {
    return this.#dateMemo[bar] ??= formatDate(this.calendar[bar]!);
  }

  /**
   * @param symbols The symbols of the run.
   * @param calendar The shared trading calendar (epoch days).
   * @param cash Initial cash.
   * @param equity A buffer of `calendar.length` to record the equity in (sweeps reuse one). @default {a new buffer}
   */
  constructor(
    symbols: readonly string[],
    calendar: Int32Array,
    cash: number,
    equity?: Float64Array,
  ) {
    this.symbols = symbols;
    this.calendar = calendar;
    this.cash = cash;
    this.initialCash = cash;
    this.positions = new Float64Array(symbols.length);
    this.lastPrice = new Float64Array(symbols.length);
    this.lots = symbols.map(() => []);
    this.stopLots = new Int32Array(symbols.length);
    this.equity = equity?.length === calendar.length ? equity : new Float64Array(calendar.length);
    this.#dateMemo = new Array(calendar.length);
  }

  /**
   * Equity now: cash plus every position marked at its last price.
   *
   * @returns The equity.
   */
  value(): number {
    if (this.held === 0) return this.cash;
    let v = this.cash;
    const pos = this.positions, last = this.lastPrice;
    for (let s = 0; s < pos.length; s++) if (pos[s] !== 0) v += pos[s]! * last[s]!;
    return v;
  }

  /**
   * Gross exposure: Σ |position|·last price.
   *
   * @returns The exposure in cash.
   */
  exposure(): number {
    if (this.held === 0) return 0;
    let v = 0;
    const pos = this.positions, last = this.lastPrice;
    for (let s = 0; s < pos.length; s++) if (pos[s] !== 0) v += Math.abs(pos[s]!) * last[s]!;
    return v;
  }

  /**
   * Books a fill: moves cash, updates the position, closes lots FIFO into trades
   * and opens a lot with what remains.
   *
   * @param s Symbol index.
   * @param bar Calendar bar index.
   * @param size Signed shares (non-zero integer).
   * @param price Fill price.
   * @param fee Fee (≥ 0).
   * @param reason What caused the fill.
   * @param stops For a new lot: stop-loss and take-profit prices (NaN for none) and the first local bar they apply.
   * @returns Nothing.
   */
  book(
    s: number,
    bar: number,
    size: number,
    price: number,
    fee: number,
    reason: Transaction["reason"],
    stops?: { sl: number; tp: number; from: number },
  ): void {
    const before = this.positions[s]!;
    this.cash -= size * price + fee;
    this.commissions += fee;
    const after = before + size;
    this.positions[s] = after;
    if (before === 0 && after !== 0) this.held++;
    else if (before !== 0 && after === 0) this.held--;
    this.transactions.push({
      bar,
      date: this.#date(bar),
      symbol: this.symbols[s]!,
      size,
      price,
      fee,
      reason,
    });
    const lots = this.lots[s]!;
    let remaining = size;
    const exitReason: Trade["exitReason"] = reason === "sl" || reason === "tp" || reason === "end"
      ? reason
      : "order";
    while (
      remaining !== 0 && lots.length > 0 && Math.sign(lots[0]!.size) !== Math.sign(remaining)
    ) {
      const lot = lots[0]!;
      const q = Math.min(Math.abs(remaining), Math.abs(lot.size)); // shares closed
      const signed = Math.sign(lot.size) * q;
      const entryFee = lot.entryFee * (q / Math.abs(lot.size));
      const exitFee = fee * (q / Math.abs(size));
      const commission = entryFee + exitFee;
      const pnl = signed * (price - lot.entryPrice) - commission;
      const ret = Math.sign(lot.size) * (price / lot.entryPrice - 1) -
        commission / (q * lot.entryPrice);
      this.trades.push({
        symbol: this.symbols[s]!,
        size: signed,
        entryBar: lot.entryBar,
        exitBar: bar,
        entryDate: this.#date(lot.entryBar),
        exitDate: this.#date(bar),
        entryPrice: lot.entryPrice,
        exitPrice: price,
        pnl,
        return: ret,
        commission,
        duration: this.calendar[bar]! - this.calendar[lot.entryBar]!,
        exitReason,
      });
      lot.entryFee -= entryFee;
      lot.size -= signed;
      remaining += signed;
      if (lot.size === 0) {
        lots.shift();
        if (lot.sl === lot.sl || lot.tp === lot.tp) this.stopLots[s]!--;
      }
    }
    if (remaining !== 0) {
      const sl = stops?.sl ?? NaN, tp = stops?.tp ?? NaN;
      lots.push({
        size: remaining,
        entryBar: bar,
        entryPrice: price,
        entryFee: fee * (Math.abs(remaining) / Math.abs(size)),
        sl,
        tp,
        stopsFrom: stops?.from ?? 0,
      });
      if (sl === sl || tp === tp) this.stopLots[s]!++;
    }
  }

  /**
   * The open lots as trades marked at the last price (for `keepOpen` runs).
   *
   * @param lastBar Calendar index of the last bar.
   * @returns One trade per open lot, `exitReason: "open"`.
   */
  openTrades(lastBar: number): Trade[] {
    const out: Trade[] = [];
    this.lots.forEach((lots, s) => {
      for (const lot of lots) {
        const price = this.lastPrice[s]!;
        const pnl = lot.size * (price - lot.entryPrice) - lot.entryFee;
        out.push({
          symbol: this.symbols[s]!,
          size: lot.size,
          entryBar: lot.entryBar,
          exitBar: lastBar,
          entryDate: this.#date(lot.entryBar),
          exitDate: this.#date(lastBar),
          entryPrice: lot.entryPrice,
          exitPrice: price,
          pnl,
          return: Math.sign(lot.size) * (price / lot.entryPrice - 1) -
            lot.entryFee / (Math.abs(lot.size) * lot.entryPrice),
          commission: lot.entryFee,
          duration: this.calendar[lastBar]! - this.calendar[lot.entryBar]!,
          exitReason: "open",
        });
      }
    });
    return out;
  }
}
