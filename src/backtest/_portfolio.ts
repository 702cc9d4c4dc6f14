/**
 * The portfolio of one run: one cash account, a signed position per symbol,
 * the open lots (FIFO), and the log of every fill and every closed trade,
 * kept as typed columns (a run's results materialise them as objects with
 * dates; a sweep row reads the columns and never does).
 *
 * Accounting: a fill of `size` shares (signed: + buys, − sells) at price `p`
 * with fee `f` moves cash by `−size·p − f`. Selling against a long (or buying
 * against a short) closes open lots first-in first-out, each closed part
 * becoming a trade ({@link feeShare}, {@link tradePnl}, {@link tradeReturn});
 * a fill in the position's direction opens a lot. Equity is cash plus every
 * position marked at its last price ({@link markEquity}).
 *
 * @module
 */

import { feeShare, markEquity, tradePnl, tradeReturn } from "./_rules.ts";

/** Why a fill happened. */
export type FillReason = "market" | "limit" | "stop" | "close" | "sl" | "tp" | "end";
/** Why a trade closed: an order, its stop-loss or take-profit, the end of the data, or not at all. */
export type ExitReason = "order" | "sl" | "tp" | "end" | "open";

/** Fill reasons by code (the fill log stores the index). */
export const FILL_REASONS: readonly FillReason[] = [
  "market",
  "limit",
  "stop",
  "close",
  "sl",
  "tp",
  "end",
];
const FILL_CODE: Record<FillReason, number> = {
  market: 0,
  limit: 1,
  stop: 2,
  close: 3,
  sl: 4,
  tp: 5,
  end: 6,
};
/** Exit reasons by code (the trade log stores the index). */
export const EXIT_REASONS: readonly ExitReason[] = ["order", "sl", "tp", "end", "open"];

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

/** Stop-loss and take-profit prices (NaN for none) of a new lot, and the first local bar they apply. */
export interface LotStops {
  sl: number;
  tp: number;
  from: number;
}

/** Closed trades as columns, in closing order. */
export class TradeLog {
  /** Number of trades. */
  count = 0;
  symbol: Int32Array;
  size: Float64Array;
  entryBar: Int32Array;
  exitBar: Int32Array;
  entryPrice: Float64Array;
  exitPrice: Float64Array;
  pnl: Float64Array;
  ret: Float64Array;
  commission: Float64Array;
  /** Index into {@link EXIT_REASONS}. */
  reason: Uint8Array;

  constructor(capacity = 32) {
    this.symbol = new Int32Array(capacity);
    this.size = new Float64Array(capacity);
    this.entryBar = new Int32Array(capacity);
    this.exitBar = new Int32Array(capacity);
    this.entryPrice = new Float64Array(capacity);
    this.exitPrice = new Float64Array(capacity);
    this.pnl = new Float64Array(capacity);
    this.ret = new Float64Array(capacity);
    this.commission = new Float64Array(capacity);
    this.reason = new Uint8Array(capacity);
  }

  /** Makes room for one more trade; returns its index. */
  add(): number {
    if (this.count === this.size.length) {
      const n = 2 * this.count;
      this.symbol = grow(this.symbol, new Int32Array(n));
      this.size = grow(this.size, new Float64Array(n));
      this.entryBar = grow(this.entryBar, new Int32Array(n));
      this.exitBar = grow(this.exitBar, new Int32Array(n));
      this.entryPrice = grow(this.entryPrice, new Float64Array(n));
      this.exitPrice = grow(this.exitPrice, new Float64Array(n));
      this.pnl = grow(this.pnl, new Float64Array(n));
      this.ret = grow(this.ret, new Float64Array(n));
      this.commission = grow(this.commission, new Float64Array(n));
      this.reason = grow(this.reason, new Uint8Array(n));
    }
    return this.count++;
  }
}

/** Every fill as columns, in order. */
export class FillLog {
  /** Number of fills. */
  count = 0;
  bar: Int32Array;
  symbol: Int32Array;
  size: Float64Array;
  price: Float64Array;
  fee: Float64Array;
  /** Index into {@link FILL_REASONS}. */
  reason: Uint8Array;

  constructor(capacity = 64) {
    this.bar = new Int32Array(capacity);
    this.symbol = new Int32Array(capacity);
    this.size = new Float64Array(capacity);
    this.price = new Float64Array(capacity);
    this.fee = new Float64Array(capacity);
    this.reason = new Uint8Array(capacity);
  }

  /** Makes room for one more fill; returns its index. */
  add(): number {
    if (this.count === this.bar.length) {
      const n = 2 * this.count;
      this.bar = grow(this.bar, new Int32Array(n));
      this.symbol = grow(this.symbol, new Int32Array(n));
      this.size = grow(this.size, new Float64Array(n));
      this.price = grow(this.price, new Float64Array(n));
      this.fee = grow(this.fee, new Float64Array(n));
      this.reason = grow(this.reason, new Uint8Array(n));
    }
    return this.count++;
  }
}

function grow<T extends Int32Array | Float64Array | Uint8Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

