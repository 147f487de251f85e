/** What the main thread and the threads of `flushbench kernel` share: the control words, the data. */
import type { IpiCounts } from './interrupts.js';

export const KERNEL_WORKLOADS = Object.freeze(['touch', 'idle', 'busy'] as const);
export type KernelWorkload = (typeof KERNEL_WORKLOADS)[number];

/**
 * Control words (Int32Array indices): remote threads ready, stop the remotes, abort the run, the
 * initiator's phase (0 warm-up, 1 timed loop, 2 done), then one word per remote thread: its page
 * faults during the timed loop (-1 until it has counted them).
 */
export const CTL_READY = 0;
export const CTL_STOP = 1;
export const CTL_ABORT = 2;
export const CTL_PHASE = 3;
export const CTL_FAULTS = 4;
export const PHASE_TIMED = 1;
export const PHASE_DONE = 2;
export const ctlWords = (remotes: number) => CTL_FAULTS + remotes;

/** How long the initiator waits for every remote thread to pin itself and start. */
export const READY_DEADLINE_MS = 10_000;

export interface KernelWorkerData {
  role: 'initiator' | 'remote';
  cpu: number;
  addr: bigint;
  pages: number;
  workload: KernelWorkload;
  ctl: SharedArrayBuffer;
  /** A remote thread's index among the remotes (its fault word). */
  remoteIndex: number;
  /** Initiator only. */
  remotes: number;
  iterations: number;
  warmup: number;
}

export interface InitiatorResult {
  done: number;
  madviseNs: Float64Array;
  touchNs: Float64Array;
  before: IpiCounts;
  after: IpiCounts;
}
