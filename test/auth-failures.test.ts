/**
 * Red team F2: failed tokens used to be free — 42,432 wrong-token uploads from one address in
 * 5 s, all 401. Now failed authentications count per address: past 20 a minute the address is
 * answered 429 with Retry-After, even with the right token, until its minute ends; another
 * address is not held up.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { buildApp } from '../server/app.js';
import { AuthFailures } from '../server/auth-failures.js';
import { syntheticRun, tempDb } from './helpers.js';

const TOKEN = 'the-right-token';
let app: Awaited<ReturnType<typeof buildApp>>;
before(async () => {
  app = await buildApp({ dbFile: tempDb(), token: TOKEN });
});
after(() => app.close());

const post = (token: string, remoteAddress = '192.0.2.7') =>
  app.inject({
    method: 'POST',
    url: '/api/runs',
    remoteAddress,
    headers: { authorization: `Bearer ${token}` },
    payload: syntheticRun() as never,
  });

test('200 wrong-token uploads from one address meet a 429 with Retry-After', async () => {
  const codes: number[] = [];
  for (let i = 0; i < 200; i++) codes.push((await post(`wrong-${i}`)).statusCode);
  const first429 = codes.indexOf(429);
  assert.ok(first429 > 0, 'some 401s, then 429');
  assert.ok(codes.slice(0, first429).every((c) => c === 401));
  assert.ok(
    codes.slice(first429).every((c) => c === 429),
    'blocked for the rest of the window',
  );
  const blocked = await post(TOKEN);
  assert.equal(blocked.statusCode, 429, 'the right token waits too: guessing gains nothing');
  assert.equal(blocked.json().error.code, 'FLUSHBENCH_ERR_RATE_LIMITED');
  const retry = Number(blocked.headers['retry-after']);
  assert.ok(retry >= 1 && retry <= 60, `Retry-After ${retry}`);
  const other = await post(TOKEN, '192.0.2.8');
  assert.equal(other.statusCode, 201, other.body);
});

test('a window ends: the address may try again; the table stays bounded', () => {
  const f = new AuthFailures(3, 60_000, 2);
  for (let i = 0; i < 3; i++) f.fail('a', 0);
  assert.equal(f.blockedFor('a', 1000), 59);
  assert.equal(f.blockedFor('a', 60_000), 0);
  f.fail('b', 0);
  f.fail('c', 0);
  // Three addresses in a table of two: the oldest went, so 'a' starts afresh.
  assert.equal(f.blockedFor('a', 1000), 0);
});
