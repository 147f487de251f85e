/**
 * The cooperative engine: one worker thread runs a slice of the simulated CPUs, switching between
 * them at their wait points (each `yield` of a CPU's generator, see wait-point.ts). A step runs one
 * CPU from one wait point to the next. Which CPU runs next is decided by PCT, probabilistic
 * concurrency testing (Burckhardt, Kothari, Musuvathi and Nagarakatte, ASPLOS'10):
 *
 *   - every CPU gets a distinct priority, d … d+n−1, in a seeded random order;
 *   - d−1 change points are drawn uniformly among the k steps the case is expected to take; when
 *     the step at change point i ends, the CPU that ran it drops to priority d−i, below every
 *     initial one;
 *   - each step runs the runnable CPU of highest priority.
 *
 * A bug that needs d particular orderings between steps (its depth) is found by one schedule with
 * probability at least 1/(n·k^(d−1)); K schedules miss it with probability at most
 * (1 − 1/(n·k^(d−1)))^K. With one worker the whole run is a function of the seed: the same seed
 * gives the same interleaving, counters and oracle findings, bit for bit.
 *
 * A CPU waiting for a word is not runnable until the word changes: the CPUs that change such words
 * (a csd unlock, an IPI, the stop) say so through woken(); words nobody announces (a barrier
 * filling, an access ending) are looked at after every step. A CPU of another worker is woken
 * through its bit in the layout's wake bits, and that worker's wake word, bumped twice per step
 * whatever the number of its CPUs the step woke (an initiator's step queues a flush on each): at
 * the first, so that worker starts at once, and when the step ends.
 */
import { mulberry32 } from '../../common/mulberry32.js';
import { runAborted } from '../shared/errors.js';
import {
  kAbort,
  kViolationSeq,
  type Layout,
  MAX_WAKE_WORKERS,
  workerWakeWord,
} from '../shared/layout.js';
import { abortRun } from '../shared/machine-state.js';
import type { CaseConfig, CpuResult, ErrorMessage, ScheduleInfo } from '../shared/messages.js';
import { initiatorsOf } from '../shared/workloads.js';
import type { Cpu, MachineParts } from './cpu.js';
import { PriorityHeap } from './priority-heap.js';
import { errorReport } from './report.js';
import { type CpuHost, describeWait, W_DONE, W_START, type Waits } from './wait-point.js';
import { WorkerWakes } from './worker-wakes.js';

/** PCT's depth d: schedules aim at bugs needing up to this many orderings (d−1 change points). */
export const PCT_DEPTH = 3;
/** Steps of the interleaving kept for the report of the first violation. */
export const STEPS_KEPT = 48;
/** A worker none of whose CPUs can run sleeps at most this long before it looks again, ms. */
const IDLE_SLICE_MS = 1;
/** Looks at the wake word (≈ 10 ns each) before a worker with nothing to run sleeps. */
const IDLE_SPINS = 20_000;

const BLOCKED = 0;
const RUNNABLE = 1;
const DONE = 2;

/** The first CPU of worker `w` when `cpus` CPUs are split over `workers` workers. */
export function sliceStart(cpus: number, workers: number, w: number): number {
  return Math.floor((w * cpus) / workers);
}

export class Scheduler implements CpuHost {
  readonly cooperative = true;
  private readonly i32: Int32Array;
  private readonly layout: Layout;
  /** The slice: CPUs first … first + count − 1. */
  readonly first: number;
  readonly count: number;
  private readonly worker: number;
  private readonly workers: number;
  private cpus: Cpu[] = [];
  private readonly prio: Int32Array;
  private readonly heap: PriorityHeap;
  private readonly state: Uint8Array;
  private readonly woke: Int32Array;
  private wokeCount = 0;
  private readonly wakes: WorkerWakes;
  private readonly polled: number[] = [];
  /**
   * Blocked CPUs that also wait for a word of the machine's header nobody announces (the mm's
   * tlb_gen: user code runs again once a flush has begun), by word, with the value last seen.
   */
  private readonly watched = new Map<number, { value: number; cpus: number[] }>();
  private readonly watching: Uint8Array;
  private readonly started: Uint8Array;
  /** Per CPU, its csds handled and accesses checked when its last step ended (the step log). */
  private readonly csdsSeen: Float64Array;
  private readonly accessesSeen: Float64Array;
  /**
   * The CPU that just ran and may run on, held out of the heap: it runs again at once when it
   * still has the highest priority, which is what a push and a pop would decide, for less.
   */
  private again = -1;
  /** The ring of the last steps: step, cpu, from, from peer, to, to peer, csds, accesses. */
  private readonly ring = new Float64Array(STEPS_KEPT * 8);
  private readonly idleCell = new Int32Array(new SharedArrayBuffer(4));
  /** Time spent with no CPU of this worker able to run, ms: the clock of every wait's deadline. */
  private stalledMs = 0;

