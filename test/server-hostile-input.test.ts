/**
 * Hostile input gets a 4xx naming the parameter, the rule and the value, never a 500: huge or
 * infinite offsets, non-finite or coerced numbers in queries and bodies, duplicate case keys,
 * bodies nested thousands deep, static names that are Object's own properties. Each refusal
 * stores nothing, and each has a control that the same route accepts a sane value.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ErrorCodes } from '../common/errors.js';
import { MAX_JSON_DEPTH } from '../common/json-limits.js';
import { Store } from '../data/store.js';
import { buildApp } from '../server/app.js';
import { MAX_RUNS_OFFSET } from '../server/routes/runs-schemas.js';
import { syntheticCase, syntheticRun, tempDb } from './helpers.js';

const TOKEN = 'hostile-token-0123456789';
const file = tempDb();
let app: Awaited<ReturnType<typeof buildApp>>;
let seeded: Store;

before(async () => {
  seeded = Store.open(file);
  // Two runs of two commits: compare has a base and a head, so a bad threshold is the only fault.
  seeded.insertRun(syntheticRun({ uuid: 'base' }));
  const head = syntheticRun({ uuid: 'head' });
  seeded.insertRun({ ...head, commit: { ...head.commit!, sha: 'b'.repeat(40) } });
  app = await buildApp({ dbFile: file, token: TOKEN });
});
after(async () => {
  seeded.close();
  await app.close();
});

const storedRuns = () => seeded.countRuns();

function refusal(r: { statusCode: number; body: string; json(): unknown }, status = 400) {
  assert.equal(r.statusCode, status, r.body);
  return (r.json() as { error: { code: string; message: string } }).error;
}

/** POSTs a body as raw text, so that it can hold what JSON.stringify cannot write. */
const postText = (payload: string) =>
  app.inject({
    method: 'POST',
    url: '/api/runs',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    payload,
  });

/** A run whose `"MARK"` string is replaced by `text` in the JSON. */
function runText(over: Parameters<typeof syntheticRun>[0], text: string): string {
  const json = JSON.stringify(syntheticRun(over));
  assert.ok(json.includes('"MARK"'), 'the marker is in the run');
  return json.replace('"MARK"', text);
}

describe('GET /api/runs offset and limit', () => {
  for (const value of ['9223372036854775807', '1e19', 'Infinity']) {
    test(`offset=${value} → 400 naming offset and the value`, async () => {
      const error = refusal(await app.inject({ url: `/api/runs?offset=${value}` }));
      assert.equal(error.code, ErrorCodes.INVALID_REQUEST);
      assert.match(error.message, /^querystring\/offset must be /);
      assert.ok(error.message.endsWith(`(got "${value}")`), error.message);
    });
  }

  test('limit=Infinity and offset=0x10 → 400: text becomes a number only as JSON writes one', async () => {
    for (const query of ['limit=Infinity', 'offset=0x10', 'offset=%20']) {
      const error = refusal(await app.inject({ url: `/api/runs?${query}` }));
      assert.match(error.message, /must be a finite integer in decimal notation/, query);
    }
  });

  test('the bound itself is accepted, one past it is not (the control)', async () => {
    const atBound = await app.inject({ url: `/api/runs?offset=${MAX_RUNS_OFFSET}` });
    assert.equal(atBound.statusCode, 200, atBound.body);
    assert.deepEqual(atBound.json(), { runs: [] });
    const first = await app.inject({ url: '/api/runs?offset=1&limit=1' });
    assert.equal(first.json().runs.length, 1);
    const past = refusal(await app.inject({ url: `/api/runs?offset=${MAX_RUNS_OFFSET + 1}` }));
    assert.equal(
      past.message,
      `querystring/offset must be <= ${MAX_RUNS_OFFSET} (got "${MAX_RUNS_OFFSET + 1}")`,
    );
  });
});

describe('numbers in queries are finite', () => {
  test('GET /api/compare?threshold=Infinity → 400 (it answered 200 with a null threshold)', async () => {
    for (const value of ['Infinity', '-Infinity', '1e400']) {
      const error = refusal(await app.inject({ url: `/api/compare?threshold=${value}` }));
      assert.equal(
        error.message,
        `querystring/threshold must be a finite number in decimal notation (got "${value}")`,
      );
    }
    const ok = await app.inject({ url: '/api/compare?threshold=5' });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json().modeledThresholdPct, 5);
  });

  test('a route parameter too: /api/runs/Infinity → 400, not "no run Infinity"', async () => {
    const error = refusal(await app.inject({ url: '/api/runs/Infinity' }));
    assert.match(error.message, /^params\/id must be a finite integer .*\(got "Infinity"\)$/);
  });
});

