/**
 * What the cost model (cost-model.ts) is told about a case: the machine, the protocol, this CPU
 * and its targets' distances, the workload's modeled environment (cross-calls, interrupt-disabled
 * windows, idle targets, CPUs broadcasting at once).
 */
import type { Profile } from '../shared/profile.js';
import type { ProtocolTraits } from '../shared/protocols.js';
import type { Distances } from './placement.js';

/** User reads a cross-call makes on the target (workload `crosscall`). */
export const CROSSCALL_READS = 4;

/**
 * Interrupt-disabled windows of workload `irqs-off`, in modeled time: every target spends
 * IRQS_OFF_WINDOW_CYCLES of every IRQS_OFF_PERIOD_CYCLES with interrupts off, at a phase drawn
 * from the seed. 4000 of 32000 cycles: 2 µs of every 16 µs at 2 GHz, a spin_lock_irqsave-sized
 * critical section hit 1 time in 8.
 */
export const IRQS_OFF_WINDOW_CYCLES = 4000;
export const IRQS_OFF_PERIOD_CYCLES = 32000;

export interface ModelParams {
  profile: Profile;
  cpus: number;
  self: number;
  /**
   * Whether this CPU initiates flushes (default true). Only an initiator models flushes and needs
   * per-target scratch; at 960 CPUs the others would allocate 60 MB of it per case for nothing.
   */
  initiator?: boolean;
  /** Distance classes from `self` to every CPU. */
  distances: Distances;
  /**
   * The initiator waits for every acknowledgement before it returns (default true). False: the
   * flush ends once the IPIs are sent and the local flush is done; the acknowledgements still
   * come, on the targets' time. The next flush's csd_lock() would wait for a late one, but an
   * iteration (the refault, the syscall) is far longer than a target's way to its unlock.
   */
  waitsForAcks?: boolean;
  /** The ICR write that reaches each CPU: its x2APIC cluster (cluster mode) or itself. */
  clusters: Int32Array;
  traits: ProtocolTraits;
  pages: number;
  seed: number;
  crosscall: boolean;
  irqsOff: boolean;
  idleTargets: boolean;
  /**
   * Page faults an iteration takes per page it zaps (default 1, the refault): a will-it-scale
   * loop's own write and read fault too (workloads.ts), each priced as a `pageFault`.
   */
  faultsPerPage?: number;
  /**
   * TLB entries a CPU walks again after a full flush: its working set in the mm, as far as its
   * TLB holds it (the workload's shared pages, capped at the TLB's entries).
   */
  refillEntries: number;
  /**
   * CPUs that flush the mm by broadcast at the same time, this one included: every CPU, where
   * every CPU initiates (default 1). Each core takes their invalidations one at a time, and a
   * TLBSYNC waits behind the others' (see broadcastContention).
   */
  broadcasters?: number;
}

/** SplitMix32-style mixing: the phase of each CPU's interrupt-disabled windows. */
export function mix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}
