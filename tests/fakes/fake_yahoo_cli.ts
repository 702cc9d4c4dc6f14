/**
 * `deno task fake-yahoo`: runs the fake Yahoo server by hand, e.g. to try
 * `deno task pipeline --yahoo-url …` offline.
 *
 * ```sh
 * deno task fake-yahoo --port 8080 --fault-rate 0.05 --latency-ms 20
 * deno task pipeline --yahoo-url http://127.0.0.1:8080 --asx-url http://127.0.0.1:8080/asx-research/1.0/companies/directory/file --lake /tmp/lake
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { FAULT_KINDS, type FaultKind, startFakeYahoo, TRANSIENT_FAULTS } from "./fake_yahoo.ts";

const HELP = `usage: deno task fake-yahoo [options]

Serves Yahoo's /v8/finance/chart/{symbol} on 127.0.0.1 from recorded responses (AAPL, OCDO.L,
WSU.DE, SI) and a deterministic synthetic ASX market for any other symbol, plus the ASX company
list at /asx-research/1.0/companies/directory/file. Stop it with Ctrl-C.

options:
  --port <n>             port (default 8080; 0 picks a free one)
  --seed <n>             synthetic market seed (default 2026)
  --market-start <date>  first date of the synthetic market (default 2004-01-01)
  --latency-ms <n>       delay before every answer (default 0)
  --fault-rate <x>       share of chart requests that get a transient fault (default 0)
  --faults <k,k>         the kinds --fault-rate draws from (default ${TRANSIENT_FAULTS.join(",")})
  --symbol-fault <S=k>   always answer symbol S with fault k (repeatable); kinds: ${
  FAULT_KINDS.join(", ")
}
  --retry-after <s>      Retry-After of 429 answers (default 1)
  --asx-list <file>      serve this file as the ASX list (default: the recorded 2024-08-01 export)
  -h, --help             this help`;

function fail(message: string): never {
  console.error(`error: ${message}`);
  Deno.exit(2);
}

const { values } = parseArgs({
  args: Deno.args,
  options: {
    port: { type: "string", default: "8080" },
    seed: { type: "string" },
    "market-start": { type: "string" },
    "latency-ms": { type: "string" },
    "fault-rate": { type: "string" },
    faults: { type: "string" },
    "symbol-fault": { type: "string", multiple: true },
    "retry-after": { type: "string" },
    "asx-list": { type: "string" },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help) {
  console.log(HELP);
  Deno.exit(0);
}
const num = (name: string, text: string | undefined): number | undefined => {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) fail(`--${name} must be a non-negative number, got "${text}"`);
  return n;
};
const kind = (k: string): FaultKind => {
  if (!(FAULT_KINDS as readonly string[]).includes(k)) {
    fail(`unknown fault "${k}": expected one of ${FAULT_KINDS.join(", ")}`);
  }
  return k as FaultKind;
};
const symbolFaults: Record<string, FaultKind> = {};
for (const spec of values["symbol-fault"] ?? []) {
  const [symbol, k] = spec.split("=");
  if (!symbol || !k) fail(`--symbol-fault expects SYMBOL=kind, got "${spec}"`);
  symbolFaults[symbol] = kind(k);
}
const faultRate = num("fault-rate", values["fault-rate"]);
if (faultRate !== undefined && faultRate > 1) fail(`--fault-rate must be at most 1`);
const fake = await startFakeYahoo({
  port: num("port", values.port),
  seed: num("seed", values.seed),
  marketStart: values["market-start"],
  latencyMs: num("latency-ms", values["latency-ms"]),
  faultRate,
  faultKinds: values.faults?.split(",").map(kind),
  symbolFaults,
  retryAfterSeconds: num("retry-after", values["retry-after"]),
  asxList: values["asx-list"] === undefined ? undefined : Deno.readTextFileSync(values["asx-list"]),
});
console.log(`fake Yahoo on ${fake.url} (ASX list: ${fake.asxListUrl}); Ctrl-C to stop`);
Deno.addSignalListener("SIGINT", async () => {
  await fake.close();
  const faults = Object.entries(fake.stats.faults).filter(([, n]) => n > 0);
  const total = faults.reduce((a, [, n]) => a + n, 0);
  console.log(
    `served ${fake.stats.requests} chart requests, ${total} with faults ${
      JSON.stringify(Object.fromEntries(faults))
    }`,
  );
  Deno.exit(0);
});
