/**
 * `addIndicators`: the seed's indicator calculator, adding indicator columns to `Bars`.
 *
 * @module
 */
import type { Bars } from "../core/bars.ts";
import { atr } from "./atr.ts";
import { bollinger } from "./bollinger.ts";
import { ema } from "./ema.ts";
import { macd } from "./macd.ts";
import { rsi } from "./rsi.ts";
import { sma } from "./sma.ts";

/** The price series of one symbol, as handed to {@link IndicatorSpec.compute}. */
export interface PriceSeries {
  /** Opening prices. */
  open: Float64Array;
  /** Highs. */
  high: Float64Array;
  /** Lows. */
  low: Float64Array;
  /** Closes. */
  close: Float64Array;
  /** Volumes. */
  volume: Float64Array;
  /** Adjusted closes. */
  adjustedClose: Float64Array;
}

/** One output column of {@link addIndicators}: its name and how to compute it per symbol. */
export interface IndicatorSpec {
  /** Column name, e.g. `"sma_20"`. */
  column: string;
  /**
   * Computes the column for one symbol.
   *
   * @param prices That symbol's series.
   * @returns One value per bar (NaN during the warm-up).
   */
  compute(prices: PriceSeries): Float64Array;
}

/**
 * The seed's processed columns, in the seed's order: `sma_20, sma_50, ema_12, ema_26,
 * rsi_14, macd, macd_signal, bollinger_upper, bollinger_lower, atr_14`, all from `close`
 * (and `high`/`low` for ATR) with the TA-Lib conventions of each indicator.
 */
export const SEED_INDICATORS: readonly IndicatorSpec[] = [
  { column: "sma_20", compute: (p) => sma(p.close, 20) },
  { column: "sma_50", compute: (p) => sma(p.close, 50) },
  { column: "ema_12", compute: (p) => ema(p.close, 12) },
  { column: "ema_26", compute: (p) => ema(p.close, 26) },
  { column: "rsi_14", compute: (p) => rsi(p.close, 14) },
  { column: "macd", compute: (p) => macd(p.close, 12, 26, 9).macd },
  { column: "macd_signal", compute: (p) => macd(p.close, 12, 26, 9).signal },
  { column: "bollinger_upper", compute: (p) => bollinger(p.close, 20, 2).upper },
  { column: "bollinger_lower", compute: (p) => bollinger(p.close, 20, 2).lower },
  { column: "atr_14", compute: (p) => atr(p.high, p.low, p.close, 14) },
];

/**
 * Adds indicator columns to bars, computed per symbol (each symbol warms up on its own
 * history; values never leak across symbols).
 *
 * @param bars Bars of one or many symbols, sorted by symbol then date.
 * @param specs The columns to add. @default {SEED_INDICATORS}
 * @returns New Arrow-backed `Bars` with the extra Float64 columns (existing ones with
 * the same name are replaced), ready to be written to Parquet.
 * @throws {RangeError} When a spec returns a series of the wrong length, or two specs
 * name the same column.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Bars } from "../core/bars.ts";
 * import { addIndicators } from "./add_indicators.ts";
 * import { sma } from "./sma.ts";
 * const closes = Array.from({ length: 60 }, (_, i) => 100 + Math.sin(i));
 * const bars = Bars.fromColumns({
 *   symbol: "CBA.AX",
 *   date: Int32Array.from(closes, (_, i) => 19_000 + i),
 *   open: closes, high: closes.map((c) => c + 1), low: closes.map((c) => c - 1), close: closes,
 *   volume: closes.map(() => 1000),
 * });
 * const out = addIndicators(bars);
 * assert.ok(Number.isNaN(out.column("sma_50")[48]) && !Number.isNaN(out.column("sma_50")[49]));
 * const custom = addIndicators(bars, [{ column: "sma_5", compute: (p) => sma(p.close, 5) }]);
 * assert.ok(custom.column("sma_5")[4] === sma(closes, 5)[4]);
 * ```
 */
export function addIndicators(
  bars: Bars,
  specs: readonly IndicatorSpec[] = SEED_INDICATORS,
): Bars {
  const n = bars.length;
  const columns: Record<string, Float64Array> = {};
  for (const spec of specs) {
    if (Object.hasOwn(columns, spec.column)) {
      throw new RangeError(`Indicator column "${spec.column}" is specified twice`);
    }
    columns[spec.column] = new Float64Array(n);
  }
  const { open, high, low, close, volume, adjustedClose } = bars;
  for (const [symbol, [start, end]] of bars.ranges()) {
    const prices: PriceSeries = {
      open: open.subarray(start, end),
      high: high.subarray(start, end),
      low: low.subarray(start, end),
      close: close.subarray(start, end),
      volume: volume.subarray(start, end),
      adjustedClose: adjustedClose.subarray(start, end),
    };
    for (const spec of specs) {
      const values = spec.compute(prices);
      if (values.length !== end - start) {
        throw new RangeError(
          `Indicator "${spec.column}" returned ${values.length} values for ${symbol}, which has ${
            end - start
          } bars`,
        );
      }
      columns[spec.column]!.set(values, start);
    }
  }
  return bars.withColumns(columns);
}
