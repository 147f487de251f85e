/**
 * The user threads of the mm on this CPU: bursts of accesses to the working set, interrupts
 * taken between them (unless disabled), NMIs regardless; or idling — spinning or parked on the
 * doorbell, walking speculatively now and then — until every initiator is done.
 */

import { kCpuIrqsEnabled, kMmTlbGen, kStop } from '../shared/layout.js';
import { type CpuContext, PARK_SLICE_MS } from './cpu-context.js';
import type { DeferredFlush, PendingFlush } from './deferred-flush.js';
import type { Hang } from './injected-fault.js';
import type { Interrupts } from './ipi-handler.js';
import type { SpeculativeWalks, UserStream } from './memory.js';
import type { Nmi } from './nmi.js';
import { W_IDLE, W_IRQ_RETURN, W_USER, type WaitPoint, type Waits } from './wait-point.js';
import { WHERE_USER } from './where.js';

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

/** The deferred flush, as user code runs exposed to it and brings it about. */
export type UserDeferral = PendingFlush &
  Pick<DeferredFlush, 'countUserAccess' | 'runDeferredFlush'>;

export class UserWork {
  private irqsEnabled = true;
  private idlePolls = 0;
  private readonly ctx: CpuContext;
  private readonly i32: Int32Array;
  private readonly priv: number;
  private readonly doorbellIdx: number;
  private readonly wakeSeqIdx: number;
  private readonly wait: WaitPoint;
  private readonly memory: UserStream & SpeculativeWalks;
  private readonly deferred: UserDeferral;
  private readonly nmi: Pick<Nmi, 'atUserAccess'>;
  private readonly irqs: Interrupts;
  private readonly fault: Hang;
  /** Where its idle speculative walks happen, made once. */
  private readonly idleSpeculation: string;
  // Per case, from the context.
  private userWork = false;
  private spin = true;
  private pollBudget = 0;
  private burst = 0;
  private irqsOffWorkload = false;
  private nmiWorkload = false;

  constructor(
    ctx: CpuContext,
    memory: UserStream & SpeculativeWalks,
    deferred: UserDeferral,
    nmi: Pick<Nmi, 'atUserAccess'>,
    irqs: Interrupts,
    fault: Hang,
  ) {
    this.ctx = ctx;
    this.i32 = ctx.i32;
    this.priv = ctx.priv;
    this.doorbellIdx = ctx.doorbellIdx;
    this.wakeSeqIdx = ctx.wakeSeqIdx;
    this.wait = ctx.wait;
    this.memory = memory;
    this.deferred = deferred;
    this.nmi = nmi;
    this.irqs = irqs;
    this.fault = fault;
    this.idleSpeculation = `a speculative walk on idle CPU ${ctx.id}`;
  }

  setupCase(): void {
    const ctx = this.ctx;
    this.irqsEnabled = true;
    this.idlePolls = 0;
    this.userWork = ctx.userWork;
    this.spin = ctx.spin;
    this.pollBudget = ctx.pollBudget;
    this.burst = ctx.opts.userBurst;
    this.irqsOffWorkload = ctx.irqsOffWorkload;
    this.nmiWorkload = ctx.nmiWorkload;
  }

