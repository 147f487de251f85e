/**
 * Options of the simulated machine and of one case run on it: all-optional interfaces, frozen
 * defaults, explicit validation, then a merge. Every message names the option, the rule and the
 * value, in the CLI's spelling (`--cpus`), so the CLI can print it as it is.
 */
import { availableParallelism } from 'node:os';
import { invalidRange, invalidType } from './errors.js';
import { checkFaultFires, FAULT_KINDS, type FaultOptions } from './fault.js';
import { MAX_WAKE_WORKERS } from './layout.js';
import {
  BASELINE_PROTOCOL,
  PROTOCOLS,
  type Protocol,
  WORKLOADS,
  type Workload,
} from './protocols.js';
import { initiatorsOf, WORKLOAD_TRAITS } from './workloads.js';

export { FAULT_KINDS, type FaultOptions } from './fault.js';

export { PROTOCOLS, type Protocol, SAFE_PROTOCOLS, WORKLOADS, type Workload } from './protocols.js';

export const WAIT_MODES = Object.freeze(['auto', 'spin', 'park'] as const);
export type WaitMode = (typeof WAIT_MODES)[number];

/**
 * How the simulated CPUs run. `threads`: one worker thread each, interleaved by the OS — real
 * races, and a wall-clock that means something while the CPUs fit the host's cores.
 * `cooperative`: many CPUs on one worker, switching at every point where a CPU waits, in an order
 * a seeded schedule decides — replayable, and fast where threads would outnumber the cores.
 * `auto`: threads while the CPUs fit the host's cores, cooperative above.
 */
export const ENGINES = Object.freeze(['auto', 'threads', 'cooperative'] as const);
export type EngineChoice = (typeof ENGINES)[number];
export type Engine = Exclude<EngineChoice, 'auto'>;

/** The most CPUs any engine simulates (the largest profiles have 768 and 960 threads). */
export const MAX_CPUS = 1024;
/** The threads engine's most: a worker thread each, ≈ 13 MB apiece (2.5 GB at 192 here). */
export const MAX_THREADS_CPUS = 256;
/** The cooperative engine's most worker threads: each hosts a slice of the CPUs. */
export const MAX_WORKERS = MAX_WAKE_WORKERS;
/**
 * `--workers auto` gives the cooperative engine one worker per this many CPUs, up to the host's
 * cores: a slice this big keeps its worker busy between the hand-offs to another (measured here:
 * at 64 CPUs a second worker gains nothing, at 128 it takes a quarter off, at 960 half), and a
 * machine of up to this many CPUs stays on one worker, where a schedule replays bit for bit.
 */
export const CPUS_PER_WORKER = 64;

/** The cooperative engine's workers under `--workers auto`: see CPUS_PER_WORKER. */
export function autoWorkers(cpus: number): number {
  return Math.max(
    1,
    Math.min(availableParallelism(), MAX_WORKERS, Math.ceil(cpus / CPUS_PER_WORKER)),
  );
}
/**
 * Warm-up flushes of the cooperative engine when none are asked for: its warm-up is counted, never
 * timed, so that a schedule replays bit for bit; V8's warm-up matters to wall-clock only.
 */
export const COOPERATIVE_WARMUP_FLUSHES = 8;
/** The most csds a fault may wait for; a count past what the case delivers is refused per case (fault.ts). */
const MAX_FAULT_CSDS = 1_000_000_000;

/**
 * Linux's tlb_single_page_flush_ceiling: one INVLPG costs about 100 ns, so flushing more than 33
 * pages one by one would cost more than the ≈3 µs a full flush (and its refills) is worth.
 */
export const DEFAULT_SINGLE_PAGE_FLUSH_CEILING = 33;

export interface MachineOptions {
  /** Simulated CPUs. */
  cpus?: number;
  /** Which engine runs them (see ENGINES). */
  engine?: EngineChoice;
  /**
   * Cooperative engine: worker threads hosting the CPUs; `auto` (the default): one per
   * CPUS_PER_WORKER CPUs up to the host's cores. With one, a schedule replays bit for bit.
   */
  workers?: number | 'auto';
  /** TLB sets per CPU (a power of two). */
  tlbSets?: number;
  /** TLB ways per set. */
  tlbWays?: number;
  /** Virtual pages in the address space (page-table entries). */
  vaPages?: number;
  /** `spin` while runnable workers fit the cores, `park` otherwise; `auto` decides. */
  waitMode?: WaitMode;
  /** How long a sender waits for a csd unlock before it names the CPU as stuck (Linux: 5 s). */
  csdLockTimeoutMs?: number;
}

