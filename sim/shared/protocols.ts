/**
 * The protocols, as one table of traits: what varies between them is data here, read by the
 * CPU code, the cost model, the suites and the tests, rather than `if (protocol === …)` spread
 * over files (as Linux names what varies in `struct smp_ops`).
 *
 * Four of them are negative controls: each breaks exactly one guarantee of the 2019 thread, so
 * that the oracle can be shown to catch it.
 */

import { WORKLOAD_TRAITS, type Workload } from './workloads.js';

export { WORKLOADS, type Workload } from './workloads.js';

/** How a protocol reaches the other CPUs. */
export type Transport = 'ipi' | 'broadcast';

export interface ProtocolTraits {
  transport: Transport;
  /** The flush info travels inside the csd (the 2019 RFC) rather than on the sender's stack. */
  infoInline: boolean;
  /** The initiator flushes its own TLB before it sends anything (Linux ≤ 5.12). */
  localFlushFirst: boolean;
  /** The target flushes before it acknowledges, always (a SYNC csd). */
  flushBeforeAck: boolean;
  /**
   * When page tables were freed the target flushes before it acknowledges after all, and lazy
   * CPUs are flushed too: condition 1 of the 2019 thread.
   */
  honoursFreedTables: boolean;
  /**
   * After acknowledging, the target returns to user work with its flush still pending, for this
   * many user accesses (0: it flushes before anything else runs on it).
   */
  userAccessesBeforeFlush: number;
  /**
   * The initiator waits for every target's acknowledgement (its csd unlock) before it returns.
   * False: it returns once it has sent the IPIs and flushed locally, unless page tables were
   * freed (then it waits, as the RFC's SYNC csd does).
   */
  waitsForAcks: boolean;
  /** The NMI handler asks nmi_uaccess_okay() before it reads user memory: condition 2. */
  nmiChecksUaccess: boolean;
  /**
   * Linux 5.2: before sending, the initiator reads every target's cpu_tlbstate.is_lazy, which
   * shares a line with the ctxs[].tlb_gen the target writes in every flush — one line transfer
   * per target (fixed in 5.13 by cpu_tlbstate_shared, commit 2f4305b19fe6).
   */
  lazyCheckSharesLine: boolean;
  /**
   * Linux 5.2: a flush with one target goes through smp_call_function_single() with a csd on
   * the sender's stack, which it locks without a line transfer.
   */
  onStackCsdForOne: boolean;
  /**
   * Broadcast only past a threshold of active CPUs, as Linux 6.15 does: INVLPGB needs a global
   * ASID, and consider_global_asid() (arch/x86/mm/tlb.c) gives one only when
   * mm_active_cpus_exceeds(mm, 3), i.e. to an mm loaded and not lazy on 4 or more CPUs. Below,
   * the mm's flushes go the `fallback` row's way (the IPI path). null: always this row.
   */
  globalAsid: { minActiveCpus: number; fallback: string } | null;
  /** A negative control: where it applies, the oracle must catch it in every run. */
  control: ControlTraits | null;
  /** What the protocol is in a run: the dashboard, the bench table and compare read it. */
  role: ProtocolRole;
  /** Its colour on every chart and table (#rrggbb), no other row's. */
  color: string;
  /**
   * The Linux versions whose remote flush this row is, as major × 1000 + minor, `until`
   * excluded (null: still); null when no kernel's default path is it.
   */
  linux: { from: number; until: number | null } | null;
  /** One line for the CLI's help and the README. */
  summary: string;
}

/**
 * baseline: every speedup is measured against it (one row); headline: the protocol the project
 * asks about, first in every verdict (one row); candidate: another protocol a verdict weighs;
 * historical: an older kernel's, kept to compare with what was published against it; control: a
 * negative control (its `control` traits say what it breaks).
 */
export type ProtocolRole = 'baseline' | 'headline' | 'candidate' | 'historical' | 'control';

export interface ControlTraits {
  /** The guarantee it breaks. */
  breaks: string;
  /** The oracle's count that must be above zero wherever it applies. */
  caughtBy: 'ackWindowViolations' | 'freedTableWalks';
  /**
   * Whether every run of a case catches it: the case gives it the chance to break its guarantee,
   * and it does so on every interleaving. Elsewhere it behaves safely, or breaks it only on some
   * interleavings — then a run may catch it, and need not.
   */
  appliesTo(c: ControlCase): boolean;
}

export interface ControlCase {
  workload: Workload;
  cpus: number;
  freedTables: boolean;
}

/**
 * async-unsafe: after acknowledging, the target goes back to user work and flushes only after
 * this many user accesses (or when it next idles or takes an IPI).
 */
const UNSAFE_DEFER_ACCESSES = 16;

