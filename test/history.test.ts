/**
 * History is one point per commit — the lower median of its runs, a value one of them measured,
 * with their spread — so two runs of one commit never make a regression, whatever they measured;
 * regressions are between commits; and the branch and host filters keep only their runs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { caseHistory } from '../data/history.js';
import type { RunRecord } from '../data/run-record.js';
import { Store } from '../data/store.js';
import { syntheticCase, syntheticRun, tempDb } from './helpers.js';

/** A run of one sync case on `sha` (committed on `day`), branch and host as given. */
function runOf(
  sha: string,
  day: number,
  modeled: number,
  branch = 'main',
  host = 'ci-1',
): RunRecord {
  const base = syntheticCase({ protocol: 'sync' });
  const time = `2026-03-${String(day).padStart(2, '0')}T10:00:00Z`;
  return syntheticRun({
    commit: {
      sha: sha.repeat(40).slice(0, 40),
      branch,
      dirty: false,
      subject: `commit ${sha}`,
      time,
    },
    startedAt: time,
    host: { hostname: host, cpuModel: 'cpu', cores: 2, os: 'Linux', nodeVersion: 'v20' },
    cases: [{ ...base, modeledCycles: { ...base.modeledCycles!, mean: modeled } }],
  });
}

const KEY = syntheticCase({ protocol: 'sync' }).key;

test('two runs of one commit are one point (their lower median), never a regression', () => {
  const store = Store.open(tempDb());
  try {
    store.insertRun(runOf('a', 1, 1000));
    store.insertRun(runOf('b', 2, 1400));
    store.insertRun(runOf('b', 2, 1200)); // −14 % on the same commit
    store.insertRun(runOf('c', 3, 1500));
    const points = caseHistory(store, KEY, 'modeled', 50);
    assert.deepEqual(
      points.map((p) => [p.commitSha?.[0], p.value, p.min, p.max, p.runs, p.regression]),
      [
        ['a', 1000, 1000, 1000, 1, false],
        // The lower of b's two runs, one that was measured (not their mean, 1300), with the
        // spread; +20 % on a: a regression between commits.
        ['b', 1200, 1200, 1400, 2, true],
        ['c', 1500, 1500, 1500, 1, true],
      ],
    );
    // The same commit run twice in a row, however far apart: one point.
    const same = Store.open(tempDb());
    same.insertRun(runOf('d', 4, 1000));
    same.insertRun(runOf('d', 4, 3000));
    const one = caseHistory(same, KEY, 'modeled', 50);
    assert.equal(one.length, 1);
    assert.equal(one[0].regression, false);
    same.close();
  } finally {
    store.close();
  }
});

test('the branch and host filters keep only their runs; the sources list both', () => {
  const store = Store.open(tempDb());
  try {
    store.insertRun(runOf('a', 1, 1000, 'main', 'ci-1'));
    store.insertRun(runOf('b', 2, 2000, 'feature', 'ci-1'));
    store.insertRun(runOf('c', 3, 1100, 'main', 'laptop'));
    store.insertRun(runOf('e', 5, 1050, 'main', 'ci-1'));
    const shas = (filter: { branch?: string; host?: string }) =>
      caseHistory(store, KEY, 'modeled', 50, filter).map((p) => p.commitSha?.[0]);
    assert.deepEqual(shas({}), ['a', 'b', 'c', 'e']);
    assert.deepEqual(shas({ branch: 'main' }), ['a', 'c', 'e']);
    assert.deepEqual(shas({ branch: 'feature' }), ['b']);
    assert.deepEqual(shas({ host: 'laptop' }), ['c']);
    assert.deepEqual(shas({ branch: 'main', host: 'ci-1' }), ['a', 'e']);
    // Regressions are judged within the filter: on main and ci-1, a (1000) is followed by e (1050).
    const mainCi = caseHistory(store, KEY, 'modeled', 50, { branch: 'main', host: 'ci-1' });
    assert.equal(mainCi[1].regression, true, '+5 % modeled is beyond the 2 % threshold');
    assert.deepEqual(store.caseHistorySources(KEY), {
      branches: ['main', 'feature'],
      hosts: ['ci-1', 'laptop'],
    });
  } finally {
    store.close();
  }
});