export interface ResolvedMachineOptions {
  cpus: number;
  engine: Engine;
  /** Worker threads: one per CPU (threads), or the cooperative engine's. */
  workers: number;
  tlbSets: number;
  tlbWays: number;
  vaPages: number;
  waitMode: WaitMode;
  csdLockTimeoutMs: number;
}

export const MACHINE_DEFAULTS = Object.freeze({
  cpus: 2,
  engine: 'auto' as EngineChoice,
  workers: 'auto' as number | 'auto',
  tlbSets: 64,
  tlbWays: 4,
  vaPages: 65536,
  waitMode: 'auto' as WaitMode,
  csdLockTimeoutMs: 5000,
});

export interface CaseOptions {
  protocol?: Protocol;
  workload?: Workload;
  /** Pages zapped and flushed per iteration (per initiator in `multi`). */
  pages?: number;
  /** Measured flushes per initiator (with timeMs: at least this many). */
  flushes?: number;
  /** Measure with tinybench for at least this much flush time, ms; 0: exactly `flushes`. */
  timeMs?: number;
  /** At most this many flushes run before measuring, not recorded... */
  warmupFlushes?: number;
  /** ...and no more once this much time has passed (after at least 8 flushes). */
  warmupMs?: number;
  /** A profile name under sim/profiles/ or a path to a profile JSON file. */
  profile?: string;
  seed?: number;
  /** Record the modeled per-CPU events of one flush. */
  trace?: boolean;
  /**
   * The flush frees page tables: lazy CPUs are flushed too and async-inline waits for flushes.
   * Always true for workload munmap.
   */
  freedTables?: boolean;
  singlePageFlushCeiling?: number;
  /** Pages the user threads touch besides the zapped range. */
  sharedPages?: number;
  /** User accesses a remote CPU makes per burst (between parks, or between doorbell checks). */
  userBurst?: number;
  fault?: FaultOptions | null;
  /** Cooperative engine: the seed of the schedule (default 1); refused on the threads engine. */
  scheduleSeed?: number | null;
}

export interface ResolvedCaseOptions {
  protocol: Protocol;
  workload: Workload;
  pages: number;
  flushes: number;
  timeMs: number;
  warmupFlushes: number;
  warmupMs: number;
  profile: string;
  seed: number;
  trace: boolean;
  freedTables: boolean;
  singlePageFlushCeiling: number;
  sharedPages: number;
  userBurst: number;
  fault: FaultOptions | null;
  /** The schedule's seed on the cooperative engine; null on the threads engine. */
  scheduleSeed: number | null;
}

export const CASE_DEFAULTS: Readonly<ResolvedCaseOptions> = Object.freeze({
  protocol: BASELINE_PROTOCOL as Protocol,
  workload: 'madvise' as Workload,
  pages: 1,
  flushes: 1000,
  timeMs: 0,
  // V8 optimizes the flush path after a few thousand calls (≈ 5000 at 1 CPU here); at high CPU
  // counts each flush waits for parked CPUs, so the time budget ends the warm-up first.
  warmupFlushes: 5000,
  warmupMs: 250,
  profile: 'xeon-gold-5418y-2s',
  seed: 1,
  trace: false,
  freedTables: false,
  singlePageFlushCeiling: DEFAULT_SINGLE_PAGE_FLUSH_CEILING,
  sharedPages: 64,
  userBurst: 32,
  fault: null,
  scheduleSeed: null,
});

function flagName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

function checkInt(key: string, value: unknown, min: number, max: number): number {
  return checkIntNamed(flagName(key), value, min, max);
}

/** `${name} must be an integer from min to max${why} (got value)`: TypeError, else RangeError. */
function checkIntNamed(name: string, value: unknown, min: number, max: number, why = ''): number {
  const message = `${name} must be an integer from ${min} to ${max}${why} (got ${show(value)})`;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalidType(message);
  if (!Number.isInteger(value) || value < min || value > max) throw invalidRange(message);
  return value;
}

/** A will-it-scale loop madvises the page count its source does, and no other. */
function checkWorkloadPages(workload: Workload, pages: number): number {
  const fixed = WORKLOAD_TRAITS[workload].pages;
  if (fixed === null || pages === fixed) return pages;
  const test = WORKLOAD_TRAITS[workload].willItScale;
  throw invalidRange(
    `--pages must be ${fixed} with --workload ${workload}${test ? `: will-it-scale's ${test.file} madvises ${fixed} page at a time` : ''} (got ${pages})`,
  );
}

