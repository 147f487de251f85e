/**
 * Red team F6: an upload to a server whose disk is full answered 500, in Fastify's shape. It now
 * answers 507 with FLUSHBENCH_ERR_STORAGE_FULL in the registry's, and stores nothing. The store's
 * write is made to fail as SQLite fails on a full disk (SQLITE_FULL) — the disk itself is
 * disk-full.test.ts's subject; here it is what the route makes of it.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { buildApp } from '../server/app.js';
import { syntheticRun, tempDb } from './helpers.js';

const TOKEN = 'full-disk-token';
let app: Awaited<ReturnType<typeof buildApp>>;
before(async () => {
  app = await buildApp({ dbFile: tempDb(), token: TOKEN });
});
after(() => app.close());

test('an upload to a full disk answers 507 STORAGE_FULL and stores nothing', async () => {
  const store = app.store;
  const insert = store.insertRun.bind(store);
  store.insertRun = () => {
    throw new Database.SqliteError('database or disk is full', 'SQLITE_FULL');
  };
  try {
    const r = await app.inject({
      method: 'POST',
      url: '/api/runs',
      headers: { authorization: `Bearer ${TOKEN}` },
      payload: syntheticRun() as never,
    });
    assert.equal(r.statusCode, 507, r.body);
    assert.equal(r.json().error.code, 'FLUSHBENCH_ERR_STORAGE_FULL');
    assert.match(r.json().error.message, /disk is full: the run was not stored/);
  } finally {
    store.insertRun = insert;
  }
  assert.equal(store.countRuns(), 0, 'nothing stored');
  const ok = await app.inject({
    method: 'POST',
    url: '/api/runs',
    headers: { authorization: `Bearer ${TOKEN}` },
    payload: syntheticRun() as never,
  });
  assert.equal(ok.statusCode, 201, 'with room again, the same upload is taken');
});
