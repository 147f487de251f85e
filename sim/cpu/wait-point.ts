/**
 * Where a simulated CPU waits. The CPU code is written once, as generators: a wait is a `yield`
 * after the CPU has filled its WaitPoint with what would let it go on (a word that must change)
 * and how a thread would sleep meanwhile. Each engine does its own thing at the yield:
 *
 *   threads       one worker per CPU: sleep on `sleepIdx` for up to `sliceMs` (parking), or come
 *                 straight back and poll again (spinning); the OS interleaves the CPUs.
 *   cooperative   many CPUs on one worker: switch to another simulated CPU and come back once
 *                 `a` (or `b`) no longer holds the value it had; a seeded schedule picks who runs.
 *
 * A wait point is named (`why`, `peer`), so that a cooperative schedule can be told step by step.
 */

/** The CPU has not run yet in this case. */
export const W_START = 0;
/** At the start or end barrier of the case. */
export const W_BARRIER = 1;
/** csd_lock(): the target has not unlocked our previous use of this csd. */
export const W_CSD_LOCK = 2;
/** flush_tlb_mm_range(): waiting for the target's acknowledgement (its csd unlock). */
export const W_ACK = 3;
/** TLBSYNC: a CPU still has an access in flight that may have used an invalidated entry. */
export const W_TLBSYNC = 4;
/** Back from the interrupt that handled its csds, about to run what it interrupted. */
export const W_IRQ_RETURN = 5;
/** Ran a burst of user accesses; waits for an IPI or the end of the run. */
export const W_USER = 6;
/** Idle; waits for an IPI or the end of the run. */
export const W_IDLE = 7;
/** Hung with interrupts off (an injected fault); only the end of the run frees it. */
export const W_HUNG = 8;
/** Finished the case. */
export const W_DONE = 9;
/** An initiator that zapped the PTEs and bumped tlb_gen, about to flush. */
export const W_ZAPPED = 10;
/** An initiator whose flush call returned, about to write back the pages and refault them. */
export const W_RETURNED = 11;

const NAMES = [
  'has not started',
  'waits at a barrier',
  'waits for CPU %p to unlock its csd (csd_lock)',
  "waits for CPU %p's acknowledgement",
  "waits for CPU %p's access in flight (TLBSYNC)",
  'returns from its interrupt',
  'has run user code and waits for an IPI',
  'idles, waiting for an IPI',
  'hangs with interrupts off',
  'is done',
  'has zapped the PTEs and is about to flush',
  'has seen its flush return and is about to write back and refault',
];

/** What a CPU at wait point `why` (with `peer`) is doing, in words. */
export function describeWait(why: number, peer: number): string {
  return (NAMES[why] ?? `waits (${why})`).replace('%p', String(peer));
}

export class WaitPoint {
  why = W_START;
  peer = -1;
  /**
   * Runnable again once i32[a] !== va, or (b ≥ 0) i32[b] !== vb, or (c ≥ 0) i32[c] !== vc. a < 0:
   * runnable at once (a point where another CPU may run first, nothing to wait for).
   */
  a = -1;
  va = 0;
  b = -1;
  vb = 0;
  c = -1;
  vc = 0;
  /**
   * No CPU wakes this one when the word changes (an access ending, a barrier filling): the
   * cooperative engine looks at it again after every step instead.
   */
  polled = false;
  /** Runnable once i32[a] >= va instead (a barrier filling up); b is unused. */
  atLeast = false;
  /** Threads engine: Atomics.wait(i32, sleepIdx, sleepValue, sliceMs); sliceMs 0: poll at once. */
  sleepIdx = 0;
  sleepValue = 0;
  sliceMs = 0;
  /** Announce the sleep on the CPU's kCpuParked word, so wakers notify (Dekker with wake()). */
  announce = false;

  /** A point where another CPU may run first; nothing to wait for. */
  runnable(why: number): void {
    this.why = why;
    this.peer = -1;
    this.a = -1;
    this.b = -1;
    this.c = -1;
    this.polled = false;
    this.atLeast = false;
    this.sliceMs = 0;
  }

  /** Wait until i32[a] !== va or i32[b] !== vb (b < 0: only a). */
  until(why: number, peer: number, a: number, va: number, b: number, vb: number): void {
    this.why = why;
    this.peer = peer;
    this.a = a;
    this.va = va;
    this.b = b;
    this.vb = vb;
    this.c = -1;
    this.polled = false;
    this.atLeast = false;
    this.sliceMs = 0;
  }

  /** Also runnable once i32[c] !== vc (after until()). */
  orUntil(c: number, vc: number): void {
    this.c = c;
    this.vc = vc;
  }

  /** Wait until i32[a] >= min; no CPU announces it, so it is polled. */
  untilAtLeast(why: number, a: number, min: number): void {
    this.until(why, -1, a, min, -1, 0);
    this.atLeast = true;
    this.polled = true;
  }

  /** How a thread sleeps meanwhile (the threads engine in park mode). */
  sleep(idx: number, value: number, sliceMs: number, announce: boolean): void {
    this.sleepIdx = idx;
    this.sleepValue = value;
    this.sliceMs = sliceMs;
    this.announce = announce;
  }

  /** True when the CPU may go on: its word changed (or it waits for nothing). */
  satisfied(i32: Int32Array): boolean {
    // Pairs with whatever store the awaited word gets (csd unlock, doorbell, stop, barrier).
    if (this.a < 0) return true;
    const v = Atomics.load(i32, this.a);
    if (this.atLeast) return v >= this.va;
    if (v !== this.va) return true;
    if (this.b >= 0 && Atomics.load(i32, this.b) !== this.vb) return true;
    return this.c >= 0 && Atomics.load(i32, this.c) !== this.vc;
  }
}

/** The generators the CPU code is written as: each `yield` is a wait point. */
export type Waits<T = void> = Generator<undefined, T, undefined>;

/** What drives a CPU's generators: a thread of its own, or a cooperative scheduler. */
export interface CpuHost {
  /** The cooperative engine: switch at wait points rather than spin or sleep. */
  readonly cooperative: boolean;
  /** `cpu` may be able to go on: a word it waits for changed. */
  woken(cpu: number): void;
  /**
   * The clock waits are bounded by, ms. Threads: the wall-clock. Cooperative: the time this worker
   * spent with no CPU able to run — while others run, a waiting CPU is not stuck, however long a
   * 960-CPU round takes; when none can, the wait's deadline comes as on threads.
   */
  now(): number;
  /**
   * Runs a generator to its end where no yield can be made, inside tinybench's timed call (the
   * threads engine only: a cooperative CPU cannot finish a flush without the others running).
   */
  runBlocking<T>(g: Waits<T>): T;
}
