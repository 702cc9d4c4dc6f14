import assert from "node:assert/strict";
import { ConfigError } from "../../src/core/errors.ts";
import { Lake } from "../../src/lake/lake.ts";
import { LocalStore } from "../../src/lake/local_store.ts";
import { closeEngines, openEngine } from "../../src/lake/open_engine.ts";
import { parseAsxList } from "../../src/sources/asx.ts";
import {
  diffSymbols,
  updateSymbols,
  type UpdateSymbolsDeps,
} from "../../src/pipeline/update_symbols.ts";

const fixture = (name: string) =>
  Deno.readTextFileSync(new URL(`../fixtures/asx/${name}`, import.meta.url));
const JUL = parseAsxList(fixture("ASX_Listed_Companies_2024-07-01.csv"));
const AUG = parseAsxList(fixture("ASX_Listed_Companies_2024-08-01.csv"));

/** The change set of the two recorded ASX exports, worked out independently (Python's csv module). */
const ADDED = [
  "AAI",
  "ASL",
  "AXL",
  "BWN",
  "CIODE",
  "DTRNC",
  "ECH",
  "KGLN",
  "LAT",
  "NGSDA",
  "NTLNE",
  "ORD",
  "PR2",
  "SCTN",
  "TTMDD",
].map((c) => `${c}.AX`);
const REMOVED = [
  "1AG",
  "ABC",
  "AEENB",
  "BLD",
  "BYE",
  "CCON",
  "CIO",
  "CNJN",
  "CSF",
  "CSR",
  "DCX",
  "GNX",
  "JAVN",
  "MGF",
  "MMC",
  "MRM",
  "NGS",
  "NPMN",
  "NZO",
  "PFGN",
  "QVE",
  "TSK",
  "TTM",
].map((c) => `${c}.AX`);

async function withLake(fn: (lake: Lake, dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "asxlab-symbols-" });
  const lake = new Lake(new LocalStore(dir), await openEngine("wasm"));
  try {
    await fn(lake, dir);
  } finally {
    await lake.close();
    await closeEngines();
    await Deno.remove(dir, { recursive: true });
  }
}

function deps(lake: Lake, list: () => ReturnType<typeof parseAsxList>): UpdateSymbolsDeps & {
  calls: number;
} {
  const d = {
    lake,
    now: () => new Date("2024-08-01T20:00:00Z"),
    calls: 0,
    listSource: () => {
      d.calls++;
      return Promise.resolve(list());
    },
  };
  return d;
}

const text = async (lake: Lake, key: string) => new TextDecoder().decode(await lake.store.get(key));

Deno.test("updateSymbols: the 2024-07-01 → 2024-08-01 change set is exact, the list is published in the seed format", async () => {
  assert.deepEqual(diffSymbols(JUL.map((c) => c.symbol), AUG.map((c) => c.symbol)), {
    added: ADDED,
    removed: REMOVED,
  });
  await withLake(async (lake) => {
    const first = await updateSymbols({ date: "2024-07-01" }, deps(lake, () => JUL));
    assert.equal(first.metadata.changes.added.length, 1985); // nothing published before
    const out = await updateSymbols({ date: "2024-08-01" }, deps(lake, () => AUG));
    assert.deepEqual(out.metadata.changes, { added: ADDED, removed: REMOVED });
    assert.deepEqual(JSON.parse(await text(lake, "symbols/2024-08-01-changes.json")), {
      added: ADDED,
      removed: REMOVED,
    });
    assert.equal(out.metadata.s3_key, "symbols/2024-08-01-symbols.csv");
    const csv = (await text(lake, "symbols/2024-08-01-symbols.csv")).split("\n");
    assert.equal(csv[0], "symbol,name,sector,market_cap,listing_date");
    assert.equal(csv.length, 1977 + 2); // header, rows, final newline
    assert.ok(csv.includes("BHP.AX,BHP GROUP LIMITED,Materials,215489344414,1885-08-13"));
    // Commas inside a field are quoted; a missing name or market cap is an empty field.
    assert.ok(csv.includes(
      'AAC.AX,AUSTRALIAN AGRICULTURAL COMPANY LIMITED.,"Food, Beverage & Tobacco",852914947,2001-08-10',
    ));
    assert.ok(csv.includes("CIODE.AX,,Technology Hardware & Equipment,,1984-08-16"));
    // The published file reads back as the same list.
    assert.deepEqual(parseAsxList(csv.join("\n")).map((c) => c.symbol), AUG.map((c) => c.symbol));
    // Batches of 100 over the sorted symbols, the index added: 1,977 + ^AXJO = 1,978.
    assert.equal(out.symbols.length, 1978);
    assert.equal(out.symbols.at(-1), "^AXJO");
    assert.deepEqual(out.symbolBatches.map((b) => b.symbols.length), [
      ...new Array(19).fill(100),
      78,
    ]);
    assert.deepEqual(out.symbolBatches.map((b) => b.batchNumber), [...Array(20).keys()]);
    assert.deepEqual(out.symbolBatches.flatMap((b) => b.symbols), out.symbols);
    assert.deepEqual(out.symbols, [...out.symbols].sort());
    assert.equal(out.metadata.trading_day, true);
  });
});

