/**
 * `flushbench kernel`: this host's real Linux TLB shootdown, measured from worker threads (real
 * OS threads of one mm) pinned to CPUs. The main thread maps the region, starts one initiator and
 * a remote thread per other CPU, and owns the clean-up: on success, error or abort every thread
 * has exited and the region is unmapped before the promise settles.
 */
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { ErrorCodes, withCode } from '../common/errors.js';
import { type Summary, summarize } from '../common/stats.js';
import { type HostContext, readHostContext } from './context.js';
import { INTERRUPTS_FILE, readInterrupts, received } from './interrupts.js';
import {
  CTL_ABORT,
  CTL_STOP,
  CTL_WORDS,
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
  touchNs: Summary;
  iterationNs: Summary;
  /**
   * Interrupts the other CPUs received during the timed loop, and per iteration: madvise's flush,
   * and the touch's when a reader had mapped the zero page (its write replaces that PTE).
   */
  ipis: {
    tlbShootdowns: number;
    functionCalls: number;
    tlbPerIteration: number;
    callsPerIteration: number;
  };
}

function bad(message: string): Error {
  return withCode(new RangeError(message), ErrorCodes.INVALID_OPTION);
}

/**
 * Whether this host can be measured: Linux on x86-64 with a readable /proc/interrupts. Throws an
 * input error that says which and what still works; returns the host's context.
 */
export function checkHost(): HostContext {
  const stillWorks = 'the simulator (flushbench sim, bench) runs anywhere';
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw withCode(
      new Error(
        `flushbench kernel needs Linux on x86-64 (this is ${process.platform} on ${process.arch}); ${stillWorks}`,
      ),
      ErrorCodes.HOST_UNSUPPORTED,
    );
  }
  try {
    readInterrupts();
  } catch (cause) {
    throw withCode(
      new Error(
        `flushbench kernel counts IPIs from ${INTERRUPTS_FILE}, which ${existsSync(INTERRUPTS_FILE) ? 'cannot be used' : 'does not exist'} here (${(cause as Error).message}); ${stillWorks}`,
      ),
      ErrorCodes.HOST_UNSUPPORTED,
    );
  }
  const context = readHostContext();
  if (context.onlineCpus.length === 0) {
    throw withCode(
      new Error(`flushbench kernel cannot read the online CPUs; ${stillWorks}`),
      ErrorCodes.HOST_UNSUPPORTED,
    );
  }
  return context;
}

/** Checks the options against the host, naming the option, the rule and the value. */
export function checkKernelOptions(o: KernelOptions, context: HostContext): void {
  const online = context.onlineCpus.length;
  if (!Number.isInteger(o.cpus) || o.cpus < 1 || o.cpus > online) {
    throw bad(
      `--cpus must be whole numbers from 1 to this host's ${online} online CPUs (got ${o.cpus})`,
    );
  }
  if (!Number.isInteger(o.pages) || o.pages < 1 || o.pages > KERNEL_LIMITS.maxPages) {
    throw bad(
      `--pages must be a whole number from 1 to ${KERNEL_LIMITS.maxPages} (got ${o.pages})`,
    );
  }
  if (!(KERNEL_WORKLOADS as readonly string[]).includes(o.workload)) {
    throw bad(
      `--workload must be one of ${KERNEL_WORKLOADS.join(', ')} (got ${JSON.stringify(o.workload)})`,
    );
  }
  const { minIterations: lo, maxIterations: hi } = KERNEL_LIMITS;
  if (!Number.isInteger(o.iterations) || o.iterations < lo || o.iterations > hi) {
    throw bad(`--iterations must be a whole number from ${lo} to ${hi} (got ${o.iterations})`);
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
  const ctlBuffer = new SharedArrayBuffer(CTL_WORDS * 4);
  const ctl = new Int32Array(ctlBuffer);
  const workers: Worker[] = [];
  const url = new URL('./kernel-worker.js', import.meta.url);
  const base = {
    addr,
    pages: o.pages,
    workload: o.workload,
    ctl: ctlBuffer,
    remotes: o.cpus - 1,
    iterations: o.iterations,
    warmup: Math.min(1000, o.iterations),
  };
  let onAbort = (): void => {};
  try {
    return await new Promise<KernelCase>((resolve, reject) => {
      const fail = (err: Error) => reject(err);
      onAbort = () => fail(abortError());
      o.signal?.addEventListener('abort', onAbort, { once: true });
      cpusUsed.forEach((cpu, i) => {
        const data: KernelWorkerData = { ...base, role: i === 0 ? 'initiator' : 'remote', cpu };
        const w = new Worker(url, { workerData: data });
        workers.push(w);
        w.once('error', (err) =>
          fail(
            withCode(
              new Error(`the thread on CPU ${cpu} failed: ${err.message}`),
              ErrorCodes.CPU_CRASHED,
              cpu,
            ),
          ),
        );
        w.once('exit', (code) =>
          fail(
            withCode(
              new Error(
                `the thread on CPU ${cpu} exited (code ${code}) before the measurement ended`,
              ),
              ErrorCodes.CPU_CRASHED,
              cpu,
            ),
          ),
        );
        if (i !== 0) return;
        w.once('message', (m: InitiatorResult | { notReady: number }) => {
          if ('notReady' in m) {
            if (o.signal?.aborted) return;
            return fail(
              withCode(
                new Error(
                  `${m.notReady} of the threads on CPUs ${cpusUsed.slice(1).join(', ')} did not pin themselves and start within 10 s`,
                ),
                ErrorCodes.CPU_STUCK,
                cpu,
              ),
            );
          }
          if (m.done < o.iterations) return; // aborted: the abort listener rejects
          const ipis = received(m.before, m.after, cpusUsed.slice(1));
          const iterationNs = m.madviseNs.map((v, j) => v + m.touchNs[j]);
          resolve({
            cpus: o.cpus,
            pages: o.pages,
            workload: o.workload,
            cpusUsed,
            iterations: m.done,
            madviseNs: summarize(m.madviseNs),
            touchNs: summarize(m.touchNs),
            iterationNs: summarize(iterationNs),
            ipis: {
              tlbShootdowns: ipis.tlb,
              functionCalls: ipis.cal,
              tlbPerIteration: ipis.tlb / m.done,
              callsPerIteration: ipis.cal / m.done,
            },
          });
        });
      });
    });
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    await endAll(workers, ctl);
    c.unmap(addr, bytes);
  }
}

function abortError(): Error {
  return withCode(new Error('the kernel measurement was interrupted'), ErrorCodes.RUN_ABORTED);
}
