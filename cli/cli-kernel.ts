/**
 * `flushbench kernel`: this host's real TLB shootdown (madvise + touch from pinned threads), with
 * the context that explains it, stated plainly: a VM's numbers, a kernel that sent fewer IPIs
 * than flushes. Ctrl-C ends every thread and unmaps the region before the command exits.
 */
import { parseArgs } from 'node:util';
import { ErrorCodes, withCode } from '../common/errors.js';
import { textTable } from '../data/text-table.js';
import type { HostContext } from '../host/context.js';
import {
  checkHost,
  checkKernelOptions,
  KERNEL_WORKLOADS,
  type KernelCase,
  type KernelWorkload,
  measureKernel,
} from '../host/kernel.js';

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

const DEFAULT_ITERATIONS = 20_000;

function bad(message: string): Error {
  return withCode(new RangeError(message), ErrorCodes.INVALID_OPTION);
}

function wholeNumber(flag: string, text: string): number {
  if (!/^\d+$/.test(text))
    throw bad(`${flag} must be a whole number (got ${JSON.stringify(text)})`);
  return Number(text);
}

const us = (ns: number) => `${(ns / 1000).toFixed(2)} µs`;

/** The lines that say what the numbers are: the kernel, the machine, and when to distrust them. */
export function describeHost(ctx: HostContext): string[] {
  const lines = [
    `this host: Linux ${ctx.kernel}, ${ctx.cpuModel}, online CPUs ${ctx.onlineCpus.join(',')}`,
    `  PTI ${ctx.pti ? 'on' : 'off'} (meltdown: ${ctx.meltdown ?? 'unknown'}); PCID ${ctx.flags.pcid ? 'yes' : 'no'}, INVPCID ${ctx.flags.invpcid ? 'yes' : 'no'}, INVLPGB ${ctx.flags.invlpgb ? 'yes' : 'no'}`,
  ];
  if (ctx.virtualMachine) {
    const pv =
      ctx.kvmPvTlbFlush === 'yes'
        ? "KVM's paravirtual remote TLB flush is in use: a preempted vCPU is flushed by the hypervisor, with no IPI"
        : ctx.kvmPvTlbFlush === 'no'
          ? 'no paravirtual remote TLB flush'
          : 'whether a paravirtual remote TLB flush is in use is unknown (the boot log is not readable)';
    lines.push(
      `  a VIRTUAL MACHINE (${ctx.hypervisor ?? 'hypervisor unknown'}): these are a VM's numbers, not hardware's; ${pv}`,
    );
  }
  return lines;
}

export async function kernelCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      cpus: { type: 'string' },
      pages: { type: 'string', default: '1' },
      workload: { type: 'string', default: 'touch' },
      iterations: { type: 'string', default: String(DEFAULT_ITERATIONS) },
      json: { type: 'boolean' },
    },
  });
  const context = checkHost();
  const online = context.onlineCpus.length;
  const cpuCounts =
    values.cpus === undefined
      ? Array.from({ length: online }, (_, i) => i + 1)
      : values.cpus.split(',').map((s) => wholeNumber('--cpus', s.trim()));
  const pages = wholeNumber('--pages', values.pages);
  const iterations = wholeNumber('--iterations', values.iterations);
  const workload = values.workload as KernelWorkload;
  // Every case's options are checked before the first thread starts.
  for (const cpus of cpuCounts) checkKernelOptions({ cpus, pages, workload, iterations }, context);

  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once('SIGINT', onSigint);
  const cases: KernelCase[] = [];
  try {
    for (const cpus of cpuCounts) {
      if (!values.json) io.err(`kernel: ${cpus} CPU${cpus === 1 ? '' : 's'}, ${workload}…`);
      cases.push(
        await measureKernel({ cpus, pages, workload, iterations, signal: abort.signal }, context),
      );
    }
  } catch (err) {
    if (abort.signal.aborted) {
      io.err('flushbench: kernel interrupted; every thread has ended and the region is unmapped');
      return 130;
    }
    throw err;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
  if (values.json) {
    io.out(JSON.stringify({ context, cases }, null, 2));
    return 0;
  }
  io.out(
    [
      ...describeHost(context),
      `workload ${workload} (${KERNEL_WORKLOADS.join(' | ')}), ${pages} page${pages === 1 ? '' : 's'}, ${iterations} timed iterations per case; IPIs are what the other CPUs received during the timed loop (/proc/interrupts): madvise's flush, and the touch's when a reader had mapped the zero page there`,
      '',
      ...textTable(
        [
          'CPUs',
          'madvise p50',
          'madvise p99',
          'touch p50',
          'iteration p50',
          'TLB IPIs / iteration',
          'call IPIs / iteration',
        ],
        cases.map((k) => [
          String(k.cpus),
          us(k.madviseNs.p50),
          us(k.madviseNs.p99),
          us(k.touchNs.p50),
          us(k.iterationNs.p50),
          k.ipis.tlbPerIteration.toFixed(2),
          k.ipis.callsPerIteration.toFixed(2),
        ]),
      ),
      ...fewerIpis(cases),
    ].join('\n'),
  );
  return 0;
}

/** Says so when the kernel sent fewer shootdown IPIs than madvise's flushes × targets. */
function fewerIpis(cases: KernelCase[]): string[] {
  return cases
    .filter((k) => k.cpus > 1 && k.ipis.tlbShootdowns < k.iterations * (k.cpus - 1))
    .map(
      (k) =>
        `note: at ${k.cpus} CPUs the other CPUs received ${k.ipis.tlbShootdowns} TLB-shootdown IPIs for ${k.iterations} madvise flushes to ${k.cpus - 1} target${k.cpus === 2 ? '' : 's'} (${k.ipis.tlbPerIteration.toFixed(2)} per iteration): the kernel skipped CPUs in lazy TLB mode, or the hypervisor flushed preempted vCPUs without one`,
    );
}
