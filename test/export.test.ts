/**
 * `flushbench export`: the CSV keeps its columns (new ones go after them); gab's note says what
 * the oracle found; CSV numbers carry at most 3 decimals.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RUNNER_JUDGE } from '../bench/case-judge.js';
import { withVerdicts } from '../data/case-verdict.js';
import { exportRun } from '../data/export.js';
import type { MeasuredCase } from '../data/run-record.js';
import { syntheticCase, syntheticRun } from './helpers.js';

test('the CSV header is the same columns in the same order as ever, new ones after them', () => {
  const [header] = exportRun(syntheticRun(), 'csv').split('\n');
  assert.equal(
    header,
    'key,protocol,workload,cpus,pages,profile,status,wall_p50_ns,wall_p99_ns,wall_mean_ns,wall_rme_pct,samples,modeled_p50_cycles,modeled_mean_cycles,modeled_p99_cycles,modeled_iteration_cycles,checked_accesses,stale_uses,lost_writes,ack_window_violations,freed_table_walks,error,engine,workers,schedule_seed,oracle,speedup_vs,speedup_modeled,speedup_wall,wall_oversubscribed,wall_noisy',
  );
});

test('gab: a caught control is not a violation, a safe protocol that broke its guarantee is', () => {
  const oracle = (ackWindowViolations: number) => ({
    checkedAccesses: 100,
    staleUses: 0,
    lostWrites: 0,
    ackWindowViolations,
    freedTableWalks: 0,
    firstViolation: null,
  });
  const run = syntheticRun({
    cases: [
      syntheticCase({ protocol: 'sync' }),
      syntheticCase({ protocol: 'async-unsafe', oracle: oracle(7) }),
      syntheticCase({ protocol: 'concurrent', status: 'violated', oracle: oracle(1) }),
    ],
  });
  // The words are the verdicts the runner stores with each case.
  const notes = JSON.parse(exportRun(withVerdicts(run, RUNNER_JUDGE), 'gab'))
    .filter((e: { name: string }) => e.name.endsWith('modeled'))
    .map((e: { extra: string }) => e.extra.split('; ')[1]);
  assert.deepEqual(notes, ['oracle clean', 'oracle control caught', 'oracle VIOLATED']);
});

test('CSV numbers carry at most 3 decimals; whole numbers and text stay as they are', () => {
  const run = syntheticRun();
  const c = run.cases[0] as MeasuredCase;
  c.wallNs = { ...c.wallNs, mean: 109.99999994965037, p50: 1234.56789, p99: 42 };
  const [header, row] = exportRun(run, 'csv').split('\n');
  const cells = Object.fromEntries(header.split(',').map((h, i) => [h, row.split(',')[i]]));
  assert.equal(cells.wall_mean_ns, '110');
  assert.equal(cells.wall_p50_ns, '1234.568');
  assert.equal(cells.wall_p99_ns, '42');
  for (const cell of row.split(',')) assert.doesNotMatch(cell, /\.\d{4,}/, cell);
});
