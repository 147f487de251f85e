/**
 * A CPU's paging-structure cache: for each last-level table, the upper-level entry (the PMD)
 * that points at it, as the generation of the table it named when it was cached. Hardware walks
 * through a cached entry without reading the upper level again, so once a table is unlinked and
 * freed, a CPU that still caches the entry walks into a page that is no longer a page table —
 * the machine-checks behind condition 1 of the 2019 thread.
 *
 * One Int32 per table in the SharedArrayBuffer: generation + 1, or 0 when nothing is cached.
 * The owner fills and drops entries; the one foreign writer is broadcast invalidation (INVLPGB
 * with page-walk-cache invalidation), which clears with a CAS on the exact value it saw. Like
 * INVLPG and a CR3 write on x86, every flush of the TLB empties this cache too.
 */
export class PagingStructureCache {
  readonly i32: Int32Array;
  readonly base: number;
  readonly tables: number;

  constructor(i32: Int32Array, base: number, tables: number) {
    this.i32 = i32;
    this.base = base;
    this.tables = tables;
  }

  /** The cached generation of table t's upper-level entry, or −1. */
  lookup(t: number): number {
    // Pairs with invalidateRemote's compareExchange.
    return Atomics.load(this.i32, this.base + t) - 1;
  }

  fill(t: number, gen: number): void {
    // Pairs with invalidateRemote's compareExchange.
    Atomics.store(this.i32, this.base + t, gen + 1);
  }

  drop(t: number): void {
    // Pairs with invalidateRemote: either side clearing is enough.
    Atomics.store(this.i32, this.base + t, 0);
  }

  /**
   * Everything goes (INVLPG or a full flush on this CPU). `used`: the tables the case's address
   * space has (the rest were never filled), so a flush costs the case's tables, not the machine's.
   */
  flush(used: number): void {
    this.i32.fill(0, this.base, this.base + Math.min(used, this.tables));
  }

  /** Broadcast invalidation run by another CPU: clears every cached entry it sees (of `used`). */
  invalidateRemote(used: number): void {
    const i32 = this.i32;
    for (let e = this.base, end = this.base + Math.min(used, this.tables); e < end; e++) {
      const v = i32[e];
      // Pairs with fill's store: an entry refilled meanwhile names the new table and stays.
      if (v !== 0) Atomics.compareExchange(i32, e, v, 0);
    }
  }
}
