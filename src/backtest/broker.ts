/**
 * Orders, fills and costs.
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
 * Costs, on every fill, both sides:
 * - the fill price moves against the trader: `price·(1 + spread + slippage)` for
 *   buys, `price·(1 − spread − slippage)` for sells;
 * - the fee is `max(minFee, commission · |shares| · fill price)`.
 *
 * Sizing happens when the order fills, from the fill price: an order in the
 * direction opposite to the position first closes it (one fill), then the new
 * side is sized from what is then available (a second fill). The budget is
 * `fraction · equity` (default all-in), or `value`, or `shares`, never more than
 * the available margin `equity − Σ|position|·price` of the other positions; the
 * share count is the largest whole number whose cost plus fee fits:
 * `floor(budget / (fill price · (1 + commission)))`, lowered while the minimum
 * fee does not fit.
 *
 * @module
 */

import type { Portfolio, Transaction } from "./portfolio.ts";

/** Trading costs. All default to 0. */
export interface CostModel {
  /** Commission as a fraction of traded value (0.001 = 0.1 %). @default {0} */
  commission?: number;
  /** Minimum fee per fill in cash (e.g. 10). @default {0} */
  minFee?: number;
  /** Slippage as a fraction of price, against the trader. @default {0} */
  slippage?: number;
  /** Bid/ask spread as a fraction of price, paid on each side. @default {0} */
  spread?: number;
}

/** How an order is sized and priced. */
export interface OrderOptions {
  /** Fraction of equity to commit, in (0, 1]. @default {the run's `size`, all-in} */
  size?: number;
  /** A fixed number of whole shares instead of a fraction. */
  shares?: number;
  /** A fixed cash value (cost plus fee) instead of a fraction. */
  value?: number;
  /** Limit price: buy at or below / sell at or above. */
  limit?: number;
  /** Stop price: buy when the price rises to / sell when it falls to. */
  stop?: number;
  /** Stop-loss price for the position this order opens. */
  sl?: number;
  /** Take-profit price for the position this order opens. */
  tp?: number;
  /** Stop-loss as a fraction below (long) / above (short) the entry fill price, e.g. 0.08. */
  slPct?: number;
  /** Take-profit as a fraction above (long) / below (short) the entry fill price. */
  tpPct?: number;
}

/**
 * The options of an order placed without any (`ctx.buy()`): one frozen object
 * shared by all such orders, so placing them allocates nothing more.
 *
 * @example
 * ```ts
 * import { NO_OPTIONS } from "./broker.ts";
 * console.assert(Object.isFrozen(NO_OPTIONS) && Object.keys(NO_OPTIONS).length === 0);
 * ```
 */
export const NO_OPTIONS: Readonly<OrderOptions> = Object.freeze({});

/** An order's life: pending until filled, cancelled, or rejected (nothing affordable). */
export type OrderStatus = "pending" | "filled" | "cancelled" | "rejected";

/**
 * An order. Created by `ctx.buy()`, `ctx.sell()` and `ctx.closePosition()`.
 *
 * @example
 * ```ts
 * import { Order } from "./broker.ts";
 * const o = new Order(1, 0, 1, "market", {}, 5, false);
 * console.assert(o.status === "pending" && o.side === 1);
 * ```
 */
export class Order {
  /** Sequence number within the run. */
  readonly id: number;
  /** Symbol index. */
  readonly symbol: number;
  /** +1 buy, −1 sell. */
  readonly side: 1 | -1;
  /** Market, limit, stop, or close (market order closing the whole position). */
  readonly kind: "market" | "limit" | "stop" | "close";
  /** Sizing and stops. */
  readonly options: Readonly<OrderOptions>;
  /** Symbol-local index of the bar that placed it. */
  readonly placedAt: number;
  /** Whether it was placed to fill at the same bar's close. */
  readonly onClose: boolean;
  /** Current status. */
  status: OrderStatus = "pending";

  /**
   * @param id Sequence number.
   * @param symbol Symbol index.
   * @param side +1 buy, −1 sell.
   * @param kind Order kind.
   * @param options Sizing and stops.
   * @param placedAt Local bar index of placement.
   * @param onClose Fill at the placing bar's close (market orders with `fillOn: "close"`).
   */
  constructor(
    id: number,
    symbol: number,
    side: 1 | -1,
    kind: Order["kind"],
    options: OrderOptions,
    placedAt: number,
    onClose: boolean,
  ) {
    this.id = id;
    this.symbol = symbol;
    this.side = side;
    this.kind = kind;
    this.options = options;
    this.placedAt = placedAt;
    this.onClose = onClose;
  }
}

/** A fill reported to `Strategy.onOrderFilled`. */
export interface Fill extends Transaction {
  /** The order filled; undefined for stop-loss, take-profit and end-of-run exits. */
  order: Order | undefined;
}

/**
 * The fee of one fill: `max(minFee, commission · value)`, 0 for no shares.
 *
 * @param value Traded value `|shares| · fill price`.
 * @param commission Fraction of value.
 * @param minFee Minimum fee.
 * @returns The fee.
 *
 * @example
 * ```ts
 * import { feeFor } from "./broker.ts";
 * console.assert(feeFor(5_000, 0.001, 10) === 10);
 * console.assert(feeFor(50_000, 0.001, 10) === 50);
 * ```
 */
export function feeFor(value: number, commission: number, minFee: number): number {
  if (value <= 0) return 0;
  const f = commission * value;
  return f > minFee ? f : minFee;
}

