import {
  deepStrictEqual as assertEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import fc from "fast-check";
import {
  syntheticBars,
  syntheticDates,
  syntheticSymbolChunks,
  syntheticSymbolNames,
} from "../../src/core/synthetic.ts";
import { isTradingDay } from "../../src/core/calendar.ts";
import { formatDate } from "../../src/core/dates.ts";
import { ConfigError } from "../../src/core/errors.ts";
import { SYMBOL_PATTERN } from "../../src/core/symbol.ts";
import { type OhlcvColumns, PRICE_COLUMNS } from "../../src/core/ohlcv_columns.ts";
import { validateBars } from "../../src/lake/validate.ts";

const bytes = (c: OhlcvColumns) =>
  [c.date, ...PRICE_COLUMNS.map((k) => c[k])].map((a) =>
    new Uint8Array(a.buffer, a.byteOffset, a.byteLength)
  );

Deno.test("determinism: same seed, same bytes; another seed, other prices", () => {
  const opts = { symbols: 4, start: "2015-01-01", days: 300, seed: 20240601 };
  const a = syntheticBars(opts), b = syntheticBars(opts);
  assertEquals(a.columns.symbol, b.columns.symbol);
  assertEquals(bytes(a.columns), bytes(b.columns));
  assertEquals(a.splits, b.splits);
  assertEquals(a.suspensions, b.suspensions);
  const c = syntheticBars({ ...opts, seed: 20240602 });
  assert(c.columns.close.some((x, i) => x !== a.columns.close[i]));
});

Deno.test("a symbol's series does not depend on the others generated; chunks equal the whole", () => {
  const opts = { start: "2018-06-01", days: 200, seed: 5 };
  const all = syntheticBars({ ...opts, symbols: 3 });
  const alone = syntheticBars({ ...opts, symbols: ["S0002.AX"] });
  const from = all.columns.symbol.indexOf("S0002.AX");
  const n = alone.columns.date.length;
  assertEquals(
    Array.from(all.columns.close.subarray(from, from + n)),
    Array.from(alone.columns.close),
  );
  const chunks = [...syntheticSymbolChunks({ ...opts, symbols: 3 })];
  assertEquals(chunks.map((c) => c.symbol), ["S0001.AX", "S0002.AX", "S0003.AX"]);
  assertEquals(chunks.reduce((s, c) => s + c.columns.date.length, 0), all.columns.date.length);
});

Deno.test("symbol names: S0001.AX…, wider when needed, all valid; given tickers are sorted", () => {
  assertEquals(syntheticSymbolNames(3), ["S0001.AX", "S0002.AX", "S0003.AX"]);
  const many = syntheticSymbolNames(12_345);
  assertEquals([many[0], many.at(-1)], ["S00001.AX", "S12345.AX"]);
  assert(many.every((s) => SYMBOL_PATTERN.test(s)));
  const m = syntheticBars({ symbols: ["^AXJO", "BHP.AX"], start: "2020-01-01", days: 5, seed: 1 });
  assertEquals(m.columns.symbol[0], "BHP.AX");
  assertThrows(() => syntheticSymbolNames(0), ConfigError);
  assertThrows(
    () => syntheticBars({ symbols: ["bad one"], start: "2020-01-01", days: 5, seed: 1 }),
    ConfigError,
  );
  assertThrows(
    () => syntheticBars({ symbols: 1, start: "2020-01-01", days: 5, seed: 1.5 }),
    /Invalid seed 1.5/,
  );
  assertThrows(
    () => syntheticBars({ symbols: 1, start: "2020-01-01", days: 0, seed: 1 }),
    /Invalid days 0/,
  );
});

Deno.test("dates are ASX trading days: no weekends, no 2022-09-22, the right count", () => {
  const dates = syntheticDates("2022-09-01", 30);
  assertEquals(dates.length, 30);
  assert(Array.from(dates).every(isTradingDay));
  assert(!Array.from(dates, formatDate).includes("2022-09-22"));
  assertEquals(formatDate(dates[0]!), "2022-09-01");
});

Deno.test("property: over seeds, every bar passes validateBars and adjusted_close follows the splits", () => {
  fc.assert(
    fc.property(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), (seed) => {
      const m = syntheticBars({
        symbols: 3,
        start: "2014-06-01",
        days: 400,
        seed,
        splitRate: 0.01,
        suspensionRate: 0.01,
      });
      const c = m.columns;
      const v = validateBars(c, { monthly: false });
      assertEquals(v.quarantined.reason, [], `seed ${seed}`);
      for (let i = 0; i < c.date.length; i++) {
        assert(
          c.low[i]! <= Math.min(c.open[i]!, c.close[i]!) &&
            c.high[i]! >= Math.max(c.open[i]!, c.close[i]!),
        );
        assert(c.low[i]! >= 0.001 && Number.isInteger(c.volume[i]!) && c.volume[i]! >= 0);
      }
      // adjusted/close = product of 1/ratio over the symbol's later splits.
      for (let i = 0; i < c.date.length; i++) {
        let f = 1;
        for (const s of m.splits) if (s.symbol === c.symbol[i] && s.date > c.date[i]!) f /= s.ratio;
        const want = c.close[i]! * f;
        assert(Math.abs(c.adjusted_close[i]! - want) <= 1e-12 * want, `adj row ${i}`);
      }
      // Suspensions leave no bars inside them.
      for (const s of m.suspensions) {
        for (let i = 0; i < c.date.length; i++) {
          if (c.symbol[i] === s.symbol) assert(c.date[i]! < s.start || c.date[i]! > s.end);
        }
      }
    }),
    { numRuns: 25 },
  );
});

