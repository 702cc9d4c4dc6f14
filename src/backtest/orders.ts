/**
 * Orders as a strategy places them (`ctx.buy()`, `ctx.sell()`,
 * `ctx.closePosition()`), the fills they become, and a sizing helper.
 * How orders fill is documented in the engine's broker (market orders at the
 * next open or this close, limit and stop orders at their price or at the open
 * on a gap, stop-loss before take-profit inside one bar).
 *
 * @module
 */

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

/** An order's life: pending until filled, cancelled, or rejected (nothing affordable). */
export type OrderStatus = "pending" | "filled" | "cancelled" | "rejected";

/**
 * An order. Created by `ctx.buy()`, `ctx.sell()` and `ctx.closePosition()`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Order } from "./orders.ts";
 * const o = new Order(1, 0, 1, "market", {}, 5, false);
 * assert.equal(o.status, "pending");
 * assert.equal(o.side, 1);
 * ```
 */
export class Order {
  /** Sequence number within the run. */
  readonly id: number;
  /** Index of the symbol in the run's universe. */
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
  /** Fill price after spread (on entries) and slippage. */
  price: number;
  /** Fee charged (commission, at least the minimum fee). */
  fee: number;
  /** What caused it. */
  reason: "market" | "limit" | "stop" | "close" | "sl" | "tp" | "end";
}

/** A fill reported to `Strategy.onOrderFilled`. */
export interface Fill extends Transaction {
  /** The order filled; undefined for stop-loss, take-profit and end-of-run exits. */
  order: Order | undefined;
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
 * import assert from "node:assert/strict";
 * import { riskSize } from "./orders.ts";
 * assert.equal(riskSize(100_000, 0.01, 50, 48), 500);
 * ```
 */
export function riskSize(equity: number, risk: number, entry: number, stop: number): number {
  if (!(risk > 0 && risk <= 1)) throw new RangeError(`Risk must be in (0, 1], got ${risk}`);
  const d = Math.abs(entry - stop);
  if (!(d > 0)) throw new RangeError(`Entry ${entry} and stop ${stop} must differ to size by risk`);
  return Math.max(0, Math.floor((equity * risk) / d));
}
