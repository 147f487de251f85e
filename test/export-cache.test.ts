/**
 * Red team F4: a run's export was serialised anew on the event loop for every request (0.5 s for
 * 30 cases × 100,000 samples), so four exporting clients held /api/health for 1.8 s. Now it is
 * made once per run and format, in a worker, joined by whoever asks meanwhile, and served from
 * memory after; the samples route has a per-client limit. (The latency goal is measured by
 * `npm run bench:server`, not here.)
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { exportRun } from '../data/export.js';
import { Store } from '../data/store.js';
import { buildApp } from '../server/app.js';
import { syntheticRun, tempDb } from './helpers.js';

const db = tempDb();
let runId: number;
let app: Awaited<ReturnType<typeof buildApp>>;
before(async () => {
  const store = Store.open(db);
  runId = store.insertRun(syntheticRun({ uuid: 'exported' }));
  store.close();
  app = await buildApp({ dbFile: db, token: 't' });
});
after(() => app.close());

test('four concurrent exports of one run and format make it once; the bytes are the export', async () => {
  const url = `/api/runs/${runId}/export?format=json`;
  const answers = await Promise.all([1, 2, 3, 4].map(() => app.inject({ url })));
  for (const r of answers) assert.equal(r.statusCode, 200, r.body);
  assert.equal(app.exports.made, 1, 'made once, joined by the others');
  const store = Store.open(db);
  try {
    assert.equal(answers[0].body, exportRun(store.getRunRecord(runId)!, 'json'));
  } finally {
    store.close();
  }
  assert.ok(answers.every((r) => r.body === answers[0].body));
  await app.inject({ url });
  assert.equal(app.exports.made, 1, 'kept: the fifth is served from memory');
  const csv = await app.inject({ url: `/api/runs/${runId}/export?format=csv` });
  assert.equal(csv.statusCode, 200);
  assert.equal(app.exports.made, 2, 'another format, another export');
  const missing = await app.inject({ url: '/api/runs/999/export?format=json' });
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.json().error.code, 'FLUSHBENCH_ERR_NOT_FOUND');
});

test('the samples route answers 429 past its per-client limit', async () => {
  const store = Store.open(db);
  const caseId = store.getRun(runId)!.cases[0].id;
  store.close();
  let limited = 0;
  for (let i = 0; i < 700 && limited === 0; i++) {
    const r = await app.inject({ url: `/api/runs/${runId}/cases/${caseId}/samples` });
    if (r.statusCode === 429) limited = i;
    else assert.equal(r.statusCode, 200, r.body);
  }
  assert.equal(limited, 600, 'the 601st request of the minute is refused');
});
