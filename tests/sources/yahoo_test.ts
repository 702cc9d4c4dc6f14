import assert from "node:assert/strict";
import fc from "fast-check";
import { formatDate, parseDate } from "../../src/core/dates.ts";
import { FetchError } from "../../src/core/errors.ts";
import {
  type DailyBars,
  fetchDailyBars,
  type FetchDailyBarsOptions,
  localDate,
  YahooError,
} from "../../src/sources/yahoo.ts";
import {
  asxOpenTimestamp,
  type FakeYahoo,
  type FakeYahooOptions,
  startFakeYahoo,
  yahooSplit,
} from "../fakes/fake_yahoo.ts";

async function withFake(
  options: FakeYahooOptions,
  body: (fake: FakeYahoo) => Promise<void>,
): Promise<void> {
  const fake = await startFakeYahoo(options);
  try {
    await body(fake);
  } finally {
    await fake.close();
  }
}

/** Fetch options that never really sleep: waits are recorded instead. */
function quick(fake: FakeYahoo, extra: Partial<FetchDailyBarsOptions> = {}) {
  const waits: number[] = [];
  return {
    waits,
    options: (start: string, end: string): FetchDailyBarsOptions => ({
      start,
      end,
      baseUrl: fake.url,
      timeoutMs: 300,
      sleep: (ms: number) => {
        waits.push(ms);
        return Promise.resolve();
      },
      ...extra,
    }),
  };
}

const dates = (r: DailyBars) => Array.from(r.rows.date, formatDate);

Deno.test("recorded AAPL: 49 New York bars, the 4:1 split and the dividend, adjusted close kept", async () => {
  await withFake({}, async (fake) => {
    const r = await fetchDailyBars("AAPL", quick(fake).options("2020-08-01", "2020-11-30"));
    assert.equal(r.rows.date.length, 49);
    assert.equal(r.exchangeTimezoneName, "America/New_York");
    assert.equal(r.currency, "USD");
    assert.equal(dates(r)[0], "2020-08-31"); // 1598880600 = 13:30Z = 09:30 New York
    assert.equal(dates(r).at(-1), "2020-11-06");
    assert.deepEqual(
      [r.rows.open[0], r.rows.high[0], r.rows.low[0], r.rows.close[0], r.rows.volume[0]],
      [127.58000183105469, 131, 126, 129.0399932861328, 225702700],
    );
    assert.equal(r.rows.adjusted_close[0], 125.82673645019531);
    assert.deepEqual(r.rows.symbol, new Array(49).fill("AAPL"));
    assert.deepEqual(r.events, {
      splits: [{ symbol: "AAPL", date: "2020-08-31", numerator: 4, denominator: 1 }],
      dividends: [{ symbol: "AAPL", date: "2020-11-06", amount: 0.205 }],
    });
    assert.equal(r.dropped, 0);
    assert.equal(r.attempts, 1);
    // The range is inclusive and filters bars and events alike.
    const sept = await fetchDailyBars("AAPL", quick(fake).options("2020-09-01", "2020-11-05"));
    assert.equal(sept.rows.date.length, 47);
    assert.deepEqual(sept.events, { splits: [], dividends: [] });
  });
});

Deno.test("recorded OCDO.L keeps Yahoo's pence prices and says so; WSU.DE's null bar is dropped and counted", async () => {
  await withFake({}, async (fake) => {
    const ocdo = await fetchDailyBars("OCDO.L", quick(fake).options("2020-01-01", "2020-01-03"));
    assert.equal(ocdo.currency, "GBp");
    assert.deepEqual(dates(ocdo), ["2020-01-02"]);
    assert.deepEqual([ocdo.rows.close[0], ocdo.rows.volume[0]], [1259.5, 728520]);
    const wsu = await fetchDailyBars("WSU.DE", quick(fake).options("2023-08-04", "2023-08-09"));
    assert.deepEqual(dates(wsu), ["2023-08-04", "2023-08-08"]); // 08-07 came back all null
    assert.equal(wsu.dropped, 1);
    assert.deepEqual(Array.from(wsu.rows.close), [34.45000076293945, 33.20000076293945]);
  });
});

Deno.test("recorded 404 (No data found) fails at once as not-found, without a retry", async () => {
  await withFake({}, async (fake) => {
    const { options, waits } = quick(fake);
    await assert.rejects(fetchDailyBars("SI", options("2020-01-01", "2020-01-03")), (err) => {
      assert.ok(err instanceof YahooError && err instanceof FetchError);
      assert.equal(err.failure, "not-found");
      assert.equal(err.status, 404);
      assert.equal(err.attempts, 1);
      assert.match(
        err.message,
        /^Cannot fetch "SI" from Yahoo: not found, HTTP 404.*No data found/,
      );
      return true;
    });
    assert.equal(fake.stats.bySymbol.get("SI"), 1);
    assert.deepEqual(waits, []);
  });
});

