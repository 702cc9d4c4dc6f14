import assert from "node:assert/strict";
import fc from "fast-check";
import { nextTradingDay, tradingDays } from "../../src/core/calendar.ts";
import { formatDate, parseDate } from "../../src/core/dates.ts";
import { syntheticSymbolChunks } from "../../src/core/synthetic.ts";
import { checkFetchedRows, emptyFetchHoles } from "../../src/pipeline/checks.ts";
import type { Watermark } from "../../src/pipeline/watermarks.ts";

const d = parseDate;

function rows(spec: [string, string, number][]) {
  return {
    symbol: spec.map((r) => r[0]),
    date: spec.map((r) => d(r[1])),
    close: spec.map((r) => r[2]),
  };
}

const wm = (date: string, close: number): Watermark => ({ date: d(date), close });
const win = (start: string, end: string) => ({ start: d(start), end: d(end) });

Deno.test("checks: a bar on an ASX holiday or a weekend is a non-trading day", () => {
  const r = checkFetchedRows({
    rows: rows([
      ["BHP.AX", "2016-03-24", 20],
      ["BHP.AX", "2016-03-25", 20], // Good Friday: Yahoo's flat holiday bar
      ["BHP.AX", "2016-03-26", 20], // Saturday
      ["BHP.AX", "2016-03-29", 20.4],
    ]),
    watermarks: new Map(),
    windows: new Map([["BHP.AX", win("2016-03-24", "2016-03-29")]]),
    splits: new Map(),
  });
  assert.deepEqual(r.failures.map((f) => f?.check), [
    undefined,
    "non-trading day",
    "non-trading day",
    undefined,
  ]);
  assert.equal(r.failures[1]!.reason, "non-trading day: 2016-03-25 is not an ASX session");
  assert.deepEqual(r.counts, { "non-trading day": 2, "gap since watermark": 0, "absurd jump": 0 });
  assert.deepEqual(r.holes, []);
});

Deno.test("checks: a window that starts after the day following the watermark holds back every newer row", () => {
  const r = checkFetchedRows({
    rows: rows([
      ["CBA.AX", "2024-07-25", 120], // at or before the watermark: a refetch, fine
      ["CBA.AX", "2024-07-31", 121],
      ["CBA.AX", "2024-08-01", 122],
      ["WES.AX", "2024-08-01", 70],
    ]),
    watermarks: new Map([["CBA.AX", wm("2024-07-26", 119)], ["WES.AX", wm("2024-07-31", 69)]]),
    windows: new Map([
      ["CBA.AX", win("2024-07-31", "2024-08-01")], // 29 and 30 July never asked for
      ["WES.AX", win("2024-08-01", "2024-08-01")],
    ]),
    splits: new Map(),
  });
  assert.deepEqual(r.failures.map((f) => f?.check), [
    undefined,
    "gap since watermark",
    "gap since watermark",
    undefined,
  ]);
  assert.equal(
    r.failures[1]!.reason,
    "gap since watermark: 2 trading days (2024-07-29..2024-07-30) after the watermark 2024-07-26 were never fetched (window starts 2024-07-31)",
  );
  // A window starting on the Monday after a Friday watermark leaves no gap.
  const monday = checkFetchedRows({
    rows: rows([["CBA.AX", "2024-07-29", 121]]),
    watermarks: new Map([["CBA.AX", wm("2024-07-26", 119)]]),
    windows: new Map([["CBA.AX", win("2024-07-29", "2024-07-29")]]),
    splits: new Map(),
  });
  assert.deepEqual(monday.failures, [undefined]);
});

Deno.test("checks: a one-day spike quarantines the spike; a level shift only its first day; a split excuses the jump", () => {
  const spike = checkFetchedRows({
    rows: rows([
      ["X.AX", "2024-07-29", 10],
      ["X.AX", "2024-07-30", 25],
      ["X.AX", "2024-07-31", 10.2],
      ["X.AX", "2024-08-01", 10.1],
    ]),
    watermarks: new Map([["X.AX", wm("2024-07-26", 9.9)]]),
    windows: new Map([["X.AX", win("2024-07-29", "2024-08-01")]]),
    splits: new Map(),
  });
  assert.deepEqual(spike.failures.map((f) => f?.check), [
    undefined,
    "absurd jump",
    undefined,
    undefined,
  ]);
  assert.equal(
    spike.failures[1]!.reason,
    "absurd jump: close 25 after 10 on 2024-07-29 (+150 %), no split between",
  );

  const shift = checkFetchedRows({
    rows: rows([["Y.AX", "2024-07-29", 4], ["Y.AX", "2024-07-30", 4.1], [
      "Y.AX",
      "2024-07-31",
      4.05,
    ]]),
    watermarks: new Map([["Y.AX", wm("2024-07-26", 10)]]), // -60 % against the watermark
    windows: new Map([["Y.AX", win("2024-07-29", "2024-07-31")]]),
    splits: new Map(),
  });
  assert.deepEqual(shift.failures.map((f) => f?.check), ["absurd jump", undefined, undefined]);

  const split = checkFetchedRows({
    rows: rows([["Z.AX", "2024-07-29", 50], ["Z.AX", "2024-07-30", 12.6]]),
    watermarks: new Map(),
    windows: new Map([["Z.AX", win("2024-07-29", "2024-07-30")]]),
    splits: new Map([["Z.AX", [d("2024-07-30")]]]), // 4:1
  });
  assert.deepEqual(split.failures, [undefined, undefined]);
  // A split on another day does not excuse it.
  const elsewhere = checkFetchedRows({
    rows: rows([["Z.AX", "2024-07-29", 50], ["Z.AX", "2024-07-30", 12.6]]),
    watermarks: new Map(),
    windows: new Map(),
    splits: new Map([["Z.AX", [d("2024-07-29")]]]),
  });
  assert.deepEqual(elsewhere.failures.map((f) => f?.check), [undefined, "absurd jump"]);
});

