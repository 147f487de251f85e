/**
 * The machine side: spawns the workers once — one per simulated CPU (threads engine), or a few
 * each hosting a slice of them (cooperative engine) — runs cases on them (resetting the shared
 * state between cases), and turns the CPUs' reports into one result. A CPU that throws, exits or
 * hangs ends the case with an error naming it; no worker is left behind.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { CoopInit } from '../cpu/coop-worker.js';
import type { CpuInit } from '../cpu/cpu.js';
import { sliceStart } from '../cpu/scheduler.js';
import {
  cpuCrashed,
  cpuStuck,
  ErrorCodes,
  type FlushbenchError,
  machineUnusable,
  reviveError,
  runAborted,
} from '../shared/errors.js';
import { computeLayout, kExitedCpu, type Layout, type LayoutParams } from '../shared/layout.js';
import { abortRun, resetMachineState } from '../shared/machine-state.js';
import type { CaseConfig, CpuResult, ErrorMessage, FromCpu } from '../shared/messages.js';
import {
  type CaseOptions,
  type MachineOptions,
  type ResolvedMachineOptions,
  resolveCaseOptions,
  resolveMachineOptions,
} from '../shared/options.js';
import { checkProfileFits, loadProfile } from '../shared/profile.js';
import { initiatorsOf } from '../shared/workloads.js';
import { assemble, type CaseResult } from './assemble.js';

export type { CaseResult, ModeledSummary, Oracle } from './assemble.js';

/** How long the other CPUs get to report once one has failed (the 5 s promise). */
const FAILURE_GRACE_MS = 4000;
/** Startup: a worker loads a few small modules; 64 of them on 2 cores take a few seconds. */
const START_TIMEOUT_BASE_MS = 15_000;
const START_TIMEOUT_PER_WORKER_MS = 250;

/** One worker to spawn: its entry, its data, the CPUs it runs. */
interface WorkerSpec {
  url: URL;
  data: CpuInit | CoopInit;
  first: number;
  count: number;
}

interface PendingCase {
  reports: (CpuResult | ErrorMessage | null)[];
  remaining: number;
  /** What made the case fail, once something did. */
  cause: ErrorMessage | null;
  graceTimer: NodeJS.Timeout | null;
  deadlineTimer: NodeJS.Timeout | null;
  done: () => void;
}

export class Machine {
  readonly options: ResolvedMachineOptions;
  readonly layout: Layout;
  private readonly i32: Int32Array;
  private readonly workers: Worker[] = [];
  private pending: PendingCase | null = null;
  private state: 'starting' | 'ready' | 'running' | 'broken' | 'closed' = 'starting';
  /** Why the machine broke, told by every later call. */
  private brokenBy: string | null = null;
  private closing: Promise<void> | null = null;

  private constructor(options: ResolvedMachineOptions) {
    this.options = options;
    this.layout = computeLayout(options);
    this.i32 = new Int32Array(new SharedArrayBuffer(this.layout.words * 4));
  }

  /** Spawns the CPUs and resolves once every one of them is ready. */
  static async start(opts: MachineOptions = {}): Promise<Machine> {
    const m = new Machine(resolveMachineOptions(opts));
    await m.spawn();
    return m;
  }

  get cpus(): number {
    return this.options.cpus;
  }

  /** True when the machine can run another case (not running, broken or closed). */
  get usable(): boolean {
    return this.state === 'ready';
  }

  /** Worker threads still alive (0 once closed: none is left behind). */
  get runningWorkers(): number {
    // A worker's threadId turns -1 once its thread has exited.
    return this.workers.filter((w) => w.threadId !== -1).length;
  }

  private workerSpecs(): WorkerSpec[] {
    const { cpus, engine, workers } = this.options;
    const sab = this.i32.buffer as SharedArrayBuffer;
    const layout = paramsOf(this.layout);
    if (engine === 'threads') {
      const url = new URL('../cpu/cpu-worker.js', import.meta.url);
      return Array.from({ length: cpus }, (_, cpu) => ({
        url,
        data: { sab, layout, cpu },
        first: cpu,
        count: 1,
      }));
    }
    const url = new URL('../cpu/coop-worker.js', import.meta.url);
    return Array.from({ length: workers }, (_, worker) => {
      const first = sliceStart(cpus, workers, worker);
      const count = sliceStart(cpus, workers, worker + 1) - first;
      return { url, data: { sab, layout, first, count, worker, workers }, first, count };
    });
  }

