/**
 * A bench on a file system too small for its run: the insert fails, the database keeps its old
 * runs, and the run is saved as JSON that `flushbench import` loads into another database as the
 * same run. The small file system is a tmpfs of 256 KiB mounted in a private mount namespace
 * (unshare), so nothing outside the test sees it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { test } from 'node:test';
import { Store } from '../data/store.js';
import { runMain } from './cli-in-process.js';
import { CLI, syntheticRun, tempDb } from './helpers.js';

const TMPFS_BYTES = 256 * 1024;
/** Room left on it: SQLite's WAL index (32 KiB) and a little WAL, far less than the run. */
const ROOM_BYTES = 64 * 1024;

/** The command that runs a shell script in a mount namespace of its own, or why there is none. */
function namespaceShell(): string[] | string {
  const probeDir = dirname(tempDb());
  for (const prefix of [
    ['unshare', '--mount'],
    ['unshare', '--user', '--map-root-user', '--mount'],
  ]) {
    const r = spawnSync(
      prefix[0],
      [...prefix.slice(1), 'sh', '-c', `mount -t tmpfs -o size=64k tmpfs ${probeDir}`],
      { encoding: 'utf8' },
    );
    if (r.status === 0) return [...prefix, 'sh'];
  }
  return 'this user cannot mount a tmpfs in a mount namespace of its own (unshare)';
}

const shell = namespaceShell();

/**
 * Runs `commands` (shell, given the CLI as `node` and the database's path) against a copy of
 * `seed` on a tmpfs of TMPFS_BYTES left with ROOM_BYTES free, in a mount namespace; their
 * stdout, stderr and exit status and any run saved beside the database land in `out`.
 */
function onFullDisk(
  work: string,
  seed: string,
  commands: (node: string, db: string, out: string) => string,
): { db: string; out: string; stderr: string; status: string } {
  const out = join(work, 'out');
  const small = join(work, 'small');
  mkdirSync(out);
  mkdirSync(small);
  const db = join(small, 'runs.db');
  const node = `'${process.execPath}' '${CLI}'`;
  const script = `
    set -u
    mount -t tmpfs -o size=${TMPFS_BYTES} tmpfs '${small}' || exit 90
    cp '${seed}' '${db}'
    avail=$(df --output=avail -B1 '${small}' | tail -1)
    dd if=/dev/zero of='${small}/filler' bs=4096 count=$(( (avail - ${ROOM_BYTES}) / 4096 )) status=none
    ${commands(node, db, out)}
    cp '${small}'/flushbench-run-*.json '${out}/' 2>/dev/null
    exit 0
  `;
  const r = spawnSync((shell as string[])[0], [...(shell as string[]).slice(1), '-c', script], {
    encoding: 'utf8',
    timeout: 280_000,
  });
  assert.equal(r.status, 0, `the namespace script: ${r.stderr}`);
  return {
    db,
    out,
    stderr: readFileSync(join(out, 'stderr'), 'utf8'),
    status: readFileSync(join(out, 'status'), 'utf8').trim(),
  };
}

test('a bench on a full disk keeps the old runs and saves its run for import', {
  skip: typeof shell === 'string' ? shell : false,
  timeout: 300_000,
}, async () => {
  const work = dirname(tempDb());
  const seed = join(work, 'seed.db');
  const store = Store.open(seed);
  store.insertRun(syntheticRun({ uuid: 'the-old-run' }));
  store.close();
  const before = await runMain(['export', '--run', '1', '--format', 'json', '--db', seed]);
  assert.equal(before.code, 0, before.stderr);

  // A run big enough not to fit (6 cases × 6,000 samples), made on the cooperative engine: the
  // threads engine's two workers wait on each other through the OS, and with both cores busy
  // this bench took over 280 s on it (55 s against 5.4 s with a test suite and two spinning
  // processes running beside it).
  const { db, out, stderr, status } = onFullDisk(
    work,
    seed,
    (node, db, out) => `
    ${node} bench --engine cooperative --protocols sync,async-inline --cpus 2 --pages 1,8,64 --time 10 --iterations 6000 --db '${db}' > '${out}/stdout' 2> '${out}/stderr'
    echo $? > '${out}/status'
    ${node} export --run 1 --format json --db '${db}' > '${out}/after.json'
    ${node} runs --json --db '${db}' > '${out}/runs.json'`,
  );
  assert.equal(status, '1', stderr);
  assert.match(
    stderr,
    new RegExp(
      `the run could not be stored in ${db}: the database cannot be written: the disk is full`,
    ),
  );
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');

  // The old data: the same run, alone, byte for byte in its export.
  assert.deepEqual(
    JSON.parse(readFileSync(join(out, 'after.json'), 'utf8')),
    JSON.parse(before.stdout),
  );
  assert.deepEqual(
    JSON.parse(readFileSync(join(out, 'runs.json'), 'utf8')).map((x: { uuid: string }) => x.uuid),
    ['the-old-run'],
  );

  // The saved run: where the message says, loaded by the command it gives.
  const saved = /the run is saved in (\S+)/.exec(stderr)?.[1];
  assert.ok(saved, stderr);
  assert.match(
    stderr,
    new RegExp(`flushbench import ${saved.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} --db ${db}`),
  );
  // Beside the database if it fitted there (copied out of the namespace), else in the temp folder.
  const json = existsSync(saved) ? saved : join(out, basename(saved));
  const run = JSON.parse(readFileSync(json, 'utf8'));
  assert.equal(run.cases.length, 6);

  const other = join(work, 'other.db');
  const imported = await runMain(['import', json, '--db', other]);
  assert.equal(imported.code, 0, imported.stderr);
  assert.match(imported.stdout, /stored in .* as run 1 \(6 cases\)/);
  const back = await runMain(['export', '--run', '1', '--format', 'json', '--db', other]);
  assert.deepEqual(JSON.parse(back.stdout), run, 'the imported run is the run as bench made it');
  const again = await runMain(['import', json, '--db', other]);
  assert.equal(again.code, 0);
  assert.match(again.stdout, /already stored .* as run 1/);
  rmSync(json);
});

test('validate on a full disk saves its result as JSON, as bench does, and says where', {
  skip: typeof shell === 'string' ? shell : false,
  timeout: 300_000,
}, () => {
  const work = dirname(tempDb());
  const seed = join(work, 'seed.db');
  Store.open(seed).close();
  // The validation run is about 190 KB of JSON: far more than the room left.
  const { out, stderr, status } = onFullDisk(
    work,
    seed,
    (node, db, out) => `
    ${node} validate --db '${db}' > '${out}/stdout' 2> '${out}/stderr'
    echo $? > '${out}/status'`,
  );
  assert.equal(status, '1', stderr);
  assert.match(
    stderr,
    /the run could not be stored in .*: the database cannot be written: the disk is full/,
  );
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
  const saved = /the run is saved in (\S+)/.exec(stderr)?.[1];
  assert.ok(saved, stderr);
  const json = existsSync(saved) ? saved : join(out, basename(saved));
  const run = JSON.parse(readFileSync(json, 'utf8'));
  assert.equal(run.suite, 'validate');
  assert.ok(run.cases.length > 10);
  rmSync(json);
});
