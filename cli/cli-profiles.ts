/**
 * `flushbench profiles`: the cost profiles, each with its machine (topology, LLC groups, SMT,
 * PTI, APIC mode and the CPUs one ICR write reaches), how many of its costs are estimates rather
 * than published figures, and where a full flush with its refills becomes cheaper than INVLPGs by
 * its costs (Linux assumes about 33 pages).
 */
import { parseArgs } from 'node:util';
import { textTable } from '../data/text-table.js';
import { fullFlushBreakEven } from '../sim/cpu/invalidation-cost.js';
import { CASE_DEFAULTS, MACHINE_DEFAULTS } from '../sim/index.js';
import {
  estimateShare,
  hardwareThreads,
  loadProfile,
  profileNames,
} from '../sim/shared/profile.js';

interface Io {
  out: (s: string) => void;
}

/** The working sets the break-even is given for: the default shared pages, and a full TLB. */
const DEFAULT_WORKING_SET = CASE_DEFAULTS.sharedPages;
const FULL_TLB = MACHINE_DEFAULTS.tlbSets * MACHINE_DEFAULTS.tlbWays;

export function profilesCommand(args: string[], io: Io): number {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: { json: { type: 'boolean' } },
  });
  const rows = profileNames().map((name) => {
    const p = loadProfile(name);
    const entries = Object.values(p.entries);
    const t = p.topology;
    return {
      name,
      description: p.description,
      ghz: p.ghz,
      topology: t,
      hardwareThreads: hardwareThreads(t),
      llcGroups: (t.sockets * t.coresPerSocket) / t.coresPerLlc,
      pti: p.settings.pti,
      apicMode: p.settings.apicMode,
      apicClusterSize: p.settings.apicClusterSize,
      invlpgbMaxPages: p.settings.invlpgbMaxPages,
      costs: entries.length,
      estimates: entries.filter((e) => e.estimate).length,
      estimateShare: estimateShare(p),
      fullFlushBreakEvenPages: {
        [`workingSet${DEFAULT_WORKING_SET}`]: fullFlushBreakEven(p, DEFAULT_WORKING_SET),
        [`fullTlb${FULL_TLB}`]: fullFlushBreakEven(p, FULL_TLB),
      },
    };
  });
  if (values.json) {
    io.out(JSON.stringify(rows, null, 2));
    return 0;
  }
  const table = textTable(
    [
      'profile',
      'GHz',
      'sockets × cores × threads',
      'LLC groups',
      'SMT',
      'PTI',
      'APIC (CPUs per ICR write)',
      'pages per INVLPGB',
      'estimates',
      'full flush cheaper from',
    ],
    rows.map((r) => [
      r.name,
      String(r.ghz),
      `${r.topology.sockets} × ${r.topology.coresPerSocket} × ${r.topology.threadsPerCore} = ${r.hardwareThreads}`,
      `${r.llcGroups} × ${r.topology.coresPerLlc} cores`,
      r.topology.threadsPerCore > 1 ? `${r.topology.threadsPerCore}-way` : 'off',
      r.pti.value ? 'on' : 'off',
      `${r.apicMode.value} (${r.apicClusterSize.value})`,
      String(r.invlpgbMaxPages.value),
      `${r.estimates}/${r.costs} (${Math.round(r.estimateShare * 100)} %)`,
      Object.values(r.fullFlushBreakEvenPages)
        .map((n) => `${n} pages`)
        .join(' / '),
    ]),
  );
  io.out(
    [
      ...table,
      '',
      `full flush cheaper from: the fewest pages whose INVLPGs cost more than a full flush and the`,
      `refill of a ${DEFAULT_WORKING_SET}-page working set / of a full ${FULL_TLB}-entry TLB (Linux flushes all above 33)`,
      '',
      ...rows.map((r) => `${r.name}: ${r.description}`),
    ].join('\n'),
  );
  return 0;
}
