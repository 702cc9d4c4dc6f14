/**
 * The Web Worker behind {@link sweep}'s parallel mode: receives the bars and a
 * strategy reference once, then chunks of parameter combinations, and posts
 * back their stats. Not part of the public API.
 *
 * @module
 */

import { PlainBars } from "../core/csv_bars.ts";
import { IndicatorCache } from "./engine.ts";
import type { StrategyClass } from "./strategy.ts";
import { STRATEGIES } from "./strategies/mod.ts";
import type { Stats } from "./metrics.ts";
import { sweepChunk, type WorkerTask } from "./sweep.ts";

/** The worker's global scope, typed for what we use. */
const scope = self as unknown as {
  onmessage: ((e: MessageEvent) => void) | null;
  postMessage(message: unknown): void;
};

let bars: PlainBars | undefined;
let Strat: StrategyClass | undefined;
let options: WorkerTask["options"] = {};
const cache = new IndicatorCache();

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

scope.onmessage = async (
  e: MessageEvent<{ init?: WorkerTask; combos?: Record<string, never>[] }>,
) => {
  try {
    if (e.data.init) {
      const t = e.data.init;
      bars = new PlainBars({ symbol: t.bars.ranges, ...t.bars });
      Strat = await resolve(t.ref);
      options = t.options;
      scope.postMessage({ ready: true });
      return;
    }
    const combos = e.data.combos ?? [];
    const stats: Stats[] = [];
    sweepChunk(bars!, Strat!, combos, options, cache, (_, s) => stats.push(s));
    scope.postMessage({ stats });
  } catch (err) {
    scope.postMessage({ error: err instanceof Error ? err.message : String(err) });
  }
};