const ASYNC_INLINE: ProtocolTraits = {
  transport: 'ipi',
  infoInline: true,
  localFlushFirst: false,
  flushBeforeAck: false,
  honoursFreedTables: true,
  userAccessesBeforeFlush: 0,
  waitsForAcks: true,
  nmiChecksUaccess: true,
  lazyCheckSharesLine: false,
  onStackCsdForOne: false,
  globalAsid: null,
  control: null,
  role: 'headline',
  color: '#23955a',
  linux: null,
  summary:
    'the 2019 RFC: info inlined in the csd, the target acknowledges then flushes before anything else runs',
};

const SYNC: ProtocolTraits = {
  transport: 'ipi',
  infoInline: false,
  localFlushFirst: true,
  flushBeforeAck: true,
  honoursFreedTables: true,
  userAccessesBeforeFlush: 0,
  waitsForAcks: true,
  nmiChecksUaccess: true,
  lazyCheckSharesLine: false,
  onStackCsdForOne: false,
  globalAsid: null,
  control: null,
  role: 'baseline',
  color: '#3d70c4',
  linux: { from: 5003, until: 5013 },
  summary:
    "Linux ≤ 5.12's order on 5.13's data layout: local flush, then remote flushes; waits for every remote flush",
};

/**
 * The table. A protocol made of existing traits is one more row here (and a line in the README's
 * protocol table): its name, the CLI's choices, the suites and the tests all follow from it.
 */
export const PROTOCOL_TRAITS = Object.freeze({
  sync: SYNC,
  'sync-5.2': {
    ...SYNC,
    lazyCheckSharesLine: true,
    onStackCsdForOne: true,
    role: 'historical',
    color: '#2f8fcf',
    linux: { from: 0, until: 5003 },
    summary:
      "Linux 5.2, the 2019 RFC's baseline: sync, with the is_lazy line shared with what targets write, and an on-stack csd for one target",
  },
  concurrent: {
    ...SYNC,
    localFlushFirst: false,
    role: 'candidate',
    color: '#d4701a',
    linux: { from: 5013, until: null },
    summary: 'Linux ≥ 5.13: local flush while the remote CPUs flush; waits for every remote flush',
  },
  'async-inline': ASYNC_INLINE,
  broadcast: {
    ...SYNC,
    transport: 'broadcast',
    localFlushFirst: false,
    flushBeforeAck: false,
    globalAsid: { minActiveCpus: 4, fallback: 'concurrent' },
    role: 'candidate',
    color: '#8a55c9',
    // Linux ≥ 6.15 on CPUs with INVLPGB only: not what a kernel's version alone says it runs.
    linux: null,
    summary:
      'AMD INVLPGB + TLBSYNC, as Linux 6.15 uses it: for an mm active on 4 or more CPUs no IPI, the initiator invalidates every TLB; below, the IPI path of concurrent',
  },
  'async-unsafe': {
    ...ASYNC_INLINE,
    userAccessesBeforeFlush: UNSAFE_DEFER_ACCESSES,
    role: 'control',
    color: '#d23c3c',
    control: {
      breaks: 'the flush must happen before the target runs user code again',
      caughtBy: 'ackWindowViolations',
      // With freed tables it flushes before acknowledging, like async-inline.
      appliesTo: (c) => c.cpus >= 2 && !c.freedTables && WORKLOAD_TRAITS[c.workload].userCode,
    },
    summary: `negative control: acknowledges, then runs ${UNSAFE_DEFER_ACCESSES} user accesses before it flushes`,
  },
  'async-ignore-freed-tables': {
    ...ASYNC_INLINE,
    honoursFreedTables: false,
    role: 'control',
    color: '#b5651d',
    control: {
      breaks:
        'condition 1: when page tables are freed, wait for the remote flushes and flush lazy CPUs',
      caughtBy: 'freedTableWalks',
      // Caught when a target acknowledges while its paging-structure cache still holds the
      // initiator's table. With one initiator every target refills it from the next burst after
      // each flush, so some acknowledgement of a run finds it. Where every CPU initiates, each
      // empties its cache at its own flush, so finding it takes an IPI that lands between a
      // burst and that flush: on the threads engine with the cores busy, 2 of 30 runs of
      // tlb_flush1 --freed-tables at 2 CPUs had none. It may be caught there; it need not be.
      appliesTo: (c) =>
        c.cpus >= 2 && c.freedTables && !WORKLOAD_TRAITS[c.workload].everyCpuInitiates,
    },
    summary:
      'negative control: async-inline that neither waits for remote flushes nor flushes lazy CPUs when page tables are freed',
  },
  'async-nmi-unchecked': {
    ...ASYNC_INLINE,
    nmiChecksUaccess: false,
    lazyCheckSharesLine: false,
    onStackCsdForOne: false,
    role: 'control',
    color: '#c71585',
    control: {
      breaks:
        'condition 2: NMI handlers must not read user memory while a flush is deferred or the mm is switching',
      caughtBy: 'ackWindowViolations',
      // With freed tables the flush comes before the acknowledgement: nothing is deferred.
      appliesTo: (c) => c.cpus >= 2 && !c.freedTables && c.workload === 'nmi',
    },
    summary:
      'negative control: async-inline whose NMI handler reads user memory without asking nmi_uaccess_okay()',
  },
  'async-rfc-v2-as-posted': {
    ...ASYNC_INLINE,
    waitsForAcks: false,
    role: 'control',
    color: '#7a7a00',
    control: {
      breaks:
        'the initiator returns only once every target has acknowledged: sending the IPI is no synchronisation',
      caughtBy: 'ackWindowViolations',
      // It waits when page tables are freed; lazy idle CPUs are no targets.
      appliesTo: (c) => c.cpus >= 2 && !c.freedTables && c.workload !== 'idle',
    },
    summary:
      'negative control: RFC v2 11/12 as posted (2019-05-31): info inlined, and the initiator returns after sending the IPIs and flushing locally, without waiting for any acknowledgement',
  },
} satisfies Record<string, ProtocolTraits>);

