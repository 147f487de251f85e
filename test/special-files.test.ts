/**
 * Red team F3: a file flushbench reads must be a regular file of at most 64 MiB. /dev/zero and
 * /dev/urandom used to be read without end (6–12 GB in 20 s) and a FIFO blocked forever; now each
 * is refused at once with exit 2, naming the file and the rule, and nothing is written.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLI } from './helpers.js';

/** A read without end (or a FIFO's wait) would meet the timeout: status null, not 2. */
const run = (args: string[]) =>
  spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 20_000 });

test('import, sim --profile and validate --file refuse devices at once, with exit 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fb-special-'));
  const db = join(dir, 'runs.db');
  for (const [args, what] of [
    [['import', '/dev/zero', '--db', db], /import: the run file \/dev\/zero is not a regular file/],
    [
      ['sim', '--cpus', '2', '--profile', '/dev/zero'],
      /--profile file \/dev\/zero is not a regular file/,
    ],
    [
      ['validate', '--file', '/dev/urandom', '--db', db],
      /\/dev\/urandom is not a regular file \(a device, FIFO or socket\): only files are read/,
    ],
  ] as const) {
    const r = run([...args]);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, what);
  }
  assert.equal(existsSync(db), false, 'nothing written');
});

test('a FIFO is refused without waiting for a writer', () => {
  const fifo = join(mkdtempSync(join(tmpdir(), 'fb-fifo-')), 'run.json');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo made the FIFO');
  const r = run(['import', fifo, '--db', join(tmpdir(), 'never.db')]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /is not a regular file \(a device, FIFO or socket\)/);
});