  constructor(parts: MachineParts, first: number, count: number, worker: number, workers: number) {
    if (workers > MAX_WAKE_WORKERS) throw new RangeError(`at most ${MAX_WAKE_WORKERS} workers`);
    this.i32 = parts.i32;
    this.layout = parts.layout;
    this.first = first;
    this.count = count;
    this.worker = worker;
    this.workers = workers;
    this.prio = new Int32Array(count);
    this.heap = new PriorityHeap(this.prio);
    this.state = new Uint8Array(count);
    this.woke = new Int32Array(count);
    this.wakes = new WorkerWakes(this.i32, this.layout, first, count, workers);
    this.watching = new Uint8Array(count);
    this.started = new Uint8Array(count);
    this.csdsSeen = new Float64Array(count);
    this.accessesSeen = new Float64Array(count);
  }

  /** The CPUs this worker runs, in order (made with this scheduler as their host). */
  adopt(cpus: Cpu[]): void {
    this.cpus = cpus;
  }

  woken(cpu: number): void {
    const i = cpu - this.first;
    if (i >= 0 && i < this.count) {
      if (this.state[i] === BLOCKED) this.woke[this.wokeCount++] = i;
      return;
    }
    this.wakes.wake(cpu);
  }

  /** A CPU of this slice another worker woke: it looks at its wait again. */
  private readonly lookAgain = (i: number): void => {
    if (this.state[i] === BLOCKED && this.cpus[i].wait.satisfied(this.i32)) {
      this.state[i] = RUNNABLE;
      this.heap.push(i);
    }
  };

  now(): number {
    return this.stalledMs;
  }

  runBlocking<T>(_g: Waits<T>): T {
    throw new Error('a cooperative CPU cannot run a flush to its end on its own');
  }

  /** Runs one case on the slice; a report per CPU, the schedule on the first one's result. */
  run(cfg: CaseConfig): (CpuResult | ErrorMessage)[] {
    const i32 = this.i32;
    const n = this.count;
    const o = cfg.options;
    const seed = (o.scheduleSeed ?? 1) >>> 0;
    const rand = mulberry32(seed ^ Math.imul(this.worker, 0x9e3779b9));
    // Distinct initial priorities PCT_DEPTH … PCT_DEPTH + n − 1 in a seeded order.
    for (let i = 0; i < n; i++) this.prio[i] = PCT_DEPTH + i;
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      const t = this.prio[i];
      this.prio[i] = this.prio[j];
      this.prio[j] = t;
    }
    // k: about two steps per CPU per flush (a target's interrupt, then its user code).
    const initiators = initiatorsOf(o.workload, this.layout.cpus);
    const flushes = (o.warmupFlushes + o.flushes + (o.trace ? 1 : 0)) * initiators;
    const k = Math.max(1, 2 * flushes * this.layout.cpus);
    const changeAt = Array.from({ length: PCT_DEPTH - 1 }, () => 1 + Math.floor(rand() * k)).sort(
      (a, b) => a - b,
    );
    let nextChange = 0;

    const gens: Waits<CpuResult>[] = this.cpus.map((c) => c.runCase(cfg));
    const reports: (CpuResult | ErrorMessage | null)[] = new Array(n).fill(null);
    this.heap.clear();
    this.polled.length = 0;
    this.watched.clear();
    this.watching.fill(0);
    this.started.fill(0);
    this.csdsSeen.fill(0);
    this.accessesSeen.fill(0);
    this.again = -1;
    this.wokeCount = 0;
    for (let i = 0; i < n; i++) {
      this.state[i] = RUNNABLE;
      this.heap.push(i);
    }
    let remaining = n;
    let steps = 0;
    this.stalledMs = 0;
    let firstViolationSteps: string[] | null = null;
    let wakeSeen = Atomics.load(i32, workerWakeWord(this.worker));

    const fail = (i: number, err: unknown) => {
      reports[i] = errorReport(this.first + i, err);
      this.state[i] = DONE;
      remaining--;
      abortRun(i32, this.layout);
    };
    const finish = (i: number, result: CpuResult) => {
      reports[i] = result;
      this.state[i] = DONE;
      remaining--;
    };

