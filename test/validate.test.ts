/**
 * `flushbench validate`: published against modeled, within the file's tolerance, stored like a
 * run. What it prints depends on the model, not the clock: the assertions are its arithmetic,
 * its exit code against its own table, and what it stores.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { loadPublished } from '../bench/validate.js';
import { Store } from '../data/store.js';
import { loadProfile } from '../sim/index.js';
import { cli, tempDb } from './helpers.js';

test('validate prints every published figure beside the modeled one, and exits 1 exactly when a ratio misses', () => {
  const db = tempDb();
  const r = cli(['validate', '--db', db, '--json']);
  const out = JSON.parse(r.stdout);
  const published = loadPublished();
  const expected = published.measurements.reduce(
    (n, m) => n + Object.keys(m.publishedNs).length,
    0,
  );
  assert.equal(out.rows.length, expected);
  for (const row of out.rows) {
    const m = published.measurements.find((x) => x.id === row.measurement)!;
    assert.equal(row.publishedNs, m.publishedNs[row.protocol as keyof typeof m.publishedNs]);
    assert.equal(row.publishedRatio, row.publishedNs / m.publishedNs[m.baseline]!);
    assert.ok(Math.abs(row.ratioError - (row.modeledRatio / row.publishedRatio - 1)) < 1e-12);
    assert.equal(row.withinTolerance, Math.abs(row.ratioError) <= published.tolerance.ratio);
  }
  const misses = out.rows.filter((x: { withinTolerance: boolean }) => !x.withinTolerance).length;
  assert.equal(out.misses, misses);
  assert.equal(r.status, misses > 0 ? 1 : 0, r.stderr);

  // Stored like a run: the modeled cases, and the comparison in its config.
  const store = Store.open(db);
  const run = store.getRunRecord(out.id)!;
  store.close();
  assert.equal(run.suite, 'validate');
  assert.equal(run.cases.length, expected);
  assert.deepEqual((run.config as { rows: unknown }).rows, out.rows);
  // The modeled ns are the stored cases' cycles at the profile's clock.
  for (const row of out.rows) {
    const m = published.measurements.find((x) => x.id === row.measurement)!;
    const c = run.cases.find(
      (x) => x.protocol === row.protocol && x.cpus === m.cpus && x.profile === m.profile,
    )!;
    assert.ok(c.status === 'completed', c.key);
    assert.equal(row.modeledNs, c.modeledCycles.iterationMean / loadProfile(m.profile).ghz);
  }
});

test('a bad measurement file is refused with exit 2, its path and the rule, and nothing is stored', () => {
  const db = tempDb();
  const file = join(dirname(db), 'published.json');
  const good = loadPublished();
  const cases: [unknown, RegExp][] = [
    [
      { ...good, tolerance: { ratio: 3 } },
      /tolerance\.ratio must be a number between 0 and 1 \(got 3\)/,
    ],
    [
      { ...good, measurements: [{ ...good.measurements[0], workload: 'fork' }] },
      /workload must be one of madvise.* \(got "fork"\)/,
    ],
    [
      { ...good, measurements: [{ ...good.measurements[0], publishedNs: { 'sync-9': 1 } }] },
      /publishedNs names no protocol "sync-9"/,
    ],
  ];
  for (const [content, message] of cases) {
    writeFileSync(file, JSON.stringify(content));
    const r = cli(['validate', '--file', file, '--db', db]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.match(r.stderr, /published\.json/);
  }
  const store = Store.open(db);
  assert.equal(store.countRuns(), 0);
  store.close();
});
