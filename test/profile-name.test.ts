/**
 * Red team F8: cases are keyed by their profile's name, so a profile file that took a built-in's
 * name had its cases stored, and compared, as the built-in's (a 3740 % "regression"). Such a
 * file is refused with exit 2 and nothing stored; the built-in's own file, given by path, loads.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadProfile } from '../sim/shared/profile.js';
import { cli, tempDb } from './helpers.js';

const BUILT_IN = fileURLToPath(
  new URL('../../sim/profiles/xeon-gold-5418y-2s.json', import.meta.url),
);

test('a profile file named like a built-in is refused by sim and bench, and nothing is stored', () => {
  const profile = JSON.parse(readFileSync(BUILT_IN, 'utf8'));
  profile.costs.ipiSend.value *= 40;
  for (const c of Object.values(profile.costs) as { ledger?: unknown }[]) delete c.ledger;
  const db = tempDb();
  const file = join(dirname(db), 'posing.json');
  writeFileSync(file, JSON.stringify(profile));
  const rule = /name must not be a built-in profile's, .*\(got "xeon-gold-5418y-2s"\)/;
  const sim = cli(['sim', '--profile', file, '--flushes', '20']);
  assert.equal(sim.status, 2, sim.stderr);
  assert.match(sim.stderr, rule);
  const bench = cli(['bench', '--suite', 'smoke', '--profile', file, '--db', db]);
  assert.equal(bench.status, 2, bench.stderr);
  assert.match(bench.stderr, rule);
  assert.equal(existsSync(db), false, 'no database is created');
  // The control: under a name of its own the same costs load.
  profile.name = 'dear-ipis';
  writeFileSync(file, JSON.stringify(profile));
  assert.equal(loadProfile(file).name, 'dear-ipis');
});

test('the built-in profile’s own file, given by path, is the built-in', () => {
  assert.equal(loadProfile(BUILT_IN).name, 'xeon-gold-5418y-2s');
  assert.deepEqual(loadProfile(BUILT_IN).cycles, loadProfile('xeon-gold-5418y-2s').cycles);
});
