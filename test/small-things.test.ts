/**
 * Red team F11, the small things: an injected `--fault 1:throw` printed the worker's stack;
 * `kernel --cpus 1,1` ran the case twice; import refused a UTF-8 byte-order mark the server
 * accepts.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { cli, syntheticRun, tempDb } from './helpers.js';

test('an injected throw is reported by its message, without the worker’s stack', () => {
  const r = cli(['sim', '--cpus', '2', '--fault', '1:throw', '--flushes', '20']);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /CPU 1 crashed: injected fault: CPU 1 threw in its IPI handler/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack');
});

test('kernel --cpus names each count once: 1,1 is refused before anything runs', () => {
  const r = cli(['kernel', '--cpus', '1,1']);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /--cpus must name each CPU count once \(got 1 twice in "1,1"\)/);
  assert.equal(r.stdout, '');
});

test('import takes a run file that starts with a UTF-8 byte-order mark', () => {
  const db = tempDb();
  const file = join(dirname(db), 'bom.json');
  writeFileSync(file, `\uFEFF${JSON.stringify(syntheticRun({ uuid: 'with-bom' }))}`);
  const r = cli(['import', file, '--db', db]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /stored in .* as run 1/);
});
