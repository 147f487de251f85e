/**
 * The bench table prints the speedups and flags each case's verdict stores, and divides nothing
 * itself: a verdict no division of the table's own could give shows as it is.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatRunTables } from '../cli/run-tables.js';
import { withVerdicts } from '../data/case-verdict.js';
import type { RunRecord } from '../data/run-record.js';
import { syntheticCase, syntheticRun } from './helpers.js';

/** async-inline's row, its verdict changed by `verdict`, in the table of `run`. */
function tableOf(run: RunRecord, verdict: Partial<NonNullable<RunRecord['cases'][0]['verdict']>>) {
  const head = run.cases[1];
  head.verdict = { ...head.verdict!, ...verdict };
  const text = formatRunTables(run);
  return { text, row: text.split('\n').find((l) => l.startsWith('async-inline'))! };
}

/** sync and async-inline at 2 CPUs, judged against sync. */
const twoCases = (): RunRecord =>
  withVerdicts(
    syntheticRun({
      cases: [
        syntheticCase({ protocol: 'sync', cpus: 2 }),
        syntheticCase({ protocol: 'async-inline', cpus: 2 }),
      ],
    }),
    { baseline: 'sync', oracle: () => 'clean' },
  );

test('the table shows the verdict’s modeled and wall speedups', () => {
  const { row } = tableOf(twoCases(), { speedup: 3.25, wallSpeedup: 1.75 });
  assert.match(row, /3\.25×/);
  assert.match(row, /1\.75×/);
});

test('an oversubscribed or noisy verdict puts the wall speedup in parentheses, with its mark', () => {
  const run = twoCases();
  const { text, row } = tableOf(run, { wallSpeedup: 1.75, oversubscribed: true });
  assert.match(row, /\(1\.75×\)/);
  assert.match(text, /more CPUs than this machine's/);
  assert.match(tableOf(run, { oversubscribed: false, noisy: true }).row, /\(1\.75×\)/);
});
