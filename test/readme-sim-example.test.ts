/**
 * The README's `sim` example is what `sim` prints today (issue 21: its iteration, 5806 cycles,
 * had gone stale). On the cooperative engine 4 CPUs take one worker on any host, and the run is a
 * function of its seeds: every line matches but the wall-clock's figures, which are the
 * simulator's time (masked on both sides), and the note on this host's cores (dropped).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cli } from './helpers.js';

const COMMAND = 'npx flushbench sim --protocol async-inline --cpus 4 --engine cooperative';
const README = fileURLToPath(new URL('../../README.md', import.meta.url));

/** Wall-clock figures (ms, µs, ns) masked: they measure the simulator, not the model. */
const masked = (lines: string[]) =>
  lines
    .filter((l) => !/ CPUs on \d+ cores?: /.test(l))
    .map((l) => l.replace(/\d+(\.\d+)? (ms|µs|ns)\b/g, '<time>').trimEnd());

test('the README’s sim example is the output of its command, wall-clock aside', () => {
  const text = readFileSync(README, 'utf8');
  const start = text.indexOf(`$ ${COMMAND}\n`);
  assert.ok(start >= 0, 'the README shows the command');
  const block = text.slice(start, text.indexOf('```', start)).split('\n').slice(1, -1);
  const r = cli(COMMAND.split(' ').slice(2));
  assert.equal(r.status, 0, r.stderr);
  const out = r.stdout.trimEnd().split('\n');
  assert.deepEqual(masked(block), masked(out));
});
