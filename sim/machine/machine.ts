/**
 * The machine side: spawns one worker per simulated CPU once, runs cases on them (resetting the
 * shared state between cases), and turns the CPUs' reports into one result. A CPU that throws,
 * exits or hangs ends the case with an error naming it; no worker is left behind.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { type Summary, summarize } from '../../common/stats.js';
import {
  cpuCrashed,
  ErrorCodes,
  type FlushbenchError,
  machineUnusable,
  reviveError,
} from '../shared/errors.js';
import { computeLayout, type Layout } from '../shared/layout.js';
import { abortRun, resetMachineState } from '../shared/machine-state.js';
import type { TraceEvent } from '../shared/messages.js';
import {
  type CaseConfig,
  COUNTER_NAMES,
  type CounterName,
  type CpuResult,
  type ErrorMessage,
  type FromCpu,
  type OracleCounts,
  type OrderEvent,
} from '../shared/messages.js';
import {
  type CaseOptions,
  type MachineOptions,
  type Protocol,
  type ResolvedCaseOptions,
  type ResolvedMachineOptions,
  resolveCaseOptions,
  resolveMachineOptions,
  type Workload,
} from '../shared/options.js';
import { checkProfileFits, loadProfile, type Profile } from '../shared/profile.js';

/** How long the other CPUs get to report once one has failed (the 5 s promise). */
const FAILURE_GRACE_MS = 4000;
/** Startup: a worker loads a few small modules; 64 of them on 2 cores take a few seconds. */
const START_TIMEOUT_BASE_MS = 15_000;
const START_TIMEOUT_PER_CPU_MS = 250;

export interface ModeledSummary {
  mean: number;
  p50: number;
  p99: number;
  min: number;
  max: number;
}

export type Oracle = OracleCounts;

export interface CaseResult {
  state: 'completed';
  protocol: Protocol;
  cpus: number;
  pages: number;
  workload: Workload;
  profile: string;
  flushes: number;
  /** Warm-up flushes actually run (all initiators). */
  warmupFlushes: number;
  /** Flushes run in all by all initiators: warm-up, the traced one, measured. Counters cover them. */
  flushesRun: number;
  seed: number;
  freedTables: boolean;
  waitMode: 'spin' | 'park';
  /** Cores of the machine that ran the simulation: more CPUs than this is not hardware-like. */
  hostCores: number;
  /** Wall-clock of each flush call on the initiator(s). */
  latencyNs: Summary;
  /**
   * tinybench's relative margin of error of the mean, % (the largest over the initiators), or
   * null when the case ran a fixed number of flushes without tinybench.
   */
  rme: number | null;
  /** The raw wall-clock samples, ns, in the order they were taken. */
  samplesNs: Float64Array;
  modeledCycles: ModeledSummary;
  /** The same at the profile's clock. */
  modeledNs: ModeledSummary;
  modeledIterationCycles: { mean: number };
  /** The system call alone (madvise: syscall, body, zap, flush, freeing the pages), without the refault after it. */
  modeledCallCycles: { mean: number };
  modeledRemoteHandlerCycles: { mean: number; count: number };
  counters: Record<CounterName, number>;
  oracle: Oracle;
  /** The modeled cycles of each measured flush, in order (bit-identical across runs). */
  modeledCyclesSamples: Float64Array;
  /** The modeled events of one flush (--trace). */
  trace: TraceEvent[] | null;
  /** The protocol steps of that flush as they really happened, in global order (--trace). */
  order: OrderEvent[] | null;
  elapsedMs: number;
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
  private brokenBy: Error | null = null;
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

