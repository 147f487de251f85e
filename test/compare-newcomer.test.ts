/**
 * The newcomer's first compares (issue 21): after one bench there is nothing to compare yet —
 * said so, exit 0; after a second bench of the same commit, `flushbench compare` (and the
 * `compare --head <id>` hint bench prints) compares the two and says that they share a commit,
 * so what differs is noise — exit 0, where it used to exit 2 with "no run of another commit".
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Store } from '../data/store.js';
import { cli, syntheticRun, tempDb } from './helpers.js';

function store(db: string, runs: number): number[] {
  const s = Store.open(db);
  try {
    return Array.from({ length: runs }, (_, k) =>
      s.insertRun(
        syntheticRun({
          startedAt: `2026-11-01T10:0${k}:00.000Z`,
          endedAt: `2026-11-01T10:0${k}:30.000Z`,
        }),
      ),
    );
  } finally {
    s.close();
  }
}

test('one run stored: compare says there is nothing to compare yet, exit 0', () => {
  const db = tempDb();
  store(db, 1);
  const r = cli(['compare', '--db', db]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /nothing to compare yet: run 1 is the only run stored/);
});

test('two runs of one commit: compare, and compare --head as bench prints it, say so, exit 0', () => {
  const db = tempDb();
  const [first, second] = store(db, 2);
  for (const args of [[], ['--head', String(second)], ['--format', 'markdown']]) {
    const r = cli(['compare', ...args, '--db', db]);
    assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.match(
      r.stdout,
      new RegExp(
        `runs ${first} and ${second} share commit a{10}: .*what differs between them is noise`,
      ),
    );
  }
  const json = JSON.parse(cli(['compare', '--format', 'json', '--db', db]).stdout);
  assert.equal(json.sameCommit, true);
  assert.equal(json.base.id, first);
});

test('a run of another commit is still the default base; then the runs do not share a commit', () => {
  const db = tempDb();
  const s = Store.open(db);
  let other: number;
  let head: number;
  try {
    other = s.insertRun(
      syntheticRun({ commit: { ...syntheticRun().commit!, sha: 'b'.repeat(40) } }),
    );
    s.insertRun(syntheticRun({ startedAt: '2026-11-01T10:05:00.000Z' }));
    head = s.insertRun(syntheticRun({ startedAt: '2026-11-01T10:06:00.000Z' }));
  } finally {
    s.close();
  }
  const json = JSON.parse(cli(['compare', '--format', 'json', '--db', db]).stdout);
  assert.equal(json.head.id, head);
  assert.equal(json.base.id, other);
  assert.equal(json.sameCommit, false);
});
