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
import { WORKLOAD_TRAITS } from '../sim/shared/workloads.js';
import { cli, tempDb } from './helpers.js';

test('validate prints every published figure beside the modeled one, and with no base exits 0 whatever it missed', () => {
  const db = tempDb();
  const r = cli(['validate', '--db', db, '--json']);
  const out = JSON.parse(r.stdout);
  const published = loadPublished();
  const expected = published.measurements.reduce((n, m) => n + m.points.length, 0);
  assert.equal(out.rows.length, expected);
  for (const m of published.measurements) {
    const rows = out.rows.filter((x: { measurement: string }) => x.measurement === m.id);
    assert.equal(rows.length, m.points.length, m.id);
    for (const [i, row] of rows.entries()) {
      const pt = m.points[i];
      assert.deepEqual(
        [row.protocol, row.cpus, row.pages, row.published],
        [pt.protocol, pt.cpus, pt.pages, pt.published],
      );
      assert.equal(row.publishedRatio, pt.published / m.points[0].published);
      assert.equal(row.modeledRatio, row.modeled / rows[0].modeled);
      assert.ok(Math.abs(row.ratioError - (row.modeledRatio / row.publishedRatio - 1)) < 1e-12);
      assert.equal(row.withinTolerance, Math.abs(row.ratioError) <= published.tolerance.ratio);
    }
  }
  const misses = out.rows.filter((x: { withinTolerance: boolean }) => !x.withinTolerance).length;
  assert.equal(out.misses, misses);
  // The score leaves each measurement's baseline out: its ratio is 1 by definition.
  const compared = out.rows.length - published.measurements.length;
  assert.deepEqual(out.score, {
    within: compared - misses,
    of: compared,
  });
  // RFC v2's figures beside each other: the code as posted, and async-inline with its bug fixed.
  for (const cpus of [2, 4]) {
    for (const protocol of ['async-rfc-v2-as-posted', 'async-inline']) {
      assert.ok(
        out.rows.some(
          (x: { protocol: string; cpus: number }) => x.protocol === protocol && x.cpus === cpus,
        ),
        `${protocol} at ${cpus} CPUs`,
      );
    }
  }
  // Nothing to gate against in an empty store: the score is the answer.
  assert.equal(out.base, null);
  assert.equal(r.status, 0, r.stderr);

  // Stored like a run: the modeled cases, and the comparison in its config.
  const store = Store.open(db);
  const run = store.getRunRecord(out.id)!;
  store.close();
  assert.equal(run.suite, 'validate');
  const distinct = new Set(
    published.measurements.flatMap((m) =>
      m.points.map((p) => `${m.profile}/${m.workload}/${p.protocol}/${p.cpus}/${p.pages}`),
    ),
  );
  assert.equal(run.cases.length, distinct.size);
  assert.deepEqual((run.config as { rows: unknown }).rows, out.rows);
  // The modeled figures are the stored cases' cycles, at the profile's clock for ns.
  for (const row of out.rows) {
    const m = published.measurements.find((x) => x.id === row.measurement)!;
    const c = run.cases.find(
      (x) =>
        x.protocol === row.protocol &&
        x.cpus === row.cpus &&
        x.pages === row.pages &&
        x.workload === m.workload &&
        x.profile === m.profile,
    )!;
    assert.ok(c.status === 'completed', c.key);
    const cycles =
      m.metric === 'iteration'
        ? c.modeledCycles!.iterationMean
        : m.metric === 'flush'
          ? c.modeledCycles!.mean
          : c.modeledCycles!.callMean!;
    const ghz = loadProfile(m.profile).ghz;
    // ops/s: will-it-scale's total, every CPU one iteration per `cycles`.
    const expected =
      m.unit === 'ops/s'
        ? (row.cpus * ghz * 1e9) / cycles
        : m.unit === 'ns'
          ? cycles / ghz
          : cycles;
    assert.equal(row.modeled, expected);
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
      { ...good, measurements: [{ ...good.measurements[0], profile: 'pentium-pro' }] },
      /profile must be one of .*xeon-e5-2680v3-2s.* \(got "pentium-pro"\)/,
    ],
    [
      { ...good, measurements: [{ ...good.measurements[0], workload: 'fork' }] },
      /workload must be one of madvise.* \(got "fork"\)/,
    ],
    [
      {
        ...good,
        measurements: [
          {
            ...good.measurements[0],
            points: [
              { protocol: 'sync-9', cpus: 1, pages: 1, published: 1 },
              good.measurements[0].points[1],
            ],
          },
        ],
      },
      /points\[0\]\.protocol names no protocol \(got "sync-9"\)/,
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

test('the published measurements are more than one author’s, and cover the flush from one CPU to many initiators', () => {
  const { measurements } = loadPublished();
  assert.ok(measurements.length >= 8, `${measurements.length} measurements`);
  const others = new Set(
    measurements.flatMap((m) => m.source.authors).filter((a) => a !== 'Nadav Amit'),
  );
  assert.ok(others.size >= 3, `authors other than Nadav Amit: ${[...others].join(', ')}`);
  const points = measurements.flatMap((m) => m.points.map((p) => ({ ...p, m })));
  // The local flush call alone.
  assert.ok(points.some((p) => p.m.metric === 'flush' && p.cpus === 1));
  // One initiator at several CPU counts.
  const single = new Set(points.filter((p) => p.m.workload === 'madvise').map((p) => p.cpus));
  assert.ok(single.size >= 3, `single-initiator CPU counts: ${[...single].join(', ')}`);
  // Several initiators, and broadcast invalidation.
  assert.ok(points.some((p) => WORKLOAD_TRAITS[p.m.workload].everyCpuInitiates));
  // will-it-scale's TLB tests, as LKML reports run them.
  assert.ok(points.some((p) => WORKLOAD_TRAITS[p.m.workload].willItScale !== null));
  assert.ok(points.some((p) => p.protocol === 'broadcast' && p.cpus >= 4));
});
