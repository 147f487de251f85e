/**
 * Injected faults (`--fault <cpu>:<kind>[:<n>]`), and where one can fire. A fault fires when its
 * CPU handles its n-th csd (smp.ts, handleCsd), so it can fire only in a case that queues csds
 * to that CPU, and enough of them:
 *   - the CPU must exist, and not be CPU 0, which starts the flushes;
 *   - broadcast sends no csds: the initiator invalidates every TLB itself (INVLPGB); only the
 *     cross-calls of workload crosscall reach the other CPUs;
 *   - workload idle leaves the other CPUs lazy, and flushes skip lazy CPUs (collectTargets)
 *     unless page tables are freed and the protocol honours that;
 *   - without a time budget a case runs a known most of flushes: its warm-up (at most
 *     warmupFlushes), the traced one, the measured ones. Past that count the fault never fires.
 * sim and bench say why in the same words: both come from here.
 */
import { invalidRange } from './errors.js';
import { type Protocol, traitsIn, type Workload } from './protocols.js';
import { WORKLOAD_TRAITS } from './workloads.js';

export const FAULT_KINDS = Object.freeze(['hang', 'throw', 'exit'] as const);

/** Injected failures, to show that a broken CPU ends the run with an error naming it. */
export interface FaultOptions {
  cpu: number;
  /** `hang`: stop answering IPIs; `throw`: throw in the IPI handler; `exit`: end the worker. */
  kind: (typeof FAULT_KINDS)[number];
  /** The fault fires when the CPU handles this many csds (≥ 1). */
  afterCsds: number;
}

/** What of a case decides whether csds reach the faulty CPU (a resolved case fits). */
export interface FaultCase {
  cpus: number;
  protocol: Protocol;
  workload: Workload;
  freedTables: boolean;
  flushes: number;
  warmupFlushes: number;
  /** 0: exactly `flushes` measured; above 0 the time budget adds flushes, so no count is known. */
  timeMs: number;
  trace: boolean;
}

/** Cross-calls workload crosscall queues per flush, one before it and one after. */
const CROSSCALLS_PER_FLUSH = 2;

/** The fault as the flag spells it: `2:hang`, `1:throw:3`. */
export function faultText(f: FaultOptions): string {
  return `${f.cpu}:${f.kind}${f.afterCsds === 1 ? '' : `:${f.afterCsds}`}`;
}

type Why = { missingCpu: true } | { missingCpu: false; reason: string };

/** Why the fault cannot fire in the case, or null when it can. */
function whyNot(f: FaultOptions, c: FaultCase): Why | null {
  if (f.cpu >= c.cpus) return { missingCpu: true };
  const traits = traitsIn(c.protocol, c);
  const crosscalls = c.workload === 'crosscall' ? CROSSCALLS_PER_FLUSH : 0;
  if (traits.transport === 'broadcast' && crosscalls === 0) {
    return {
      missingCpu: false,
      reason: `protocol ${c.protocol} sends CPU ${f.cpu} no csds (the initiator invalidates every TLB itself; only workload crosscall adds cross-calls)`,
    };
  }
  const flushesLazy = c.freedTables && traits.honoursFreedTables;
  if (c.workload === 'idle' && !flushesLazy) {
    return {
      missingCpu: false,
      reason: c.freedTables
        ? `workload idle leaves CPU ${f.cpu} in lazy TLB mode, which protocol ${c.protocol} skips even when page tables are freed, so it takes no csds`
        : `workload idle leaves CPU ${f.cpu} in lazy TLB mode, which flushes skip unless they free page tables, so it takes no csds`,
    };
  }
  if (c.timeMs > 0) return null;
  const perFlush = (traits.transport === 'broadcast' ? 0 : 1) + crosscalls;
  // Where every CPU initiates, every other CPU sends as many flushes; the traced one is CPU 0's.
  const senders = WORKLOAD_TRAITS[c.workload].everyCpuInitiates ? c.cpus - 1 : 1;
  const flushes = senders * (c.warmupFlushes + c.flushes) + (c.trace ? 1 : 0);
  const most = perFlush * flushes;
  if (f.afterCsds <= most) return null;
  return {
    missingCpu: false,
    reason: `CPU ${f.cpu} takes at most ${most} csds in this case (${perFlush} per flush, at most ${flushes} flushes: ${c.warmupFlushes} warm-up${c.trace ? ', 1 traced' : ''} and ${c.flushes} measured${senders > 1 ? `, from each of ${senders} CPUs` : ''}), fewer than the ${f.afterCsds} it waits for`,
  };
}

function missingCpu(f: FaultOptions, context: string): string {
  return `CPU ${f.cpu} exists only with --cpus ${f.cpu + 1} or more (${context})`;
}

/** Whether the fault can fire in the case. */
export function faultCanFire(f: FaultOptions, c: FaultCase): boolean {
  return whyNot(f, c) === null;
}

/** A fault that cannot fire in the one case it is given to is refused, with the reason. */
export function checkFaultFires(f: FaultOptions, c: FaultCase): void {
  const why = whyNot(f, c);
  if (why === null) return;
  const reason = why.missingCpu
    ? missingCpu(f, `the machine has ${c.cpus} CPU${c.cpus === 1 ? '' : 's'}`)
    : why.reason;
  throw invalidRange(`--fault ${faultText(f)} cannot fire: ${reason}`);
}

/**
 * A bench injects the fault into the cases where it can fire, and runs the others as usual; a
 * fault that can fire in none of them is refused, with every distinct reason. `kernelCases`:
 * this host's kernel is measured, not simulated, so no fault reaches it.
 */
export function checkFaultFiresInSome(
  f: FaultOptions,
  cases: readonly FaultCase[],
  kernelCases: number,
): void {
  const whys = cases.map((c) => whyNot(f, c));
  if (whys.some((w) => w === null)) return;
  const reasons: string[] = [];
  if (whys.some((w) => w?.missingCpu)) {
    const counts = [...new Set(cases.map((c) => c.cpus))].sort((a, b) => a - b);
    reasons.push(missingCpu(f, `the bench's CPU counts are ${counts.join(', ')}`));
  }
  for (const w of whys) {
    if (w && !w.missingCpu && !reasons.includes(w.reason)) reasons.push(w.reason);
  }
  if (kernelCases > 0) {
    reasons.push("this host's kernel cases (protocol linux) are measured, not simulated");
  }
  throw invalidRange(
    `--fault ${faultText(f)} must be able to fire in at least one case of the bench, and cannot: ${reasons.join('; ')}`,
  );
}
