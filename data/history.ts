/**
 * One metric of one case over commits, oldest first: one point per commit, the lower median of
 * that commit's runs (a value one of them measured) with their spread, each point marked when it regressed against the commit before it — by the same
 * rules as `flushbench compare`: modeled cycles beyond the modeled threshold; wall-clock only when
 * the Mann–Whitney U test on the pooled samples is significant and the median moved by at least
 * the wall threshold, and never across engines. Two runs of one commit are one point, so they can
 * never make a regression.
 */
import { COMPARE_DEFAULTS, enginesDiffer } from './compare.js';
import type { HistoryMetric, HistoryPoint } from './history-points.js';
import { DEFAULT_ENGINE } from './run-record.js';
import { mannWhitneyU } from './statistics.js';
import type { CaseHistoryRow, Store } from './store.js';

/** Rows read per point asked for: several runs of one commit fold into one point. */
const ROWS_PER_POINT = 10;

function metricOf(row: CaseHistoryRow, metric: HistoryMetric): number | null {
  if (metric === 'modeled') return row.modeledMean;
  return metric === 'wall-p50' ? row.wallP50 : row.wallP99;
}

/** The engines a commit's runs used, as one word (`threads`, or `cooperative+threads`). */
function enginesOf(rows: readonly CaseHistoryRow[]): string {
  return [...new Set(rows.map((r) => r.engine ?? DEFAULT_ENGINE))].sort().join('+');
}

/**
 * The lower median: of an even number of runs, the lower of the two middle ones — a value one run
 * measured (the mean of two, 4 ms between runs of 2 and 6 ms, was a figure no run had).
 */
function lowerMedian(sorted: readonly number[]): number {
  return sorted[(sorted.length - 1) >> 1];
}

/** The runs of one commit (a run without a commit is its own group), in commit order. */
function byCommit(rows: readonly CaseHistoryRow[]): CaseHistoryRow[][] {
  const groups = new Map<string, CaseHistoryRow[]>();
  for (const row of rows) {
    const id = row.commitSha ?? `run ${row.runId}`;
    const group = groups.get(id);
    if (group) group.push(row);
    else groups.set(id, [row]);
  }
  return [...groups.values()];
}

export function caseHistory(
  store: Store,
  key: string,
  metric: HistoryMetric,
  limit: number,
  filter: { branch?: string | null; host?: string | null } = {},
): HistoryPoint[] {
  const rows = store.caseHistoryRows(key, limit * ROWS_PER_POINT, filter).reverse();
  const points: HistoryPoint[] = [];
  let previous: { value: number; rows: CaseHistoryRow[] } | null = null;
  for (const group of byCommit(rows)) {
    const measured = group.filter((r) => metricOf(r, metric) !== null);
    if (measured.length === 0) continue;
    const values = measured.map((r) => metricOf(r, metric)!).sort((a, b) => a - b);
    const value = lowerMedian(values);
    let regression = false;
    // Wall-clock on another engine is another simulator's time: shown, never judged.
    const unjudgedReason =
      previous === null || metric === 'modeled'
        ? null
        : enginesDiffer(enginesOf(previous.rows), enginesOf(measured));
    if (previous !== null) {
      const changePct = ((value - previous.value) / previous.value) * 100;
      if (metric === 'modeled') {
        regression = changePct > COMPARE_DEFAULTS.modeledThresholdPct;
      } else if (unjudgedReason === null && changePct > COMPARE_DEFAULTS.wallThresholdPct) {
        const pooled = (rs: CaseHistoryRow[]) =>
          rs.flatMap((r) => store.getSamples(r.caseId)?.samplesNs ?? []);
        const a = pooled(previous.rows);
        const b = pooled(measured);
        regression = a.length > 0 && b.length > 0 && mannWhitneyU(b, a).p < COMPARE_DEFAULTS.alpha;
      }
    }
    const latest = measured[measured.length - 1];
    const { modeledMean: _m, wallP50: _p50, wallP99: _p99, engine: _e, ...where } = latest;
    points.push({
      ...where,
      value,
      min: values[0],
      max: values[values.length - 1],
      runs: measured.length,
      regression,
      ...(unjudgedReason === null ? {} : { unjudgedReason }),
    });
    previous = { value, rows: measured };
  }
  return points.slice(-limit);
}
