/**
 * The command that replays a cooperative case bit for bit: `flushbench sim` with the engine, the
 * schedule seed and every option that differs from sim's defaults. Made once, here, for the run
 * record (bench), explore's report and the dashboard, which only show it.
 */
import {
  CASE_DEFAULTS,
  COOPERATIVE_WARMUP_FLUSHES,
  MACHINE_DEFAULTS,
  type ResolvedCaseOptions,
  type ResolvedMachineOptions,
} from '../sim/index.js';
import { faultText } from '../sim/shared/fault.js';
import { WORKLOAD_TRAITS } from '../sim/shared/workloads.js';

/** A shell word: plain when it can be, else single-quoted. */
function word(s: string): string {
  return /^[A-Za-z0-9_./:=,@+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Null where no command can: the threads engine, or several cooperative workers, whose
 * interleaving between them is the OS's. (sim runs one worker when --schedule-seed is given.)
 */
export function replayCommand(m: ResolvedMachineOptions, o: ResolvedCaseOptions): string | null {
  if (m.engine !== 'cooperative' || o.scheduleSeed === null || m.workers !== 1) return null;
  const flags: [string, string | number | null][] = [
    ['--engine', 'cooperative'],
    ['--schedule-seed', o.scheduleSeed],
    ['--protocol', o.protocol],
    ['--workload', o.workload],
    ['--cpus', m.cpus],
    ['--pages', o.pages],
    ['--profile', o.profile],
    ['--flushes', o.flushes],
  ];
  const differs = (
    key: 'seed' | 'singlePageFlushCeiling' | 'sharedPages' | 'userBurst',
    flag: string,
  ) => {
    if (o[key] !== CASE_DEFAULTS[key]) flags.push([flag, o[key]]);
  };
  if (o.warmupFlushes !== COOPERATIVE_WARMUP_FLUSHES) {
    flags.push(['--warmup-flushes', o.warmupFlushes]);
  }
  differs('seed', '--seed');
  differs('singlePageFlushCeiling', '--single-page-flush-ceiling');
  differs('sharedPages', '--shared-pages');
  differs('userBurst', '--user-burst');
  if (m.tlbSets !== MACHINE_DEFAULTS.tlbSets) flags.push(['--tlb-sets', m.tlbSets]);
  if (m.tlbWays !== MACHINE_DEFAULTS.tlbWays) flags.push(['--tlb-ways', m.tlbWays]);
  if (o.freedTables && !WORKLOAD_TRAITS[o.workload].freesTables)
    flags.push(['--freed-tables', null]);
  if (o.fault !== null) flags.push(['--fault', faultText(o.fault)]);
  if (o.trace) flags.push(['--trace', null]);
  return [
    'flushbench sim',
    ...flags.map(([f, v]) => (v === null ? f : `${f} ${word(String(v))}`)),
  ].join(' ');
}
