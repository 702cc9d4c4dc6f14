/**
 * The trading rules of DESIGN.md "Numbers we promise", each once, as a small
 * pure function. The broker and the portfolio call them for every fill of every
 * run, event-driven or stats-only; nothing else prices, charges, sizes, closes
 * or marks.
 *
 * | rule | function |
 * |---|---|
 * | fill price with spread (paid once per round trip, at entry) and slippage (every fill) | {@link fillPrice} |
 * | fee: commission on the traded value, at least the minimum fee | {@link feeFor} |
 * | sizing budget: a fraction of equity, a cash value or a share count, within the available margin | {@link orderBudget} |
 * | the largest whole number of shares whose cost plus fee fits the budget | {@link affordableShares} |
 * | closing (part of) a lot: the share of a fill's fee that goes with the shares closed | {@link feeShare} |
 * | trade PnL and return | {@link tradePnl}, {@link tradeReturn} |
 * | equity: cash plus the position marked at a price | {@link markEquity} |
 *
 * @module
 */

/** The costs of a run, resolved (all ≥ 0). */
export interface Costs {
  /** Commission as a fraction of traded value. */
  readonly commission: number;
  /** Minimum fee per fill. */
  readonly minFee: number;
  /** The whole bid-ask spread as a fraction of price, paid once per round trip at entry. */
  readonly spread: number;
  /** Slippage as a fraction of price, against the trader on every fill. */
  readonly slippage: number;
}

/**
 * The price a fill executes at: the raw price moved against the trader by the
 * slippage, and by the spread too when the fill opens (or adds to) a position.
 * A fill that closes pays no spread: the spread is one round trip's cost,
 * charged at entry, as backtesting.py charges it.
 *
 * @param raw The raw price (an open, a close, a limit or stop price).
 * @param side +1 buys, −1 sells.
 * @param opens Whether the fill opens or adds to a position (else it closes one).
 * @param costs Spread and slippage.
 * @returns `raw·(1 + side·(spread + slippage))` opening, `raw·(1 + side·slippage)` closing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fillPrice } from "./_rules.ts";
 * const costs = { commission: 0, minFee: 0, spread: 0.01, slippage: 0.001 };
 * assert.equal(fillPrice(100, 1, true, costs), 100 * (1 + 0.011));
 * assert.equal(fillPrice(100, -1, false, costs), 100 * (1 - 0.001));
 * ```
 */
export function fillPrice(raw: number, side: number, opens: boolean, costs: Costs): number {
  return raw * (1 + side * (opens ? costs.spread + costs.slippage : costs.slippage));
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
 * import assert from "node:assert/strict";
 * import { feeFor } from "./_rules.ts";
 * assert.equal(feeFor(5_000, 0.001, 10), 10);
 * assert.equal(feeFor(50_000, 0.001, 10), 50);
 * ```
 */
export function feeFor(value: number, commission: number, minFee: number): number {
  if (value <= 0) return 0;
  const f = commission * value;
  return f > minFee ? f : minFee;
}

/**
 * The cash an order may spend (cost plus fee) when it fills: a fixed `value`,
 * else `fraction · equity`, never more than the margin still available.
 *
 * @param equity Account equity at the fill.
 * @param available Equity less the value of the other positions held.
 * @param fraction Fraction of equity (the order's `size`, else the run's).
 * @param value A fixed cash value, if the order gives one.
 * @returns The budget.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { orderBudget } from "./_rules.ts";
 * assert.equal(orderBudget(1_000, 600, 0.5), 500);
 * assert.equal(orderBudget(1_000, 400, 0.5), 400);
 * assert.equal(orderBudget(1_000, 600, 1, 250), 250);
 * ```
 */
export function orderBudget(
  equity: number,
  available: number,
  fraction: number,
  value?: number,
): number {
  const want = value !== undefined ? value : fraction * equity;
  return want < available ? want : available;
}

/**
 * The largest whole number of shares whose cost plus fee fits a budget:
 * `floor(budget / (price · (1 + commission)))`, lowered while the minimum fee
 * does not fit.
 *
 * @param budget Cash available for cost plus fee.
 * @param price Fill price (after spread and slippage).
 * @param commission Fraction of value.
 * @param minFee Minimum fee.
 * @returns Shares ≥ 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { affordableShares } from "./_rules.ts";
 * assert.equal(affordableShares(1_000, 10, 0.01, 0), 99); // 99·10·1.01 = 999.9
 * assert.equal(affordableShares(1_000, 10, 0, 10), 99); // 990 + 10
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
 * The part of a fee that goes with `part` of the `whole` shares it was paid on:
 * a lot's entry fee when some of its shares close, or an exit fill's fee when it
 * closes several lots.
 *
 * @param fee The fee (not yet attributed to a trade).
 * @param part Shares closed (≤ whole, > 0).
 * @param whole Shares the fee was paid on.
 * @returns `fee · part / whole`, exactly `fee` for the whole.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { feeShare } from "./_rules.ts";
 * assert.equal(feeShare(10, 25, 100), 2.5);
 * assert.equal(feeShare(10, 100, 100), 10);
 * ```
 */
export function feeShare(fee: number, part: number, whole: number): number {
  return part === whole ? fee : fee * (part / whole);
}

/**
 * A trade's profit or loss in cash.
 *
 * @param size Signed shares (positive long, negative short).
 * @param entryPrice Entry fill price.
 * @param exitPrice Exit fill price (or the mark of an open trade).
 * @param commission Fees of the trade (entry share and exit).
 * @returns `size · (exit − entry) − commission`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tradePnl } from "./_rules.ts";
 * assert.equal(tradePnl(-100, 100, 90, 5), 995);
 * ```
 */
export function tradePnl(
  size: number,
  entryPrice: number,
  exitPrice: number,
  commission: number,
): number {
  return size * (exitPrice - entryPrice) - commission;
}

/**
 * A trade's return as a fraction (backtesting.py's `pl_pct`).
 *
 * @param size Signed shares.
 * @param entryPrice Entry fill price.
 * @param exitPrice Exit fill price (or the mark).
 * @param commission Fees of the trade.
 * @returns `sign(size) · (exit/entry − 1) − commission / (|size| · entry)`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tradeReturn } from "./_rules.ts";
 * assert.ok(Math.abs(tradeReturn(-100, 100, 90, 0) - 0.1) < 1e-15);
 * ```
 */
export function tradeReturn(
  size: number,
  entryPrice: number,
  exitPrice: number,
  commission: number,
): number {
  const abs = size < 0 ? -size : size;
  return (size < 0 ? -1 : 1) * (exitPrice / entryPrice - 1) - commission / (abs * entryPrice);
}

/**
 * Equity with one position marked at a price (a universe sums the positions).
 *
 * @param cash Cash in the account.
 * @param position Signed shares held.
 * @param price The mark (the last close).
 * @returns `cash + position · price` (exactly `cash` when flat).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { markEquity } from "./_rules.ts";
 * assert.equal(markEquity(500, 10, 55), 1_050);
 * ```
 */
export function markEquity(cash: number, position: number, price: number): number {
  return position === 0 ? cash : cash + position * price;
}
