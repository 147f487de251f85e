/**
 * GET /api/compare is cheap whatever the query: a pair of runs' statistics are computed once (in
 * a worker) and every threshold, alpha and metric is judged from them, with the same answer the
 * CLI gives; new pairs beyond the bound are 503 with Retry-After; a client may start only so many
 * computations a minute, and answers from kept statistics do not count.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createError, ErrorCodes } from '../common/errors.js';
import { compareRuns } from '../data/compare.js';
import { Store } from '../data/store.js';
import { buildApp } from '../server/app.js';
import { CompareStatisticsCache, RETRY_AFTER_S } from '../server/compare-statistics.js';
import { syntheticCase, syntheticRun, tempDb } from './helpers.js';

const file = tempDb();
let ids: number[] = [];

/** Three runs of two cases; each run's wall samples slower than the last by `scale`. */
before(() => {
  const store = Store.open(file);
  ids = [1, 1.2, 1.5].map((scale, i) => {
    const samplesNs = Array.from({ length: 200 }, (_, k) => (1000 + (k % 50)) * scale);
    const wallNs = {
      p50: 1025 * scale,
      p99: 1049 * scale,
      mean: 1025 * scale,
      min: 1000 * scale,
      max: 1049 * scale,
      rme: 1,
      count: 200,
    };
    return store.insertRun(
      syntheticRun({
        uuid: `stats-${i}`,
        commit: {
          sha: String(i + 1).repeat(40),
          branch: 'main',
          dirty: false,
          subject: `c${i}`,
          time: `2026-11-0${i + 1}T10:00:00Z`,
        },
        startedAt: `2026-11-0${i + 1}T10:00:00.000Z`,
        cases: ['sync', 'async-inline'].map((protocol) => ({
          ...syntheticCase({ protocol }),
          wallNs,
          samplesNs,
          samplesTotal: samplesNs.length,
        })),
      }),
    );
  });
  store.close();
});

let store: Store;
before(() => {
  store = Store.openRead(file);
});
after(() => store.close());

test('one computation per pair answers every threshold, alpha and metric as the CLI does', async (t) => {
  const app = await buildApp({ dbFile: file });
  t.after(() => app.close());
  const queries = [
    { threshold: 0.5 },
    { threshold: 1 },
    { threshold: 7.25, metric: 'wall' as const },
    { alpha: 0.05, metric: 'both' as const },
    { threshold: 30, alpha: 0.2, metric: 'modeled' as const },
  ];
  for (const q of queries) {
    const qs = new URLSearchParams({
      base: String(ids[0]),
      head: String(ids[1]),
      ...Object.fromEntries(Object.entries(q).map(([k, v]) => [k, String(v)])),
    });
    const res = await app.inject(`/api/compare?${qs}`);
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(
      res.json(),
      JSON.parse(JSON.stringify(compareRuns(store, ids[0], ids[1], q))),
      JSON.stringify(q),
    );
  }
  assert.equal(app.compareStatistics.computations, 1, 'the U tests ran once for five queries');
  const wall = (
    await app.inject(`/api/compare?base=${ids[0]}&head=${ids[1]}&metric=wall&threshold=5`)
  ).json();
  assert.ok(
    wall.regressions > 0,
    'the 20 % slower samples are a wall regression: the worker did compute',
  );
});

test('new pairs beyond the bound are refused while one is computed; the same pair joins it', async () => {
  const cache = new CompareStatisticsCache(store, 1);
  const first = cache.get(ids[0], ids[1]);
  assert.ok(first instanceof Promise, 'not kept yet: computing');
  assert.equal(
    cache.get(ids[0], ids[1]),
    first,
    'a second request for the pair waits for the same computation',
  );
  assert.throws(
    () => cache.get(ids[0], ids[2]),
    (err: unknown) => (err as { code?: string }).code === ErrorCodes.SERVER_BUSY,
  );
  const stats = await first;
  assert.equal(cache.get(ids[0], ids[1]), stats, 'kept');
  assert.ok((await cache.get(ids[0], ids[2])).cases.length > 0, 'the slot is free again');
  assert.equal(cache.computations, 2);
});

test('a busy server answers 503 with Retry-After and the error body', async (t) => {
  const app = await buildApp({ dbFile: file });
  t.after(() => app.close());
  t.mock.method(app.compareStatistics, 'get', () => {
    throw createError('SERVER_BUSY', ['the server is computing 1 other comparison']);
  });
  const res = await app.inject(`/api/compare?base=${ids[0]}&head=${ids[2]}`);
  assert.equal(res.statusCode, 503);
  assert.equal(res.headers['retry-after'], String(RETRY_AFTER_S));
  assert.equal(res.json().error.code, ErrorCodes.SERVER_BUSY);
});

test('a client may start so many computations a minute; kept answers are free', async (t) => {
  const app = await buildApp({ dbFile: file, comparesPerMinute: 2 });
  t.after(() => app.close());
  const ask = (b: number, h: number, threshold: number) =>
    app.inject(`/api/compare?base=${ids[b]}&head=${ids[h]}&threshold=${threshold}`);
  assert.equal((await ask(0, 1, 1)).statusCode, 200);
  assert.equal((await ask(0, 2, 1)).statusCode, 200);
  const third = await ask(1, 2, 1);
  assert.equal(third.statusCode, 429, third.body);
  assert.equal(third.json().error.code, ErrorCodes.RATE_LIMITED);
  assert.ok(Number(third.headers['retry-after']) > 0);
  for (const threshold of [2, 3, 4, 5]) {
    assert.equal((await ask(0, 1, threshold)).statusCode, 200, 'a kept pair is not counted');
  }
  assert.equal(app.compareStatistics.computations, 2);
});
