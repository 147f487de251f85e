/**
 * One thread of `flushbench kernel`, pinned to its CPU. The initiator loops madvise(MADV_DONTNEED)
 * over the region and touches it again, timing each part with the monotonic clock, and reads
 * /proc/interrupts around the timed loop. A remote thread runs its workload until told to stop:
 * `touch` reads the region with real loads (Atomics.load, which V8 cannot hoist out of the loop),
 * `idle` blocks in Atomics.wait (so the kernel may leave it in lazy TLB mode), `busy` spins on
 * other memory of the same mm. Every wait is bounded.
 */
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { readInterrupts } from './interrupts.js';
import {
  CTL_ABORT,
  CTL_FAULTS,
  CTL_PHASE,
  CTL_READY,
  CTL_STOP,
  type InitiatorResult,
  type KernelWorkerData,
  PHASE_DONE,
  PHASE_TIMED,
  READY_DEADLINE_MS,
} from './kernel-protocol.js';
import { libc, PAGE_SIZE } from './libc.js';

const data = workerData as KernelWorkerData;
const ctl = new Int32Array(data.ctl);
const c = libc();
c.pin(data.cpu);
const cpuNow = c.currentCpu();
if (cpuNow !== data.cpu) throw new Error(`pinned to CPU ${data.cpu} but runs on CPU ${cpuNow}`);
const bytes = data.pages * PAGE_SIZE;
const words = new Int32Array(c.view(data.addr, bytes));
const WORDS_PER_PAGE = PAGE_SIZE / 4;

/** This thread's minor page faults so far (/proc/thread-self/stat, field 10). */
function minorFaults(): number {
  const stat = readFileSync('/proc/thread-self/stat', 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[7]);
}

if (data.role === 'remote') {
  Atomics.add(ctl, CTL_READY, 1);
  Atomics.notify(ctl, CTL_READY);
  let sink = 0;
  // A read that faults between the initiator's madvise and its write maps the zero page, and the
  // write then copies it, which is one more flush: the faults during the timed loop count them.
  let faultsAtStart = -1;
  const countFaults = () => {
    const phase = Atomics.load(ctl, CTL_PHASE);
    if (phase === PHASE_TIMED && faultsAtStart < 0) faultsAtStart = minorFaults();
    if (
      phase === PHASE_DONE &&
      faultsAtStart >= 0 &&
      Atomics.load(ctl, CTL_FAULTS + data.remoteIndex) < 0
    ) {
      Atomics.store(ctl, CTL_FAULTS + data.remoteIndex, minorFaults() - faultsAtStart);
    }
  };
  while (Atomics.load(ctl, CTL_STOP) === 0) {
    countFaults();
    if (data.workload === 'touch') {
      for (let p = 0; p < data.pages; p++) sink += Atomics.load(words, p * WORDS_PER_PAGE);
    } else if (data.workload === 'idle') {
      Atomics.wait(ctl, CTL_STOP, 0, 50);
    } else {
      for (let i = 0; i < 256; i++) sink += Atomics.load(ctl, CTL_READY);
    }
  }
  countFaults();
  parentPort?.postMessage({ sink });
} else {
  // Every remote thread pinned and running before the first flush.
  const deadline = Date.now() + READY_DEADLINE_MS;
  for (;;) {
    const ready = Atomics.load(ctl, CTL_READY);
    if (ready >= data.remotes) break;
    const left = deadline - Date.now();
    if (left <= 0 || Atomics.load(ctl, CTL_ABORT) !== 0) {
      parentPort?.postMessage({ notReady: data.remotes - ready });
      process.exit(0);
    }
    Atomics.wait(ctl, CTL_READY, ready, Math.min(left, 100));
  }
  const iteration = (j: number): void => {
    c.dontNeed(data.addr, bytes);
    for (let p = 0; p < data.pages; p++) Atomics.store(words, p * WORDS_PER_PAGE, j);
  };
  for (let j = 0; j < data.warmup && Atomics.load(ctl, CTL_ABORT) === 0; j++) iteration(j);
  const madviseNs = new Float64Array(data.iterations);
  const touchNs = new Float64Array(data.iterations);
  const before = readInterrupts();
  Atomics.store(ctl, CTL_PHASE, PHASE_TIMED);
  let done = 0;
  for (; done < data.iterations && Atomics.load(ctl, CTL_ABORT) === 0; done++) {
    const t0 = process.hrtime.bigint();
    c.dontNeed(data.addr, bytes);
    const t1 = process.hrtime.bigint();
    for (let p = 0; p < data.pages; p++) Atomics.store(words, p * WORDS_PER_PAGE, done);
    const t2 = process.hrtime.bigint();
    madviseNs[done] = Number(t1 - t0);
    touchNs[done] = Number(t2 - t1);
  }
  Atomics.store(ctl, CTL_PHASE, PHASE_DONE);
  const after = readInterrupts();
  const result: InitiatorResult = {
    done,
    madviseNs: madviseNs.subarray(0, done),
    touchNs: touchNs.subarray(0, done),
    before,
    after,
  };
  parentPort?.postMessage(result);
}