  private spawn(): Promise<void> {
    const specs = this.workerSpecs();
    const n = specs.length;
    return new Promise<void>((resolve, reject) => {
      let ready = 0;
      const timeoutMs = START_TIMEOUT_BASE_MS + START_TIMEOUT_PER_WORKER_MS * n;
      const timer = setTimeout(() => {
        fail(machineUnusable(`only ${ready} of ${n} workers started within ${timeoutMs} ms`));
      }, timeoutMs);
      const fail = (err: Error) => {
        clearTimeout(timer);
        this.state = 'broken';
        this.brokenBy = err.message;
        void this.terminateAll();
        reject(err);
      };
      for (const spec of specs) {
        const cpu = spec.first;
        const w = new Worker(spec.url, { workerData: spec.data });
        w.on('message', (msg: FromCpu) => {
          if (msg.type === 'ready') {
            if (++ready === n) {
              clearTimeout(timer);
              this.state = 'ready';
              resolve();
            }
          } else {
            this.onReport(msg);
          }
        });
        w.on('error', (err) => {
          if (this.state === 'starting')
            fail(cpuCrashed(`CPU ${cpu} failed to start: ${err.message}`, cpu, err));
          else this.onCrash(spec, (c) => `CPU ${c} crashed: ${err.message}`);
        });
        w.on('exit', (code) => {
          if (this.state === 'closed') return;
          if (this.state === 'starting')
            fail(cpuCrashed(`CPU ${cpu}'s worker exited with code ${code} while starting`, cpu));
          else this.onCrash(spec, (c) => `CPU ${c}'s worker exited with code ${code}`);
        });
        this.workers.push(w);
      }
    });
  }

  /**
   * Runs one case. Rejects with a FLUSHBENCH_ERR_INVALID_OPTION error for bad options (nothing
   * ran), or with the error of the CPU that failed (CPU_STUCK, CPU_CRASHED).
   */
  async run(opts: CaseOptions = {}): Promise<CaseResult> {
    if (this.state !== 'ready') {
      throw machineUnusable(
        this.state === 'running'
          ? 'the machine is already running a case'
          : `the machine is ${this.state}${this.brokenBy ? `: ${this.brokenBy}` : ''}`,
      );
    }
    const options = resolveCaseOptions(opts, this.options);
    const profile = loadProfile(options.profile);
    checkProfileFits(profile, this.options.cpus);
    const waitMode = this.resolveWaitMode();
    Atomics.store(this.i32, kExitedCpu, 0);
    const initiators = initiatorsOf(options.workload, this.options.cpus);
    resetMachineState(this.i32, this.layout, initiators * options.pages + options.sharedPages);
    const config: CaseConfig = {
      options,
      profile,
      waitMode,
      csdLockTimeoutMs: this.options.csdLockTimeoutMs,
      barrierTimeoutMs: 10_000 + 200 * this.options.cpus,
    };
    this.state = 'running';
    const started = performance.now();
    const p = await this.collect(config);
    const elapsedMs = performance.now() - started;
    if (this.state === 'running') this.state = 'ready';
    const failure = this.failureOf(p);
    if (failure) throw failure;
    return assemble(options, this.options, profile, waitMode, p.reports as CpuResult[], elapsedMs);
  }

  private resolveWaitMode(): 'spin' | 'park' {
    if (this.options.waitMode !== 'auto') return this.options.waitMode;
    // Spinning pays only while every runnable worker has a core; beyond that a spinning worker
    // holds the core a descheduled one needs, and each round costs a scheduler tick.
    return this.options.cpus <= availableParallelism() ? 'spin' : 'park';
  }