export type Protocol = keyof typeof PROTOCOL_TRAITS;

/**
 * CPUs on which the case's mm is loaded and not lazy — what mm_active_cpus_exceeds() counts:
 * every CPU, but in workload idle only the initiator (the others idle in lazy TLB mode).
 */
export function activeCpusOf(c: { workload: Workload; cpus: number }): number {
  return c.workload === 'idle' ? 1 : c.cpus;
}

/**
 * The traits a protocol's flushes follow in a case: its row's, or, for an mm below the row's
 * global-ASID threshold, its fallback row's (see globalAsid).
 */
export function traitsIn(
  protocol: Protocol,
  c: { workload: Workload; cpus: number },
): ProtocolTraits {
  const t = PROTOCOL_TRAITS[protocol];
  if (t.globalAsid === null || activeCpusOf(c) >= t.globalAsid.minActiveCpus) return t;
  return PROTOCOL_TRAITS[t.globalAsid.fallback as Protocol];
}

/** Every protocol, in the table's order: the baseline first, the negative controls last. */
export const PROTOCOLS: readonly Protocol[] = Object.freeze(
  Object.keys(PROTOCOL_TRAITS) as Protocol[],
);

/** The protocols that must never break the oracle. */
export const SAFE_PROTOCOLS: readonly Protocol[] = Object.freeze(
  PROTOCOLS.filter((p) => PROTOCOL_TRAITS[p].control === null),
);

/** The negative controls. */
export const CONTROL_PROTOCOLS: readonly Protocol[] = Object.freeze(
  PROTOCOLS.filter((p) => PROTOCOL_TRAITS[p].control !== null),
);

/**
 * What the oracle's findings mean for a protocol in a case: a safe protocol must be clean; a
 * control's violations are its being caught, and where every run must catch it (mustBeCaught),
 * a run without any has missed it.
 */
export type OracleVerdict = 'clean' | 'violated' | 'caught' | 'not-caught';

export function oracleVerdict(
  protocol: Protocol,
  c: ControlCase,
  violations: number,
): OracleVerdict {
  if (violations > 0) return PROTOCOL_TRAITS[protocol].control !== null ? 'caught' : 'violated';
  return mustBeCaught(protocol, c) ? 'not-caught' : 'clean';
}

/**
 * Whether every run of this case must catch the protocol: true for a negative control in a case
 * where it breaks its guarantee on every interleaving, false for a safe protocol or a control
 * that behaves safely here or breaks it only on some interleavings.
 */
export function mustBeCaught(protocol: Protocol, c: ControlCase): boolean {
  return PROTOCOL_TRAITS[protocol].control?.appliesTo(c) ?? false;
}

/** The one row with the role: the baseline every speedup is against, or the headline. */
function theOne(role: 'baseline' | 'headline'): Protocol {
  const rows = PROTOCOLS.filter((p) => PROTOCOL_TRAITS[p].role === role);
  if (rows.length !== 1)
    throw new Error(`the protocol table needs one ${role} (has ${rows.length})`);
  return rows[0];
}

/** Every speedup is measured against it. */
export const BASELINE_PROTOCOL: Protocol = theOne('baseline');
/** The protocol the project asks about: first in every verdict. */
export const HEADLINE_PROTOCOL: Protocol = theOne('headline');

/** The protocols a verdict weighs against the baseline: the headline first, then the candidates. */
export const VERDICT_PROTOCOLS: readonly Protocol[] = Object.freeze([
  HEADLINE_PROTOCOL,
  ...PROTOCOLS.filter((p) => PROTOCOL_TRAITS[p].role === 'candidate'),
]);

/** The row a Linux version (major × 1000 + minor) flushes as, by the rows' `linux` ranges. */
export function linuxProtocolOf(version: number): Protocol | null {
  return (
    PROTOCOLS.find((p) => {
      const l = PROTOCOL_TRAITS[p].linux;
      return l !== null && version >= l.from && (l.until === null || version < l.until);
    }) ?? null
  );
}
