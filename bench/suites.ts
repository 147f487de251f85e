/**
 * Suites are data: named lists of cases (protocol × CPU count × pages × workload × profile) and
 * how long to measure each. Command-line flags override any field.
 */
import { KERNEL_PROTOCOL } from '../data/run-record.js';
import type { KernelWorkload } from '../host/kernel-protocol.js';
import {
  BASELINE_PROTOCOL,
  CONTROL_PROTOCOLS,
  type EngineChoice,
  loadProfile,
  mustBeCaught,
  type Protocol,
  profileNames,
  SAFE_PROTOCOLS,
  VERDICT_PROTOCOLS,
  WORKLOADS,
  type Workload,
} from '../sim/index.js';
import { hardwareThreads } from '../sim/shared/profile.js';
import { WORKLOAD_TRAITS } from '../sim/shared/workloads.js';

export interface CaseSpec {
  protocol: Protocol;
  workload: Workload;
  cpus: number;
  pages: number;
  /** Record one traced flush of this case (besides --trace, which traces every case). */
  trace?: boolean;
}

/** A case measured on this host's own kernel (`flushbench kernel`), not simulated. */
export interface KernelCaseSpec {
  protocol: typeof KERNEL_PROTOCOL;
  workload: KernelWorkload;
  cpus: number;
  pages: number;
}

/** What a suite runs: simulated cases and cases of the host's kernel. */
export type BenchCase = CaseSpec | KernelCaseSpec;

export function isKernelCase(c: BenchCase): c is KernelCaseSpec {
  return c.protocol === KERNEL_PROTOCOL;
}

export interface Suite {
  name: string;
  description: string;
  protocols: readonly Protocol[];
  cpus: readonly number[];
  pages: readonly number[];
  workloads: readonly Workload[];
  /** Extra cases beside the cross product. */
  extra: readonly CaseSpec[];
  /**
   * The host's own kernel at the suite's CPU counts that this host has, when it can be measured
   * (Linux x86-64): these workloads × pages.
   */
  kernel?: { workloads: readonly KernelWorkload[]; pages: readonly number[] };
  /** Cases at this CPU count and page count record one traced flush (for the timeline). */
  traceAt?: { cpus: number; pages: number };
  /**
   * The engine of its cases unless --engine says (default auto: threads while the CPUs fit this
   * machine's cores, cooperative above).
   */
  engine?: EngineChoice;
  /** tinybench: at least this much flush time per case, ms... */
  timeMs: number;
  /** ...and at least this many samples. */
  iterations: number;
}

const SAFE = SAFE_PROTOCOLS;

/** The hardware threads of the largest built-in profile: the full suite's last CPU count. */
export const LARGEST_PROFILE_THREADS = Math.max(
  ...profileNames().map((p) => hardwareThreads(loadProfile(p).topology)),
);

/**
 * Every negative control at `cpus`, on the first workload where it can break its guarantee
 * (munmap frees page tables, so it stands for freed tables), one page: the run shows the oracle
 * catching each — or, loudly, not.
 */
function controls(cpusList: readonly number[]): CaseSpec[] {
  return cpusList.flatMap((cpus) =>
    CONTROL_PROTOCOLS.map((protocol) => {
      const workload = WORKLOADS.find((w) =>
        mustBeCaught(protocol, { workload: w, cpus, freedTables: WORKLOAD_TRAITS[w].freesTables }),
      )!;
      return { protocol, workload, cpus, pages: 1 };
    }),
  );
}

/** The baseline, the headline and the first candidate (the protocol table's roles): 9 cases. */
const SMOKE_PROTOCOLS: readonly Protocol[] = [BASELINE_PROTOCOL, ...VERDICT_PROTOCOLS.slice(0, 2)];

