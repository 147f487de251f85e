/**
 * What one flush_tlb_func() invalidation costs on a profile — a page's INVLPG (and INVPCID for
 * the user PCID under PTI), a full flush's CR3 write(s) — and where flushing everything becomes
 * the cheaper way; how many INVLPGBs a broadcast takes and what its TLBSYNC waits behind others'.
 * The cost model prices flushes with these; `flushbench profiles` shows the break-even.
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

/**
 * The INVLPGBs broadcast_tlb_flush() issues for `pages` pages (0: the whole ASID, as for a range
 * past tlb_single_page_flush_ceiling): one per invlpgbMaxPages pages of the range, or one for the
 * whole ASID; each twice under PTI, for the kernel and the user PCID (Linux 6.15 arch/x86/mm/tlb.c).
 */
export function invlpgbOps(p: Profile, pages: number): number {
  const ops = pages === 0 ? 1 : Math.ceil(pages / p.invlpgbMaxPages);
  return p.pti ? 2 * ops : ops;
}

/**
 * What a TLBSYNC waits behind other CPUs' broadcasts, in cycles — an estimate built from the
 * INVLPG cost, with no figure of its own. Every INVLPGB is carried out at every core, and a core
 * takes invalidations one at a time, each about a local INVLPG; TLBSYNC returns once this CPU's
 * are done everywhere, so also after whatever reached the slowest core ahead of them. Each other
 * broadcaster is inside its own window (INVLPGB to TLBSYNC's return: `own` + d of its iteration
 * i0 + d) at a moment independent of ours, so the expected wait d solves d = k·(own + d)/(i0 + d),
 * k being the invalidations all the others issue in a window, in cycles (others × ops × invlpg):
 *   d = (k − i0 + √((i0 − k)² + 4·k·own)) / 2,
 * 0 when k is. Whole cycles, so that modeled results stay sums of integers.
 */
export function tlbsyncWait(k: number, i0: number, own: number): number {
  return Math.round((k - i0 + Math.sqrt((i0 - k) ** 2 + 4 * k * own)) / 2);
}
