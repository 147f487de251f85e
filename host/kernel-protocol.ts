/** What the main thread and the threads of `flushbench kernel` share: the control words, the data. */
import type { IpiCounts } from './interrupts.js';

export const KERNEL_WORKLOADS = Object.freeze(['touch', 'idle', 'busy'] as const);
export type KernelWorkload = (typeof KERNEL_WORKLOADS)[number];

/** Control words (Int32Array indices): remote threads ready, stop the remotes, abort the run. */
export const CTL_READY = 0;
export const CTL_STOP = 1;
export const CTL_ABORT = 2;
export const CTL_WORDS = 4;

/** How long the initiator waits for every remote thread to pin itself and start. */
export const READY_DEADLINE_MS = 10_000;

export interface KernelWorkerData {
  role: 'initiator' | 'remote';
  cpu: number;
  addr: bigint;
  pages: number;
  workload: KernelWorkload;
  ctl: SharedArrayBuffer;
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
