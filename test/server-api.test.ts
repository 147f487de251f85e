import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { compareRuns } from '../data/compare.js';
import { SCHEMA_VERSION } from '../data/schema.js';
import { Store } from '../data/store.js';
import { buildApp } from '../server/app.js';
import { CONTROL_PROTOCOLS, PROTOCOL_TRAITS, PROTOCOLS, type Protocol } from '../sim/index.js';
import { loadProfile } from '../sim/shared/profile.js';
import { modelCase } from './fixtures/modeled-case.js';
import {
  REGRESSION_SCALE,
  SEED_PROFILE,
  seedDatabase,
  seededSpecs,
  syntheticOracle,
} from './fixtures/seed-db.js';
import { cliAsync, syntheticRun, tempDb } from './helpers.js';

const TOKEN = 'test-token-0123456789';
const SEED_CPUS = [1, 2];
const SEEDED_CASES = seededSpecs(SEED_CPUS).length;
const file = tempDb();
let app: Awaited<ReturnType<typeof buildApp>>;
let ids: number[];

before(async () => {
  ids = seedDatabase(file, { cpus: SEED_CPUS });
  app = await buildApp({ dbFile: file, token: TOKEN });
});
after(() => app.close());

const get = (url: string) => app.inject({ url });
const json = async (url: string, status = 200) => {
  const r = await get(url);
  assert.equal(r.statusCode, status, `${url}: ${r.body}`);
  return r.json();
};

