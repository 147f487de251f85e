/**
 * The server takes a sweep's shards one upload at a time: each waits outside the runs (202, not
 * listed) until the last arrives, whichever order they come in; then they are one run (201), in
 * one transaction. A shard posted twice, or after its sweep was merged, gets 409 in the
 * registry's shape; GET /api/sweeps/:id tells which shards arrived.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { RunRecord } from '../data/run-record.js';
import { sweepOf } from '../data/sweep.js';
import { buildApp } from '../server/app.js';
import { syntheticCase, syntheticRun, tempDb } from './helpers.js';

const TOKEN = 'sweep-test-token';
let app: Awaited<ReturnType<typeof buildApp>>;
before(async () => {
  app = await buildApp({ dbFile: tempDb(), token: TOKEN });
});
after(() => app.close());

/** A sweep of `n` shards of one synthetic run each, two cases apiece, on one commit. */
function sweep(n: number, seed: string): RunRecord[] {
  const parts = Array.from({ length: n }, (_, k) =>
    syntheticRun({
      uuid: `${seed}-${k + 1}`,
      config: { suite: 'smoke', seed },
      cases: [
        syntheticCase({ protocol: 'sync', cpus: 2 * k + 2 }),
        syntheticCase({ protocol: 'concurrent', cpus: 2 * k + 2 }),
      ],
    }),
  );
  const keys = parts.flatMap((p) => p.cases.map((c) => c.key));
  return parts.map((p, k) => ({ ...p, sweep: sweepOf(p, keys, n, k + 1) }));
}

const post = (run: unknown) =>
  app.inject({
    method: 'POST',
    url: '/api/runs',
    headers: { authorization: `Bearer ${TOKEN}` },
    payload: run as Record<string, unknown>,
  });
const listed = async () => (await app.inject({ url: '/api/runs?limit=100' })).json().runs.length;

test('three shards posted out of order become one run; a partial sweep is not listed', async () => {
  const [s1, s2, s3] = sweep(3, 'a');
  const id = s1.sweep!.id;
  const runsBefore = await listed();
  const third = await post(s3);
  assert.equal(third.statusCode, 202, third.body);
  assert.deepEqual(third.json().sweep, { id, shards: 3, arrived: [3], missing: [1, 2], run: null });
  const first = await post(s1);
  assert.equal(first.statusCode, 202, first.body);
  assert.equal(await listed(), runsBefore, 'pending shards are not runs');
  const status = await app.inject({ url: `/api/sweeps/${id}` });
  assert.equal(status.statusCode, 200);
  assert.deepEqual(status.json(), { id, shards: 3, arrived: [1, 3], missing: [2], run: null });

  const last = await post(s2);
  assert.equal(last.statusCode, 201, last.body);
  const runId = last.json().id;
  assert.deepEqual(last.json().sweep, {
    id,
    shards: 3,
    arrived: [1, 2, 3],
    missing: [],
    run: runId,
  });
  assert.equal(await listed(), runsBefore + 1);
  const run = (await app.inject({ url: `/api/runs/${runId}` })).json();
  assert.equal(run.cases.length, 6);
  assert.equal(run.sweep.shard, null);
  assert.ok(run.cases.every((c: { host?: { hostname: string } }) => c.host?.hostname === 'h'));
  assert.equal((await app.inject({ url: `/api/sweeps/${id}` })).json().run, runId);
});

test('a shard posted twice gets 409, before and after its sweep is merged; unknown sweeps 404', async () => {
  const [s1, s2] = sweep(2, 'b');
  assert.equal((await post(s1)).statusCode, 202);
  const twice = await post(s1);
  assert.equal(twice.statusCode, 409, twice.body);
  assert.equal(twice.json().error.code, 'FLUSHBENCH_ERR_SHARD_EXISTS');
  assert.match(twice.json().error.message, /shard 1 of 2 of sweep [0-9a-f]{16} is already stored/);
  assert.equal((await post(s2)).statusCode, 201);
  const late = await post(s2);
  assert.equal(late.statusCode, 409, late.body);
  assert.match(late.json().error.message, /is already merged into run \d+/);
  const unknown = await app.inject({ url: '/api/sweeps/0123456789abcdef' });
  assert.equal(unknown.statusCode, 404);
  assert.equal(unknown.json().error.code, 'FLUSHBENCH_ERR_NOT_FOUND');
});

test('a forged last shard that is not of the sweep is refused with 400 and nothing merges', async () => {
  const [s1, s2] = sweep(2, 'c');
  assert.equal((await post(s1)).statusCode, 202);
  const forged = { ...s2, suite: 'ci' };
  const r = await post(forged);
  assert.equal(r.statusCode, 400, r.body);
  assert.equal(r.json().error.code, 'FLUSHBENCH_ERR_INVALID_SWEEP');
  assert.match(r.json().error.message, /shards of two suites/);
  const status = (await app.inject({ url: `/api/sweeps/${s1.sweep!.id}` })).json();
  assert.deepEqual(status.arrived, [1]);
  assert.equal(status.run, null);
});
