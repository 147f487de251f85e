/**
 * `flushbench export`: a stored run as JSON (the shape `bench --json` prints and the server
 * ingests), CSV (a row per case), Bencher Metric Format, and github-action-benchmark's
 * customSmallerIsBetter JSON.
 */
import { STAT_COLUMNS, statColumnsOf } from './case-columns.js';
import {
  type CaseRecord,
  engineOf,
  type MeasuredCase,
  type OracleVerdictName,
  type RunRecord,
} from './run-record.js';

export const EXPORT_FORMATS = Object.freeze(['json', 'csv', 'bmf', 'gab'] as const);
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

const IDENTITY_COLUMNS = [
  'key',
  'protocol',
  'workload',
  'cpus',
  'pages',
  'profile',
  'status',
] as const;
/** The statistics' columns that the CSV carries, in the table's order. */
const CSV_STATS = STAT_COLUMNS.filter(
  (c): c is Extract<(typeof STAT_COLUMNS)[number], { csv: string }> => 'csv' in c,
);
/**
 * How a case was run, after the columns of older flushbench versions so that their positions
 * hold: the engine (a simulated case stored without one ran on threads; empty for the host's
 * kernel), its worker threads and the cooperative engine's schedule seed (empty when absent).
 */
const EXECUTION_COLUMNS = Object.freeze({
  engine: (c: CaseRecord) => engineOf(c),
  workers: (c: CaseRecord) => c.workers,
  schedule_seed: (c: CaseRecord) => c.schedule?.seed,
});
/** The case's verdict as the runner stored it (run-record.ts, CaseVerdict). */
const VERDICT_COLUMNS = Object.freeze({
  oracle: (c: CaseRecord) => c.verdict?.oracle,
  speedup_vs: (c: CaseRecord) => c.verdict?.baseline,
  speedup_modeled: (c: CaseRecord) => c.verdict?.speedup,
  speedup_wall: (c: CaseRecord) => c.verdict?.wallSpeedup,
  wall_oversubscribed: (c: CaseRecord) => c.verdict?.oversubscribed,
  wall_noisy: (c: CaseRecord) => c.verdict?.noisy,
});
const CSV_COLUMNS = [
  ...IDENTITY_COLUMNS,
  ...CSV_STATS.map((c) => c.csv),
  'error',
  ...Object.keys(EXECUTION_COLUMNS),
  ...Object.keys(VERDICT_COLUMNS),
];

/** What the oracle found, in words: the verdict the bench stored with a measured case. */
const ORACLE_WORDS: Readonly<Record<OracleVerdictName, string>> = Object.freeze({
  clean: 'clean',
  violated: 'VIOLATED',
  caught: 'control caught',
  'not-caught': 'control NOT caught',
  'not-applicable': 'control, not applicable here',
  // A measured case no oracle saw: the host's kernel.
  unchecked: 'not simulated (the host kernel)',
});

function oracleWord(c: MeasuredCase): string {
  return ORACLE_WORDS[c.verdict?.oracle ?? 'unchecked'];
}

/**
 * A CSV cell. Numbers carry at most 3 decimals (a wall-clock mean of 109.99999994965037 ns is
 * 110): the statistics are not that exact, and a spreadsheet reads the short form the same.
 */
function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s =
    typeof v === 'number' && !Number.isInteger(v) ? String(Number(v.toFixed(3))) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function exportRun(run: RunRecord, format: ExportFormat): string {
  switch (format) {
    case 'json':
      return JSON.stringify(run, null, 2);
    case 'csv': {
      const lines = [CSV_COLUMNS.join(',')];
      for (const c of run.cases) {
        const stats = statColumnsOf(c.status === 'errored' ? null : c);
        lines.push(
          [
            ...IDENTITY_COLUMNS.map((k) => c[k]),
            ...CSV_STATS.map((col) => stats[col.column]),
            c.status === 'errored' ? c.error.message : null,
            ...Object.values(EXECUTION_COLUMNS).map((cell) => cell(c)),
            ...Object.values(VERDICT_COLUMNS).map((cell) => cell(c)),
          ]
            .map(csvCell)
            .join(','),
        );
      }
      return `${lines.join('\n')}\n`;
    }
    case 'bmf': {
      // Bencher Metric Format: { benchmark: { measure: { value, lower_value?, upper_value? } } }
      const out: Record<
        string,
        Record<string, { value: number; lower_value?: number; upper_value?: number }>
      > = {};
      for (const c of run.cases) {
        if (c.status === 'errored') continue;
        const m: (typeof out)[string] = {};
        if (c.wallNs)
          m.latency = { value: c.wallNs.p50, lower_value: c.wallNs.min, upper_value: c.wallNs.p99 };
        if (c.modeledCycles) {
          m['modeled-cycles'] = {
            value: c.modeledCycles.mean,
            lower_value: c.modeledCycles.p50,
            upper_value: c.modeledCycles.p99,
          };
        }
        out[c.key] = m;
      }
      return JSON.stringify(out, null, 2);
    }
    case 'gab': {
      // github-action-benchmark, tool: customSmallerIsBetter.
      const out: { name: string; unit: string; value: number; range?: string; extra?: string }[] =
        [];
      for (const c of run.cases) {
        if (c.status === 'errored') continue;
        const extra = `${c.cpus} CPUs, ${c.pages} pages, ${c.workload}, ${c.profile}; oracle ${oracleWord(c)}`;
        if (c.modeledCycles) {
          out.push({
            name: `${c.key} modeled`,
            unit: 'cycles',
            value: c.modeledCycles.mean,
            extra,
          });
        }
        if (c.wallNs) {
          const range = c.wallNs.rme === null ? undefined : `± ${c.wallNs.rme.toFixed(2)}%`;
          out.push({
            name: `${c.key} wall p50`,
            unit: 'ns',
            value: c.wallNs.p50,
            ...(range ? { range } : {}),
            extra,
          });
        }
      }
      return JSON.stringify(out, null, 2);
    }
  }
}
