/**
 * The shared contract: every indicator, run in its batch form and its streaming form on
 * the same input, gives identical outputs (bit for bit, NaN where the stream gives
 * null), including after `replace`, across random series, constant series, NaN gaps
 * and inputs shorter than the warm-up.
 */
import assert, { strictEqual as assertEquals } from "node:assert";
import fc from "fast-check";
import {
  ATR,
  atr,
  type BarInput,
  Bollinger,
  bollinger,
  Cross,
  crosses,
  EMA,
  ema,
  type Indicator,
  LogReturns,
  logReturns,
  MACD,
  macd,
  OBV,
  obv,
  Returns,
  returns,
  RollingMax,
  rollingMax,
  RollingMin,
  rollingMin,
  RSI,
  rsi,
  SMA,
  sma,
  Stochastic,
  stochastic,
  TrueRange,
  trueRange,
  VWAP,
  vwap,
  WMA,
  wma,
} from "../../src/indicators/mod.ts";

interface Data {
  high: number[];
  low: number[];
  close: number[];
  volume: number[];
}

interface Case {
  name: string;
  batch(d: Data, p: number[]): Float64Array[];
  stream(p: number[]): Indicator<never, unknown>;
  bars: boolean;
  outputs(r: unknown): number[];
}

const one = (r: unknown) => [r as number];
const cases: Case[] = [
  {
    name: "sma",
    batch: (d, [p]) => [sma(d.close, p!)],
    stream: ([p]) => new SMA(p!) as never,
    bars: false,
    outputs: one,
  },
  {
    name: "ema",
    batch: (d, [p]) => [ema(d.close, p!)],
    stream: ([p]) => new EMA(p!) as never,
    bars: false,
    outputs: one,
  },
  {
    name: "wma",
    batch: (d, [p]) => [wma(d.close, p!)],
    stream: ([p]) => new WMA(p!) as never,
    bars: false,
    outputs: one,
  },
  {
    name: "rsi",
    batch: (d, [p]) => [rsi(d.close, p!)],
    stream: ([p]) => new RSI(p!) as never,
    bars: false,
    outputs: one,
  },
  {
    name: "macd",
    batch: (d, [a, b, c]) => {
      const m = macd(d.close, Math.min(a!, b!), Math.max(a!, b!), c!);
      return [m.macd, m.signal, m.histogram];
    },
    stream: ([a, b, c]) => new MACD(Math.min(a!, b!), Math.max(a!, b!), c!) as never,
    bars: false,
    outputs: (r) => {
      const m = r as { macd: number; signal: number; histogram: number };
      return [m.macd, m.signal, m.histogram];
    },
  },
  {
    name: "bollinger",
    batch: (d, [p, k]) => {
      const b = bollinger(d.close, p!, k! / 2);
      return [b.upper, b.middle, b.lower];
    },
    stream: ([p, k]) => new Bollinger(p!, k! / 2) as never,
    bars: false,
    outputs: (r) => {
      const b = r as { upper: number; middle: number; lower: number };
      return [b.upper, b.middle, b.lower];
    },
  },
  {
    name: "stochastic",
    batch: (d, [a, b, c]) => {
      const s = stochastic(d.high, d.low, d.close, a!, b!, c!);
      return [s.k, s.d];
    },
    stream: ([a, b, c]) => new Stochastic(a!, b!, c!) as never,
    bars: true,
    outputs: (r) => [(r as { k: number }).k, (r as { d: number }).d],
  },
  {
    name: "atr",
    batch: (d, [p]) => [atr(d.high, d.low, d.close, p!)],
    stream: ([p]) => new ATR(p!) as never,
    bars: true,
    outputs: one,
  },
  {
    name: "trueRange",
    batch: (d) => [trueRange(d.high, d.low, d.close)],
    stream: () => new TrueRange() as never,
    bars: true,
    outputs: one,
  },
  {
    name: "obv",
    batch: (d) => [obv(d.close, d.volume)],
    stream: () => new OBV() as never,
    bars: true,
    outputs: one,
  },
  {
    name: "vwap rolling",
    batch: (d, [p]) => [vwap(d.high, d.low, d.close, d.volume, p!)],
    stream: ([p]) => new VWAP(p!) as never,
    bars: true,
    outputs: one,
  },
  {
    name: "vwap cumulative",
    batch: (d) => [vwap(d.high, d.low, d.close, d.volume)],
    stream: () => new VWAP() as never,
    bars: true,
    outputs: one,
  },
  {
    name: "rollingMax",
    batch: (d, [p]) => [rollingMax(d.close, p!)],
    stream: ([p]) => new RollingMax(p!) as never,
    bars: false,
    outputs: one,
  },
  {
    name: "rollingMin",
    batch: (d, [p]) => [rollingMin(d.close, p!)],
    stream: ([p]) => new RollingMin(p!) as never,
    bars: false,
    outputs: one,
  },
  {
    name: "returns",
    batch: (d) => [returns(d.close)],
    stream: () => new Returns() as never,
    bars: false,
    outputs: one,
  },
  {
    name: "crosses (vs close shifted)",
    batch: (d) => [crosses(d.close, d.high.map((h, i) => h - (i % 4)))],
    stream: () => new CrossAdapter() as never,
    bars: true,
    outputs: one,
  },
  {
    name: "logReturns",
    batch: (d) => [logReturns(d.close)],
    stream: () => new LogReturns() as never,
    bars: false,
    outputs: one,
  },
];

