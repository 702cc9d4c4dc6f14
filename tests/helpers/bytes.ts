/**
 * Deterministic pseudo-random bytes (xorshift32), so store and cache tests put
 * distinct, reproducible bodies without Math.random.
 *
 * @param n How many bytes.
 * @param seed Different seeds give different bodies. @default {1}
 * @returns The bytes.
 */
export function bytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