describe('reading', () => {
  test('GET /api/health', async () => {
    const h = await json('/api/health');
    assert.equal(h.status, 'ok');
    assert.equal(h.runs, 5);
    assert.equal(h.schemaVersion, SCHEMA_VERSION);
  });

  test('GET /api/protocols is the protocol table, in order, with what each control breaks', async () => {
    const { protocols } = await json('/api/protocols');
    assert.deepEqual(
      protocols.map((p: { name: string }) => p.name),
      [...PROTOCOLS],
    );
    for (const p of protocols) {
      const traits = PROTOCOL_TRAITS[p.name as Protocol];
      assert.equal(p.summary, traits.summary);
      assert.deepEqual(
        p.control,
        traits.control && { breaks: traits.control.breaks, caughtBy: traits.control.caughtBy },
      );
    }
    assert.deepEqual(
      protocols
        .filter((p: { control: unknown }) => p.control !== null)
        .map((p: { name: string }) => p.name),
      [...CONTROL_PROTOCOLS],
    );
  });

  test('GET /api/runs lists newest first, pages, and filters by branch and commit', async () => {
    const all = (await json('/api/runs')).runs;
    assert.deepEqual(
      all.map((r: { id: number }) => r.id),
      [...ids].reverse(),
    );
    assert.equal(all[0].cases, SEEDED_CASES);
    const page = (await json('/api/runs?limit=2&offset=1')).runs;
    assert.deepEqual(
      page.map((r: { id: number }) => r.id),
      [ids[3], ids[2]],
    );
    assert.equal((await json('/api/runs?commit=3333')).runs[0].id, ids[1]);
    assert.equal((await json('/api/runs?branch=nope')).runs.length, 0);
  });

  test('GET /api/runs/:id returns the run with its cases, statistics, modeled cycles, counters, oracle', async () => {
    const run = await json(`/api/runs/${ids[4]}`);
    assert.equal(run.cases.length, SEEDED_CASES);
    const c = run.cases.find(
      (x: { key: string }) => x.key === 'madvise/sync/cpus=2/pages=1/xeon-gold-5418y-2s',
    );
    assert.equal(c.status, 'completed');
    assert.ok(c.wallNs.p50 > 0 && c.wallNs.count >= 200);
    assert.equal(c.wallNs.count, c.samplesTotal);
    // What the simulator's cost model gives for this flush, called as a real run calls it.
    const model = modelCase(loadProfile(SEED_PROFILE), {
      protocol: 'sync',
      workload: 'madvise',
      cpus: 2,
      pages: 1,
    });
    assert.equal(c.modeledCycles.mean, model.flushCycles);
    assert.equal(c.modeledCycles.iterationMean, model.iterationCycles);
    assert.ok(c.counters.ipisSent > 0);
    assert.equal(c.oracle.staleUses, 0);
    assert.equal(c.oracle.ackWindowViolations, 0);
    assert.equal(c.oracle.freedTableWalks, 0);
    assert.equal(c.hasTrace, true);
    const unsafe = run.cases.find(
      (x: { key: string }) => x.key === 'madvise/async-unsafe/cpus=2/pages=1/xeon-gold-5418y-2s',
    );
    // Stored as the fixture wrote it: both rules' counts and the first violation round-trip.
    assert.deepEqual(unsafe.oracle, syntheticOracle('async-unsafe', 2));
    assert.equal(unsafe.oracle.firstViolation.kind, 'ack-window-exposed');
  });

  test('samples, trace and export of a case', async () => {
    const run = await json(`/api/runs/${ids[4]}`);
    const c = run.cases.find(
      (x: { protocol: string; cpus: number }) => x.protocol === 'sync' && x.cpus === 2,
    );
    const s = await json(`/api/runs/${ids[4]}/cases/${c.id}/samples`);
    assert.equal(s.samplesNs.length, Math.min(c.samplesTotal, 10_000));
    assert.equal(s.total, c.samplesTotal);
    const t = await json(`/api/runs/${ids[4]}/cases/${c.id}/trace`);
    assert.ok(t.events.some((e: { event: string }) => e.event === 'ipi-delivered'));
    assert.ok(t.steps.some((e: { step: string }) => e.step === 'ack'));
    const csv = await get(`/api/runs/${ids[4]}/export?format=csv`);
    assert.match(csv.headers['content-type'] as string, /^text\/csv/);
    assert.equal(
      csv.body.trim().split('\n').length,
      SEEDED_CASES + 1,
      'a header and a row per case',
    );
    const exported = JSON.parse((await get(`/api/runs/${ids[4]}/export?format=json`)).body);
    assert.equal(exported.cases.length, SEEDED_CASES);
    assert.equal((await get(`/api/runs/${ids[4]}/cases/${c.id + 100000}/samples`)).statusCode, 404);
    assert.equal(
      (await get(`/api/runs/${ids[0]}/cases/${c.id}/samples`)).statusCode,
      404,
      'a case of another run',
    );
  });

  test('GET /api/compare is the CLI implementation: same numbers, same verdicts', async () => {
    const c = await json(`/api/compare?base=${ids[0]}&head=${ids[1]}`);
    const store = Store.open(file);
    const direct = compareRuns(store, ids[0], ids[1]);
    store.close();
    assert.deepEqual(c, JSON.parse(JSON.stringify(direct)));
    assert.ok(c.regressions > 0, 'commit 2 had dearer IPIs');
    const byRef = await json('/api/compare?base=4444&head=main&metric=both&threshold=3&alpha=0.05');
    assert.equal(byRef.base.id, ids[0]);
    assert.equal(byRef.head.id, ids[4]);
    assert.equal(byRef.metric, 'both');
    assert.equal(byRef.alpha, 0.05);
  });

  test('GET /api/cases: every case measured, with how many runs have it', async () => {
    const { cases } = await json('/api/cases');
    assert.equal(cases.length, SEEDED_CASES, 'the seeded runs share their cases');
    const sync = cases.find(
      (c: { key: string }) => c.key === 'madvise/sync/cpus=2/pages=1/xeon-gold-5418y-2s',
    );
    assert.deepEqual(sync, {
      key: sync.key,
      protocol: 'sync',
      workload: 'madvise',
      cpus: 2,
      pages: 1,
      profile: 'xeon-gold-5418y-2s',
      runs: 5,
    });
  });

  test('GET /api/history: one metric over commits, in commit order, the regression marked', async () => {
    const h = await json('/api/history?protocol=sync&cpus=2&pages=1&workload=madvise');
    assert.equal(h.key, 'madvise/sync/cpus=2/pages=1/xeon-gold-5418y-2s');
    assert.deepEqual(
      h.points.map((p: { runId: number }) => p.runId),
      ids,
    );
    const times = h.points.map((p: { commitTime: string }) => Date.parse(p.commitTime));
    assert.ok(
      times.every((t: number, i: number) => i === 0 || t > times[i - 1]),
      'oldest commit first',
    );
    assert.deepEqual(
      h.points.map((p: { regression: boolean }) => p.regression),
      [false, true, false, false, false],
    );
    assert.equal(h.points[1].commitSubject, 'earlier commit 2');
    assert.match(h.points[1].commitSha, /^33333333/);
    assert.ok(Math.abs(h.points[1].value / h.points[0].value - REGRESSION_SCALE) < 1e-9);
    const broadcast = await json('/api/history?protocol=broadcast&cpus=2&pages=1&limit=3');
    assert.equal(broadcast.points.length, 3);
    assert.ok(broadcast.points.every((p: { regression: boolean }) => !p.regression));
    const wall = await json('/api/history?protocol=sync&cpus=1&pages=1&metric=wall-p50');
    assert.equal(wall.points.length, 5);
  });
});

