/**
 * What one case of a suite runs with: its machine (the engine chosen for its CPU count), its
 * profile, and its options — decided here once, for the check before anything runs, the run
 * itself and the record that says how it ran.
 */
import {
  CASE_DEFAULTS,
  type CaseOptions,
  COOPERATIVE_WARMUP_FLUSHES,
  type EngineChoice,
  loadProfile,
  MACHINE_DEFAULTS,
  type MachineOptions,
  profileNames,
  type ResolvedMachineOptions,
  resolveCaseOptions,
  resolveMachineOptions,
} from '../sim/index.js';
import { type FaultCase, type FaultOptions, faultCanFire } from '../sim/shared/fault.js';
import { hardwareThreads } from '../sim/shared/profile.js';
import { everyCpuInitiates, initiatorsOf } from '../sim/shared/workloads.js';
import type { CaseSpec } from './suites.js';

/** What of the bench's configuration shapes a case. */
export interface CaseConfig {
  /** Every case of the run: a machine is sized for the largest of its CPU count's cases. */
  cases?: readonly (CaseSpec | { protocol: string; cpus: number })[];
  profile: string;
  /** The profile was asked for (--profile): no case may leave it for another. */
  profileGiven?: boolean;
  engine?: EngineChoice;
  workers?: number;
  timeMs: number;
  iterations: number;
  seed: number;
  trace: boolean;
  fault?: FaultOptions | null;
}

const threadsOf = new Map<string, number>();

function threads(profile: string): number {
  let n = threadsOf.get(profile);
  if (n === undefined) {
    n = hardwareThreads(loadProfile(profile).topology);
    threadsOf.set(profile, n);
  }
  return n;
}

/**
 * The profile a case runs on: the bench's, unless a suite's CPU count is beyond its hardware
 * threads and no --profile was given — then the smallest built-in profile that has that many
 * (the case names it). A count no profile has stays on the bench's, whose check refuses it.
 */
export function profileFor(config: CaseConfig, cpus: number): string {
  if (config.profileGiven || cpus <= threads(config.profile)) return config.profile;
  const fits = profileNames()
    .filter((p) => threads(p) >= cpus)
    .sort((a, b) => threads(a) - threads(b) || a.localeCompare(b));
  return fits[0] ?? config.profile;
}

/** Pages the user threads touch besides the zapped ranges (sim's default; bench never sets it). */
const SHARED_PAGES = CASE_DEFAULTS.sharedPages;

/**
 * Virtual pages a machine of `cpus` needs for the run's cases at that count: where every CPU
 * initiates, every CPU zaps a range of its own (960 CPUs × 512 pages is past sim's default 65,536).
 */
function vaPagesFor(config: CaseConfig, cpus: number): number | undefined {
  let needed = 0;
  for (const c of config.cases ?? []) {
    if (c.cpus !== cpus || !('workload' in c)) continue;
    const initiators = initiatorsOf(c.workload, cpus);
    needed = Math.max(needed, initiators * c.pages + SHARED_PAGES);
  }
  return needed > MACHINE_DEFAULTS.vaPages ? needed : undefined;
}

/** The machine a case runs on: auto picks threads while the CPUs fit this host's cores. */
export function machineOptionsFor(config: CaseConfig, cpus: number): ResolvedMachineOptions {
  const m: MachineOptions = {
    cpus,
    engine: config.engine ?? 'auto',
    vaPages: vaPagesFor(config, cpus),
  };
  const resolved = resolveMachineOptions(m);
  if (config.workers !== undefined && resolved.engine === 'cooperative') {
    return resolveMachineOptions({ ...m, workers: Math.min(config.workers, cpus) });
  }
  return resolved;
}

/**
 * --iterations is the least number of samples of a case. Where every CPU initiates (multi, the
 * tlb_flush loops) each flush is a sample, so each does its share: 256 CPUs × 200 flushes each
 * would be 13 million handlers for one case. The cooperative engine's counted warm-up is shared likewise.
 */
function perInitiator(n: number, spec: CaseSpec): number {
  return everyCpuInitiates(spec.workload) ? Math.max(1, Math.ceil(n / spec.cpus)) : n;
}

export function caseOptions(config: CaseConfig, spec: CaseSpec): CaseOptions {
  const machine = machineOptionsFor(config, spec.cpus);
  const options: CaseOptions = {
    protocol: spec.protocol,
    workload: spec.workload,
    pages: spec.pages,
    profile: profileFor(config, spec.cpus),
    flushes: perInitiator(config.iterations, spec),
    timeMs: config.timeMs,
    seed: config.seed,
    trace: config.trace || spec.trace === true,
    fault: null,
  };
  if (machine.engine === 'cooperative') {
    options.warmupFlushes = perInitiator(COOPERATIVE_WARMUP_FLUSHES, spec);
  }
  const fault = config.fault ?? null;
  if (fault !== null && faultCanFire(fault, faultCaseOf(config, spec, options))) {
    options.fault = fault;
  }
  return options;
}

/** The case as it resolves, for where a fault can fire (the options' own fault left out). */
export function faultCaseOf(config: CaseConfig, spec: CaseSpec, options: CaseOptions): FaultCase {
  const machine = machineOptionsFor(config, spec.cpus);
  return { ...resolveCaseOptions({ ...options, fault: null }, machine), cpus: spec.cpus };
}
