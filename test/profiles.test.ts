import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { COST_KEYS, loadProfile, parseProfile, profileNames } from '../sim/profile.js';

test('every shipped profile loads, cites every number and converts it to whole cycles', () => {
  const names = profileNames();
  assert.ok(names.length >= 2);
  for (const name of names) {
    const p = loadProfile(name);
    for (const key of COST_KEYS) {
      assert.ok(p.entries[key].source.length > 20, `${name}.${key} cites a source`);
      assert.ok(Number.isInteger(p.cycles[key]) && p.cycles[key] > 0, `${name}.${key} in cycles`);
    }
    assert.equal(p.cycles.invlpg, Math.round(100 * p.ghz), 'INVLPG ≈ 100 ns (tlb.c)');
  }
});

test('a profile without a source, or with an unknown cost, is refused with its path and key', () => {
  const good = JSON.parse(JSON.stringify(loadProfile('xeon-gold-5418y-2s').entries));
  const base = {
    name: 'x',
    ghz: 2,
    topology: { sockets: 1, coresPerSocket: 4, threadsPerCore: 1, coresPerLlc: 4 },
  };
  assert.throws(
    () =>
      parseProfile(
        { ...base, costs: { ...good, invlpg: { ...good.invlpg, source: '' } } },
        'p.json',
      ),
    (e: Error & { code?: string }) =>
      e.code === 'FLUSHBENCH_ERR_INVALID_PROFILE' &&
      /p\.json: costs\.invlpg\.source/.test(e.message),
  );
  assert.throws(
    () => parseProfile({ ...base, costs: { ...good, warpDrive: good.invlpg } }),
    /costs\.warpDrive is not a known cost/,
  );
  const dir = mkdtempSync(join(tmpdir(), 'flushbench-'));
  const file = join(dir, 'bad.json');
  writeFileSync(file, '{ nope');
  assert.throws(() => loadProfile(file), /is not valid JSON/);
});
