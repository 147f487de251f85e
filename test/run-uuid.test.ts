/**
 * Red team F1: a run's uuid names its export files and goes into a Content-Disposition header.
 * Uploads and imports take `[A-Za-z0-9._-]{1,128}` only (400 / exit 2 otherwise); a run stored
 * before the rule, whatever its uuid, still exports, with the name encoded in the header.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { Store } from '../data/store.js';
import { buildApp } from '../server/app.js';
import { attachment } from '../server/routes/runs.js';
import { cli, syntheticRun, tempDb } from './helpers.js';

const TOKEN = 'uuid-test-token';
const db = tempDb();
let app: Awaited<ReturnType<typeof buildApp>>;
before(async () => {
  app = await buildApp({ dbFile: db, token: TOKEN });
});
after(() => app.close());

const post = (uuid: string) =>
  app.inject({
    method: 'POST',
    url: '/api/runs',
    headers: { authorization: `Bearer ${TOKEN}` },
    payload: syntheticRun({ uuid }) as never,
  });

test('an upload whose uuid holds CR/LF, a quote, a NUL, an emoji or 129 characters answers 400', async () => {
  for (const uuid of [
    'a\r\nb',
    'x"; filename="evil.exe',
    'nul\u0000',
    'run-😀',
    'a'.repeat(129),
    '',
  ]) {
    const r = await post(uuid);
    assert.equal(r.statusCode, 400, `${JSON.stringify(uuid)}: ${r.body}`);
    assert.equal(r.json().error.code, 'FLUSHBENCH_ERR_INVALID_REQUEST');
    assert.match(r.json().error.message, /uuid/);
  }
  const ok = await post(`ok-1.2_${'b'.repeat(100)}`);
  assert.equal(ok.statusCode, 201, ok.body);
});

test('import refuses a run file whose uuid holds CR/LF, and stores nothing', () => {
  const file = join(dirname(tempDb()), 'run.json');
  writeFileSync(file, JSON.stringify(syntheticRun({ uuid: 'a\r\nb' })));
  const target = tempDb();
  const r = cli(['import', file, '--db', target]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /\/uuid must match pattern/);
});

test('a run stored with any uuid before the rule exports with its name encoded', async () => {
  const odd = 'old\r\n"; filename="evil.exe';
  const store = Store.open(db);
  let id: number;
  try {
    id = store.insertRun(syntheticRun({ uuid: odd }));
  } finally {
    store.close();
  }
  const r = await app.inject({ url: `/api/runs/${id}/export?format=json` });
  assert.equal(r.statusCode, 200, r.body);
  const header = String(r.headers['content-disposition']);
  assert.equal(header, attachment(`flushbench-run-${odd}-json.json`));
  assert.match(
    header,
    /^attachment; filename="flushbench-run-old_____filename__evil\.exe-json\.json"; filename\*=UTF-8''/,
  );
  assert.doesNotMatch(header, /[\r\n]/);
});