/** Feeds a Cross with a = close, b = high - (bar number % 4), as the batch case above. */
class CrossAdapter {
  readonly warmup = 2;
  #cross = new Cross();
  #i = 0;
  get isStable() {
    return this.#cross.isStable;
  }
  add(bar: BarInput) {
    return this.#cross.add({ a: bar.close, b: bar.high - (this.#i++ % 4) });
  }
  replace(bar: BarInput) {
    return this.#cross.replace({ a: bar.close, b: bar.high - ((this.#i - 1) % 4) });
  }
  getResult() {
    return this.#cross.getResult();
  }
  reset() {
    this.#cross.reset(), this.#i = 0;
  }
}

/** A bar: a close, a spread, a volume, and whether this bar is a NaN gap. */
const barArb = fc.record({
  close: fc.double({ min: 0.001, max: 1000, noNaN: true }),
  up: fc.double({ min: 0, max: 5, noNaN: true }),
  down: fc.double({ min: 0, max: 5, noNaN: true }),
  volume: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 1_000_000 })),
  gap: fc.oneof({ weight: 12, arbitrary: fc.constant(false) }, {
    weight: 1,
    arbitrary: fc.constant(true),
  }),
});
const randomSeries = fc.array(barArb, { maxLength: 90 }).map((bars) => toData(bars));
const constantSeries = fc.tuple(fc.double({ min: 0.01, max: 500, noNaN: true }), fc.nat(60)).map((
  [c, n],
) =>
  toData(Array.from({ length: n }, () => ({ close: c, up: 0, down: 0, volume: 100, gap: false })))
);

function toData(
  bars: { close: number; up: number; down: number; volume: number; gap: boolean }[],
): Data {
  return {
    close: bars.map((b) => b.gap ? NaN : b.close),
    high: bars.map((b) => b.close + b.up),
    low: bars.map((b) => Math.max(0, b.close - b.down)),
    volume: bars.map((b) => b.volume),
  };
}

function checkCase(c: Case, d: Data, params: number[]): void {
  const batch = c.batch(d, params);
  const s = c.stream(params) as unknown as Indicator<number | BarInput, unknown>;
  const input = (i: number, bump = 0): number | BarInput =>
    c.bars
      ? { high: d.high[i]! + bump, low: d.low[i]!, close: d.close[i]! + bump, volume: d.volume[i]! }
      : d.close[i]! + bump;
  for (let i = 0; i < d.close.length; i++) {
    let r: unknown;
    if (i % 3 === 1) {
      s.add(input(i, 1.5)); // a provisional value, then the final one
      r = s.replace(input(i));
    } else r = s.add(input(i));
    assertEquals(s.isStable, r !== null, `${c.name} isStable at ${i}`);
    assert(Object.is(s.getResult(), r), `${c.name} getResult at ${i}`);
    for (let k = 0; k < batch.length; k++) {
      const want = batch[k]![i]!;
      const got = r === null ? NaN : c.outputs(r)[k]!;
      assert(
        Object.is(got, want),
        `${c.name}(${params}) output ${k} at ${i}: stream ${got}, batch ${want}`,
      );
    }
  }
}

const paramsArb = fc.tuple(
  fc.integer({ min: 1, max: 12 }),
  fc.integer({ min: 1, max: 30 }),
  fc.integer({ min: 1, max: 6 }),
);

for (const c of cases) {
  Deno.test(`contract: ${c.name} batch == streaming on random series with NaN gaps`, () => {
    fc.assert(fc.property(randomSeries, paramsArb, (d, p) => checkCase(c, d, p)), { numRuns: 150 });
  });
  Deno.test(`contract: ${c.name} batch == streaming on constant series`, () => {
    fc.assert(fc.property(constantSeries, paramsArb, (d, p) => checkCase(c, d, p)), {
      numRuns: 40,
    });
  });
}

Deno.test("contract: warmup is the index of the first result + 1 on a NaN-free series", () => {
  const d = toData(
    Array.from(
      { length: 80 },
      (_, i) => ({ close: 50 + Math.sin(i), up: 1, down: 1, volume: 10, gap: false }),
    ),
  );
  for (const c of cases) {
    const params = [3, 7, 4];
    const s = c.stream(params) as unknown as Indicator<unknown, unknown>;
    const first = c.batch(d, params)[0]!.findIndex((v) => !Number.isNaN(v));
    assertEquals(first, s.warmup - 1, c.name);
  }
});

Deno.test("contract: replace before any add behaves as add, reset forgets", () => {
  const s = new SMA(1);
  assertEquals(s.replace(5), 5);
  s.reset();
  assertEquals(s.getResult(), null);
  assertEquals(s.isStable, false);
  assertEquals(s.add(7), 7);
});