/** The cooperative engine's workers: `auto` (see CPUS_PER_WORKER) or 1 … min(64, CPUs). */
function checkWorkers(value: unknown, cpus: number): number {
  if (value === 'auto') return autoWorkers(cpus);
  const max = Math.min(MAX_WORKERS, cpus);
  const message = `--workers must be auto or an integer from 1 to ${max} (got ${show(value)})`;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalidType(message);
  if (!Number.isInteger(value) || value < 1 || value > max) throw invalidRange(message);
  return value;
}

function checkPowerOfTwo(key: string, value: unknown, min: number, max: number): number {
  const n = checkInt(key, value, min, max);
  if ((n & (n - 1)) !== 0) {
    throw invalidRange(
      `${flagName(key)} must be a power of two from ${min} to ${max} (got ${show(value)})`,
    );
  }
  return n;
}

function checkOneOf<T extends string>(key: string, value: unknown, allowed: readonly T[]): T {
  return checkOneOfNamed(flagName(key), value, allowed);
}

function checkOneOfNamed<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    const err = typeof value === 'string' ? invalidRange : invalidType;
    throw err(`${name} must be one of ${allowed.join(', ')} (got ${show(value)})`);
  }
  return value as T;
}

function checkBool(key: string, value: unknown): boolean {
  if (typeof value !== 'boolean') {
    throw invalidType(`${flagName(key)} must be true or false (got ${show(value)})`);
  }
  return value;
}

function checkKnownKeys(what: string, opts: object, known: object): void {
  for (const key of Object.keys(opts)) {
    if (!(key in known)) throw invalidRange(`unknown ${what} option ${show(key)}`);
  }
}

export function resolveMachineOptions(opts: MachineOptions = {}): ResolvedMachineOptions {
  if (typeof opts !== 'object' || opts === null) {
    throw invalidType(`machine options must be an object (got ${show(opts)})`);
  }
  checkKnownKeys('machine', opts, MACHINE_DEFAULTS);
  const o = { ...MACHINE_DEFAULTS, ...stripUndefined(opts) };
  const cpus = checkInt('cpus', o.cpus, 1, MAX_CPUS);
  const choice = checkOneOf('engine', o.engine, ENGINES);
  const engine: Engine =
    choice !== 'auto' ? choice : cpus <= availableParallelism() ? 'threads' : 'cooperative';
  if (engine === 'threads' && cpus > MAX_THREADS_CPUS) {
    throw invalidRange(
      `--cpus must be an integer from 1 to ${MAX_THREADS_CPUS} with --engine threads, one worker thread per CPU; --engine cooperative runs up to ${MAX_CPUS} (got ${cpus})`,
    );
  }
  // (Resolved options say workers = cpus for the threads engine, and resolve again as they are.)
  if (
    opts.workers !== undefined &&
    opts.workers !== 'auto' &&
    engine !== 'cooperative' &&
    opts.workers !== cpus
  ) {
    throw invalidRange(
      `--workers has no effect with the threads engine, which runs one worker per CPU; it sizes --engine cooperative (got --workers ${show(opts.workers)})`,
    );
  }
  if (opts.waitMode !== undefined && opts.waitMode !== 'auto' && engine === 'cooperative') {
    throw invalidRange(
      `--wait-mode has no effect with the cooperative engine, which switches CPUs instead of spinning or parking (got --wait-mode ${show(opts.waitMode)})`,
    );
  }
  return {
    cpus,
    engine,
    workers: engine === 'threads' ? cpus : checkWorkers(o.workers, cpus),
    tlbSets: checkPowerOfTwo('tlbSets', o.tlbSets, 1, 4096),
    tlbWays: checkInt('tlbWays', o.tlbWays, 1, 64),
    // The TLB tag packs the page number into 20 bits (see tlb.ts).
    vaPages: checkInt('vaPages', o.vaPages, 64, (1 << 20) - 2),
    waitMode: checkOneOf('waitMode', o.waitMode, WAIT_MODES),
    csdLockTimeoutMs: checkInt('csdLockTimeoutMs', o.csdLockTimeoutMs, 10, 600_000),
  };
}

