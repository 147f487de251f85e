/** Text reports of the CLI: a case's summary, a traced flush, a calibration. */

import { judgeOracle } from '../bench/case-judge.js';
import type { CaseRecord, OracleVerdictName } from '../data/run-record.js';
import {
  type CaseResult,
  type OrderEvent,
  oracleVerdict,
  type TraceEvent,
  type Violation,
  violationsOf,
} from '../sim/index.js';
import { type Calibration, OVERHEAD_GOAL, OVERHEAD_LIMIT } from '../sim/machine/calibrate.js';

export function formatNs(ns: number): string {
  if (!Number.isFinite(ns)) return '–';
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(2)} µs`;
  return `${ns.toFixed(0)} ns`;
}

function cycles(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

export function formatCaseResult(r: CaseResult): string {
  const l = r.latencyNs;
  const m = r.modeledCycles;
  const o = r.oracle;
  const oversubscribed = r.cpus > r.hostCores;
  const lines = [
    `flushbench sim: ${r.protocol}, ${r.cpus} CPU${r.cpus === 1 ? '' : 's'}, ${r.pages} page${r.pages === 1 ? '' : 's'}, workload ${r.workload}, profile ${r.profile}${r.freedTables ? ', page tables freed' : ''}`,
    `  flushes        ${l.count} measured (+${r.warmupFlushes} warm-up), ${r.waitMode} mode, ${r.elapsedMs.toFixed(0)} ms`,
    `  wall latency   p50 ${formatNs(l.p50)}  p90 ${formatNs(l.p90)}  p99 ${formatNs(l.p99)}  mean ${formatNs(l.mean)}  (min ${formatNs(l.min)}, max ${formatNs(l.max)})`,
  ];
  if (oversubscribed) {
    lines.push(
      `                 ${r.cpus} CPUs on ${r.hostCores} cores: this wall-clock is the simulator's, not hardware-like; modeled cycles are the metric that scales`,
    );
  }
  lines.push(
    `  modeled flush  p50 ${cycles(m.p50)} cycles (${formatNs(r.modeledNs.p50)})  mean ${cycles(m.mean)}  p99 ${cycles(m.p99)}`,
    `  modeled remote handler ${cycles(r.modeledRemoteHandlerCycles.mean)} cycles mean over ${r.modeledRemoteHandlerCycles.count} handlers`,
    `  modeled iteration (zap + flush + refault) ${cycles(r.modeledIterationCycles.mean)} cycles mean`,
    `  counters       ${Object.entries(r.counters)
      .filter(([, v]) => v !== 0)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  const verdict = oracleVerdict(r.protocol, r, violationsOf(o));
  const control = verdict === 'caught' || verdict === 'not-caught' ? ' (negative control)' : '';
  lines.push(
    `  oracle         ${ORACLE_MARK[verdict]}${control} — ${o.checkedAccesses} accesses checked`,
    `                 observed: ${o.staleUses} stale uses, ${o.lostWrites} lost writes; ack window: ${o.ackWindowViolations} violations; freed-table walks: ${o.freedTableWalks}`,
  );
  // The first of each kind, earliest first.
  const firsts = Object.values(o.firstByKind).sort((a, b) => a.seq - b.seq);
  if (firsts.length > 0) lines.push('  first violation of each kind, earliest first');
  for (const v of firsts) lines.push(`    ${describeViolation(v)}`);
  return lines.join('\n');
}

/** How the bench's table and progress lines show the oracle's verdict on a case. */
export const ORACLE_MARK: Readonly<Record<OracleVerdictName, string>> = Object.freeze({
  clean: '✓',
  // A control where it cannot break its guarantee behaves safely, and shows as such.
  'not-applicable': '✓',
  violated: '✗ VIOLATED',
  caught: '✓ caught',
  'not-caught': '✗ NOT caught',
  unchecked: '–',
});

/** The oracle's verdict on a case: the one its run stored, or the runner's for a case in flight. */
export function recordVerdict(c: CaseRecord): OracleVerdictName {
  // The run's verdict when it has one; a case still running is judged as the runner will.
  return c.verdict?.oracle ?? judgeOracle(c);
}

/** A violation in one sentence: what was used, against which generation, and where. */
export function describeViolation(v: Violation): string {
  switch (v.kind) {
    case 'lost-write':
      return `lost-write: page ${v.vpn}, translation generation ${v.entryGen}, written back at ${v.flushedGen} — ${v.step}`;
    case 'freed-table-walk':
      return `freed-table-walk: table generation ${v.entryGen}, dead below ${v.flushedGen} — ${v.step}`;
    case 'stale-use':
      return `stale-use: page ${v.vpn}, translation generation ${v.entryGen} used after the flush for generation ${v.flushedGen} returned — ${v.step}`;
    default:
      return `${v.kind}: page ${v.vpn}, translation generation ${v.entryGen}, dead since the acknowledged flush (tlb_gen ${v.tlbGen}) published generation ${v.flushedGen} — ${v.step}`;
  }
}

/** One traced flush: a row per event in modeled time, a column per CPU. */
export function formatTrace(events: TraceEvent[], r: CaseResult): string {
  const sorted = [...events].sort((a, b) => a.cycles - b.cycles || a.cpu - b.cpu);
  const cpus = [...new Set(sorted.map((e) => e.cpu))].sort((a, b) => a - b);
  const shown = cpus.slice(0, 8);
  const width = 26;
  const header = `${'cycles'.padStart(8)}  ${shown.map((c) => `CPU ${c}`.padEnd(width)).join('')}`;
  const rows = sorted
    .filter((e) => shown.includes(e.cpu))
    .map((e) => {
      const label = e.peer === undefined ? e.event : `${e.event} (${e.peer})`;
      return `${cycles(e.cycles).padStart(8)}  ${shown
        .map((c) => (c === e.cpu ? label.padEnd(width) : ''.padEnd(width)))
        .join('')}`;
    });
  const more =
    cpus.length > shown.length ? `\n(${cpus.length - shown.length} more CPUs in --json)` : '';
  return `trace of one ${r.protocol} flush (modeled cycles, profile ${r.profile})\n${header}\n${rows.join('\n')}${more}`;
}

export function formatCalibration(c: Calibration): string {
  const verdict =
    c.overhead <= OVERHEAD_GOAL
      ? `within the ${OVERHEAD_GOAL} goal`
      : c.overhead <= OVERHEAD_LIMIT
        ? `above the ${OVERHEAD_GOAL} goal, within the ${OVERHEAD_LIMIT} limit`
        : `ABOVE the ${OVERHEAD_LIMIT} limit`;
  return [
    `flushbench calibrate: ${c.rounds} rounds each`,
    `  SAB ping-pong, 2 workers     p50 ${formatNs(c.pingPongNs.p50)}  p99 ${formatNs(c.pingPongNs.p99)}`,
    `  sync flush, 2 CPUs (spin)    p50 ${formatNs(c.syncFlushNs.p50)}  p99 ${formatNs(c.syncFlushNs.p99)}`,
    `  async-inline flush, 2 CPUs   p50 ${formatNs(c.asyncInlineFlushNs.p50)}  p99 ${formatNs(c.asyncInlineFlushNs.p99)}`,
    `  sync's serial line transfers ${c.syncLineTransfers} (a ping-pong is 2)`,
    `  overhead                     ${c.overhead.toFixed(2)} = sync p50 / (${c.syncLineTransfers} / 2 × ping-pong p50), the median of ${c.blocks.length} alternating blocks (${c.blocks.map((b) => b.overhead.toFixed(2)).join(', ')}): ${verdict}`,
    `  sync / ping-pong             ${c.ratio.toFixed(2)}`,
    `  async-inline / sync          ${c.asyncInlineVsSync.toFixed(2)}`,
  ].join('\n');
}

/** The traced flush's protocol steps as they really happened, in global order. */
export function formatOrder(order: OrderEvent[]): string {
  const rows = order.map(
    (e, i) =>
      `${String(i + 1).padStart(4)}  CPU ${String(e.cpu).padEnd(4)} ${e.step}${e.peer === undefined ? '' : ` (${e.peer})`}`,
  );
  return `the same flush as it ran (real order of steps)\n${rows.join('\n')}`;
}