describe('bad requests', () => {
  const cases: [string, number, RegExp][] = [
    [
      '/api/runs?limit=0',
      400,
      /querystring\/limit must be >= 1 \(got "0"\)|querystring\/limit must be >= 1/,
    ],
    ['/api/runs?commit=xyz', 400, /querystring\/commit must match pattern/],
    ['/api/runs?sort=id', 400, /must NOT have additional properties/],
    ['/api/runs/abc', 400, /params\/id must be integer \(got "abc"\)/],
    ['/api/runs/999999', 404, /no run 999999/],
    [
      '/api/runs/1/export?format=yaml',
      400,
      /querystring\/format must be one of json, csv, bmf, gab \(got "yaml"\)/,
    ],
    [
      '/api/compare?metric=speed',
      400,
      /querystring\/metric must be one of modeled, wall, both \(got "speed"\)/,
    ],
    ['/api/compare?alpha=0', 400, /querystring\/alpha must be > 0/],
    ['/api/compare?base=feature-x', 404, /base must be a run id, a commit sha/],
    [
      '/api/history?protocol=sync&cpus=two&pages=1',
      400,
      /querystring\/cpus must be integer \(got "two"\)/,
    ],
    ['/api/history?cpus=2&pages=1', 400, /must have required property 'protocol'/],
    ['/api/nothing', 404, /no route GET \/api\/nothing/],
  ];
  for (const [url, status, message] of cases) {
    test(`${url} → ${status}`, async () => {
      const r = await get(url);
      assert.equal(r.statusCode, status, r.body);
      const body = r.json();
      assert.match(body.error.message, message);
      assert.match(body.error.code, /^FLUSHBENCH_ERR_/);
      assert.doesNotMatch(r.body, /at .*\.js:\d+/, 'no stack trace');
    });
  }
});

