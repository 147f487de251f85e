/**
 * Failed authentications per client address, counted in a fixed window: past the limit, an
 * address is answered 429 (with Retry-After) until its window ends, whatever token it sends —
 * guessing tokens then takes minutes per few dozen tries instead of 40,000 tries in 5 s. The
 * table holds at most `maxClients` addresses; past that the oldest window is dropped first.
 */
export class AuthFailures {
  private readonly byAddress = new Map<string, { count: number; resetAt: number }>();

  constructor(
    readonly max: number,
    readonly windowMs: number,
    private readonly maxClients = 10_000,
  ) {}

  /** Whole seconds until `address` may try again; 0 when it may now. */
  blockedFor(address: string, now = Date.now()): number {
    const e = this.byAddress.get(address);
    if (e === undefined || e.resetAt <= now || e.count < this.max) return 0;
    return Math.ceil((e.resetAt - now) / 1000);
  }

  /** One more failed authentication from `address`. */
  fail(address: string, now = Date.now()): void {
    let e = this.byAddress.get(address);
    if (e === undefined || e.resetAt <= now) {
      this.byAddress.delete(address);
      if (this.byAddress.size >= this.maxClients) {
        // Insertion order: the first key's window is the oldest.
        const oldest = this.byAddress.keys().next().value;
        if (oldest !== undefined) this.byAddress.delete(oldest);
      }
      e = { count: 0, resetAt: now + this.windowMs };
      this.byAddress.set(address, e);
    }
    e.count++;
  }
}