Deno.test("updateSymbols: a list that shrank by more than 10 % is refused unless forced", async () => {
  await withLake(async (lake) => {
    await updateSymbols({ date: "2024-07-01" }, deps(lake, () => JUL));
    const half = AUG.slice(0, 1000);
    await assert.rejects(updateSymbols({ date: "2024-08-01" }, deps(lake, () => half)), (err) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(
        err.message,
        "The ASX list for 2024-08-01 has 1000 companies, 50 % fewer than the 1985 published for 2024-07-01 (limit 10 %): not published. Check the source, or run again with force (--force) to accept it",
      );
      return true;
    });
    assert.equal(await lake.store.head("symbols/2024-08-01-symbols.csv"), undefined);
    const forced = await updateSymbols({ date: "2024-08-01", force: true }, deps(lake, () => half));
    assert.equal(forced.metadata.total_symbols, 1001);
    // 9 % smaller passes without force; a looser limit can be configured.
    const d = deps(lake, () => AUG.slice(0, 900));
    await updateSymbols({ date: "2024-08-02" }, { ...d, maxShrink: 0.2 }); // vs 1000: -10 %
  });
});

Deno.test("updateSymbols: on a day the ASX is shut, nothing is fetched (not even the list) unless it is a backfill", async () => {
  await withLake(async (lake) => {
    const d = deps(lake, () => AUG);
    const sat = await updateSymbols({ date: "2024-08-03" }, d);
    assert.equal(d.calls, 0);
    assert.deepEqual(sat.symbolBatches, []);
    assert.equal(sat.metadata.trading_day, false);
    assert.deepEqual(await lake.store.list("symbols/"), []);
    const backfill = await updateSymbols({ date: "2024-08-03", backfillFrom: "2024-01-01" }, d);
    assert.equal(d.calls, 1);
    assert.equal(backfill.symbolBatches.length, 20);
    assert.equal(backfill.backfillFrom, "2024-01-01");
  });
});

Deno.test("updateSymbols: given symbols replace the list step; the default date is the last closed session", async () => {
  await withLake(async (lake) => {
    const d = deps(lake, () => AUG);
    const out = await updateSymbols({ symbols: ["WES.AX", "BHP.AX", "^AXJO", "BHP.AX"] }, d);
    assert.equal(d.calls, 0);
    assert.equal(out.date, "2024-08-01"); // 20:00 UTC on the 1st is 06:00 on the 2nd in Sydney
    assert.deepEqual(out.symbols, ["BHP.AX", "WES.AX", "^AXJO"]);
    assert.deepEqual(out.symbolBatches, [{ symbols: out.symbols, batchNumber: 0 }]);
    assert.equal(out.metadata.source, "given");
    assert.equal(out.metadata.s3_key, null);
    assert.deepEqual(await lake.store.list("symbols/"), []);
  });
});

Deno.test("updateSymbols: bad input is a ConfigError (which the state machine does not retry)", async () => {
  await withLake(async (lake) => {
    const d = deps(lake, () => AUG);
    for (
      const [event, message] of [
        [{ date: "2024-02-30" }, /Invalid date "2024-02-30"/],
        [
          { date: "2024-08-01", backfillFrom: "2024-09-01" },
          /starts 2024-09-01, after the run date/,
        ],
        [{ symbols: [] }, /No symbols given/],
        [{ symbols: ["bhp ax"] }, /Invalid symbol "bhp ax"/],
      ] as const
    ) {
      await assert.rejects(updateSymbols(event as never, d), (err) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, message);
        return true;
      });
    }
  });
});