    while (remaining > 0) {
      // Pairs with abortRun's store, here or on another worker: every CPU not done stops.
      if (Atomics.load(i32, kAbort) !== 0) {
        for (let i = 0; i < n; i++) {
          if (this.state[i] !== DONE)
            reports[i] = errorReport(this.first + i, runAborted(this.first + i));
        }
        break;
      }
      if (this.workers > 1) {
        // Another worker gave one of ours work: look at every blocked CPU again.
        const wake = Atomics.load(i32, workerWakeWord(this.worker));
        if (wake !== wakeSeen) {
          wakeSeen = wake;
          this.wakes.take(this.lookAgain);
        }
      }
      const i = this.next();
      if (i < 0) {
        this.idle(gens, fail, finish, wakeSeen);
        continue;
      }
      const cpu = this.cpus[i];
      // Until its first step a CPU still shows the last case's wait and counts.
      const fresh = this.started[i] === 0;
      this.started[i] = 1;
      const from = fresh ? W_START : cpu.wait.why;
      const fromPeer = fresh ? -1 : cpu.wait.peer;
      let r: IteratorResult<undefined, CpuResult>;
      try {
        r = gens[i].next();
      } catch (err) {
        fail(i, err);
        continue;
      }
      steps++;
      this.log(steps, i, from, fromPeer, r.done ? W_DONE : cpu.wait.why, cpu.wait.peer);
      if (r.done) {
        finish(i, r.value);
      } else {
        if (nextChange < changeAt.length && steps >= changeAt[nextChange]) {
          nextChange++;
          this.prio[i] = PCT_DEPTH - nextChange;
        }
        this.place(i, true);
      }
      if (this.wokeCount > 0) this.drainWoken();
      if (this.wakes.pending > 0) this.wakes.endStep();
      if (this.polled.length > 0) this.recheckPolled();
      if (this.watched.size > 0) this.recheckWatched();
      // Pairs with the oracle's Atomics.add when it records a violation.
      if (firstViolationSteps === null && Atomics.load(i32, kViolationSeq) !== 0) {
        firstViolationSteps = this.stepsKept(steps);
      }
    }
    const schedule: ScheduleInfo = {
      seed,
      policy: 'pct',
      depth: PCT_DEPTH,
      steps,
      firstViolationSteps,
    };
    const head = reports[0];
    if (head !== null && head.type === 'result') head.schedule = schedule;
    return reports.map((r, i) => r ?? errorReport(this.first + i, runAborted(this.first + i)));
  }

  /**
   * The runnable CPU of highest priority, taken: the one that just ran when it still outranks the
   * heap's top, else the top. -1 when none can run.
   */
  private next(): number {
    const again = this.again;
    if (again < 0) return this.heap.pop();
    this.again = -1;
    const top = this.heap.peek();
    if (top < 0 || this.prio[again] > this.prio[top]) return again;
    this.heap.push(again);
    return this.heap.pop();
  }

  /**
   * After a step (`ran`: of its own, not the stall's look): runnable again at once, or blocked
   * until its word changes.
   */
  private place(i: number, ran = false): void {
    const w = this.cpus[i].wait;
    if (w.satisfied(this.i32)) {
      this.state[i] = RUNNABLE;
      if (ran) this.again = i;
      else this.heap.push(i);
      return;
    }
    this.state[i] = BLOCKED;
    if (w.polled) this.polled.push(i);
    if (w.c >= 0 && this.watching[i] === 0) {
      let g = this.watched.get(w.c);
      if (g === undefined) {
        // Pairs with the store that changes the word (inc_mm_tlb_gen's Atomics.add).
        g = { value: Atomics.load(this.i32, w.c), cpus: [] };
        this.watched.set(w.c, g);
      }
      g.cpus.push(i);
      this.watching[i] = 1;
    }
  }

  /** A watched word moved: its blocked CPUs look again (once per change, not once per step). */
  private recheckWatched(): void {
    for (const [idx, g] of this.watched) {
      // Pairs with the store that changes the word.
      const v = Atomics.load(this.i32, idx);
      if (v === g.value) continue;
      g.value = v;
      let kept = 0;
      for (const i of g.cpus) {
        const w = this.cpus[i].wait;
        if (this.state[i] === BLOCKED && w.c === idx && !w.satisfied(this.i32)) {
          g.cpus[kept++] = i;
          continue;
        }
        this.watching[i] = 0;
        if (this.state[i] === BLOCKED && w.satisfied(this.i32)) {
          this.state[i] = RUNNABLE;
          this.heap.push(i);
        }
      }
      g.cpus.length = kept;
    }
  }

  private drainWoken(): void {
    for (let k = 0; k < this.wokeCount; k++) {
      const i = this.woke[k];
      if (this.state[i] === BLOCKED && this.cpus[i].wait.satisfied(this.i32)) {
        this.state[i] = RUNNABLE;
        this.heap.push(i);
      }
    }
    this.wokeCount = 0;
  }

  private recheckPolled(): void {
    const polled = this.polled;
    for (let k = polled.length - 1; k >= 0; k--) {
      const i = polled[k];
      if (this.state[i] !== BLOCKED) {
        polled.splice(k, 1);
      } else if (this.cpus[i].wait.satisfied(this.i32)) {
        polled.splice(k, 1);
        this.state[i] = RUNNABLE;
        this.heap.push(i);
      }
    }
  }

  /**
   * No CPU of ours can run. With several workers another one may yet give ours work: look at our
   * wake word and the polled waits for a while. Then — and at once with one worker, where nothing
   * changes by itself: a CPU is hung, or the others wait for one that is — every blocked CPU is
   * let look again, which is where its deadline throws (a csd never unlocked names the CPU, as on
   * the threads engine), and the worker sleeps a slice.
   */
  private idle(
    gens: Waits<CpuResult>[],
    fail: (i: number, err: unknown) => void,
    finish: (i: number, result: CpuResult) => void,
    wakeSeen: number,
  ): void {
    const wakeIdx = workerWakeWord(this.worker);
    const idleFrom = performance.now();
    try {
      this.idleOnce(gens, fail, finish, wakeSeen, wakeIdx);
    } finally {
      this.stalledMs += performance.now() - idleFrom;
    }
  }

  private idleOnce(
    gens: Waits<CpuResult>[],
    fail: (i: number, err: unknown) => void,
    finish: (i: number, result: CpuResult) => void,
    wakeSeen: number,
    wakeIdx: number,
  ): void {
    const i32 = this.i32;
    if (this.workers > 1) {
      for (let spins = 0; spins < IDLE_SPINS; spins++) {
        // Pairs with woken()'s add on another worker, and with abortRun's store.
        if (Atomics.load(i32, wakeIdx) !== wakeSeen || Atomics.load(i32, kAbort) !== 0) return;
        this.recheckPolled();
        if (this.heap.size > 0) return;
      }
    }
    for (let i = 0; i < this.count; i++) {
      if (this.state[i] !== BLOCKED) continue;
      // Another worker may have let it go on since we looked: then this is a step like any.
      if (this.cpus[i].wait.satisfied(i32)) {
        this.state[i] = RUNNABLE;
        this.heap.push(i);
        continue;
      }
      let r: IteratorResult<undefined, CpuResult>;
      try {
        r = gens[i].next();
      } catch (err) {
        fail(i, err);
        return;
      }
      if (r.done) finish(i, r.value);
      else this.place(i);
    }
    if (this.heap.size > 0) return;
    // Pairs with woken()'s add and notify from another worker; a slice at most.
    if (this.workers > 1) Atomics.wait(i32, wakeIdx, wakeSeen, IDLE_SLICE_MS);
    else Atomics.wait(this.idleCell, 0, 0, IDLE_SLICE_MS);
  }

  private log(
    step: number,
    i: number,
    from: number,
    fromPeer: number,
    to: number,
    toPeer: number,
  ): void {
    const cpu = this.cpus[i];
    const csds = cpu.csdsHandled;
    const accesses = cpu.accessesChecked;
    const at = (step % STEPS_KEPT) * 8;
    const ring = this.ring;
    ring[at] = step;
    ring[at + 1] = this.first + i;
    ring[at + 2] = from;
    ring[at + 3] = fromPeer;
    ring[at + 4] = to;
    ring[at + 5] = toPeer;
    // A CPU's first step starts from 0: until then it still shows the last case's counts.
    ring[at + 6] = csds - this.csdsSeen[i];
    ring[at + 7] = accesses - this.accessesSeen[i];
    this.csdsSeen[i] = csds;
    this.accessesSeen[i] = accesses;
  }

  /** The kept steps up to `last`, oldest first, in words. */
  private stepsKept(last: number): string[] {
    const out: string[] = [];
    for (let s = Math.max(1, last - STEPS_KEPT + 1); s <= last; s++) {
      const at = (s % STEPS_KEPT) * 8;
      const r = this.ring;
      const did: string[] = [];
      if (r[at + 6] > 0) did.push(`handled ${r[at + 6]} csd${r[at + 6] === 1 ? '' : 's'}`);
      if (r[at + 7] > 0) did.push(`made ${r[at + 7]} checked access${r[at + 7] === 1 ? '' : 'es'}`);
      out.push(
        `step ${s}: CPU ${r[at + 1]}, which ${describeWait(r[at + 2], r[at + 3])}, ran${
          did.length > 0 ? ` (${did.join(', ')})` : ''
        }; now it ${describeWait(r[at + 4], r[at + 5])}`,
      );
    }
    return out;
  }
}
