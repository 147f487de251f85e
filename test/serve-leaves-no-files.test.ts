/**
 * Red team F7: a serve without uploads only reads, yet it left `-wal` and `-shm` beside the
 * database (a read-only SQLite connection makes them and cannot remove them). Now it reads a
 * writable file through a `query_only` connection, which removes them when it closes: after the
 * server answered and stopped, and after serve's exit-2 paths, the folder holds the database
 * alone — and the server still sees runs stored while it runs.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { test } from 'node:test';
import { Store } from '../data/store.js';
import { buildApp } from '../server/app.js';
import { cli, syntheticRun, tempDb } from './helpers.js';

function storedDb(): string {
  const db = tempDb();
  const store = Store.open(db);
  store.insertRun(syntheticRun({ uuid: 'first' }));
  store.close();
  assert.deepEqual(readdirSync(dirname(db)), [basename(db)], 'the database alone to start with');
  return db;
}

test('a token-less server reads, sees new runs, and leaves no -wal or -shm when it stops', async () => {
  const db = storedDb();
  const app = await buildApp({ dbFile: db });
  try {
    const before = await app.inject({ url: '/api/runs' });
    assert.equal(before.json().runs.length, 1);
    // A bench storing a run while the server runs: the server shows it.
    const writer = Store.open(db);
    writer.insertRun(syntheticRun({ uuid: 'second' }));
    writer.close();
    const after = await app.inject({ url: '/api/runs' });
    assert.equal(after.json().runs.length, 2);
    const refused = await app.inject({ method: 'POST', url: '/api/runs', payload: {} });
    assert.equal(refused.statusCode, 403, 'and it takes no upload');
  } finally {
    await app.close();
  }
  assert.deepEqual(readdirSync(dirname(db)), [basename(db)]);
});

test('serve’s exit-2 paths leave the folder as it was', () => {
  const db = storedDb();
  for (const args of [
    ['--port', '80x'],
    ['--host', 'not a host'],
  ]) {
    const r = cli(['serve', '--db', db, ...args]);
    assert.equal(r.status, 2, r.stderr);
    assert.deepEqual(readdirSync(dirname(db)), [basename(db)], args.join(' '));
  }
});
