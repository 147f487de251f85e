/**
 * The user threads of the mm on this CPU: bursts of accesses to the working set, interrupts
 * taken between them (unless disabled), NMIs regardless; or idling — spinning or parked on the
 * doorbell, walking speculatively now and then — until every initiator is done.
 */

import { kCpuIrqsEnabled, kStop } from '../shared/layout.js';
import { WHERE_USER } from './cpu-state.js';
import { NMI_USER_PERIOD } from './deferred-flush.js';
import { CpuSmp, PARK_SLICE_MS } from './smp.js';
import { W_IDLE, W_IRQ_RETURN, W_USER, type Waits } from './wait-point.js';

/** A user CPU in park mode sleeps this long between bursts when no IPI comes. */
export const USER_IDLE_SLICE_MS = 1;

/**
 * Idle CPUs (workloads idle, idle-loaded) walk speculatively through their paging-structure
 * cache once every this many looks at the doorbell (spin) or on every wake-up (park), as a CPU
 * in lazy TLB mode still holding the mm's page tables may.
 */
const IDLE_SPECULATION_POLLS = 1024;

/** irqs-off workload: of every IRQS_OFF_EVERY user accesses, the first IRQS_OFF_FOR run with
 * interrupts disabled (the doorbell is not looked at). */
const IRQS_OFF_EVERY = 64;
const IRQS_OFF_FOR = 8;

export abstract class CpuUserWork extends CpuSmp {
  /**
   * Until every initiator is done: user work (if the workload has it), taking IPIs. Spinning
   * threads loop here without a pause; parked threads and cooperative CPUs wait after each burst
   * for an IPI, the stop, or (threads) the next burst's time.
   */
  protected *respond(): Waits {
    const i32 = this.i32;
    let polls = 0;
    for (;;) {
      // Pairs with the last initiator's store of kStop.
      if (Atomics.load(i32, kStop) !== 0) return;
      if (this.hung) {
        this.hangWait();
        yield;
        continue;
      }
      if (Atomics.load(i32, this.doorbellIdx) !== this.seenDoorbell) {
        this.handleIpi();
        if (this.hung) continue;
        // Returning from the interrupt to user code, with an acknowledged flush not done.
        if (this.userWork && this.deferredPending) this.exposeDeferred(WHERE_USER);
        // Another CPU may run between the handler and the code it interrupted.
        this.wait.runnable(W_IRQ_RETURN);
        yield;
        if (Atomics.load(i32, kStop) !== 0) return;
      }
      if (this.userWork) {
        this.userBurst(this.opts.userBurst);
        if (this.hung) continue;
        if (this.spin) {
          if (++polls >= 64) {
            polls = 0;
            this.checkAbort();
          }
          continue;
        }
      } else if (this.spin) {
        // An idle CPU in spin mode polls its doorbell, and now and then walks speculatively.
        if (++polls >= this.pollBudget) {
          polls = 0;
          this.checkAbort();
        }
        if (++this.idlePolls >= IDLE_SPECULATION_POLLS) {
          this.idlePolls = 0;
          this.speculativeWalk(this.idleSpeculation);
        }
        continue;
      }
      // Park mode, and the cooperative engine: wait for an IPI, the stop, or (threads, with user
      // work) the next burst's time.
      if (this.deferredPending) this.runDeferredFlush();
      const seq = Atomics.load(i32, this.wakeSeqIdx);
      if (
        Atomics.load(i32, this.doorbellIdx) !== this.seenDoorbell ||
        Atomics.load(i32, kStop) !== 0
      )
        continue;
      this.wait.until(
        this.userWork ? W_USER : W_IDLE,
        -1,
        this.doorbellIdx,
        this.seenDoorbell,
        kStop,
        0,
      );
      this.wait.sleep(
        this.wakeSeqIdx,
        seq,
        this.userWork ? USER_IDLE_SLICE_MS : PARK_SLICE_MS,
        true,
      );
      yield;
      this.checkAbort();
      if (!this.userWork) this.speculativeWalk(this.idleSpeculation);
    }
  }

  protected userBurst(count: number): void {
    const i32 = this.i32;
    for (let k = 0; k < count; k++) {
      if (this.irqsOffWorkload) {
        const off = this.accessCount % IRQS_OFF_EVERY < IRQS_OFF_FOR;
        if (off === this.irqsEnabled) {
          this.irqsEnabled = !off;
          // local_irq_disable/enable: published for whoever inspects this CPU.
          Atomics.store(i32, this.priv + kCpuIrqsEnabled, off ? 0 : 1);
        }
      }
      // Interrupts are taken between instructions, never inside an access.
      if (this.irqsEnabled && Atomics.load(i32, this.doorbellIdx) !== this.seenDoorbell) {
        this.handleIpi();
        if (this.hung) return;
      }
      // In user code with an acknowledged flush not done (async-unsafe).
      if (this.deferredPending) this.exposeDeferred(WHERE_USER);
      // NMIs come whether interrupts are enabled or not.
      if (this.nmiWorkload && this.accessCount % NMI_USER_PERIOD === this.nmiUserPhase) this.nmi();
      const r = this.nextRandom();
      this.access(this.pickVpn(r), (r & 2) !== 0, WHERE_USER);
      this.accessCount++;
      if (this.deferredPending && --this.deferredCountdown <= 0) this.runDeferredFlush();
    }
    if (!this.irqsEnabled) {
      this.irqsEnabled = true;
      Atomics.store(i32, this.priv + kCpuIrqsEnabled, 1);
    }
  }
}