/**
 * Cash, positions, lots, the fill and trade logs, and the equity curve of one run.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Portfolio } from "./_portfolio.ts";
 * const p = new Portfolio(1, 2, 1000);
 * p.book(0, 0, 10, 50, 1, "market");
 * p.lastPrice[0] = 55;
 * assert.equal(p.value(), 1000 - 501 + 550);
 * p.book(0, 1, -10, 55, 1, "market");
 * assert.equal(p.trades.count, 1);
 * assert.equal(p.trades.pnl[0], 10 * 5 - 2);
 * ```
 */
export class Portfolio {
  /** Cash in the account. */
  cash: number;
  /** Initial cash. */
  readonly initialCash: number;
  /** Signed shares per symbol. */
  readonly positions: Float64Array;
  /** Last price per symbol (the mark). */
  readonly lastPrice: Float64Array;
  /** Open lots per symbol, oldest first. */
  readonly lots: Lot[][];
  /** Number of open lots with a stop-loss or take-profit, per symbol. */
  readonly stopLots: Int32Array;
  /** How many symbols hold a non-zero position. */
  held = 0;
  /** Closed trades. */
  readonly trades: TradeLog = new TradeLog();
  /** Every fill. */
  readonly fills: FillLog = new FillLog();
  /** Equity per calendar bar. */
  readonly equity: Float64Array;

  /**
   * @param symbols How many symbols the run trades.
   * @param bars How many calendar bars it has.
   * @param cash Initial cash.
   */
  constructor(symbols: number, bars: number, cash: number) {
    this.cash = cash;
    this.initialCash = cash;
    this.positions = new Float64Array(symbols);
    this.lastPrice = new Float64Array(symbols);
    this.lots = Array.from({ length: symbols }, () => []);
    this.stopLots = new Int32Array(symbols);
    this.equity = new Float64Array(bars);
  }

  /**
   * Equity now: cash plus every position marked at its last price.
   *
   * @returns The equity.
   */
  value(): number {
    const pos = this.positions, last = this.lastPrice;
    if (pos.length === 1) return markEquity(this.cash, pos[0]!, last[0]!);
    let v = this.cash;
    if (this.held === 0) return v;
    for (let s = 0; s < pos.length; s++) v = markEquity(v, pos[s]!, last[s]!);
    return v;
  }

  /**
   * Marks bars `from` to `to − 1` of a one-symbol run at their closes, with no
   * fill among them (what {@link value} gives on each).
   *
   * @param close The symbol's closes.
   * @param from First bar.
   * @param to Bar after the last.
   */
  markBars(close: Float64Array, from: number, to: number): void {
    const eq = this.equity, cash = this.cash, pos = this.positions[0]!;
    if (pos === 0) eq.fill(cash, from, to);
    else for (let t = from; t < to; t++) eq[t] = markEquity(cash, pos, close[t]!);
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
   * @param stops For a new lot: its stop-loss and take-profit.
   */
  book(
    s: number,
    bar: number,
    size: number,
    price: number,
    fee: number,
    reason: FillReason,
    stops?: LotStops,
  ): void {
    const before = this.positions[s]!;
    this.cash -= size * price + fee;
    const after = before + size;
    this.positions[s] = after;
    if (before === 0 && after !== 0) this.held++;
    else if (before !== 0 && after === 0) this.held--;
    const f = this.fills, k = f.add();
    f.bar[k] = bar;
    f.symbol[k] = s;
    f.size[k] = size;
    f.price[k] = price;
    f.fee[k] = fee;
    f.reason[k] = FILL_CODE[reason];
    const lots = this.lots[s]!;
    let remaining = size;
    const exitCode = reason === "sl" ? 1 : reason === "tp" ? 2 : reason === "end" ? 3 : 0;
    const absSize = Math.abs(size);
    while (remaining !== 0 && lots.length > 0 && (lots[0]!.size > 0) !== (remaining > 0)) {
      const lot = lots[0]!;
      const held = Math.abs(lot.size);
      const q = Math.min(Math.abs(remaining), held); // shares closed
      const signed = lot.size > 0 ? q : -q;
      const entryFee = feeShare(lot.entryFee, q, held);
      const commission = entryFee + feeShare(fee, q, absSize);
      const t = this.trades, j = t.add();
      t.symbol[j] = s;
      t.size[j] = signed;
      t.entryBar[j] = lot.entryBar;
      t.exitBar[j] = bar;
      t.entryPrice[j] = lot.entryPrice;
      t.exitPrice[j] = price;
      t.pnl[j] = tradePnl(signed, lot.entryPrice, price, commission);
      t.ret[j] = tradeReturn(signed, lot.entryPrice, price, commission);
      t.commission[j] = commission;
      t.reason[j] = exitCode;
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
        entryFee: feeShare(fee, Math.abs(remaining), absSize),
        sl,
        tp,
        stopsFrom: stops?.from ?? 0,
      });
      if (sl === sl || tp === tp) this.stopLots[s]!++;
    }
  }
}