Deno.test("stylised facts: gaps at the open, volatility clustering, volume clustering", () => {
  const m = syntheticBars({ symbols: 20, start: "2005-01-01", days: 2000, seed: 99 });
  const c = m.columns;
  let gaps = 0, pairs = 0, acSum = 0, vacSum = 0;
  for (const chunk of groups(c)) {
    const r: number[] = [], lvol: number[] = [];
    for (let i = chunk.from + 1; i < chunk.to; i++) {
      pairs++;
      if (c.open[i] !== c.close[i - 1]) gaps++;
      r.push(Math.abs(Math.log(c.close[i]! / c.close[i - 1]!)));
      lvol.push(Math.log(1 + c.volume[i]!));
    }
    acSum += autocorr(r);
    vacSum += autocorr(lvol);
  }
  assert(gaps / pairs > 0.5, `open differs from previous close on ${gaps}/${pairs}`);
  const ac = acSum / 20, vac = vacSum / 20;
  assert(ac > 0.05, `mean lag-1 autocorrelation of |r| is ${ac}`);
  assert(vac > 0.3, `mean lag-1 autocorrelation of log volume is ${vac}`);
});

Deno.test("event counts are plausible at the default rates", () => {
  const days = 4000, symbols = 200;
  const m = syntheticBars({ symbols, start: "2008-01-01", days, seed: 3 });
  // Defaults: splits 0.0002/day (x20 under 1c), suspensions 0.0005/day with mean 15 days.
  const expectSusp = symbols * days * 0.0005; // 400
  assert(
    m.suspensions.length > expectSusp * 0.6 && m.suspensions.length < expectSusp * 1.4,
    `${m.suspensions.length} suspensions`,
  );
  assert(m.splits.length > 40 && m.splits.length < 600, `${m.splits.length} splits`);
  const missing = m.suspensions.reduce((s, x) => s + x.days, 0);
  assertEquals(m.columns.date.length, symbols * days - missing);
  const mean = missing / m.suspensions.length;
  assert(mean > 10 && mean < 20, `mean suspension ${mean} days`);
});

function* groups(c: OhlcvColumns): Generator<{ from: number; to: number }> {
  let from = 0;
  for (let i = 1; i <= c.date.length; i++) {
    if (i === c.date.length || c.symbol[i] !== c.symbol[from]) {
      yield { from, to: i };
      from = i;
    }
  }
}

function autocorr(x: number[]): number {
  const n = x.length, mean = x.reduce((a, b) => a + b, 0) / n;
  let num = 0, den = 0;
  for (let i = 0; i < n; i++) {
    den += (x[i]! - mean) ** 2;
    if (i > 0) num += (x[i]! - mean) * (x[i - 1]! - mean);
  }
  return num / den;
}
