/**
 * What one flush_tlb_func() invalidation costs on a profile — a page's INVLPG (and INVPCID for
 * the user PCID under PTI), a full flush's CR3 write(s) — and where flushing everything becomes
 * the cheaper way. The cost model prices flushes with these; `flushbench profiles` shows the last.
 */
import type { Profile } from '../shared/profile.js';

/** One page's invalidation: INVLPG, and under PTI INVPCID for the user PCID too. */
export function pageInvalidation(p: Profile): number {
  return p.cycles.invlpg + (p.pti ? p.cycles.invpcid : 0);
}

/** A full flush: the CR3 write, and under PTI the user PCID's flushing CR3 write on the way out. */
export function fullInvalidation(p: Profile): number {
  return p.pti ? 2 * p.cycles.fullFlush : p.cycles.fullFlush;
}

/**
 * The fewest pages whose INVLPGs cost more than a full flush and the refill of `entries` TLB
 * entries: where flushing everything becomes the cheaper way, by this profile's costs (Linux
 * assumes about 33 pages: tlb_single_page_flush_ceiling).
 */
export function fullFlushBreakEven(p: Profile, entries: number): number {
  return Math.floor((fullInvalidation(p) + entries * p.cycles.pageWalk) / pageInvalidation(p)) + 1;
}
