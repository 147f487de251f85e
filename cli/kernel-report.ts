/**
 * How the host's kernel cases read on a terminal, for `flushbench kernel` and for a bench run that
 * includes them: the context first (and plainly when the numbers are a VM's), then a table, then
 * a note wherever the other CPUs received fewer IPIs than madvise's flushes × targets.
 */
import type { KernelContext } from '../data/run-record.js';
import { textTable } from '../data/text-table.js';

/** What the table needs of a case, measured by `flushbench kernel` or read from a run record. */
export interface KernelRow {
  cpus: number;
  pages: number;
  workload: string;
  iterations: number;
  madviseNs: { p50: number; p99: number };
  touchNs: { p50: number };
  iterationNs: { p50: number };
  flushes: { madvise: number; zeroPageCopies: number };
  ipis: {
    tlbShootdowns: number;
    tlbPerIteration: number;
    callsPerIteration: number;
    tlbPerFlush: number;
  };
}

/** Fewer TLB-shootdown IPIs than flushes × targets: some target was spared one. */
export function fewerIpisThanFlushes(k: KernelRow): boolean {
  const flushes = k.flushes.madvise + k.flushes.zeroPageCopies;
  return k.cpus > 1 && k.ipis.tlbShootdowns < flushes * (k.cpus - 1);
}

const us = (ns: number) => `${(ns / 1000).toFixed(2)} µs`;

/** The lines that say what the numbers are: the kernel, the machine, and when to distrust them. */
export function describeHost(ctx: KernelContext): string[] {
  const lines = [
    `this host: Linux ${ctx.kernel}, ${ctx.cpuModel}, online CPUs ${ctx.onlineCpus.join(',')}`,
    `  PTI ${ctx.pti ? 'on' : 'off'} (meltdown: ${ctx.meltdown ?? 'unknown'}); PCID ${ctx.flags.pcid ? 'yes' : 'no'}, INVPCID ${ctx.flags.invpcid ? 'yes' : 'no'}, INVLPGB ${ctx.flags.invlpgb ? 'yes' : 'no'}`,
  ];
  if (ctx.hypervisor) {
    const pv =
      ctx.kvmPvTlbFlush === 'yes'
        ? "KVM's paravirtual remote TLB flush is in use: a preempted vCPU is flushed by the hypervisor, with no IPI"
        : ctx.kvmPvTlbFlush === 'no'
          ? 'no paravirtual remote TLB flush'
          : 'whether a paravirtual remote TLB flush is in use is unknown (the boot log is not readable)';
    lines.push(
      `  a VIRTUAL MACHINE (${ctx.hypervisorVendor ?? 'hypervisor unknown'}): these are a VM's numbers, not hardware's; ${pv}`,
    );
  }
  return lines;
}

export function kernelTable(rows: readonly KernelRow[]): string[] {
  const table = textTable(
    [
      'CPUs',
      'workload',
      'pages',
      'madvise p50',
      'madvise p99',
      'touch p50',
      'iteration p50',
      'flushes / iteration ≈',
      'TLB IPIs / flush ≈',
      'TLB IPIs / iteration',
      'call IPIs / iteration',
    ],
    rows.map((k) => [
      String(k.cpus),
      k.workload,
      String(k.pages),
      us(k.madviseNs.p50),
      us(k.madviseNs.p99),
      us(k.touchNs.p50),
      us(k.iterationNs.p50),
      ((k.flushes.madvise + k.flushes.zeroPageCopies) / k.flushes.madvise).toFixed(2),
      k.ipis.tlbPerFlush.toFixed(2),
      k.ipis.tlbPerIteration.toFixed(2),
      k.ipis.callsPerIteration.toFixed(2),
    ]),
  );
  const notes = rows.filter(fewerIpisThanFlushes).map((k) => {
    const flushes = k.flushes.madvise + k.flushes.zeroPageCopies;
    return `note: at ${k.cpus} CPUs (${k.workload}, ${k.pages} page${k.pages === 1 ? '' : 's'}) the other CPUs received ${k.ipis.tlbShootdowns} TLB-shootdown IPIs for ≈ ${flushes} flushes to ${k.cpus - 1} target${k.cpus === 2 ? '' : 's'} (${k.ipis.tlbPerFlush.toFixed(3)} per flush): the kernel skipped CPUs in lazy TLB mode, or the hypervisor flushed preempted vCPUs without one`;
  });
  return [
    ...table,
    "IPIs: what the other CPUs received during the timed loop (/proc/interrupts TLB and CAL rows). Flushes: madvise's, one per iteration, and ≈ the zero-page copies — a reader whose load faulted between madvise and the initiator's write mapped the zero page, and the write copied it and flushed again (counted by the readers' page faults)",
    ...notes,
  ];
}
