/**
 * Every cost of every built-in profile keeps a ledger: each value it has had, the source's figure,
 * the commit, and validate's score before and after. A value changed without its entry is refused
 * when the profile loads, naming the cost — so a cost cannot move unrecorded.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { loadProfile, profileNames } from '../sim/index.js';
import { parseProfile } from '../sim/shared/profile.js';

const PROFILES = new URL('../../sim/profiles/', import.meta.url);

type Raw = {
  costs: Record<string, { value: number; ledger?: { value: number; commit: string | null }[] }>;
};
const raw = (name: string): Raw =>
  JSON.parse(readFileSync(new URL(`${name}.json`, PROFILES), 'utf8'));

for (const name of profileNames()) {
  test(`${name}: every cost's value is its ledger's last entry`, () => {
    const p = raw(name);
    for (const [key, cost] of Object.entries(p.costs)) {
      assert.ok(cost.ledger && cost.ledger.length > 0, `${key} keeps no ledger`);
      assert.equal(cost.value, cost.ledger.at(-1)!.value, key);
      for (const [i, e] of cost.ledger.entries()) {
        if (i > 0)
          assert.notEqual(e.value, cost.ledger[i - 1].value, `${key}: entry ${i} changes nothing`);
      }
    }
    // And the loader holds the same rule.
    const loaded = loadProfile(name);
    assert.ok(loaded.name === name);
  });
}

test('a cost whose value moved without a ledger entry is refused, naming the cost', () => {
  const p = raw('xeon-e5-2680v3-2s');
  p.costs.invlpg.value *= 2;
  assert.throws(
    () => parseProfile(p, 'edited.json'),
    /profile edited\.json: costs\.invlpg\.value must equal its ledger's last entry \(216\): a changed cost needs its ledger entry \(got 432\)/,
  );
  // With the entry, it loads.
  p.costs.invlpg.ledger!.push({
    value: 432,
    commit: null,
    ...{ figure: null, validate: null, note: 'test' },
  });
  assert.equal(parseProfile(p, 'edited.json').entries.invlpg.value, 432);
});
