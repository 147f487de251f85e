/**
 * Red team F9: every field of a profile is bounded where it is read. A 100,000-character name
 * was stored by bench and then refused by import and the server; ghz 5e-324 gave null modeled
 * ns and 1e-300 gave 1.4e303; a cost of 1e999 was reported as "(got null)".
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseProfile } from '../sim/shared/profile.js';
import { rawProfile } from './fixtures/raw-profile.js';

const base = () => ({ ...rawProfile({ cores: 8 }), name: 'limits' });

test('a name is 1 to 64 safe characters: a 100,000-character one is refused, shown cut', () => {
  assert.equal(parseProfile(base()).name, 'limits');
  const long = 'n'.repeat(100_000);
  assert.throws(
    () => parseProfile({ ...base(), name: long }),
    (err: Error) =>
      /name must be 1 to 64 letters, digits, dots, underscores or hyphens/.test(err.message) &&
      err.message.length < 400,
  );
  for (const name of ['', 'a b', '../x', 'x\r\ny', `${'a'.repeat(65)}`]) {
    assert.throws(() => parseProfile({ ...base(), name }), /name must be 1 to 64/, name);
  }
});

test('ghz is at least 0.1: 5e-324 and 1e-300 are refused, named', () => {
  for (const ghz of [5e-324, 1e-300, 0.05]) {
    assert.throws(
      () => parseProfile({ ...base(), ghz }),
      new RegExp(`ghz must be at least 0\\.1 \\(got ${String(ghz).replace(/[.+-]/g, '\\$&')}\\)`),
    );
  }
  assert.equal(parseProfile({ ...base(), ghz: 0.1 }).ghz, 0.1);
});

test('a cost of 1e999 is reported as Infinity, not null', () => {
  const p = base();
  p.costs.ipiSend.value = Number.POSITIVE_INFINITY;
  assert.throws(() => parseProfile(p), /costs\.ipiSend\.value must be .* \(got Infinity\)/);
});