  private spawn(): Promise<void> {
    const n = this.options.cpus;
    const url = new URL('../cpu/cpu-worker.js', import.meta.url);
    return new Promise<void>((resolve, reject) => {
      let ready = 0;
      const timeoutMs = START_TIMEOUT_BASE_MS + START_TIMEOUT_PER_CPU_MS * n;
      const timer = setTimeout(() => {
        fail(machineUnusable(`only ${ready} of ${n} CPUs started within ${timeoutMs} ms`));
      }, timeoutMs);
      const fail = (err: Error) => {
        clearTimeout(timer);
        this.state = 'broken';
        this.brokenBy = err;
        void this.terminateAll();
        reject(err);
      };
      for (let cpu = 0; cpu < n; cpu++) {
        const w = new Worker(url, {
          workerData: { sab: this.i32.buffer, layout: paramsOf(this.layout), cpu },
        });
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
          else this.onCrash(cpu, `CPU ${cpu} crashed: ${err.message}`);
        });
        w.on('exit', (code) => {
          if (this.state === 'closed') return;
          if (this.state === 'starting')
            fail(cpuCrashed(`CPU ${cpu}'s worker exited with code ${code} while starting`, cpu));
          else this.onCrash(cpu, `CPU ${cpu}'s worker exited with code ${code}`);
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
          : `the machine is ${this.state}${this.brokenBy ? `: ${this.brokenBy.message}` : ''}`,
      );
    }
    const options = resolveCaseOptions(opts, this.options);
    const profile = loadProfile(options.profile);
    checkProfileFits(profile, this.options.cpus);
    const waitMode = this.resolveWaitMode();
    const initiators = options.workload === 'multi' ? this.options.cpus : 1;
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
    return assemble(options, profile, waitMode, p.reports as CpuResult[], elapsedMs);
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
          errorReport(
            0,
            ErrorCodes.CPU_STUCK,
            `the case did not finish within ${caseTimeoutMs} ms`,
          ),
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

  private onCrash(cpu: number, message: string): void {
    this.state = 'broken';
    this.brokenBy ??= new Error(message);
    const p = this.pending;
    if (!p || p.reports[cpu] !== null) return;
    this.onReport(errorReport(cpu, ErrorCodes.CPU_CRASHED, message));
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
      this.brokenBy ??= new Error('a CPU did not stop after the run was aborted');
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

function errorReport(cpu: number, code: ErrorMessage['code'], message: string): ErrorMessage {
  return { type: 'error', cpu, about: cpu, code, message };
}

function paramsOf(l: Layout) {
  return { cpus: l.cpus, tlbSets: l.tlbSets, tlbWays: l.tlbWays, vaPages: l.vaPages };
}

function modeledSummary(s: Summary): ModeledSummary {
  return { mean: s.mean, p50: s.p50, p99: s.p99, min: s.min, max: s.max };
}

function concat(parts: Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of parts) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}

function assemble(
  o: ResolvedCaseOptions,
  profile: Profile,
  waitMode: 'spin' | 'park',
  reports: CpuResult[],
  elapsedMs: number,
): CaseResult {
  const initiators = reports.filter((r) => r.initiator);
  const samplesNs = concat(initiators.map((r) => r.samplesNs!));
  const modeledCyclesSamples = concat(initiators.map((r) => r.modeledCycles!));
  const modeled = summarize(modeledCyclesSamples);
  const iterations = summarize(concat(initiators.map((r) => r.iterationCycles!)));
  const counters = Object.fromEntries(COUNTER_NAMES.map((k) => [k, 0])) as Record<
    CounterName,
    number
  >;
  const oracle: OracleCounts = {
    checkedAccesses: 0,
    staleUses: 0,
    lostWrites: 0,
    ackWindowViolations: 0,
    freedTableWalks: 0,
    firstViolation: null,
    firstByKind: {},
  };
  let handlerCycles = 0;
  let handlers = 0;
  for (const r of reports) {
    COUNTER_NAMES.forEach((k, i) => {
      counters[k] += r.counters[i];
    });
    const o = r.oracle;
    oracle.checkedAccesses += o.checkedAccesses;
    oracle.staleUses += o.staleUses;
    oracle.lostWrites += o.lostWrites;
    oracle.ackWindowViolations += o.ackWindowViolations;
    oracle.freedTableWalks += o.freedTableWalks;
    const v = o.firstViolation;
    if (v && (!oracle.firstViolation || v.seq < oracle.firstViolation.seq)) {
      oracle.firstViolation = v;
    }
    for (const first of Object.values(o.firstByKind)) {
      const known = oracle.firstByKind[first.kind];
      if (!known || first.seq < known.seq) oracle.firstByKind[first.kind] = first;
    }
    handlerCycles += r.remoteHandlerCycles;
    handlers += r.remoteHandlers;
  }
  const toNs = (s: ModeledSummary): ModeledSummary => ({
    mean: s.mean / profile.ghz,
    p50: s.p50 / profile.ghz,
    p99: s.p99 / profile.ghz,
    min: s.min / profile.ghz,
    max: s.max / profile.ghz,
  });
  return {
    state: 'completed',
    protocol: o.protocol,
    cpus: reports.length,
    pages: o.pages,
    workload: o.workload,
    profile: profile.name,
    flushes: o.flushes,
    warmupFlushes: initiators.reduce((n, r) => n + r.warmupFlushes, 0),
    flushesRun: initiators.reduce((n, r) => n + r.flushesRun, 0),
    seed: o.seed,
    freedTables: o.freedTables,
    waitMode,
    hostCores: availableParallelism(),
    latencyNs: summarize(samplesNs),
    rme: o.timeMs > 0 ? Math.max(...initiators.map((r) => r.rme)) : null,
    samplesNs,
    modeledCycles: modeledSummary(modeled),
    modeledNs: toNs(modeledSummary(modeled)),
    modeledIterationCycles: { mean: iterations.mean },
    modeledCallCycles: {
      mean: initiators.reduce((n, r) => n + r.callCycles, 0) / iterations.count,
    },
    modeledRemoteHandlerCycles: {
      mean: handlers > 0 ? handlerCycles / handlers : 0,
      count: handlers,
    },
    counters,
    oracle,
    modeledCyclesSamples,
    trace: reports[0].trace,
    order: o.trace ? reports.flatMap((r) => r.order ?? []).sort((a, b) => a.seq - b.seq) : null,
    elapsedMs,
  };
}
