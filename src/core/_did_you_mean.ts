/**
 * "Did you mean" hints for misspelt names (flags, parameters, stats, symbols,
 * composite-strategy fields).
 *
 * @module
 */

/**
 * Edit distance between two strings (for "did you mean" hints).
 *
 * @param a One string.
 * @param b The other.
 * @returns The Levenshtein distance.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { editDistance } from "./_did_you_mean.ts";
 * assert.equal(editDistance("fsat", "fast"), 2);
 * ```
 */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/**
 * A hint for a misspelt or shortened name: the one candidate it begins (at
 * least 3 characters, so `Sharpe` finds `Sharpe Ratio`), else the closest
 * candidate if it is close enough, else the candidates it begins when there are
 * at most 3 of them.
 *
 * @param name The misspelt name.
 * @param candidates Valid names.
 * @returns ` (did you mean "x"?)`, ` (did you mean "x" or "y"?)`, or an empty string.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { didYouMean } from "./_did_you_mean.ts";
 * assert.equal(didYouMean("slwo", ["fast", "slow"]), ' (did you mean "slow"?)');
 * assert.equal(didYouMean("sharpe", ["Sharpe Ratio", "SQN"]), ' (did you mean "Sharpe Ratio"?)');
 * assert.equal(didYouMean("zzz", ["fast", "slow"]), "");
 * ```
 */
export function didYouMean(name: string, candidates: readonly string[]): string {
  const lower = name.toLowerCase();
  const hint = (names: readonly string[]) =>
    ` (did you mean ${names.map((c) => `"${c}"`).join(" or ")}?)`;
  const started = lower.length >= 3
    ? candidates.filter((c) => c.toLowerCase().startsWith(lower))
    : [];
  if (started.length === 1) return hint(started);
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(lower, c.toLowerCase());
    if (d < bestD) [best, bestD] = [c, d];
  }
  if (best !== undefined && bestD <= Math.max(2, Math.floor(best.length / 3))) return hint([best]);
  return started.length > 1 && started.length <= 3 ? hint(started) : "";
}