/**
 * The largest whole number of shares whose cost plus fee fits a budget.
 *
 * @param budget Cash available for cost plus fee.
 * @param price Fill price (after spread and slippage).
 * @param commission Fraction of value.
 * @param minFee Minimum fee.
 * @returns Shares ≥ 0.
 *
 * @example
 * ```ts
 * import { affordableShares } from "./broker.ts";
 * console.assert(affordableShares(1_000, 10, 0.01, 0) === 99); // 99·10·1.01 = 999.9
 * console.assert(affordableShares(1_000, 10, 0, 10) === 99);   // 990 + 10
 * ```
 */
export function affordableShares(
  budget: number,
  price: number,
  commission: number,
  minFee: number,
): number {
  if (!(budget > 0) || !(price > 0)) return 0;
  let n = Math.floor(budget / (price * (1 + commission)));
  if (minFee > 0) n = Math.min(n, Math.floor((budget - minFee) / price));
  while (n > 0 && n * price + feeFor(n * price, commission, minFee) > budget) n--;
  return n > 0 ? n : 0;
}

/**
 * Shares to risk a fraction of equity between an entry and a stop: `floor(equity ·
 * risk / |entry − stop|)`, e.g. risk 1 % of equity with a stop 2 $ away.
 *
 * @param equity Account equity.
 * @param risk Fraction of equity to lose if the stop is hit, in (0, 1].
 * @param entry Expected entry price.
 * @param stop Stop-loss price.
 * @returns Whole shares (pass as `{ shares }`); the broker still caps them to what is affordable.
 * @throws {RangeError} When `risk` is outside (0, 1] or entry equals stop.
 *
 * @example
 * ```ts
 * import { riskSize } from "./broker.ts";
 * console.assert(riskSize(100_000, 0.01, 50, 48) === 500);
 * ```
 */
export function riskSize(equity: number, risk: number, entry: number, stop: number): number {
  if (!(risk > 0 && risk <= 1)) throw new RangeError(`Risk must be in (0, 1], got ${risk}`);
  const d = Math.abs(entry - stop);
  if (!(d > 0)) throw new RangeError(`Entry ${entry} and stop ${stop} must differ to size by risk`);
  return Math.max(0, Math.floor((equity * risk) / d));
}

/** Resolved costs and run settings of a {@link Broker}. */
export interface BrokerSettings {
  /** Commission fraction. */
  commission: number;
  /** Minimum fee. */
  minFee: number;
  /** Spread + slippage: the fraction a fill moves against the trader. */
  adverse: number;
  /** Default fraction of equity per order. */
  size: number;
  /** Market orders fill at the placing bar's close. */
  fillOnClose: boolean;
}

/**
 * The broker: keeps pending orders and turns them into fills on the portfolio.
 * Used by the engine; strategies reach it through their context.
 *
 * @example
 * ```ts
 * import { Broker } from "./broker.ts";
 * import { Portfolio } from "./portfolio.ts";
 * const p = new Portfolio(["X"], new Int32Array([0, 1]), 1_000);
 * const b = new Broker(p, { commission: 0, minFee: 0, adverse: 0, size: 1, fillOnClose: false });
 * b.place(0, 1, "market", {}, 0);
 * b.atOpen(0, 1, 1, 10, 11, 9);
 * console.assert(p.positions[0] === 100 && p.cash === 0);
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
  /** Called after every fill with the symbol index and the fill. */
  onFill: ((s: number, fill: Fill) => void) | undefined;
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
    this.pending = portfolio.symbols.map(() => []);
    this.pendingCount = new Int32Array(portfolio.symbols.length);
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
    const reason: Transaction["reason"] = order.kind;
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
    if (pos !== 0 && Math.sign(pos) !== side) {
      closing = o.shares !== undefined ? Math.min(o.shares, Math.abs(pos)) : Math.abs(pos);
      this.#fill(s, j, bar, side * closing, raw, reason, order, atOpen);
      if (o.shares !== undefined && closing === o.shares) return;
    }
    const settings = this.settings;
    const price = raw * (1 + side * settings.adverse);
    const equity = p.value();
    const available = equity - p.exposure();
    let budget: number;
    if (o.value !== undefined) budget = Math.min(o.value, available);
    else if (o.shares !== undefined) budget = available;
    else budget = Math.min((o.size ?? settings.size) * equity, available);
    let n = affordableShares(budget, price, settings.commission, settings.minFee);
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
    reason: Transaction["reason"],
    order: Order | undefined,
    atOpen: boolean,
  ): void {
    const st = this.settings;
    const side = size > 0 ? 1 : -1;
    const price = raw * (1 + side * st.adverse);
    const fee = feeFor(Math.abs(size) * price, st.commission, st.minFee);
    const p = this.portfolio;
    const pos = p.positions[s]!;
    let stops: { sl: number; tp: number; from: number } | undefined;
    const opens = pos === 0 || Math.sign(pos) === side || Math.abs(size) > Math.abs(pos);
    if (order && opens && order.kind !== "close") {
      const o = order.options;
      const sl = o.sl ?? (o.slPct !== undefined ? price * (1 - side * o.slPct) : NaN);
      const tp = o.tp ?? (o.tpPct !== undefined ? price * (1 + side * o.tpPct) : NaN);
      if (sl === sl || tp === tp) stops = { sl, tp, from: atOpen ? j : j + 1 };
    }
    p.book(s, bar, size, price, fee, reason, stops);
    if (this.onFill) {
      const t = p.transactions[p.transactions.length - 1]!;
      this.onFill(s, { ...t, order });
    }
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