export const SUITES: Readonly<Record<string, Suite>> = Object.freeze({
  smoke: {
    name: 'smoke',
    description: `${SMOKE_PROTOCOLS.join(', ')} (the baseline, the headline, the first candidate) at 1, 2, 4 CPUs, 1 page (≤ 30 s)`,
    protocols: SMOKE_PROTOCOLS,
    cpus: [1, 2, 4],
    pages: [1],
    workloads: ['madvise'],
    extra: [],
    timeMs: 100,
    iterations: 200,
  },
  default: {
    name: 'default',
    description:
      'every safe protocol at 1–16, 64 and 256 CPUs and 1, 8, 64 pages, plus lazy idle CPUs, freed tables (munmap) and NMIs at 4 CPUs, and the negative controls at 2 and 4 CPUs; one traced flush per case at 4 CPUs, 1 page',
    protocols: SAFE,
    cpus: [1, 2, 4, 8, 16, 64, 256],
    pages: [1, 8, 64],
    workloads: ['madvise'],
    extra: [
      ...SAFE.flatMap((protocol) =>
        [4, 16].map((cpus) => ({ protocol, workload: 'idle' as Workload, cpus, pages: 1 })),
      ),
      ...SAFE.flatMap((protocol) =>
        (['munmap', 'nmi'] as const).map((workload) => ({ protocol, workload, cpus: 4, pages: 1 })),
      ),
      ...controls([2, 4]),
    ],
    traceAt: { cpus: 4, pages: 1 },
    kernel: { workloads: ['touch'], pages: [1] },
    timeMs: 100,
    iterations: 100,
  },
  kernel: {
    name: 'kernel',
    description:
      "this host's own kernel only: madvise + touch with the other CPUs touching, idle or busy, 1 and 8 pages, at every CPU count up to the online CPUs (Linux x86-64)",
    protocols: [],
    cpus: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    pages: [],
    workloads: [],
    extra: [],
    kernel: { workloads: ['touch', 'idle', 'busy'], pages: [1, 8] },
    timeMs: 0,
    iterations: 20_000,
  },
  full: {
    name: 'full',
    description: `every safe protocol and workload, 1–64, 128, 256, 512 and ${LARGEST_PROFILE_THREADS} CPUs (the largest profile's threads), 1/8/33/34/512 pages`,
    protocols: SAFE,
    cpus: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, LARGEST_PROFILE_THREADS],
    pages: [1, 8, 33, 34, 512],
    workloads: WORKLOADS,
    extra: [],
    // Every count above this machine's cores on the cooperative engine, the rest on threads.
    engine: 'auto',
    // A counted 100 flushes on both engines: a sweep of modeled scaling. With a time budget,
    // tinybench times the flush call alone while the hooks around it zap and refault 512 pages,
    // so a 1-CPU case ran 200,000 iterations (20 s) to gather 200 ms of flush time.
    timeMs: 0,
    iterations: 100,
  },
  ci: {
    name: 'ci',
    description:
      'short, with enough samples for the statistics: 4 protocols, 2 and 4 CPUs, 1 and 8 pages',
    protocols: SAFE,
    cpus: [2, 4],
    pages: [1, 8],
    workloads: ['madvise'],
    extra: [],
    timeMs: 300,
    iterations: 500,
  },
});

export function suiteNames(): string[] {
  return Object.keys(SUITES);
}

/** The kernel cases of `kernel` at the CPU counts this host has (`online` CPUs). */
export function expandKernelCases(
  kernel: { workloads: readonly KernelWorkload[]; pages: readonly number[] },
  cpus: readonly number[],
  online: number,
): KernelCaseSpec[] {
  const out: KernelCaseSpec[] = [];
  for (const n of cpus.filter((c) => c <= online)) {
    for (const workload of kernel.workloads) {
      for (const pages of kernel.pages)
        out.push({ protocol: KERNEL_PROTOCOL, workload, cpus: n, pages });
    }
  }
  return out;
}

/** The suite's cases, CPU count first so that one machine serves each count in turn. */
export function expandCases(
  s: Pick<Suite, 'protocols' | 'cpus' | 'pages' | 'workloads' | 'extra' | 'traceAt'>,
): CaseSpec[] {
  const cases: CaseSpec[] = [];
  for (const cpus of s.cpus) {
    for (const workload of s.workloads) {
      // A will-it-scale loop madvises the page count its source does, and no other.
      const fixed = WORKLOAD_TRAITS[workload].pages;
      for (const pages of s.pages.filter((p) => fixed === null || p === fixed)) {
        for (const protocol of s.protocols) cases.push({ protocol, workload, cpus, pages });
      }
    }
  }
  cases.push(...s.extra);
  const seen = new Set<string>();
  return cases
    .filter((c) => {
      const k = `${c.protocol}/${c.workload}/${c.cpus}/${c.pages}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .sort((a, b) => a.cpus - b.cpus)
    .map((c) =>
      s.traceAt && c.cpus === s.traceAt.cpus && c.pages === s.traceAt.pages
        ? { ...c, trace: true }
        : c,
    );
}
