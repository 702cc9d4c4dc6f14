/**
 * The broker: pending orders per symbol, turned into fills on the portfolio.
 * Internal: strategies reach it through their context (`ctx.buy()`,
 * `ctx.sell()`, `ctx.closePosition()`, `ctx.cancel()`).
 *
 * Fill rules (DESIGN.md "Numbers we promise"):
 * - A market order placed on bar t fills at bar t+1's open, or at bar t's close
 *   with `fillOn: "close"`.
 * - A limit buy at L fills when the bar's low reaches L: at L, or at the open when
 *   the bar opens below L (gap). A stop buy at S fills when the high reaches S: at
 *   S, or at the open when the bar opens above S. Sells mirror this. Limit and
 *   stop orders are good until cancelled and are first checked on the bar after
 *   the one that placed them.
 * - Pending orders of a symbol are processed in the order they were placed, so
 *   "close, then reverse" sizes the new position with the cash after the close.
 * - Stop-loss / take-profit of an open lot are checked on every bar after the
 *   entry (and on the entry bar itself when the entry filled at its open), after
 *   the pending orders: a bar opening beyond the stop-loss (or the take-profit)
 *   exits at the open; otherwise a low (high, for shorts) reaching the stop-loss
 *   exits at the stop-loss, else a high reaching the take-profit exits there.
 *   **When both the stop-loss and the take-profit fall inside one bar, the
 *   stop-loss is assumed hit first** (the conservative reading of an OHLC bar).
 *
 * Every fill either opens (or adds to) a position or closes (part of) it, never
 * both: an order against the position first closes it (one fill), then the new
 * side is sized from what is then available (a second fill). Prices, fees and
 * sizes come from the rules in `_rules.ts`: {@link fillPrice}, {@link feeFor},
 * {@link orderBudget}, {@link affordableShares}.
 *
 * @module
 */

import { affordableShares, type Costs, feeFor, fillPrice, orderBudget } from "./_rules.ts";
import type { FillReason, LotStops, Portfolio } from "./_portfolio.ts";
import { Order, type OrderOptions } from "./orders.ts";

/**
 * The options of an order placed without any (`ctx.buy()`): one frozen object
 * shared by all such orders, so placing them allocates nothing more and checks
 * nothing.
 */
export const NO_OPTIONS: Readonly<OrderOptions> = Object.freeze({});

/** Resolved costs and sizing of a {@link Broker}. */
export interface BrokerSettings extends Costs {
  /** Default fraction of equity per order. */
  readonly size: number;
  /** Market orders fill at the placing bar's close. */
  readonly fillOnClose: boolean;
}

/**
 * The broker: keeps pending orders and turns them into fills on the portfolio.
 * Used by the engine; strategies reach it through their context.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Broker } from "./_broker.ts";
 * import { Portfolio } from "./_portfolio.ts";
 * const p = new Portfolio(1, 2, 1_000);
 * const costs = { commission: 0, minFee: 0, spread: 0, slippage: 0 };
 * const b = new Broker(p, { ...costs, size: 1, fillOnClose: false });
 * b.place(0, 1, "market", {}, 0);
 * b.atOpen(0, 1, 1, 10, 11, 9);
 * assert.equal(p.positions[0], 100);
 * assert.equal(p.cash, 0);
 * ```
 */
export class Broker {
  /** The account. */
  readonly portfolio: Portfolio;
  /** Costs and sizing. */
  readonly settings: BrokerSettings;
  /** Pending orders per symbol, in placement order. */
  readonly pending: Order[][];
  /** Number of pending orders per symbol (fast check in the hot loop). */
  readonly pendingCount: Int32Array;
  /** Called after every fill with the symbol index, the fill's index in the fill log and its order. */
  onFill: ((s: number, fill: number, order: Order | undefined) => void) | undefined;
  /** Every order placed, in order. */
  readonly placed: Order[] = [];
  #nextId = 1;

  /**
   * @param portfolio The account to book fills on.
   * @param settings Costs and sizing.
   */
  constructor(portfolio: Portfolio, settings: BrokerSettings) {
    this.portfolio = portfolio;
    this.settings = settings;
    this.pending = portfolio.lots.map(() => []);
    this.pendingCount = new Int32Array(portfolio.lots.length);
  }

