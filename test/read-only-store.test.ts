/**
 * Read commands on a database the user may not write (0444, as a non-root user): runs, export and
 * compare work, and the file's bytes and mtime, and the folder's listing, are as before. bench is
 * refused before it measures. A database another connection holds open is read through SQLite.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, test } from 'node:test';
import { Store } from '../data/store.js';
import { runMain } from './cli-in-process.js';
import { CLI, syntheticRun } from './helpers.js';

const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;

/** The CLI as a user who does not own the file: nobody, when the tests run as root. */
function asOtherUser(args: string[]) {
  const argv = isRoot
    ? [
        'setpriv',
        `--reuid=${NOBODY}`,
        `--regid=${NOBODY}`,
        '--clear-groups',
        process.execPath,
        CLI,
        ...args,
      ]
    : [process.execPath, CLI, ...args];
  return spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', timeout: 120_000 });
}

/** Why the non-root runs cannot happen here, or false. */
function unavailable(): string | false {
  if (!isRoot) return false;
  const probe = spawnSync(
    'setpriv',
    [
      `--reuid=${NOBODY}`,
      `--regid=${NOBODY}`,
      '--clear-groups',
      process.execPath,
      '-e',
      `require('fs').accessSync(${JSON.stringify(CLI)})`,
    ],
    { encoding: 'utf8' },
  );
  if (probe.error) return 'setpriv is not installed';
  return probe.status === 0 ? false : `user ${NOBODY} cannot read ${CLI}`;
}

/** Two runs in a 0444 file, in a folder of the given mode. */
function readOnlyDb(folderMode: number): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'flushbench-ro-'));
  const file = join(dir, 'runs.db');
  const store = Store.open(file);
  store.insertRun(syntheticRun({ uuid: 'ro-base' }));
  store.insertRun(syntheticRun({ uuid: 'ro-head', startedAt: '2026-11-02T10:00:00.000Z' }));
  store.close();
  chmodSync(file, 0o444);
  chmodSync(dir, folderMode);
  return { dir, file };
}

function state(dir: string, file: string) {
  const st = statSync(file);
  return { listing: readdirSync(dir).sort(), bytes: readFileSync(file), mtimeMs: st.mtimeMs };
}

describe('a 0444 database, read by a user who cannot write it', { skip: unavailable() }, () => {
  for (const [name, mode] of [
    ['in a folder the user cannot write', 0o755],
    ['in a folder anyone may write', 0o777],
  ] as const) {
    it(`runs, export and compare work and change nothing, ${name}`, () => {
      const { dir, file } = readOnlyDb(mode);
      const before = state(dir, file);

      const runs = asOtherUser(['runs', '--json', '--db', file]);
      assert.equal(runs.status, 0, runs.stderr);
      assert.deepEqual(
        JSON.parse(runs.stdout).map((r: { uuid: string }) => r.uuid),
        ['ro-head', 'ro-base'],
      );
      const exported = asOtherUser(['export', '--run', '1', '--format', 'json', '--db', file]);
      assert.equal(exported.status, 0, exported.stderr);
      assert.equal(JSON.parse(exported.stdout).uuid, 'ro-base');
      const compared = asOtherUser([
        'compare',
        '--base',
        '1',
        '--head',
        '2',
        '--format',
        'json',
        '--db',
        file,
      ]);
      assert.equal(compared.status, 0, compared.stderr);
      assert.equal(JSON.parse(compared.stdout).cases.length, 2);

      const after = state(dir, file);
      assert.deepEqual(after.listing, before.listing, 'no -wal, no -shm, nothing else');
      assert.equal(after.mtimeMs, before.mtimeMs);
      assert.deepEqual(after.bytes, before.bytes);
    });
  }

  it('bench is refused before a case runs, and the file is as it was', () => {
    const { dir, file } = readOnlyDb(0o777);
    const before = state(dir, file);
    const r = asOtherUser(['bench', '--protocols', 'sync', '--cpus', '1', '--db', file]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`--db ${file} is read-only`));
    assert.doesNotMatch(r.stderr, /\[1\//, 'no case was measured');
    assert.deepEqual(state(dir, file), before);
  });
});

test('a database another connection holds open is read through SQLite, with its latest run', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flushbench-live-'));
  const file = join(dir, 'runs.db');
  const writer = Store.open(file);
  try {
    writer.insertRun(syntheticRun({ uuid: 'while-open' }));
    // The writer's connection keeps the -wal file: no snapshot can be taken, SQLite reads.
    assert.ok(readdirSync(dir).includes('runs.db-wal'));
    const reader = Store.openRead(file);
    assert.equal(reader.snapshot, false);
    assert.deepEqual(
      reader.listRuns().map((r) => r.uuid),
      ['while-open'],
    );
    reader.close();
    const r = await runMain(['runs', '--json', '--db', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout)[0].uuid, 'while-open');
  } finally {
    writer.close();
  }
  // Closed: a read is a snapshot of the file, and leaves no file behind.
  const before = readdirSync(dir).sort();
  const snap = Store.openRead(file);
  assert.equal(snap.snapshot, true);
  snap.close();
  assert.deepEqual(readdirSync(dir).sort(), before);
});