  private collect(config: CaseConfig): Promise<PendingCase> {
    const n = this.options.cpus;
    const o = config.options;
    // A backstop only: every wait inside the CPUs is bounded on its own.
    const caseTimeoutMs =
      60_000 + o.warmupMs + 20 * o.timeMs + o.flushes * n * 2 + 4 * this.options.csdLockTimeoutMs;
    return new Promise((resolve) => {
      const p: PendingCase = {
        reports: new Array(n).fill(null),
        remaining: n,
        cause: null,
        graceTimer: null,
        deadlineTimer: null,
        done: () => {
          if (p.graceTimer) clearTimeout(p.graceTimer);
          if (p.deadlineTimer) clearTimeout(p.deadlineTimer);
          this.pending = null;
          resolve(p);
        },
      };
      this.pending = p;
      p.deadlineTimer = setTimeout(() => {
        this.fail(
          p,
          errorReport(0, cpuStuck(`the case did not finish within ${caseTimeoutMs} ms`, 0)),
        );
      }, caseTimeoutMs);
      for (const w of this.workers) w.postMessage({ type: 'run', config });
    });
  }

  private onReport(msg: CpuResult | ErrorMessage): void {
    const p = this.pending;
    if (!p || p.reports[msg.cpu] !== null) return;
    p.reports[msg.cpu] = msg;
    p.remaining--;
    if (msg.type === 'error') this.fail(p, msg);
    if (p.remaining === 0) p.done();
  }

  /**
   * A worker crashed or exited: its CPUs report no more. The CPU it names (a fault's exit says
   * which CPU of a cooperative worker it was) crashed; the rest of its slice were stopped by it.
   */
  private onCrash(spec: WorkerSpec, message: (cpu: number) => string): void {
    this.state = 'broken';
    const exited = Atomics.load(this.i32, kExitedCpu) - 1;
    const cpu = exited >= spec.first && exited < spec.first + spec.count ? exited : spec.first;
    this.brokenBy ??= message(cpu);
    const p = this.pending;
    if (!p) return;
    if (p.reports[cpu] === null) {
      this.onReport(errorReport(cpu, cpuCrashed(message(cpu), cpu)));
    }
    for (let c = spec.first; c < spec.first + spec.count; c++) {
      if (this.pending === p && p.reports[c] === null) {
        this.onReport(errorReport(c, runAborted(c, `CPU ${cpu} crashed`)));
      }
    }
  }

  /**
   * The case failed: stop every CPU and give them FAILURE_GRACE_MS to report. The first error
   * that is not "stopped because another CPU failed" is the cause.
   */
  private fail(p: PendingCase, error: ErrorMessage): void {
    if (p.cause === null || p.cause.code === ErrorCodes.RUN_ABORTED) p.cause = error;
    if (p.graceTimer !== null) return;
    abortRun(this.i32, this.layout);
    p.graceTimer = setTimeout(() => {
      // Whoever has not reported by now is beyond saving: end the machine.
      this.state = 'broken';
      this.brokenBy ??= 'a CPU did not stop after the run was aborted';
      void this.terminateAll();
      p.done();
    }, FAILURE_GRACE_MS);
  }

  private failureOf(p: PendingCase): FlushbenchError | null {
    if (p.cause === null) return null;
    if (this.state === 'broken') void this.close();
    return reviveError({ code: p.cause.code, message: p.cause.message, cpu: p.cause.about });
  }

  private async terminateAll(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate().catch(() => undefined)));
  }

  /** Ends every worker. Safe to call more than once. */
  close(): Promise<void> {
    if (this.closing === null) {
      this.state = 'closed';
      abortRun(this.i32, this.layout);
      this.closing = this.terminateAll();
    }
    return this.closing;
  }
}

/** The report a CPU that cannot report (stuck, or its worker gone) would have sent. */
function errorReport(cpu: number, err: FlushbenchError): ErrorMessage {
  return { type: 'error', cpu, about: cpu, code: err.code, message: err.message };
}

function paramsOf(l: Layout): LayoutParams {
  return { cpus: l.cpus, tlbSets: l.tlbSets, tlbWays: l.tlbWays, vaPages: l.vaPages };
}
