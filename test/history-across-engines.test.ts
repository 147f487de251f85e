/**
 * History marks regressions by compare's rules, and compare never judges wall-clock across
 * engines: a wall jump where the case moved from the threads engine (or none stored) to the
 * cooperative engine is a point with the reason, not a regression; the same jump on one engine
 * is one. Modeled cycles are judged across engines.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { caseHistory } from '../data/history.js';
import type { MeasuredCase } from '../data/run-record.js';
import { Store } from '../data/store.js';
import { syntheticCase, syntheticRun, tempDb } from './helpers.js';

const SAMPLES = 200;
const KEY = syntheticCase({ protocol: 'sync' }).key;

/** A run of one sync case, committed on `day`, at `wall`× the wall-clock and `modeled`× cycles. */
function runOf(day: number, wall: number, modeled: number, over: Partial<MeasuredCase> = {}) {
  const c = syntheticCase({ protocol: 'sync' });
  const samplesNs = Array.from({ length: SAMPLES }, (_, k) => (1000 + (k % 50)) * wall);
  const time = `2026-03-${String(day).padStart(2, '0')}T10:00:00Z`;
  return syntheticRun({
    commit: {
      sha: String(day).repeat(40).slice(0, 40),
      branch: 'main',
      dirty: false,
      subject: `day ${day}`,
      time,
    },
    startedAt: time,
    cases: [
      {
        ...c,
        wallNs: { ...c.wallNs, p50: 1025 * wall },
        samplesNs,
        samplesTotal: SAMPLES,
        modeledCycles: { ...c.modeledCycles!, mean: 3179 * modeled },
        ...over,
      },
    ],
  });
}

test('a wall jump across engines is not a regression; on one engine it is', () => {
  const store = Store.open(tempDb());
  const cooperative = {
    engine: 'cooperative' as const,
    workers: 1,
    schedule: {
      seed: 7,
      policy: 'pct' as const,
      depth: 3,
      steps: 80,
      replay: 'flushbench sim --engine cooperative --schedule-seed 7 --protocol sync --cpus 2',
      firstViolationSteps: null,
    },
  };
  try {
    store.insertRun(runOf(1, 1, 1)); // no engine stored: threads
    store.insertRun(runOf(2, 1.5, 1.1, cooperative)); // +50 % wall, +10 % modeled, cooperative
    store.insertRun(runOf(3, 2.25, 1.1, cooperative)); // +50 % wall again, same engine
    const wall = caseHistory(store, KEY, 'wall-p50', 50);
    assert.deepEqual(
      wall.map((p) => [p.regression, p.unjudgedReason]),
      [
        [false, undefined],
        [false, 'engines differ: threads → cooperative'],
        [true, undefined],
      ],
    );
    const modeled = caseHistory(store, KEY, 'modeled', 50);
    assert.deepEqual(
      modeled.map((p) => [p.regression, p.unjudgedReason]),
      [
        [false, undefined],
        [true, undefined],
        [false, undefined],
      ],
      'modeled cycles are judged across engines',
    );
  } finally {
    store.close();
  }
});
