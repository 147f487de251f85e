import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { cli, cliAsync, tempDb } from './helpers.js';

test('kill -9 in the middle of a bench leaves the file whole, earlier runs intact, no trace of the killed run', async () => {
  const file = tempDb();
  const first = cli([
    'bench',
    '--suite',
    'smoke',
    '--cpus',
    '1',
    '--time',
    '10',
    '--iterations',
    '50',
    '--db',
    file,
  ]);
  assert.equal(first.status, 0, first.stderr);

  // A long run; killed as soon as its second case has finished.
  const killed = await cliAsync(
    ['bench', '--suite', 'smoke', '--cpus', '1,2', '--time', '400', '--db', file],
    (stderr, kill) => {
      if (stderr.includes('[2/')) kill();
    },
  );
  assert.equal(killed.signal, 'SIGKILL');
  assert.match(killed.stderr, /\[2\/6\]/);

  const db = new Database(file, { readonly: true });
  assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  const runs = db.prepare('SELECT id FROM runs').all();
  assert.equal(runs.length, 1, 'only the first run');
  const cases = db.prepare('SELECT count(*) AS n FROM cases').get() as { n: number };
  assert.equal(cases.n, 3, "the first run's three cases, nothing of the killed one");
  db.close();
});

test('two benches writing one database at once both succeed', async () => {
  const file = tempDb();
  const args = [
    'bench',
    '--suite',
    'smoke',
    '--cpus',
    '1',
    '--time',
    '50',
    '--iterations',
    '100',
    '--db',
    file,
  ];
  const [a, b] = await Promise.all([cliAsync(args), cliAsync(args)]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  const db = new Database(file, { readonly: true });
  const runs = db
    .prepare('SELECT id, (SELECT count(*) FROM cases c WHERE c.run_id = r.id) AS n FROM runs r')
    .all() as { n: number }[];
  assert.deepEqual(
    runs.map((r) => r.n),
    [3, 3],
  );
  db.close();
});