describe('POST /api/runs', () => {
  const post = (payload: unknown, headers: Record<string, string> = {}, a = app) =>
    a.inject({
      method: 'POST',
      url: '/api/runs',
      payload: payload as object,
      headers: { 'content-type': 'application/json', ...headers },
    });
  const auth = { authorization: `Bearer ${TOKEN}` };

  test('refused without a configured token (403), without or with a wrong token (401)', async () => {
    const closed = await buildApp({ dbFile: file });
    try {
      const r = await post(syntheticRun(), auth, closed);
      assert.equal(r.statusCode, 403);
      assert.equal(r.json().error.code, 'FLUSHBENCH_ERR_INGEST_DISABLED');
    } finally {
      await closed.close();
    }
    assert.equal((await post(syntheticRun())).statusCode, 401);
    assert.equal((await post(syntheticRun(), { authorization: 'Bearer wrong' })).statusCode, 401);
    assert.equal(
      (await post(syntheticRun(), { authorization: TOKEN })).statusCode,
      401,
      'not a bearer header',
    );
    assert.equal(
      (await post({ nonsense: true }, { authorization: 'Bearer wrong' })).statusCode,
      401,
      'auth before validation',
    );
  });

  test('a valid run is stored (201) once; the same run again is recognised (200), not duplicated', async () => {
    const run = syntheticRun({ uuid: 'upload-1' });
    const first = await post(run, auth);
    assert.equal(first.statusCode, 201, first.body);
    const { id, duplicate } = first.json();
    assert.equal(duplicate, false);
    const again = await post(run, auth);
    assert.equal(again.statusCode, 200);
    assert.deepEqual(again.json(), { id, duplicate: true });
    const stored = await json(`/api/runs/${id}`);
    assert.equal(stored.uuid, 'upload-1');
    assert.equal(stored.cases.length, 2);
  });

  test('an invalid body is refused with 400 and nothing is written', async () => {
    const before = (await json('/api/health')).runs;
    const bad = syntheticRun({ uuid: 'bad' }) as unknown as Record<string, unknown>;
    (bad.cases as Record<string, unknown>[])[0].status = 'great';
    const r = await post(bad, auth);
    assert.equal(r.statusCode, 400);
    assert.match(
      r.json().error.message,
      /^body\/cases\/0\/status must be one of completed, violated, errored \(got "great"\)$/,
    );
    // A case is a union on its status: an errored case carries its error and nothing else.
    const withStats = syntheticRun({ uuid: 'bad-2' }) as unknown as Record<string, unknown>;
    const failedCase = (withStats.cases as Record<string, unknown>[])[0];
    failedCase.status = 'errored';
    failedCase.error = { code: 'FLUSHBENCH_ERR_CPU_STUCK', message: 'CPU 1 is stuck' };
    const refused = await post(withStats, auth);
    assert.equal(refused.statusCode, 400);
    assert.match(
      refused.json().error.message,
      /^body\/cases\/0\/(wallNs|modeledCycles|counters|oracle|samplesNs|samplesTotal|modeledCyclesSamples|trace) must /,
    );
    // And a measured case carries its statistics, never an error.
    const withError = syntheticRun({ uuid: 'bad-3' }) as unknown as Record<string, unknown>;
    (withError.cases as Record<string, unknown>[])[1].error = { code: 'X', message: 'y' };
    const refused2 = await post(withError, auth);
    assert.equal(refused2.statusCode, 400);
    assert.match(refused2.json().error.message, /^body\/cases\/1\/error must be null/);
    assert.equal((await post({ ...syntheticRun(), extra: 1 }, auth)).statusCode, 400);
    assert.equal((await json('/api/health')).runs, before);
  });

  test('an oversized body is refused with 413, too many uploads with 429', async () => {
    const small = await buildApp({
      dbFile: file,
      token: TOKEN,
      bodyLimitBytes: 1024,
      ingestPerMinute: 2,
    });
    try {
      const big = await post(
        syntheticRun({ uuid: 'big', config: { pad: 'x'.repeat(4096) } }),
        auth,
        small,
      );
      assert.equal(big.statusCode, 413);
      assert.equal(big.json().error.code, 'FLUSHBENCH_ERR_BODY_TOO_LARGE');
      // The oversized upload counted as the first of two allowed; the second is validated and
      // refused (400); from then on the client is over its limit.
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await post({}, auth, small)).statusCode);
      assert.deepEqual(statuses, [400, 429, 429]);
      const limited = await post({}, auth, small);
      assert.equal(limited.json().error.code, 'FLUSHBENCH_ERR_RATE_LIMITED');
    } finally {
      await small.close();
    }
  });
});

test('the page carries a Content-Security-Policy that allows only the server itself', async () => {
  const r = await get('/api/health');
  const csp = r.headers['content-security-policy'] as string;
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /script-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:/);
});

test('flushbench push sends a stored run to a server, once', async () => {
  const listening = await buildApp({ dbFile: tempDb(), token: TOKEN });
  await listening.listen({ port: 0, host: '127.0.0.1' });
  try {
    const port = (listening.server.address() as { port: number }).port;
    const url = `http://127.0.0.1:${port}`;
    const env = { FLUSHBENCH_TOKEN: TOKEN };
    const first = await cliAsync(
      ['push', '--url', url, '--run', String(ids[0]), '--db', file],
      undefined,
      env,
    );
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /pushed: the server stored it as run 1/);
    const again = await cliAsync(
      ['push', '--url', url, '--run', String(ids[0]), '--db', file],
      undefined,
      env,
    );
    assert.match(again.stdout, /already had this run \(id 1\)/);
    const wrong = await cliAsync(['push', '--url', url, '--db', file], undefined, {
      FLUSHBENCH_TOKEN: 'nope',
    });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /HTTP 401/);
  } finally {
    await listening.close();
  }
});
