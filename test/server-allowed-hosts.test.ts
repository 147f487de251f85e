/**
 * With an allowed-hosts list, a request whose Host header names another server gets 421 and
 * nothing else (the defence against DNS rebinding); a listed name, with any port, is answered.
 * Without a list, every Host is answered, as before.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCodes } from '../common/errors.js';
import { buildApp } from '../server/app.js';
import { emptyDb } from './helpers.js';

const health = (app: Awaited<ReturnType<typeof buildApp>>, host: string) =>
  app.inject({ url: '/api/health', headers: { host } });

test('a Host not in --allowed-hosts → 421 naming the list and the Host; listed ones are answered', async (t) => {
  const app = await buildApp({
    dbFile: emptyDb(),
    allowedHosts: ['bench.example.org', '127.0.0.1', '::1'],
  });
  t.after(() => app.close());
  for (const host of ['evil.example:3000', 'bench.example.org.evil.example', 'localhost']) {
    const r = await health(app, host);
    assert.equal(r.statusCode, 421, `${host}: ${r.body}`);
    assert.deepEqual(r.json(), {
      error: {
        code: ErrorCodes.HOST_NOT_ALLOWED,
        message: `the Host header must be one of bench.example.org, 127.0.0.1, ::1 (got ${JSON.stringify(host)})`,
      },
    });
  }
  // Not even the dashboard's page or an unknown route answers a foreign Host.
  assert.equal((await app.inject({ url: '/', headers: { host: 'evil.example' } })).statusCode, 421);
  assert.equal(
    (await app.inject({ url: '/nope', headers: { host: 'evil.example' } })).statusCode,
    421,
  );
  for (const host of [
    'bench.example.org:3000',
    'BENCH.example.org',
    '127.0.0.1:8080',
    '[::1]:3000',
  ]) {
    const r = await health(app, host);
    assert.equal(r.statusCode, 200, `${host}: ${r.body}`);
    assert.equal(r.json().status, 'ok');
  }
});

test('without a list every Host is answered (the default)', async (t) => {
  const app = await buildApp({ dbFile: emptyDb() });
  t.after(() => app.close());
  assert.equal((await health(app, 'evil.example:3000')).statusCode, 200);
});
