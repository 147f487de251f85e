/**
 * validate --sensitivity: for every point but the baselines, the costs its modeled ratio depends
 * on most, as elasticities, each saying whether the cost is an estimate; stored with the run.
 * Two measurements on two profiles keep it quick (each cost is raised in turn and re-run).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { loadPublished } from '../bench/validate.js';
import { Store } from '../data/store.js';
import type { PointSensitivity, ValidationConfig } from '../data/validation.js';
import { loadProfile } from '../sim/index.js';
import { COST_KEYS } from '../sim/shared/profile.js';
import { cli, tempDb } from './helpers.js';

test('validate --sensitivity --json lists the elasticities of every point, and stores them', () => {
  const db = tempDb();
  const published = loadPublished();
  const ids = ['amit-rfc-2019-one-target', 'hansen-2014-flush-pages'];
  const file = join(dirname(db), 'published.json');
  writeFileSync(
    file,
    JSON.stringify({
      ...published,
      measurements: published.measurements.filter((m) => ids.includes(m.id)),
    }),
  );
  const r = cli(['validate', '--file', file, '--db', db, '--sensitivity', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { id: number; sensitivity: PointSensitivity[] };
  const points = published.measurements
    .filter((m) => ids.includes(m.id))
    .flatMap((m) => m.points.slice(1).map((p) => ({ ...p, m })));
  assert.equal(out.sensitivity.length, points.length);
  for (const [i, p] of points.entries()) {
    const s = out.sensitivity[i];
    assert.deepEqual(
      [s.measurement, s.protocol, s.cpus, s.pages],
      [p.m.id, p.protocol, p.cpus, p.pages],
    );
    assert.ok(s.costs.length >= 1 && s.costs.length <= 3, `${s.measurement}: ${s.costs.length}`);
    const profile = loadProfile(p.m.profile);
    for (const [k, c] of s.costs.entries()) {
      assert.ok((COST_KEYS as readonly string[]).includes(c.cost));
      assert.ok(Number.isFinite(c.elasticity) && c.elasticity !== 0);
      assert.equal(c.estimate, profile.entries[c.cost as (typeof COST_KEYS)[number]].estimate);
      if (k > 0) assert.ok(Math.abs(c.elasticity) <= Math.abs(s.costs[k - 1].elasticity));
    }
  }
  // Flushing more pages leans on INVLPG: a dearer INVLPG steepens every ratio to the 1-page point.
  for (const s of out.sensitivity.filter((x) => x.measurement === 'hansen-2014-flush-pages')) {
    const invlpg = s.costs.find((c) => c.cost === 'invlpg');
    assert.ok(invlpg && invlpg.elasticity > 0, `${s.pages} pages: ${JSON.stringify(s.costs)}`);
  }
  const store = Store.open(db);
  const stored = store.getRunRecord(out.id)!.config as ValidationConfig;
  store.close();
  assert.deepEqual(stored.sensitivity, out.sensitivity);
});
