/**
 * `flushbench kernel`: this host's real Linux TLB shootdown, measured from worker threads (real
 * OS threads of one mm) pinned to CPUs. The main thread maps the region, starts one initiator and
 * a remote thread per other CPU, and owns the clean-up: on success, error or abort every thread
 * has exited and the region is unmapped before the promise settles.
 */
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { createError, invalidRange } from '../common/errors.js';
import { type Summary, summarize } from '../common/stats.js';
import { type HostContext, readHostContext } from './context.js';
import { INTERRUPTS_FILE, readInterrupts, received } from './interrupts.js';
import {
  CTL_ABORT,
  CTL_FAULTS,
  CTL_STOP,
  ctlWords,
  type InitiatorResult,
  KERNEL_WORKLOADS,
  type KernelWorkerData,
  type KernelWorkload,
} from './kernel-protocol.js';
import { libc, PAGE_SIZE } from './libc.js';

export { KERNEL_WORKLOADS, type KernelWorkload } from './kernel-protocol.js';

export const KERNEL_LIMITS = Object.freeze({
  maxPages: 4096,
  minIterations: 100,
  maxIterations: 10_000_000,
});
/** How long the main thread waits for its threads to end once told to, before terminating them. */
const EXIT_DEADLINE_MS = 5_000;

export interface KernelOptions {
  cpus: number;
  pages: number;
  workload: KernelWorkload;
  iterations: number;
  signal?: AbortSignal;
  /** Called with the region once it is mapped (it is unmapped before the measurement settles). */
  onRegion?: (addr: bigint, bytes: number) => void;
}

export interface KernelCase {
  cpus: number;
  pages: number;
  workload: KernelWorkload;
  /** The CPUs used, the initiator's first. */
  cpusUsed: number[];
  iterations: number;
  madviseNs: Summary;
  /** The madvise calls' own times, ns, in the order measured. */
  madviseSamplesNs: Float64Array;
  touchNs: Summary;
  iterationNs: Summary;
  /**
   * The flushes of the timed loop: madvise's, one per iteration, and the copies of the zero page:
   * a reader whose load faulted between madvise and the initiator's write mapped the zero page,
   * and the write copies it and flushes again. Estimated by the readers' page faults (≈).
   */
  flushes: { madvise: number; zeroPageCopies: number };
  /**
   * Interrupts the other CPUs received during the timed loop: per iteration, and TLB shootdowns
   * per flush (madvise's and the zero-page copies').
   */
  ipis: {
    tlbShootdowns: number;
    functionCalls: number;
    tlbPerIteration: number;
    callsPerIteration: number;
    tlbPerFlush: number;
  };
}

/** What checkHost looks at; the real process and /proc unless a test says otherwise. */
export interface Platform {
  os: string;
  arch: string;
  interruptsFile: string;
}

const THIS_PLATFORM: Platform = {
  os: process.platform,
  arch: process.arch,
  interruptsFile: INTERRUPTS_FILE,
};

/**
 * Whether this host can be measured: Linux on x86-64 with a readable /proc/interrupts. Throws an
 * input error that says which and what still works; returns the host's context.
 */
export function checkHost(platform: Platform = THIS_PLATFORM): HostContext {
  const stillWorks = 'the simulator (flushbench sim, bench) runs anywhere';
  if (platform.os !== 'linux' || platform.arch !== 'x64') {
    throw createError('HOST_UNSUPPORTED', [
      `it needs Linux on x86-64 (this is ${platform.os} on ${platform.arch}); ${stillWorks}`,
    ]);
  }
  const file = platform.interruptsFile;
  try {
    readInterrupts(file);
  } catch (cause) {
    throw createError('HOST_UNSUPPORTED', [
      `it counts IPIs from ${file}, which ${existsSync(file) ? 'cannot be used' : 'does not exist'} here (${(cause as Error).message}); ${stillWorks}`,
    ]);
  }
  const context = readHostContext();
  if (context.onlineCpus.length === 0) {
    throw createError('HOST_UNSUPPORTED', [`it cannot read the online CPUs; ${stillWorks}`]);
  }
  return context;
}

/** Checks the options against the host, naming the option, the rule and the value. */
export function checkKernelOptions(o: KernelOptions, context: HostContext): void {
  const online = context.onlineCpus.length;
  if (!Number.isInteger(o.cpus) || o.cpus < 1 || o.cpus > online) {
    throw invalidRange(
      `--cpus must be whole numbers from 1 to this host's ${online} online CPUs (got ${o.cpus})`,
    );
  }
  if (!Number.isInteger(o.pages) || o.pages < 1 || o.pages > KERNEL_LIMITS.maxPages) {
    throw invalidRange(
      `--pages must be a whole number from 1 to ${KERNEL_LIMITS.maxPages} (got ${o.pages})`,
    );
  }
  if (!(KERNEL_WORKLOADS as readonly string[]).includes(o.workload)) {
    throw invalidRange(
      `--workload must be one of ${KERNEL_WORKLOADS.join(', ')} (got ${JSON.stringify(o.workload)})`,
    );
  }
  const { minIterations: lo, maxIterations: hi } = KERNEL_LIMITS;
  if (!Number.isInteger(o.iterations) || o.iterations < lo || o.iterations > hi) {
    throw invalidRange(
      `--iterations must be a whole number from ${lo} to ${hi} (got ${o.iterations})`,
    );
  }
}

