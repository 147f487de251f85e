/**
 * The IPIs the kernel really sent, from /proc/interrupts: the per-CPU "TLB shootdowns" (TLB) and
 * "Function call interrupts" (CAL) rows, read before and after a timed loop. Counting beats
 * assuming one IPI per flush: lazy-TLB CPUs are skipped, and under KVM a paravirtual flush skips
 * preempted vCPUs altogether.
 */
import { readFileSync } from 'node:fs';

export const INTERRUPTS_FILE = '/proc/interrupts';

export interface IpiCounts {
  /** Per CPU, by the column order of the file's header (CPU0, CPU1, …). */
  tlb: number[];
  cal: number[];
}

/** Parses the file's text; throws naming what is missing. */
export function parseInterrupts(text: string): IpiCounts {
  const lines = text.split('\n');
  const cpus = (lines[0] ?? '')
    .trim()
    .split(/\s+/)
    .filter((c) => /^CPU\d+$/.test(c)).length;
  if (cpus === 0) throw new Error('its header names no CPU columns');
  const row = (name: string): number[] => {
    const line = lines.find((l) => l.trimStart().startsWith(`${name}:`));
    if (line === undefined) throw new Error(`it has no ${name} row`);
    const fields = line
      .trim()
      .split(/\s+/)
      .slice(1, cpus + 1)
      .map(Number);
    if (fields.length !== cpus || fields.some((n) => !Number.isSafeInteger(n))) {
      throw new Error(`its ${name} row does not give a count per CPU`);
    }
    return fields;
  };
  return { tlb: row('TLB'), cal: row('CAL') };
}

export function readInterrupts(file = INTERRUPTS_FILE): IpiCounts {
  return parseInterrupts(readFileSync(file, 'utf8'));
}

/** Interrupts received between two readings, summed over `cpus`. */
export function received(
  before: IpiCounts,
  after: IpiCounts,
  cpus: readonly number[],
): { tlb: number; cal: number } {
  let tlb = 0;
  let cal = 0;
  for (const cpu of cpus) {
    tlb += after.tlb[cpu] - before.tlb[cpu];
    cal += after.cal[cpu] - before.cal[cpu];
  }
  return { tlb, cal };
}
