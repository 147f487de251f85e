/**
 * One metric of one case over commits, oldest first, each point marked when it regressed against
 * the point before it — by the same rules as `flushbench compare`: modeled cycles beyond the
 * modeled threshold; wall-clock only when the Mann–Whitney U test on the samples is significant
 * and the median moved by at least the wall threshold.
 */
import { COMPARE_DEFAULTS } from './compare.js';
import type { HistoryMetric, HistoryPoint } from './history-points.js';
import { mannWhitneyU } from './statistics.js';
import type { CaseHistoryRow, Store } from './store.js';

function metricOf(row: CaseHistoryRow, metric: HistoryMetric): number | null {
  if (metric === 'modeled') return row.modeledMean;
  return metric === 'wall-p50' ? row.wallP50 : row.wallP99;
}

export function caseHistory(
  store: Store,
  key: string,
  metric: HistoryMetric,
  limit: number,
): HistoryPoint[] {
  const rows = store.caseHistoryRows(key, limit).reverse();
  const points: HistoryPoint[] = [];
  let previous: CaseHistoryRow | null = null;
  for (const row of rows) {
    const value = metricOf(row, metric);
    if (value === null) continue;
    let regression = false;
    if (previous !== null) {
      const before = metricOf(previous, metric)!;
      const changePct = ((value - before) / before) * 100;
      if (metric === 'modeled') {
        regression = changePct > COMPARE_DEFAULTS.modeledThresholdPct;
      } else if (changePct > COMPARE_DEFAULTS.wallThresholdPct) {
        const a = store.getSamples(previous.caseId)?.samplesNs ?? [];
        const b = store.getSamples(row.caseId)?.samplesNs ?? [];
        regression = a.length > 0 && b.length > 0 && mannWhitneyU(b, a).p < COMPARE_DEFAULTS.alpha;
      }
    }
    const { modeledMean: _m, wallP50: _p50, wallP99: _p99, ...where } = row;
    points.push({ ...where, value, regression });
    previous = row;
  }
  return points;
}
