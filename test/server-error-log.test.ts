/**
 * A 500 tells the client only that it happened, so the server's log must hold the cause: the
 * error handler logs it at error level, and `serve` logs at warn to stderr (it logged nothing).
 * A client's 4xx is not logged.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { createError, ErrorCodes } from '../common/errors.js';
import { Store } from '../data/store.js';
import { buildApp } from '../server/app.js';
import { serve } from '../server/main.js';
import { emptyDb, tempDb } from './helpers.js';

/** pino's numeric levels. */
const ERROR_LEVEL = 50;

test('a 500 is logged with its error at warn level; a 400 is not', async (t) => {
  const lines: { level: number; msg?: string; err?: { message: string; stack: string } }[] = [];
  const app = await buildApp({
    dbFile: emptyDb(),
    logger: { level: 'warn', stream: { write: (line: string) => lines.push(JSON.parse(line)) } },
  });
  t.after(() => app.close());

  const refused = await app.inject({ url: '/api/runs?offset=-1' });
  assert.equal(refused.statusCode, 400);
  assert.equal(lines.length, 0, 'a client error is not logged');

  // The store closed under the server: every read fails, the server's own fault.
  app.store.close();
  const r = await app.inject({ url: '/api/health' });
  assert.equal(r.statusCode, 500);
  assert.deepEqual(r.json(), {
    error: { code: ErrorCodes.INTERNAL, message: 'internal error (see the server log)' },
  });
  const logged = lines.filter((l) => l.level >= ERROR_LEVEL);
  assert.equal(logged.length, 1, JSON.stringify(lines));
  assert.match(logged[0].err?.message ?? '', /database connection is not open/);
  assert.ok(logged[0].err?.stack, 'the stack is in the log');
});

test('a registry error that is not the client’s (a failed run or store) is answered INTERNAL', async (t) => {
  const app = await buildApp({ dbFile: emptyDb(), logger: false });
  t.after(() => app.close());
  t.mock.method(app.store, 'listRuns', () => {
    throw createError('STORE', ['the database file /srv/secret.db cannot be read']);
  });
  const r = await app.inject({ url: '/api/runs' });
  assert.equal(r.statusCode, 500);
  assert.deepEqual(r.json(), {
    error: { code: ErrorCodes.INTERNAL, message: 'internal error (see the server log)' },
  });
});

test('serve logs at warn to stderr by default: a 500 leaves its cause there', async (t) => {
  const file = tempDb();
  Store.open(file).close();
  const server = await serve({ port: 0, host: '127.0.0.1', dbFile: file, token: null });
  t.after(() => server.close());
  // The runs table gone under the server, as a broken migration or a hand edit would leave it.
  const raw = new Database(file);
  raw.exec('DROP TABLE runs');
  raw.close();
  const written: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  let status: number;
  try {
    status = (await fetch(`${server.url}api/health`)).status;
  } finally {
    process.stderr.write = write;
  }
  assert.equal(status, 500);
  const logged = written.map((line) => JSON.parse(line));
  assert.equal(logged.length, 1, written.join(''));
  assert.equal(logged[0].level, ERROR_LEVEL);
  assert.match(logged[0].err.message, /no such table: runs/);
});