  /**
   * Places an order.
   *
   * @param s Symbol index.
   * @param side +1 buy, −1 sell.
   * @param kind Order kind (`market`, `close`; `limit`/`stop` are inferred from the options).
   * @param options Sizing and stops.
   * @param at Symbol-local bar index placing it.
   * @returns The order.
   * @throws {RangeError} When a size, price or stop fraction is out of range.
   */
  place(
    s: number,
    side: 1 | -1,
    kind: "market" | "close",
    options: OrderOptions,
    at: number,
  ): Order {
    let k: Order["kind"] = kind;
    if (options === NO_OPTIONS) {
      // The common case (`ctx.buy()`, `ctx.closePosition()`): nothing to check.
    } else if (options.limit !== undefined) {
      checkPrice("limit", options.limit);
      k = "limit";
    } else if (options.stop !== undefined) {
      checkPrice("stop", options.stop);
      k = "stop";
    }
    if (options !== NO_OPTIONS) checkOptions(options);
    const order = new Order(
      this.#nextId++,
      s,
      side,
      k,
      options,
      at,
      this.settings.fillOnClose && (k === "market" || k === "close"),
    );
    this.pending[s]!.push(order);
    this.pendingCount[s]!++;
    this.placed.push(order);
    return order;
  }

  /**
   * Cancels a pending order.
   *
   * @param order The order.
   * @returns Whether it was pending.
   */
  cancel(order: Order): boolean {
    if (order.status !== "pending") return false;
    order.status = "cancelled";
    this.#remove(order);
    return true;
  }