  /**
   * Until every initiator is done: user work (if the workload has it), taking IPIs. Spinning
   * threads loop here without a pause; parked threads and cooperative CPUs wait after each burst
   * for an IPI, the stop, or (threads) the next burst's time.
   */
  *respond(): Waits {
    const i32 = this.i32;
    const ctx = this.ctx;
    const irqs = this.irqs;
    const fault = this.fault;
    const deferred = this.deferred;
    let polls = 0;
    for (;;) {
      // Pairs with the last initiator's store of kStop.
      if (Atomics.load(i32, kStop) !== 0) return;
      if (fault.hung) {
        fault.hangWait();
        yield;
        continue;
      }
      if (irqs.ipiPending()) {
        irqs.handleIpi();
        if (fault.hung) continue;
        // Returning from the interrupt to user code, with an acknowledged flush not done.
        if (this.userWork && deferred.pending) deferred.exposeDeferred(WHERE_USER);
        // Another CPU may run between the handler and the code it interrupted.
        this.wait.runnable(W_IRQ_RETURN);
        yield;
        // Pairs with the last initiator's store of kStop.
        if (Atomics.load(i32, kStop) !== 0) return;
      }
      if (this.userWork) {
        this.userBurst(this.burst);
        if (fault.hung) continue;
        if (this.spin) {
          if (++polls >= 64) {
            polls = 0;
            ctx.checkAbort();
          }
          continue;
        }
      } else if (this.spin) {
        // An idle CPU in spin mode polls its doorbell, and now and then walks speculatively.
        if (++polls >= this.pollBudget) {
          polls = 0;
          ctx.checkAbort();
        }
        if (++this.idlePolls >= IDLE_SPECULATION_POLLS) {
          this.idlePolls = 0;
          this.memory.speculativeWalk(this.idleSpeculation);
        }
        continue;
      }
      // Park mode, and the cooperative engine: wait for an IPI, the stop, or (threads, with user
      // work) the next burst's time.
      if (deferred.pending) deferred.runDeferredFlush();
      // Read the wake sequence before the last looks, so a wake in between is not missed.
      const seq = Atomics.load(i32, this.wakeSeqIdx);
      // Pairs with the last initiator's store of kStop.
      if (irqs.ipiPending() || Atomics.load(i32, kStop) !== 0) continue;
      this.wait.until(
        this.userWork ? W_USER : W_IDLE,
        -1,
        this.doorbellIdx,
        irqs.seenDoorbell,
        kStop,
        0,
      );
      // With no IPI to wait for (broadcast invalidation), user code runs again once the next
      // flush has begun: a cooperative CPU must not sit out every flush (threads sleep a slice).
      // Pairs with inc_mm_tlb_gen's Atomics.add.
      if (this.userWork && ctx.broadcast)
        this.wait.orUntil(kMmTlbGen, Atomics.load(i32, kMmTlbGen));
      this.wait.sleep(
        this.wakeSeqIdx,
        seq,
        this.userWork ? USER_IDLE_SLICE_MS : PARK_SLICE_MS,
        true,
      );
      yield;
      ctx.checkAbort();
      if (!this.userWork) this.memory.speculativeWalk(this.idleSpeculation);
    }
  }

  userBurst(count: number): void {
    const i32 = this.i32;
    const memory = this.memory;
    const deferred = this.deferred;
    const irqs = this.irqs;
    // The case's flags and the interrupt flag as locals known to be booleans: a field read is a
    // full truthiness test on every access. Only this loop changes irqsEnabled; the field follows.
    const irqsOffWorkload = this.irqsOffWorkload === true;
    const nmiWorkload = this.nmiWorkload === true;
    let irqsEnabled = this.irqsEnabled === true;
    for (let k = 0; k < count; k++) {
      if (irqsOffWorkload) {
        const off = memory.accessCount % IRQS_OFF_EVERY < IRQS_OFF_FOR;
        if (off === irqsEnabled) {
          irqsEnabled = !off;
          this.irqsEnabled = irqsEnabled;
          // local_irq_disable/enable: published for whoever inspects this CPU.
          Atomics.store(i32, this.priv + kCpuIrqsEnabled, off ? 0 : 1);
        }
      }
      // Interrupts are taken between instructions, never inside an access.
      if (irqsEnabled && irqs.ipiPending()) {
        irqs.handleIpi();
        if (this.fault.hung) return;
      }
      // In user code with an acknowledged flush not done (async-unsafe). Nothing below runs a
      // handler, so the flush stays pending, or not, through the access.
      const pending = deferred.pending;
      if (pending) deferred.exposeDeferred(WHERE_USER);
      // NMIs come whether interrupts are enabled or not.
      if (nmiWorkload) this.nmi.atUserAccess(memory.accessCount);
      const done = memory.userAccess();
      if (pending) deferred.countUserAccess();
      // A page fault: the thread waits in it for the refault, so the burst ends here.
      if (!done) break;
    }
    if (!irqsEnabled) {
      this.irqsEnabled = true;
      // local_irq_enable at the end of the burst: published for whoever inspects this CPU.
      Atomics.store(i32, this.priv + kCpuIrqsEnabled, 1);
    }
  }
}