Deno.test(".AX bars are dated in Sydney, not UTC, across both DST changes", async () => {
  await withFake({}, async (fake) => {
    // 2024-04-07 (AEDT→AEST) and 2024-10-06 (AEST→AEDT) fall inside.
    const r = await fetchDailyBars("BHP.AX", quick(fake).options("2024-03-25", "2024-10-15"));
    const want = fake.series("BHP.AX", "2024-03-25", "2024-10-15").columns;
    assert.ok(want.date.length > 100);
    assert.deepEqual(r.rows, want);
    // 10:00 AEDT is 23:00 UTC the day before; 10:00 AEST is 00:00 UTC the same day.
    const utcDay = (day: number) => Math.floor(asxOpenTimestamp(day) / 86_400);
    const summer = Array.from(r.rows.date).filter((d) => utcDay(d) === d - 1);
    const winter = Array.from(r.rows.date).filter((d) => utcDay(d) === d);
    assert.equal(summer.length + winter.length, r.rows.date.length);
    // Summer (AEDT) up to Friday 5 April, winter (AEST) from Monday 8 April to Friday 4 October.
    const iso = (days: number[]) => days.map(formatDate);
    assert.equal(iso(summer.filter((d) => d < parseDate("2024-06-01"))).at(-1), "2024-04-05");
    assert.equal(iso(winter)[0], "2024-04-08");
    assert.equal(iso(winter).at(-1), "2024-10-04");
    assert.equal(iso(summer.filter((d) => d > parseDate("2024-06-01")))[0], "2024-10-07");
  });
});

Deno.test("synthetic splits come back as Yahoo split events on the first bar of the new basis", async () => {
  await withFake({ splitRate: 0.01, suspensionRate: 0 }, async (fake) => {
    const r = await fetchDailyBars("CBA.AX", quick(fake).options("2010-01-01", "2014-12-31"));
    const want = fake.series("CBA.AX", "2010-01-01", "2014-12-31");
    assert.ok(want.splits.length >= 3, `${want.splits.length} splits`);
    assert.deepEqual(r.events.splits, want.splits.map(yahooSplit));
    assert.deepEqual(r.rows, want.columns);
  });
});

Deno.test("transient faults (429, 5xx, stalls, truncated and non-JSON bodies) are retried until the bars come", async () => {
  await withFake({ faultRate: 0.6, retryAfterSeconds: 0 }, async (fake) => {
    const { options } = quick(fake, { retry: { retries: 12 } });
    const symbols = Array.from({ length: 12 }, (_, i) => `T${i}.AX`);
    for (const s of symbols) {
      const r = await fetchDailyBars(s, options("2024-07-01", "2024-07-31"));
      assert.deepEqual(r.rows, fake.series(s, "2024-07-01", "2024-07-31").columns);
      assert.equal(r.attempts, fake.stats.bySymbol.get(s));
    }
    const f = fake.stats.faults;
    for (
      const kind of ["429", "500", "503", "stall", "stall-body", "truncated", "malformed"] as const
    ) {
      assert.ok(f[kind] > 0, `no ${kind} injected: ${JSON.stringify(f)}`);
    }
  });
});

Deno.test("each permanent fault ends in a YahooError of the right kind after the right attempts", async () => {
  const cases = [
    ["A.AX", "429", "rate-limited", 5],
    ["B.AX", "500", "server-error", 5],
    ["C.AX", "503", "server-error", 5],
    ["D.AX", "stall", "timeout", 5],
    ["E.AX", "stall-body", "timeout", 5],
    ["F.AX", "truncated", "malformed", 5],
    ["G.AX", "malformed", "malformed", 5],
    ["H.AX", "404", "not-found", 1],
  ] as const;
  await withFake(
    { symbolFaults: Object.fromEntries(cases.map(([s, f]) => [s, f])), stallMs: 5_000 },
    async (fake) => {
      for (const [symbol, , failure, attempts] of cases) {
        const { options, waits } = quick(fake, { random: () => 0.5 });
        await assert.rejects(fetchDailyBars(symbol, options("2024-07-01", "2024-07-05")), (err) => {
          assert.ok(err instanceof YahooError, String(err));
          assert.equal(err.failure, failure, `${symbol}: ${err.message}`);
          assert.equal(err.attempts, attempts);
          assert.equal(err.symbol, symbol);
          return true;
        });
        assert.equal(fake.stats.bySymbol.get(symbol), attempts);
        // Exponential backoff with jitter (random() = 0.5 → 75 % of 1, 2, 4, 8 s), or Retry-After (1 s) when longer.
        const backoff = [750, 1500, 3000, 6000].slice(0, attempts - 1);
        assert.deepEqual(waits, symbol === "A.AX" ? [1000, 1500, 3000, 6000] : backoff);
      }
    },
  );
});