  #remove(order: Order): void {
    const list = this.pending[order.symbol]!;
    if (list[0] === order) {
      list.shift();
      this.pendingCount[order.symbol]!--;
      return;
    }
    const k = list.indexOf(order);
    if (k >= 0) {
      list.splice(k, 1);
      this.pendingCount[order.symbol]!--;
    }
  }

  /**
   * Processes a symbol's bar at its open: pending orders (placed on earlier bars),
   * then stop-loss / take-profit of open lots.
   *
   * @param s Symbol index.
   * @param j Symbol-local bar index.
   * @param bar Calendar bar index.
   * @param open Bar open.
   * @param high Bar high.
   * @param low Bar low.
   */
  atOpen(s: number, j: number, bar: number, open: number, high: number, low: number): void {
    if (this.pendingCount[s]! > 0) {
      const pending = this.pending[s]!;
      if (pending.length === 1) this.#atOpen(pending[0]!, s, j, bar, open, high, low);
      else {
        for (const order of pending.slice()) this.#atOpen(order, s, j, bar, open, high, low);
      }
    }
    if (this.portfolio.stopLots[s]! > 0) this.#checkStops(s, j, bar, open, high, low);
  }

  /** One pending order at a bar's open. */
  #atOpen(
    order: Order,
    s: number,
    j: number,
    bar: number,
    open: number,
    high: number,
    low: number,
  ): void {
    if (order.status !== "pending" || order.placedAt >= j) return;
    let raw = NaN;
    const buy = order.side === 1;
    switch (order.kind) {
      case "market":
      case "close":
        raw = open;
        break;
      case "limit": {
        const l = order.options.limit!;
        if (buy ? open <= l : open >= l) raw = open;
        else if (buy ? low <= l : high >= l) raw = l;
        break;
      }
      case "stop": {
        const st = order.options.stop!;
        if (buy ? open >= st : open <= st) raw = open;
        else if (buy ? high >= st : low <= st) raw = st;
        break;
      }
    }
    if (raw === raw) this.#execute(order, s, j, bar, raw, raw === open);
  }

  /**
   * Fills the market orders a symbol placed on this bar at its close (`fillOn: "close"`).
   *
   * @param s Symbol index.
   * @param j Symbol-local bar index.
   * @param bar Calendar bar index.
   * @param close Bar close.
   */
  atClose(s: number, j: number, bar: number, close: number): void {
    const list = this.pending[s]!.slice();
    for (const order of list) {
      if (order.status === "pending" && order.onClose && order.placedAt === j) {
        this.#execute(order, s, j, bar, close, false);
      }
    }
  }

  /**
   * Closes every open position at the given prices (end of the run).
   *
   * @param s Symbol index.
   * @param j Symbol-local index of the symbol's last bar.
   * @param bar Calendar index of that bar.
   * @param price The last close.
   */
  closeAtEnd(s: number, j: number, bar: number, price: number): void {
    const pos = this.portfolio.positions[s]!;
    if (pos !== 0) this.#fill(s, j, bar, -pos, price, "end", undefined, false);
  }

  #execute(order: Order, s: number, j: number, bar: number, raw: number, atOpen: boolean): void {
    const p = this.portfolio;
    const o = order.options;
    const pos = p.positions[s]!;
    const reason: FillReason = order.kind;
    order.status = "filled";
    this.#remove(order);
    p.lastPrice[s] = raw;
    if (order.kind === "close") {
      if (pos === 0) order.status = "cancelled";
      else this.#fill(s, j, bar, -pos, raw, reason, order, atOpen);
      return;
    }
    const side = order.side;
    let closing = 0;
    // Opposite position: close it first (all of it for fraction/value orders).
    if (pos !== 0 && (pos > 0) !== (side > 0)) {
      closing = o.shares !== undefined ? Math.min(o.shares, Math.abs(pos)) : Math.abs(pos);
      this.#fill(s, j, bar, side * closing, raw, reason, order, atOpen);
      if (o.shares !== undefined && closing === o.shares) return;
    }
    const st = this.settings;
    const price = fillPrice(raw, side, true, st);
    const equity = p.value();
    const budget = orderBudget(equity, equity - p.exposure(), o.size ?? st.size, o.value);
    let n = affordableShares(budget, price, st.commission, st.minFee);
    if (o.shares !== undefined) n = Math.min(n, o.shares - closing);
    if (n <= 0) {
      if (closing === 0) order.status = "rejected";
      return;
    }
    this.#fill(s, j, bar, side * n, raw, reason, order, atOpen);
  }

  #fill(
    s: number,
    j: number,
    bar: number,
    size: number,
    raw: number,
    reason: FillReason,
    order: Order | undefined,
    atOpen: boolean,
  ): void {
    const st = this.settings;
    const p = this.portfolio;
    const pos = p.positions[s]!;
    const side = size > 0 ? 1 : -1;
    const opens = pos === 0 || (pos > 0) === (size > 0);
    const price = fillPrice(raw, side, opens, st);
    const fee = feeFor(Math.abs(size) * price, st.commission, st.minFee);
    let stops: LotStops | undefined;
    if (order && opens && order.options !== NO_OPTIONS) {
      const o = order.options;
      const sl = o.sl ?? (o.slPct !== undefined ? price * (1 - side * o.slPct) : NaN);
      const tp = o.tp ?? (o.tpPct !== undefined ? price * (1 + side * o.tpPct) : NaN);
      if (sl === sl || tp === tp) stops = { sl, tp, from: atOpen ? j : j + 1 };
    }
    p.book(s, bar, size, price, fee, reason, stops);
    this.onFill?.(s, p.fills.count - 1, order);
  }

  #checkStops(s: number, j: number, bar: number, open: number, high: number, low: number): void {
    const lots = this.portfolio.lots[s]!;
    for (let k = 0; k < lots.length;) {
      const lot = lots[k]!;
      if (lot.stopsFrom > j || (lot.sl !== lot.sl && lot.tp !== lot.tp)) {
        k++;
        continue;
      }
      const long = lot.size > 0;
      const sl = lot.sl, tp = lot.tp;
      let raw = NaN;
      let reason: "sl" | "tp" = "sl";
      if (long) {
        if (open <= sl) raw = open;
        else if (open >= tp) [raw, reason] = [open, "tp"];
        else if (low <= sl) raw = sl;
        else if (high >= tp) [raw, reason] = [tp, "tp"];
      } else {
        if (open >= sl) raw = open;
        else if (open <= tp) [raw, reason] = [open, "tp"];
        else if (high >= sl) raw = sl;
        else if (low <= tp) [raw, reason] = [tp, "tp"];
      }
      if (raw !== raw) {
        k++;
        continue;
      }
      // Close this lot only: move it to the front so FIFO booking closes it.
      if (k > 0) {
        lots.splice(k, 1);
        lots.unshift(lot);
      }
      this.portfolio.lastPrice[s] = raw;
      this.#fill(s, j, bar, -lot.size, raw, reason, undefined, false);
      // The lot is gone; the next one is now at index k (or the list shrank).
    }
  }
}

/** Sizing and stop options checked when an order is placed. */
function checkOptions(options: OrderOptions): void {
  if (options.size !== undefined && !(options.size > 0 && options.size <= 1)) {
    throw new RangeError(
      `Order size must be a fraction of equity in (0, 1], got ${options.size}`,
    );
  }
  if (options.shares !== undefined && !(Number.isInteger(options.shares) && options.shares > 0)) {
    throw new RangeError(`Order shares must be a whole number > 0, got ${options.shares}`);
  }
  if (options.value !== undefined && !(options.value > 0)) {
    throw new RangeError(`Order value must be > 0, got ${options.value}`);
  }
  const slPct = options.slPct, tpPct = options.tpPct;
  if (slPct !== undefined && !(slPct > 0 && slPct < 1)) {
    throw new RangeError(`Order slPct must be a fraction > 0 and < 1, got ${slPct}`);
  }
  if (tpPct !== undefined && !(tpPct > 0)) {
    throw new RangeError(`Order tpPct must be a fraction > 0, got ${tpPct}`);
  }
}

function checkPrice(name: string, v: number): void {
  if (!(Number.isFinite(v) && v > 0)) {
    throw new RangeError(`Order ${name} price must be a finite number > 0, got ${v}`);
  }
}
