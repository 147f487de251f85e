/**
 * `flushbench import <file>`: a run file is checked as an upload is, its contents are never quoted
 * back, and nothing is stored unless all of it is good.
 */
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { completeVerdicts } from '../data/case-verdict.js';
import { Store } from '../data/store.js';
import { runMain } from './cli-in-process.js';
import { syntheticCase, syntheticRun, tempDb } from './helpers.js';

function runFile(content: string): string {
  const file = join(dirname(tempDb()), 'run.json');
  writeFileSync(file, content);
  return file;
}

async function refusedImport(content: string, reason: RegExp) {
  const db = tempDb();
  const r = await runMain(['import', runFile(content), '--db', db]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, reason);
  assert.equal(existsSync(db), false, 'no database was made for a bad file');
  return r;
}

test('a file that is not JSON is refused without quoting it', async () => {
  const r = await refusedImport(
    'root:$6$secretsalt$hash:19000:0:99999:7:::\n',
    /is not valid JSON/,
  );
  assert.doesNotMatch(r.stderr, /secretsalt|root:/);
});

test('a JSON value that is not a run names the first thing wrong with its path', async () => {
  await refusedImport('{"uuid": 1}', /is not a flushbench run: \/ must have required properties/);
  const run = syntheticRun();
  (run.cases[0] as { cpus: unknown }).cpus = true;
  await refusedImport(JSON.stringify(run), /\/cases\/0\/cpus/);
});

test('a number too large to be finite (1e400) is refused, not stored as Infinity or 0', async () => {
  const text = JSON.stringify(syntheticRun()).replace('"p50":1000', '"p50":1e400');
  await refusedImport(text, /\/cases\/0\/wallNs\/p50 must be a finite number/);
});

test('a file nested deeper than any run is refused before it is parsed', async () => {
  await refusedImport(
    `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
    /nests arrays and objects deeper than 64/,
  );
});

test('two cases with one key are refused, naming both', async () => {
  const c = syntheticCase({ protocol: 'sync' });
  await refusedImport(
    JSON.stringify(syntheticRun({ cases: [c, { ...c }] })),
    /\/cases\/1\/key must be unique in the run \(got .*, also the key of \/cases\/0\)/,
  );
});

test('a missing file is named', async () => {
  const r = await runMain(['import', join(dirname(tempDb()), 'nope.json'), '--db', tempDb()]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /nope\.json cannot be read \(it does not exist\)/);
});

test('what bench --json prints (the run with its id) is imported as the run', async () => {
  const run = syntheticRun();
  const db = tempDb();
  const r = await runMain(['import', runFile(JSON.stringify({ id: 7, ...run })), '--db', db]);
  assert.equal(r.code, 0, r.stderr);
  const store = Store.openRead(db);
  try {
    // Stored with every case's verdict, judged on its facts (the record came without).
    assert.deepEqual(store.getRunRecord(1), completeVerdicts(run));
  } finally {
    store.close();
  }
});
