/**
 * Preloaded for `deno test --doc`: makes `console.assert` throw, so a JSDoc
 * `@example` whose assertion fails fails its doc test instead of only printing
 * "Assertion failed" (Deno's console.assert never throws).
 */
console.assert = (condition?: boolean, ...data: unknown[]) => {
  if (!condition) {
    throw new Error(`Assertion failed${data.length ? `: ${data.map(String).join(" ")}` : ""}`);
  }
};