export function resolveCaseOptions(
  opts: CaseOptions,
  machine: ResolvedMachineOptions,
): ResolvedCaseOptions {
  if (typeof opts !== 'object' || opts === null) {
    throw invalidType(`case options must be an object (got ${show(opts)})`);
  }
  checkKnownKeys('case', opts, CASE_DEFAULTS);
  const cooperative = machine.engine === 'cooperative';
  const o = {
    ...CASE_DEFAULTS,
    ...(cooperative ? { warmupFlushes: COOPERATIVE_WARMUP_FLUSHES, scheduleSeed: 1 } : {}),
    ...stripUndefined(opts),
  };
  checkEngineCaseOptions(opts, machine);
  const profile = o.profile;
  if (typeof profile !== 'string' || profile.length === 0) {
    throw invalidType(`--profile must be a profile name or a file path (got ${show(profile)})`);
  }
  const protocol = checkOneOf('protocol', o.protocol, PROTOCOLS);
  const workload = checkOneOf('workload', o.workload, WORKLOADS);
  const traits = WORKLOAD_TRAITS[workload];
  const r: ResolvedCaseOptions = {
    protocol,
    workload,
    pages: checkWorkloadPages(workload, checkInt('pages', o.pages, 1, 4096)),
    flushes: checkInt('flushes', o.flushes, 1, 10_000_000),
    timeMs: checkInt('timeMs', o.timeMs, 0, 3_600_000),
    warmupFlushes: checkInt('warmupFlushes', o.warmupFlushes, 0, 1_000_000),
    warmupMs: checkInt('warmupMs', o.warmupMs, 0, 600_000),
    profile,
    seed: checkInt('seed', o.seed, 0, 0xffff_ffff),
    trace: checkBool('trace', o.trace),
    freedTables: checkBool('freedTables', o.freedTables) || traits.freesTables,
    singlePageFlushCeiling: checkInt('singlePageFlushCeiling', o.singlePageFlushCeiling, 0, 4096),
    sharedPages: checkInt('sharedPages', o.sharedPages, 0, 65536),
    userBurst: checkInt('userBurst', o.userBurst, 1, 1_000_000),
    fault: o.fault === null ? null : checkFault(o.fault),
    scheduleSeed:
      o.scheduleSeed === null ? null : checkInt('scheduleSeed', o.scheduleSeed, 0, 0xffff_ffff),
  };
  // The cooperative engine measures a counted number of flushes (no tinybench time budget): its
  // flush cannot finish inside one synchronous timed call, and a replay must not depend on time.
  if (cooperative) {
    r.timeMs = 0;
    r.warmupMs = 0;
  }
  if (r.fault !== null) checkFaultFires(r.fault, { ...r, cpus: machine.cpus });
  const initiators = initiatorsOf(r.workload, machine.cpus);
  const needed = initiators * r.pages + r.sharedPages;
  if (needed > machine.vaPages) {
    throw invalidRange(
      `--pages × initiators + --shared-pages must fit the machine's ${machine.vaPages} virtual pages (got ${initiators} × ${r.pages} + ${r.sharedPages} = ${needed})`,
    );
  }
  return r;
}

/**
 * What only one engine understands. The cooperative engine warms up by count and has no time
 * budget: --warmup-ms would change nothing there. A schedule seed means nothing to the threads
 * engine, whose interleaving is the OS scheduler's.
 */
function checkEngineCaseOptions(opts: CaseOptions, machine: ResolvedMachineOptions): void {
  const seed = opts.scheduleSeed;
  if (seed !== undefined && seed !== null && machine.engine !== 'cooperative') {
    throw invalidRange(
      `--schedule-seed needs --engine cooperative: the threads engine's interleaving is the OS scheduler's, no seed replays it (got --schedule-seed ${show(seed)} with ${machine.cpus} CPU${machine.cpus === 1 ? '' : 's'} on the threads engine)`,
    );
  }
  // (Resolved cooperative options say 0 and resolve again as they are.)
  if (opts.warmupMs !== undefined && opts.warmupMs !== 0 && machine.engine === 'cooperative') {
    throw invalidRange(
      `--warmup-ms has no effect with the cooperative engine: its warm-up is counted in flushes (--warmup-flushes), never timed, so that a schedule replays (got --warmup-ms ${show(opts.warmupMs)})`,
    );
  }
}

/** The fault as given, apart from any case (fault.ts says where it can fire). */
export function checkFault(value: unknown): FaultOptions {
  if (typeof value !== 'object' || value === null) {
    throw invalidType(`--fault must be an object {cpu, kind, afterCsds} (got ${show(value)})`);
  }
  const f = value as Record<string, unknown>;
  const cpu = checkIntNamed('--fault CPU', f.cpu, 1, MAX_CPUS - 1, ': CPU 0 starts the flushes');
  const kind = checkOneOfNamed('--fault kind', f.kind, FAULT_KINDS);
  const n = checkIntNamed('--fault csd count', f.afterCsds, 1, MAX_FAULT_CSDS);
  return { cpu, kind, afterCsds: n };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  }
  return out;
}