Deno.test("checks: 50 % is the edge: +50 % and -50 % pass, beyond them does not; maxJump is configurable", () => {
  const run = (closes: number[], maxJump?: number) =>
    checkFetchedRows({
      rows: rows(closes.map((c, i) => ["Q.AX", ["2024-07-29", "2024-07-30"][i]!, c])),
      watermarks: new Map(),
      windows: new Map(),
      splits: new Map(),
      ...(maxJump === undefined ? {} : { maxJump }),
    }).failures.map((f) => f?.check);
  assert.deepEqual(run([10, 15]), [undefined, undefined]);
  assert.deepEqual(run([10, 5]), [undefined, undefined]);
  assert.deepEqual(run([10, 15.01]), [undefined, "absurd jump"]);
  assert.deepEqual(run([10, 4.99]), [undefined, "absurd jump"]);
  assert.deepEqual(run([10, 12.5], 0.2), [undefined, "absurd jump"]);
  assert.throws(() => run([1], 0), RangeError);
});

Deno.test("checks: holes are sessions a fetch covered without a bar, between the watermark and the window's end", () => {
  const r = checkFetchedRows({
    rows: rows([["S.AX", "2024-07-29", 1], ["S.AX", "2024-08-01", 1.01]]),
    watermarks: new Map([["S.AX", wm("2024-07-24", 1)]]),
    windows: new Map([["S.AX", win("2024-07-25", "2024-08-02")]]),
    splits: new Map(),
  });
  assert.deepEqual(r.holes, [
    { symbol: "S.AX", from: "2024-07-25", to: "2024-07-26", days: 2 },
    { symbol: "S.AX", from: "2024-07-30", to: "2024-07-31", days: 2 },
    { symbol: "S.AX", from: "2024-08-02", to: "2024-08-02", days: 1 },
  ]);
  // Without a watermark, the time before the first bar is "not listed yet", not a hole.
  const fresh = checkFetchedRows({
    rows: rows([["N.AX", "2024-07-31", 1]]),
    watermarks: new Map(),
    windows: new Map([["N.AX", win("2024-07-01", "2024-07-31")]]),
    splits: new Map(),
  });
  assert.deepEqual(fresh.holes, []);
  assert.deepEqual(emptyFetchHoles("E.AX", win("2024-08-01", "2024-08-02"), undefined), [
    { symbol: "E.AX", from: "2024-08-01", to: "2024-08-02", days: 2 },
  ]);
});

Deno.test("checks (property): a synthetic series fetched from its watermark passes whole, in any row order, and its holes are its suspensions", () => {
  const start = "2016-01-04", days = tradingDays(start, "2019-12-31").length;
  let checked = 0, suspensions = 0, splits = 0;
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 1_000_000 }),
      fc.integer({ min: 20, max: days - 20 }),
      (seed, cut) => {
        const chunk = syntheticSymbolChunks({
          symbols: ["P.AX"],
          start,
          days,
          seed,
          suspensionRate: 0.003,
          suspensionMeanDays: 4,
          splitRate: 0.002,
        }).next().value!;
        const c = chunk.columns;
        // Skip the rare series with a >50 % move that no split explains: the jump rule's business.
        for (let i = 1; i < c.close.length; i++) {
          const r = c.close[i]! / c.close[i - 1]!;
          if ((r > 1.5 || r < 0.5) && !chunk.splits.some((s) => s.date === c.date[i])) return;
        }
        if (cut >= c.date.length - 1) return;
        const w: Watermark = { date: c.date[cut]!, close: c.close[cut]! };
        const idx = Array.from({ length: c.date.length - cut - 1 }, (_, k) => cut + 1 + k);
        idx.sort((a, b) => ((a * 2654435761) % 97) - ((b * 2654435761) % 97)); // shuffled
        const r = checkFetchedRows({
          rows: {
            symbol: idx.map(() => "P.AX"),
            date: idx.map((i) => c.date[i]!),
            close: idx.map((i) => c.close[i]!),
          },
          watermarks: new Map([["P.AX", w]]),
          windows: new Map([["P.AX", { start: w.date + 1, end: c.date.at(-1)! }]]),
          splits: new Map([["P.AX", chunk.splits.map((s) => s.date)]]),
        });
        assert.deepEqual(r.failures.filter(Boolean), []);
        checked++;
        const after = chunk.suspensions.filter((s) => s.start > w.date && s.end <= c.date.at(-1)!);
        suspensions += after.length;
        splits += chunk.splits.filter((s) => s.date > w.date).length;
        // Back-to-back suspensions are one run of missing sessions.
        const runs: [number, number, number][] = [];
        for (const s of after) {
          const last = runs.at(-1);
          if (last && nextTradingDay(last[1] + 1) === s.start) {
            last[1] = s.end;
            last[2] += s.days;
          } else runs.push([s.start, s.end, s.days]);
        }
        assert.deepEqual(
          r.holes.map((h) => [h.from, h.to, h.days]),
          runs.map(([a, b, n]) => [formatDate(a), formatDate(b), n]),
        );
      },
    ),
    { numRuns: 60 },
  );
  // The property held on series that had something to check.
  assert.ok(
    checked >= 40 && suspensions >= 40 && splits >= 20,
    `${checked} ${suspensions} ${splits}`,
  );
});
