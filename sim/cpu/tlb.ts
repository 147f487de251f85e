/**
 * A set-associative TLB in the SharedArrayBuffer: sets × ways entries of three Int32 each — the
 * tag, the PTE word the entry was filled from (frame slot and generation), and an LRU stamp — laid
 * out way by way: way 0 of every set, then way 1, and so on. A set's first entry is filled first,
 * so a working set no bigger than the sets sits in way 0, in a twelfth of a line per page: a burst
 * of accesses touches a few lines of the TLB, not one per set. A machine of 960 CPUs keeps 960
 * TLBs, far more than the host's caches hold, and each CPU's burst comes after 959 others'.
 *
 * The tag is mm << 20 | (vpn + 1); 0 means invalid. Only the owning CPU fills and reads its TLB.
 * The one foreign writer is broadcast invalidation (INVLPGB), which clears tags with a CAS on the
 * exact tag it invalidates, so it can never clear an entry the owner has just refilled with
 * another page. Stamps and PTE words are plain stores: only the owner reads them.
 */

const TAG_VPN_BITS = 20;
/** Int32 words per entry: tag, PTE, stamp. */
export const TLB_ENTRY_WORDS = 3;
const PTE = 1;
const STAMP = 2;

export function tlbTag(mm: number, vpn: number): number {
  return (mm << TAG_VPN_BITS) | (vpn + 1);
}

export class Tlb {
  readonly i32: Int32Array;
  /** Word of entry 0's tag; entry e's words start at base + e × TLB_ENTRY_WORDS. */
  readonly base: number;
  readonly sets: number;
  readonly ways: number;
  readonly entries: number;
  /** Words from one way of a set to the next. */
  private readonly wayStride: number;
  /** LRU clock; only the owner advances it. */
  clock = 0;

  constructor(i32: Int32Array, base: number, sets: number, ways: number) {
    this.i32 = i32;
    this.sets = sets;
    this.ways = ways;
    this.entries = sets * ways;
    this.base = base;
    this.wayStride = sets * TLB_ENTRY_WORDS;
  }

  /** The word of the first way of the set `vpn` maps to. */
  private setOf(vpn: number): number {
    return this.base + (vpn & (this.sets - 1)) * TLB_ENTRY_WORDS;
  }

  /** The entry index holding (mm, vpn), stamped as used, or -1. */
  lookup(mm: number, vpn: number): number {
    const tag = tlbTag(mm, vpn);
    const first = this.setOf(vpn);
    const i32 = this.i32;
    for (let w = first, end = first + this.ways * this.wayStride; w < end; w += this.wayStride) {
      if (i32[w] === tag) {
        i32[w + STAMP] = ++this.clock;
        return (w - this.base) / TLB_ENTRY_WORDS;
      }
    }
    return -1;
  }

  pteOf(entry: number): number {
    return this.i32[this.base + entry * TLB_ENTRY_WORDS + PTE];
  }

  /** Fills (mm, vpn) → pte into an invalid way, or the least recently used one. */
  fill(mm: number, vpn: number, pte: number): number {
    const i32 = this.i32;
    const first = this.setOf(vpn);
    let victim = first;
    let oldest = Number.POSITIVE_INFINITY;
    for (let w = first, end = first + this.ways * this.wayStride; w < end; w += this.wayStride) {
      if (i32[w] === 0) {
        victim = w;
        break;
      }
      const stamp = i32[w + STAMP];
      if (stamp < oldest) {
        oldest = stamp;
        victim = w;
      }
    }
    i32[victim + PTE] = pte;
    i32[victim + STAMP] = ++this.clock;
    // Publish the tag last; pairs with invalidateRemote's compareExchange.
    Atomics.store(i32, victim, tlbTag(mm, vpn));
    return (victim - this.base) / TLB_ENTRY_WORDS;
  }

  /** Drops one entry (the owner undoing a fill that raced with a PTE change). */
  drop(entry: number): void {
    // Pairs with invalidateRemote: either side clearing is enough.
    Atomics.store(this.i32, this.base + entry * TLB_ENTRY_WORDS, 0);
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
    const i32 = this.i32;
    for (
      let w = this.base, end = this.base + this.entries * TLB_ENTRY_WORDS;
      w < end;
      w += TLB_ENTRY_WORDS
    ) {
      i32[w] = 0;
    }
  }

  /**
   * Broadcast invalidation run by another CPU: clears (mm, vpn) only if the tag is still that
   * page. Returns 1 when an entry was dropped.
   */
  invalidateRemote(mm: number, vpn: number): number {
    const tag = tlbTag(mm, vpn);
    const first = this.setOf(vpn);
    let dropped = 0;
    for (let w = first, end = first + this.ways * this.wayStride; w < end; w += this.wayStride) {
      // Pairs with fill's Atomics.store of the tag.
      if (Atomics.compareExchange(this.i32, w, tag, 0) === tag) dropped++;
    }
    return dropped;
  }

  /** Broadcast invalidation of every entry of `mm` (INVLPGB for a whole ASID). */
  invalidateRemoteMm(mm: number): number {
    let dropped = 0;
    const lo = mm << TAG_VPN_BITS;
    const hi = (mm + 1) << TAG_VPN_BITS;
    for (
      let w = this.base, end = this.base + this.entries * TLB_ENTRY_WORDS;
      w < end;
      w += TLB_ENTRY_WORDS
    ) {
      const tag = this.i32[w];
      if (tag >= lo && tag < hi && Atomics.compareExchange(this.i32, w, tag, 0) === tag) dropped++;
    }
    return dropped;
  }

  /** Entries currently valid (for tests and reports). */
  validEntries(): number {
    let n = 0;
    for (
      let w = this.base, end = this.base + this.entries * TLB_ENTRY_WORDS;
      w < end;
      w += TLB_ENTRY_WORDS
    ) {
      if (this.i32[w] !== 0) n++;
    }
    return n;
  }

  /** The entry index holding (mm, vpn), or −1, leaving the LRU stamps alone. */
  peek(mm: number, vpn: number): number {
    const tag = tlbTag(mm, vpn);
    const first = this.setOf(vpn);
    for (let w = first, end = first + this.ways * this.wayStride; w < end; w += this.wayStride) {
      if (this.i32[w] === tag) return (w - this.base) / TLB_ENTRY_WORDS;
    }
    return -1;
  }
}
