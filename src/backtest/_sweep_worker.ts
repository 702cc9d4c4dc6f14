/**
 * The Web Worker behind `Backtest.optimize()`'s parallel mode: receives the
 * bars, a strategy reference and the options once, then chunks of parameter
 * combinations, and posts back their stats (computed as an in-process sweep
 * computes them, with one session for all of its chunks). Internal.
 *
 * @module
 */

import { PlainBars } from "../core/plain_bars.ts";
import { rowStats, Session } from "./_engine.ts";
import { runSettings } from "./_setup.ts";
import type { Params, StrategyClass } from "./strategy.ts";
import { STRATEGIES } from "./strategies/mod.ts";
import type { Stats } from "./metrics.ts";
import type { WorkerTask } from "./_sweep.ts";

/** The worker's global scope, typed for what we use. */
const scope = self as unknown as {
  onmessage: ((e: MessageEvent) => void) | null;
  postMessage(message: unknown): void;
};

let session: Session | undefined;
let Strat: StrategyClass | undefined;

async function resolve(ref: WorkerTask["ref"]): Promise<StrategyClass> {
  if (ref.kind === "builtin") {
    const cls = Object.values(STRATEGIES).find((c) =>
      (c as unknown as { id?: string }).id === ref.id
    );
    if (!cls) throw new Error(`unknown strategy "${ref.id}"`);
    return cls;
  }
  if (ref.kind === "composite") {
    // Loaded only for composite strategies: a worker for a shipped one starts without it.
    const { compositeStrategy } = await import("./composite.ts");
    return compositeStrategy(ref.spec);
  }
  const mod = await import(ref.url) as Record<string, unknown>;
  const cls = mod[ref.exportName];
  if (typeof cls !== "function") {
    throw new Error(`"${ref.url}" exports no class "${ref.exportName}"`);
  }
  return cls as StrategyClass;
}

scope.onmessage = async (e: MessageEvent<{ init?: WorkerTask; combos?: Params[] }>) => {
  try {
    if (e.data.init) {
      const t = e.data.init;
      const bars = new PlainBars({ symbol: t.bars.ranges, ...t.bars });
      session = new Session(bars, runSettings(t.options));
      Strat = await resolve(t.ref);
      scope.postMessage({ ready: true });
      return;
    }
    const stats: Stats[] = (e.data.combos ?? []).map((p) => rowStats(session!, Strat!, p));
    scope.postMessage({ stats });
  } catch (err) {
    scope.postMessage({ error: err instanceof Error ? err.message : String(err) });
  }
};
