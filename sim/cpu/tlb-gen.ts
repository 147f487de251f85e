/**
 * The rule arch/x86/mm/tlb.c's flush_tlb_func() applies to decide what a CPU flushes for one
 * request, given three generations:
 *
 *   mm tlb_gen     the mm's generation, bumped by every flush request after its PTE change
 *   new_tlb_gen    the mm generation the request was made at
 *   local tlb_gen  the mm generation this CPU's TLB is known to be current with
 *
 * Nothing to do if a later full flush already caught this CPU up. A partial (per-page) flush is
 * enough only when this CPU is exactly one request behind and that request is the latest one;
 * otherwise some other request's pages are stale too, and only a full flush (catching up to the
 * mm's tlb_gen) is right.
 */
import { FLUSH_FULL, FLUSH_NONE, FLUSH_PARTIAL, TLB_FLUSH_ALL } from '../shared/layout.js';

export function flushKindFor(
  localTlbGen: number,
  newTlbGen: number,
  mmTlbGen: number,
  end: number,
): number {
  if (newTlbGen <= localTlbGen || localTlbGen === mmTlbGen) return FLUSH_NONE;
  if (end !== TLB_FLUSH_ALL && newTlbGen === localTlbGen + 1 && newTlbGen === mmTlbGen) {
    return FLUSH_PARTIAL;
  }
  return FLUSH_FULL;
}

/**
 * flush_tlb_mm_range()'s ceiling: a range of more than `ceiling` pages is flushed whole. Returns
 * the end to use (TLB_FLUSH_ALL for a full flush).
 */
export function rangeEnd(start: number, end: number, ceiling: number): number {
  return end - start > ceiling ? TLB_FLUSH_ALL : end;
}