describe('POST /api/runs bodies: typed, finite numbers and nothing stored on refusal', () => {
  test('p50 1e400 (Infinity to JSON.parse) → 400 naming the path', async () => {
    const before = storedRuns();
    const run = syntheticRun();
    const text = JSON.stringify(run).replace('"p50":1000', '"p50":1e400');
    assert.notEqual(text, JSON.stringify(run));
    const error = refusal(await postText(text));
    assert.match(error.message, /^body\/cases\/0\/wallNs\/p50 must be a finite number/);
    assert.equal(storedRuns(), before);
  });

  test('1e400 inside the free-form config → 400 too', async () => {
    const before = storedRuns();
    const error = refusal(await postText(runText({ config: { size: 'MARK' } }, '1e400')));
    assert.match(error.message, /^body\/config\/size must be a finite number/);
    assert.equal(storedRuns(), before);
  });

  test('p50 null → 400 (it was stored as 0)', async () => {
    const before = storedRuns();
    const run = syntheticRun() as unknown as { cases: { wallNs: { p50: unknown } }[] };
    run.cases[0].wallNs.p50 = null;
    const error = refusal(await postText(JSON.stringify(run)));
    assert.equal(error.message, 'body/cases/0/wallNs/p50 must be number (got null)');
    assert.equal(storedRuns(), before);
  });

  test('cpus: true → 400 (it was stored as 1)', async () => {
    const before = storedRuns();
    const run = syntheticRun() as unknown as { cases: { cpus: unknown }[] };
    run.cases[1].cpus = true;
    const error = refusal(await postText(JSON.stringify(run)));
    assert.equal(error.message, 'body/cases/1/cpus must be integer (got true)');
    assert.equal(storedRuns(), before);
  });

  test('two cases with one key → 400 naming the key and both indices', async () => {
    const before = storedRuns();
    const run = syntheticRun();
    run.cases[1] = { ...run.cases[1], key: run.cases[0].key };
    const error = refusal(await postText(JSON.stringify(run)));
    assert.equal(error.code, ErrorCodes.BAD_REQUEST);
    assert.equal(
      error.message,
      `body/cases/1/key must be unique in the run (got ${JSON.stringify(run.cases[0].key)}, also the key of body/cases/0)`,
    );
    assert.equal(storedRuns(), before);
  });

  test('the same run with distinct keys is stored (the control)', async () => {
    const before = storedRuns();
    const r = await postText(JSON.stringify(syntheticRun()));
    assert.equal(r.statusCode, 201, r.body);
    assert.equal(storedRuns(), before + 1);
  });
});

describe('JSON nesting', () => {
  /** A run whose one case's trace events are the `"MARK"` string, to be replaced. */
  const tracedRun = () =>
    syntheticRun({
      cases: [syntheticCase({ protocol: 'sync', trace: { events: 'MARK' as never, steps: null } })],
    });
  const nestedObjects = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
  const nestedArrays = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

  test('a config 5,000 levels deep → 400 naming the limit', async () => {
    const before = storedRuns();
    const error = refusal(
      await postText(runText({ config: { deep: 'MARK' } }, nestedObjects(5000))),
    );
    assert.equal(error.code, ErrorCodes.BODY_TOO_DEEP);
    assert.match(
      error.message,
      new RegExp(`^body must nest arrays and objects at most ${MAX_JSON_DEPTH} deep`),
    );
    assert.equal(storedRuns(), before);
  });

  test('a trace 5,000 levels deep → 400 naming the limit', async () => {
    const before = storedRuns();
    const run = tracedRun();
    const error = refusal(
      await postText(JSON.stringify(run).replace('"MARK"', nestedArrays(5000))),
    );
    assert.equal(error.code, ErrorCodes.BODY_TOO_DEEP);
    assert.equal(storedRuns(), before);
  });

  test('at the limit: a deep config is stored and read back, a deep trace is a schema error', async () => {
    // The run is level 1 and its config level 2: the config holds MAX_JSON_DEPTH - 1 levels.
    const before = storedRuns();
    const stored = await postText(
      runText({ config: { deep: 'MARK' } }, nestedObjects(MAX_JSON_DEPTH - 2)),
    );
    assert.equal(stored.statusCode, 201, stored.body);
    assert.equal(storedRuns(), before + 1);
    const back = await app.inject({ url: `/api/runs/${stored.json().id}` });
    assert.equal(back.statusCode, 200, back.body);
    // One level more is refused by the parser.
    const over = refusal(
      await postText(runText({ config: { deep: 'MARK' } }, nestedObjects(MAX_JSON_DEPTH - 1))),
    );
    assert.equal(over.code, ErrorCodes.BODY_TOO_DEEP);
    // The run, cases, a case and its trace are 4 levels: events nested to the limit.
    const run = tracedRun();
    const error = refusal(
      await postText(JSON.stringify(run).replace('"MARK"', nestedArrays(MAX_JSON_DEPTH - 4))),
    );
    assert.equal(error.code, ErrorCodes.INVALID_REQUEST);
    assert.match(error.message, /^body\/cases\/0\/trace\/events\/0 must be object/);
    assert.equal(storedRuns(), before + 1);
  });
});

describe('static names', () => {
  for (const name of ['__proto__', 'constructor', 'hasOwnProperty']) {
    test(`/vendor/${name} → 404`, async () => {
      const error = refusal(await app.inject({ url: `/vendor/${name}` }), 404);
      assert.equal(error.code, ErrorCodes.NOT_FOUND);
    });
  }

  test('/vendor/chart.umd.js is served (the control)', async () => {
    const r = await app.inject({ url: '/vendor/chart.umd.js' });
    assert.equal(r.statusCode, 200);
    assert.match(String(r.headers['content-type']), /javascript/);
  });
});

test("Fastify's own refusals answer with the registry's codes: not JSON → 400, text → 415", async () => {
  const before = storedRuns();
  const bad = refusal(await postText('{"uuid": "x",'));
  assert.equal(bad.code, ErrorCodes.BAD_REQUEST);
  const typed = await app.inject({
    method: 'POST',
    url: '/api/runs',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'text/plain' },
    payload: JSON.stringify(syntheticRun()),
  });
  const error = refusal(typed, 415);
  assert.equal(error.code, ErrorCodes.UNSUPPORTED_MEDIA_TYPE);
  assert.ok(error.message.length < 200, 'the body is not quoted back');
  assert.equal(storedRuns(), before);
});

test('a long value is quoted cut, with its length: a message never echoes a whole input', async () => {
  const error = refusal(await app.inject({ url: `/api/compare?base=${'x'.repeat(5000)}` }));
  assert.match(error.message, /querystring\/base .* \(got "x{79}… \(5002 characters\)\)/);
});
