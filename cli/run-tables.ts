/**
 * The tables `flushbench bench` prints after a run: a table per workload of the simulated cases
 * (protocol × CPUs × pages, with the speedup against sync), then the host's kernel cases. A wall
 * speedup that is not hardware-like is never bare: in parentheses, tied to its footnote.
 */
import { noiseOf } from '../bench/noise.js';
import {
  type CaseRecord,
  KERNEL_PROTOCOL,
  type KernelContext,
  type RunRecord,
} from '../data/run-record.js';
import { textTable } from '../data/text-table.js';
import { BASELINE_PROTOCOL, PROTOCOLS, type Protocol } from '../sim/index.js';
import { describeHost, type KernelRow, kernelTable } from './kernel-report.js';
import { formatNs, ORACLE_MARK, recordVerdict } from './report.js';

/** The marks a CPU count or a wall speedup carries, each under its footnote. */
const MARK = Object.freeze({ oversubscribed: '*', cooperative: '§', noisy: '†' });

const cooperative = (c: CaseRecord | undefined) => c?.engine === 'cooperative';

/** A table per workload: protocol × CPUs × pages, with the speedup against sync. */
export function formatRunTables(run: RunRecord): string {
  const out: string[] = [];
  const simulated = run.cases.filter((c) => c.protocol !== KERNEL_PROTOCOL);
  const noise = noiseOf(run.config);
  const workloads = [...new Set(simulated.map((c) => c.workload))];
  const cores = run.host.cores;
  // The protocol the run's verdicts price speedups against (the table's baseline when it ran).
  const baseline =
    run.cases.find((c) => c.verdict?.baseline)?.verdict?.baseline ?? BASELINE_PROTOCOL;
  for (const workload of workloads) {
    const cases = simulated
      .filter((c) => c.workload === workload)
      .sort(
        (a, b) =>
          a.cpus - b.cpus ||
          a.pages - b.pages ||
          PROTOCOLS.indexOf(a.protocol as Protocol) - PROTOCOLS.indexOf(b.protocol as Protocol),
      );
    const header = [
      'protocol',
      'cpus',
      'pages',
      'wall p50',
      '±rme',
      'wall p99',
      'modeled',
      `vs ${baseline} (modeled)`,
      `vs ${baseline} (wall)`,
      'oracle',
    ];
    const rows = cases.map((c) => {
      const sync = cases.find(
        (s) =>
          s.protocol === baseline &&
          s.cpus === c.cpus &&
          s.pages === c.pages &&
          s.status !== 'errored',
      );
      if (c.status === 'errored')
        return [
          c.protocol,
          `${c.cpus}${cooperative(c) ? MARK.cooperative : ''}`,
          String(c.pages),
          'error',
          '',
          '',
          '',
          '',
          '',
          recordVerdict(c) === 'not-caught' ? ORACLE_MARK['not-caught'] : `✗ ${c.error.code}`,
        ];
      // The wall speedup the run's verdict stores (wall p50 over the baseline's).
      const wallSpeedup = c.verdict?.wallSpeedup;
      const speed = wallSpeedup == null ? '–' : `${wallSpeedup.toFixed(2)}×`;
      // Not hardware-like, as the verdict says: more CPUs than cores; or one worker thread
      // interleaving the CPUs (this case's or its sync's). A noisy run's speedups are in
      // parentheses too.
      const oversubscribed = c.verdict?.oversubscribed === true;
      const marks = `${oversubscribed ? MARK.oversubscribed : ''}${cooperative(c) || cooperative(sync) ? MARK.cooperative : ''}`;
      return [
        c.protocol,
        `${c.cpus}${oversubscribed ? MARK.oversubscribed : ''}${cooperative(c) ? MARK.cooperative : ''}`,
        String(c.pages),
        formatNs(c.wallNs.p50),
        // A margin of error past 100 % of the mean says the mean means nothing.
        c.wallNs.rme === null
          ? ''
          : c.wallNs.rme > 100
            ? 'unstable'
            : `±${c.wallNs.rme.toFixed(1)}%`,
        formatNs(c.wallNs.p99),
        c.modeledCycles === null ? 'measured' : `${c.modeledCycles.mean.toFixed(0)} cy`,
        // The speedup the run's verdict stores (modeled p50 over the baseline's).
        c.verdict?.speedup == null
          ? c.modeledCycles === null
            ? ''
            : '–'
          : `${c.verdict.speedup.toFixed(2)}×`,
        // Never bare where the wall-clock is not hardware-like or the run noisy: in parentheses,
        // tied to the footnote that says why.
        marks !== '' || c.verdict?.noisy ? `(${speed})${marks || MARK.noisy}` : speed,
        ORACLE_MARK[recordVerdict(c)],
      ];
    });
    out.push(`\nworkload ${workload} (profile ${run.profile})`, ...textTable(header, rows));
  }
  if (simulated.some((c) => c.verdict?.oversubscribed)) {
    out.push(
      `\n${MARK.oversubscribed} more CPUs than this machine's ${cores} cores: the wall-clock is the simulator's, not hardware-like, so its speedups are in parentheses; modeled cycles are the metric that scales`,
    );
  }
  const coop = simulated.filter((c) => cooperative(c));
  if (coop.length > 0) {
    const workers = [...new Set(coop.map((c) => c.workers).filter((w) => w !== undefined))];
    out.push(
      `\n${MARK.cooperative} the cooperative engine: the CPUs took turns on ${workers.length === 1 ? `${workers[0]} worker thread${workers[0] === 1 ? '' : 's'}` : 'a few worker threads'} in a seeded PCT order, so the wall-clock is not hardware-like and its speedups are in parentheses; modeled cycles are the same as on threads. Each case's replay command: flushbench export --run <id>`,
    );
  }
  if (noise?.noisy) {
    out.push(`\n${MARK.noisy} ${noise.reason}: this run's wall speedups are in parentheses`);
  }
  out.push(...kernelSection(run));
  return out.join('\n');
}

/** The host's kernel cases of a run, with their context: measured, not simulated. */
function kernelSection(run: RunRecord): string[] {
  const rows: KernelRow[] = [];
  const failed: string[] = [];
  let context: KernelContext | null = null;
  for (const c of run.cases) {
    if (c.protocol !== KERNEL_PROTOCOL) continue;
    if (c.status === 'errored') {
      failed.push(`  ${c.workload} at ${c.cpus} CPUs: ✗ ${c.error.code} ${c.error.message}`);
      continue;
    }
    if (!c.kernel) continue;
    context ??= c.kernel.context;
    rows.push({
      cpus: c.cpus,
      pages: c.pages,
      workload: c.workload,
      iterations: c.wallNs.count,
      madviseNs: c.wallNs,
      touchNs: c.kernel.touchNs,
      iterationNs: c.kernel.iterationNs,
      flushes: c.kernel.flushes,
      ipis: c.kernel.ipis,
    });
  }
  if (rows.length === 0 && failed.length === 0) return [];
  return [
    `\n${KERNEL_PROTOCOL}: this host's own kernel, measured (wall-clock only: no model, no oracle)`,
    ...(context ? describeHost(context) : []),
    ...(rows.length > 0 ? kernelTable(rows) : []),
    ...failed,
  ];
}
