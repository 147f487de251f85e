/**
 * A fault injected into one CPU's IPI handler (--fault <cpu>:<kind>:<n>), to see how a failure
 * is reported: at its n-th csd the CPU throws, exits its worker, or hangs with interrupts off.
 */

import { cpuCrashed, cpuStuck, runAborted } from '../shared/errors.js';
import { kAbort, kCpuIrqsEnabled, kExitedCpu } from '../shared/layout.js';
import type { FaultOptions } from '../shared/options.js';
import { type CpuContext, PARK_SLICE_MS } from './cpu-context.js';
import { W_HUNG } from './wait-point.js';

/** A hung CPU, as every part that waits sees it: from the hang on, each wait is hangWait(). */
export interface Hang {
  readonly hung: boolean;
  hangWait(): false;
}

export class InjectedFault implements Hang {
  /** Hung by the fault: every wait is hangWait() until the run is aborted. */
  hung = false;
  private fault: FaultOptions | null = null;
  private csdsSeen = 0;
  private hangLimit = 0;
  private readonly ctx: CpuContext;

  constructor(ctx: CpuContext) {
    this.ctx = ctx;
  }

  setupCase(): void {
    const o = this.ctx.opts;
    this.fault = o.fault && o.fault.cpu === this.ctx.id ? o.fault : null;
    this.csdsSeen = 0;
    this.hung = false;
  }

  /** A csd reached the handler; the n-th fires the fault, if one is due. True: it now hangs. */
  csdHandled(): boolean {
    const f = this.fault;
    if (f === null || ++this.csdsSeen < f.afterCsds) return false;
    this.inject();
    return this.hung;
  }

  /**
   * The hung CPU's wait (an injected fault): interrupts off, the csd never unlocked; only the
   * abort, or our own limit, ends it. Returns false, as a wait that is not over.
   */
  hangWait(): false {
    const { i32, id, wait, wakeSeqIdx } = this.ctx;
    // Pairs with the machine's (or a failing CPU's) store of kAbort.
    if (Atomics.load(i32, kAbort) !== 0) throw runAborted(id);
    if (this.ctx.host.now() > this.hangLimit) {
      throw cpuStuck(`CPU ${id} hung with interrupts off (injected fault)`, id);
    }
    // Only the abort frees it; it is looked at again when nothing else can run.
    wait.until(W_HUNG, -1, kAbort, 0, -1, 0);
    // Sleep on our wake sequence, read now: any wake (the stop included) cuts the slice short.
    wait.sleep(wakeSeqIdx, Atomics.load(i32, wakeSeqIdx), PARK_SLICE_MS, false);
    return false;
  }

  private inject(): void {
    const f = this.fault!;
    const { i32, id } = this.ctx;
    this.fault = null;
    // Coded, so that the report names the fault without the worker's stack (report.ts).
    if (f.kind === 'throw')
      throw cpuCrashed(`injected fault: CPU ${id} threw in its IPI handler`, id);
    if (f.kind === 'exit') {
      // Name ourselves first: a cooperative worker hosts many CPUs. Read by the machine.
      Atomics.store(i32, kExitedCpu, id + 1);
      process.exit(70);
    }
    // hang: interrupts off, never unlock; from now on every wait of this CPU is hangWait().
    // Published for whoever inspects this CPU (pairs with no wait: nothing waits on it).
    Atomics.store(i32, this.ctx.priv + kCpuIrqsEnabled, 0);
    this.hung = true;
    this.hangLimit = this.ctx.host.now() + 4 * this.ctx.cfg.csdLockTimeoutMs;
  }
}
