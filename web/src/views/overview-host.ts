/**
 * This host's own kernel in the overview: the cases `flushbench kernel` (protocol linux) measured
 * in the run, known by their `kernel` record. They overlay the modeled system call in ns, and a
 * panel gives their context — plainly when it is a virtual machine — and the IPIs per iteration.
 */
import type { Case } from '../api.js';
import { h, panel } from '../dom.js';
import { formatNs } from '../format.js';

type KernelRecord = NonNullable<Case['kernel']>;
export type HostCase = Case & { kernel: KernelRecord };

/** The run's cases of this host's kernel. */
export function hostCases(cases: readonly Case[]): HostCase[] {
  return cases.filter((c): c is HostCase => c.status !== 'errored' && c.kernel != null);
}

/** What the numbers are: the kernel and the machine, and whether they are a VM's. */
export function hostContextLines(k: KernelRecord): string[] {
  const c = k.context;
  const lines = [
    `Linux ${c.kernel} on ${c.cpuModel}, CPUs ${c.onlineCpus.join(',')}; PTI ${c.pti ? 'on' : 'off'}; PCID ${c.flags.pcid ? 'yes' : 'no'}, INVPCID ${c.flags.invpcid ? 'yes' : 'no'}, INVLPGB ${c.flags.invlpgb ? 'yes' : 'no'}.`,
  ];
  if (c.hypervisor) {
    lines.push(
      `A virtual machine (${c.hypervisorVendor ?? 'hypervisor unknown'}): these are a VM's numbers, not hardware's${
        c.kvmPvTlbFlush === 'yes'
          ? "; KVM's paravirtual remote flush is in use, so a preempted vCPU is flushed by the hypervisor without an IPI"
          : ''
      }.`,
    );
  }
  return lines;
}

/** Fewer TLB-shootdown IPIs than flushes × targets: some target was spared one. */
export function fewerIpis(c: HostCase): boolean {
  const flushes = c.kernel.flushes.madvise + c.kernel.flushes.zeroPageCopies;
  return c.cpus > 1 && c.kernel.ipis.tlbShootdowns < flushes * (c.cpus - 1);
}

/** The panel: context, then IPIs per flush by workload and pages (rows) and CPUs (columns). */
export function hostPanel(cases: readonly HostCase[]): HTMLElement {
  const cpus = [...new Set(cases.map((c) => c.cpus))].sort((a, b) => a - b);
  const groups = [...new Set(cases.map((c) => `${c.workload}|${c.pages}`))];
  const rows = groups.map((g) => {
    const [workload, pages] = g.split('|');
    const cells = cpus.map((n) => {
      const c = cases.find(
        (x) => x.workload === workload && String(x.pages) === pages && x.cpus === n,
      );
      if (!c) return h('td', { class: 'num muted' }, '–');
      const i = c.kernel.ipis;
      const f = c.kernel.flushes;
      return h(
        'td',
        {
          class: `num${fewerIpis(c) ? ' warn' : ''}`,
          title: `${i.tlbShootdowns} TLB-shootdown and ${i.functionCalls} function-call IPIs received by the other CPUs over ${f.madvise} iterations: ${f.madvise} madvise flushes and ≈ ${f.zeroPageCopies} zero-page copies (${i.tlbPerIteration.toFixed(2)} IPIs per iteration); madvise p50 ${formatNs(c.wallNs.p50)}, iteration p50 ${formatNs(c.kernel.iterationNs.p50)}`,
        },
        i.tlbPerFlush.toFixed(2),
      );
    });
    return h('tr', {}, h('td', {}, workload), h('td', { class: 'num' }, pages), ...cells);
  });
  const fewer = cases.some(fewerIpis);
  return panel(
    "This host's kernel — TLB-shootdown IPIs per flush",
    ...hostContextLines(cases[0].kernel).map((line, i) =>
      h(
        'p',
        { class: i === 0 ? 'muted' : 'note warn', id: i === 0 ? 'host-context' : 'host-vm' },
        line,
      ),
    ),
    h(
      'table',
      { class: 'data', id: 'overview-host-ipis' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', {}, 'workload'),
          h('th', { class: 'num' }, 'pages'),
          ...cpus.map((n) => h('th', { class: 'num' }, `${n} CPU${n === 1 ? '' : 's'}`)),
        ),
      ),
      h('tbody', {}, ...rows),
    ),
    h(
      'p',
      { class: 'muted' },
      `Received by the other CPUs during the timed loop (/proc/interrupts), per flush: madvise's, and ≈ the copies of the zero page a reader mapped between madvise and the write (counted by the readers' page faults).${
        fewer
          ? ' Marked cells: fewer IPIs than flushes × targets — the kernel skipped CPUs in lazy TLB mode, or the hypervisor flushed preempted vCPUs without one.'
          : ''
      }`,
    ),
  );
}