Deno.test("Retry-After is honoured as a minimum wait, and one beyond the limit fails at once", async () => {
  await withFake({ symbolFaults: { "X.AX": "429" }, retryAfterSeconds: 7 }, async (fake) => {
    const { options, waits } = quick(fake, { retry: { retries: 2, baseMs: 10 } });
    await assert.rejects(fetchDailyBars("X.AX", options("2024-07-01", "2024-07-05")), {
      name: "YahooError",
    });
    assert.deepEqual(waits, [7000, 7000]);
    const tight = quick(fake, { retry: { maxRetryAfterMs: 5000 } });
    await assert.rejects(
      fetchDailyBars("X.AX", tight.options("2024-07-01", "2024-07-05")),
      /Retry-After 7 s is longer than the 5 s this fetcher waits/,
    );
    assert.deepEqual(tight.waits, []);
  });
});

Deno.test("a symbol that recovers mid-retry is fetched; null bars are dropped and counted", async () => {
  await withFake({ symbolFaults: { "R.AX": "503", "N.AX": "null-bars" } }, async (fake) => {
    const r = await fetchDailyBars("R.AX", {
      ...quick(fake).options("2024-07-01", "2024-07-31"),
      sleep: () => {
        fake.setSymbolFault("R.AX", undefined);
        return Promise.resolve();
      },
    });
    assert.equal(r.attempts, 2);
    assert.deepEqual(r.rows, fake.series("R.AX", "2024-07-01", "2024-07-31").columns);
    const n = await fetchDailyBars("N.AX", quick(fake).options("2024-07-01", "2024-07-31"));
    const all = fake.series("Z.AX", "2024-07-01", "2024-07-31").columns.date.length; // same calendar
    assert.equal(n.rows.date.length + n.dropped, all);
    assert.ok(n.dropped >= 10);
    assert.deepEqual(n.rows, fake.series("N.AX", "2024-07-01", "2024-07-31").columns);
  });
});

Deno.test("a refused connection is a network failure, retried, then named with the server", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const waits: number[] = [];
  await assert.rejects(
    fetchDailyBars("BHP.AX", {
      start: "2024-07-01",
      end: "2024-07-05",
      baseUrl: `http://127.0.0.1:${port}`,
      retry: { retries: 2 },
      sleep: (ms) => (waits.push(ms), Promise.resolve()),
    }),
    (err) => {
      assert.ok(err instanceof YahooError);
      assert.equal(err.failure, "network");
      assert.equal(err.attempts, 3);
      assert.match(err.message, new RegExp(`http://127\\.0\\.0\\.1:${port}`));
      return true;
    },
  );
  assert.equal(waits.length, 2);
});

Deno.test("bad input is a ConfigError before any request", async () => {
  await assert.rejects(fetchDailyBars("bhp ax", { start: "2024-01-01", end: "2024-01-02" }), {
    name: "ConfigError",
  });
  await assert.rejects(fetchDailyBars("BHP.AX", { start: "2024-02-01", end: "2024-01-02" }), {
    name: "ConfigError",
    message: 'Invalid range for "BHP.AX": start 2024-02-01 is after end 2024-01-02',
  });
});

Deno.test("localDate reads an instant in the exchange's zone: 10:00 local is always that day", () => {
  const zones = [
    "Australia/Sydney",
    "America/New_York",
    "Europe/London",
    "Asia/Tokyo",
    "Pacific/Auckland",
  ];
  fc.assert(
    fc.property(
      fc.integer({ min: parseDate("1990-01-01"), max: parseDate("2035-12-31") }),
      fc.constantFrom(...zones),
      (day, tz) => {
        // Find 10:00 local by scanning offsets from -14 h to +14 h.
        for (let h = -14; h <= 14; h++) {
          const t = day * 86_400 + (10 - h) * 3600;
          const hour = new Intl.DateTimeFormat("en-GB", {
            timeZone: tz,
            hour: "2-digit",
            hourCycle: "h23",
          })
            .format(t * 1000);
          if (hour === "10" && localDate(t, tz) === day) return true;
        }
        return false;
      },
    ),
    { numRuns: 200 },
  );
  assert.equal(formatDate(localDate(1598880600, "America/New_York")), "2020-08-31");
  assert.equal(formatDate(localDate(1598880600, "Australia/Sydney")), "2020-08-31");
  assert.equal(
    formatDate(localDate(asxOpenTimestamp(parseDate("2024-12-02")), "UTC")),
    "2024-12-01",
  );
});
