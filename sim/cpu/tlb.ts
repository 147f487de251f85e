/**
 * A set-associative TLB in the SharedArrayBuffer: three arrays of sets × ways Int32 — the tag,
 * the PTE word the entry was filled from (frame slot and generation), and an LRU stamp.
 *
 * The tag is mm << 20 | (vpn + 1); 0 means invalid. Only the owning CPU fills and reads its TLB.
 * The one foreign writer is broadcast invalidation (INVLPGB), which clears tags with a CAS on the
 * exact tag it invalidates, so it can never clear an entry the owner has just refilled with
 * another page. Stamps and PTE words are plain stores: only the owner reads them.
 */

const TAG_VPN_BITS = 20;

export function tlbTag(mm: number, vpn: number): number {
  return (mm << TAG_VPN_BITS) | (vpn + 1);
}

export class Tlb {
  readonly i32: Int32Array;
  readonly tags: number;
  readonly ptes: number;
  readonly stamps: number;
  readonly sets: number;
  readonly ways: number;
  readonly entries: number;
  /** LRU clock; only the owner advances it. */
  clock = 0;

  constructor(i32: Int32Array, base: number, sets: number, ways: number) {
    this.i32 = i32;
    this.sets = sets;
    this.ways = ways;
    this.entries = sets * ways;
    this.tags = base;
    this.ptes = base + this.entries;
    this.stamps = base + 2 * this.entries;
  }

  /** The entry index holding (mm, vpn), stamped as used, or -1. */
  lookup(mm: number, vpn: number): number {
    const tag = tlbTag(mm, vpn);
    const first = this.tags + (vpn & (this.sets - 1)) * this.ways;
    const i32 = this.i32;
    for (let e = first, end = first + this.ways; e < end; e++) {
      if (i32[e] === tag) {
        i32[e - this.tags + this.stamps] = ++this.clock;
        return e - this.tags;
      }
    }
    return -1;
  }

  pteOf(entry: number): number {
    return this.i32[this.ptes + entry];
  }

  /** Fills (mm, vpn) → pte into an invalid way, or the least recently used one. */
  fill(mm: number, vpn: number, pte: number): number {
    const i32 = this.i32;
    const first = this.tags + (vpn & (this.sets - 1)) * this.ways;
    let victim = first;
    let oldest = Number.POSITIVE_INFINITY;
    for (let e = first, end = first + this.ways; e < end; e++) {
      if (i32[e] === 0) {
        victim = e;
        break;
      }
      const stamp = i32[e - this.tags + this.stamps];
      if (stamp < oldest) {
        oldest = stamp;
        victim = e;
      }
    }
    const entry = victim - this.tags;
    i32[this.ptes + entry] = pte;
    i32[this.stamps + entry] = ++this.clock;
    // Publish the tag last; pairs with invalidateRemote's compareExchange.
    Atomics.store(i32, victim, tlbTag(mm, vpn));
    return entry;
  }

  /** Drops one entry (the owner undoing a fill that raced with a PTE change). */
  drop(entry: number): void {
    // Pairs with invalidateRemote: either side clearing is enough.
    Atomics.store(this.i32, this.tags + entry, 0);
  }

  /** INVLPG: returns 1 when an entry was dropped. */
  invlpg(mm: number, vpn: number): number {
    const e = this.peek(mm, vpn);
    if (e < 0) return 0;
    this.drop(e);
    return 1;
  }

  /** A full flush of this TLB (a CR3 write without PCID: every entry goes). */
  flushAll(): void {
    this.i32.fill(0, this.tags, this.tags + this.entries);
  }

  /**
   * Broadcast invalidation run by another CPU: clears (mm, vpn) only if the tag is still that
   * page. Returns 1 when an entry was dropped.
   */
  invalidateRemote(mm: number, vpn: number): number {
    const tag = tlbTag(mm, vpn);
    const first = this.tags + (vpn & (this.sets - 1)) * this.ways;
    let dropped = 0;
    for (let e = first, end = first + this.ways; e < end; e++) {
      // Pairs with fill's Atomics.store of the tag.
      if (Atomics.compareExchange(this.i32, e, tag, 0) === tag) dropped++;
    }
    return dropped;
  }

  /** Broadcast invalidation of every entry of `mm` (INVLPGB for a whole ASID). */
  invalidateRemoteMm(mm: number): number {
    let dropped = 0;
    const lo = mm << TAG_VPN_BITS;
    const hi = (mm + 1) << TAG_VPN_BITS;
    for (let e = this.tags, end = this.tags + this.entries; e < end; e++) {
      const tag = this.i32[e];
      if (tag >= lo && tag < hi && Atomics.compareExchange(this.i32, e, tag, 0) === tag) dropped++;
    }
    return dropped;
  }

  /** Entries currently valid (for tests and reports). */
  validEntries(): number {
    let n = 0;
    for (let e = this.tags, end = this.tags + this.entries; e < end; e++)
      if (this.i32[e] !== 0) n++;
    return n;
  }

  /** The entry index holding (mm, vpn), or −1, leaving the LRU stamps alone. */
  peek(mm: number, vpn: number): number {
    const tag = tlbTag(mm, vpn);
    const first = this.tags + (vpn & (this.sets - 1)) * this.ways;
    for (let e = first, end = first + this.ways; e < end; e++) {
      if (this.i32[e] === tag) return e - this.tags;
    }
    return -1;
  }
}