/** Ends every thread (asked, then terminated after a deadline); resolves once all have exited. */
async function endAll(workers: Worker[], ctl: Int32Array): Promise<void> {
  Atomics.store(ctl, CTL_STOP, 1);
  Atomics.store(ctl, CTL_ABORT, 1);
  Atomics.notify(ctl, CTL_STOP);
  await Promise.all(
    workers.map(
      (w) =>
        new Promise<void>((resolve) => {
          if (w.threadId === -1) return resolve();
          const timer = setTimeout(() => void w.terminate(), EXIT_DEADLINE_MS);
          w.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
        }),
    ),
  );
}

/** One case: `cpus` threads on the first `cpus` online CPUs, the initiator on the first. */
export async function measureKernel(o: KernelOptions, context: HostContext): Promise<KernelCase> {
  checkKernelOptions(o, context);
  if (o.signal?.aborted) throw abortError();
  const cpusUsed = context.onlineCpus.slice(0, o.cpus);
  const bytes = o.pages * PAGE_SIZE;
  const c = libc();
  const addr = c.map(bytes);
  o.onRegion?.(addr, bytes);
  const remotes = o.cpus - 1;
  const ctlBuffer = new SharedArrayBuffer(ctlWords(remotes) * 4);
  const ctl = new Int32Array(ctlBuffer);
  ctl.fill(-1, CTL_FAULTS);
  const workers: Worker[] = [];
  const url = new URL('./kernel-worker.js', import.meta.url);
  const base = {
    addr,
    pages: o.pages,
    workload: o.workload,
    ctl: ctlBuffer,
    remotes,
    iterations: o.iterations,
    warmup: Math.min(1000, o.iterations),
  };
  let onAbort = (): void => {};
  let result: InitiatorResult;
  try {
    result = await new Promise<InitiatorResult>((resolve, reject) => {
      const fail = (err: Error) => reject(err);
      onAbort = () => fail(abortError());
      o.signal?.addEventListener('abort', onAbort, { once: true });
      cpusUsed.forEach((cpu, i) => {
        const data: KernelWorkerData = {
          ...base,
          role: i === 0 ? 'initiator' : 'remote',
          cpu,
          remoteIndex: i - 1,
        };
        const w = new Worker(url, { workerData: data });
        workers.push(w);
        w.once('error', (err) =>
          fail(
            createError('CPU_CRASHED', [`the thread on CPU ${cpu} failed: ${err.message}`], {
              cpu,
            }),
          ),
        );
        w.once('exit', (code) =>
          fail(
            createError(
              'CPU_CRASHED',
              [`the thread on CPU ${cpu} exited (code ${code}) before the measurement ended`],
              { cpu },
            ),
          ),
        );
        if (i !== 0) return;
        w.once('message', (m: InitiatorResult | { notReady: number }) => {
          if ('notReady' in m) {
            if (o.signal?.aborted) return;
            return fail(
              createError(
                'CPU_STUCK',
                [
                  `${m.notReady} of the threads on CPUs ${cpusUsed.slice(1).join(', ')} did not pin themselves and start within 10 s`,
                ],
                { cpu },
              ),
            );
          }
          if (m.done < o.iterations) return; // aborted: the abort listener rejects
          resolve(m);
        });
      });
    });
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    await endAll(workers, ctl);
    c.unmap(addr, bytes);
  }
  // Every thread has ended: the remotes' fault counts are final.
  let remoteFaults = 0;
  for (let i = 0; i < remotes; i++) remoteFaults += Math.max(0, ctl[CTL_FAULTS + i]);
  return kernelCaseOf(o, cpusUsed, result, remoteFaults);
}

function kernelCaseOf(
  o: KernelOptions,
  cpusUsed: number[],
  m: InitiatorResult,
  remoteFaults: number,
): KernelCase {
  const ipis = received(m.before, m.after, cpusUsed.slice(1));
  const iterationNs = m.madviseNs.map((v, j) => v + m.touchNs[j]);
  // At most one copy of the zero page per page and iteration; more faults than that are several
  // readers faulting on one page.
  const zeroPageCopies = Math.min(remoteFaults, m.done * o.pages);
  const flushes = m.done + zeroPageCopies;
  return {
    cpus: o.cpus,
    pages: o.pages,
    workload: o.workload,
    cpusUsed,
    iterations: m.done,
    madviseNs: summarize(m.madviseNs),
    madviseSamplesNs: m.madviseNs,
    touchNs: summarize(m.touchNs),
    iterationNs: summarize(iterationNs),
    flushes: { madvise: m.done, zeroPageCopies },
    ipis: {
      tlbShootdowns: ipis.tlb,
      functionCalls: ipis.cal,
      tlbPerIteration: ipis.tlb / m.done,
      callsPerIteration: ipis.cal / m.done,
      tlbPerFlush: ipis.tlb / flushes,
    },
  };
}

function abortError(): Error {
  return createError('RUN_ABORTED', ['the kernel measurement', 'it was interrupted']);
}
