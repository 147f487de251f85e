/** One step of Marsaglia's xorshift32 (a non-zero state stays non-zero). */
export function xorshift32(x: number): number {
  x ^= x << 13;
  x ^= x >>> 17;
  return x ^ (x << 5);
}
