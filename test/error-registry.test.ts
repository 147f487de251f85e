/**
 * One error registry: every FLUSHBENCH_ERR_ code written anywhere in the source is a row of
 * common/errors.ts, and every row says what the CLI and the server make of it.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  createError,
  ERRORS,
  ErrorCodes,
  type ErrorKind,
  type ErrorName,
  errorKindOf,
  isFlushbenchError,
} from '../common/errors.js';
import { answerOf } from '../server/api-error.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SOURCE_DIRS = ['common', 'sim', 'host', 'data', 'bench', 'server', 'cli', 'web/src'];

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((d) =>
    d.isDirectory()
      ? sources(join(dir, d.name))
      : d.name.endsWith('.ts')
        ? [join(dir, d.name)]
        : [],
  );
}

test('every code used in the source is in the registry', () => {
  const used = new Map<string, string>();
  for (const file of SOURCE_DIRS.flatMap(sources)) {
    for (const [code] of readFileSync(join(ROOT, file), 'utf8').matchAll(
      /FLUSHBENCH_ERR_[A-Z_]+/g,
    )) {
      if (code !== 'FLUSHBENCH_ERR_') used.set(code, file);
    }
  }
  assert.ok(used.size > 5, 'the scan found the codes written as literals');
  for (const [code, file] of used) {
    assert.ok(errorKindOf(code), `${code} (in ${file}) is not in common/errors.ts`);
  }
});

test('every row maps to an exit code and an HTTP status that agree with its kind', () => {
  for (const [name, e] of Object.entries(ERRORS)) {
    assert.equal(e.code, `FLUSHBENCH_ERR_${name}`, name);
    if (e.kind === 'input') {
      assert.equal(e.exitCode, 2, `${name}: bad input exits 2`);
      assert.ok(e.httpStatus >= 400 && e.httpStatus < 500, `${name}: bad input is a 4xx`);
    }
    if (e.kind === 'run' || e.kind === 'store') assert.equal(e.exitCode, 1, name);
  }
});

test('the CLI makes its flag errors with the registry’s factory, not the simulator’s', () => {
  const viaSim = sources('cli').filter((file) =>
    /from '\.\.\/sim\/shared\/errors\.js'/.test(readFileSync(join(ROOT, file), 'utf8')),
  );
  assert.deepEqual(viaSim, []);
});

test('every row has a message template, and createError fills it in order', () => {
  for (const name of Object.keys(ERRORS) as ErrorName[]) {
    const row: ErrorKind = ERRORS[name];
    assert.equal(typeof row.message, 'string', `${name} has a template`);
    const holes = row.message.split('%s').length - 1;
    // A template that is only '%s' must still be filled: one argument, the whole message.
    const args = Array.from({ length: holes }, (_, i) => `‹${i}›`);
    const err = createError(name, args as never);
    let expected = row.message;
    for (const a of args) expected = expected.replace('%s', a);
    assert.equal(err.message, expected, name);
    assert.ok(!err.message.includes('%s'), `${name}: every hole filled`);
    assert.equal(err.code, row.code, name);
    assert.ok(isFlushbenchError(err), name);
    // The server answers it with the row's status and the same words.
    assert.deepEqual(answerOf(err), {
      status: row.httpStatus,
      body: { error: { code: row.code, message: expected } },
    });
  }
});

test('a row with fixed words keeps them: the template is the message, not the caller', () => {
  assert.equal(
    createError('RUN_ABORTED', ['CPU 3', 'another CPU failed'], { cpu: 3 }).message,
    'CPU 3 stopped because another CPU failed',
  );
  assert.equal(
    createError('HOST_NOT_ALLOWED', ['bench.example.org', '"evil.example"']).message,
    'the Host header must be one of bench.example.org (got "evil.example")',
  );
  const typed = createError('INVALID_OPTION', ['--cpus must be an integer (got "x")'], {
    as: TypeError,
  });
  assert.ok(typed instanceof TypeError);
  assert.equal(typed.code, ErrorCodes.INVALID_OPTION);
});

/**
 * Throws that are the code's own invariants, not anything a user can cause: a CPU that trips one
 * reports it as CPU_CRASHED with its stack (sim/cpu/report.ts), which is what a bug report needs.
 */
const INVARIANTS = new Map([
  ['sim/shared/csd-ring.ts', 'the ring is sized for every csd in flight'],
  ['sim/shared/protocols.ts', 'the protocol table has one baseline and one headline'],
  ['sim/cpu/scheduler.ts', 'options bound the workers; a flush never runs alone'],
  // Reasons, not errors: checkHost tells them as HOST_UNSUPPORTED, kernel.ts a measuring
  // thread's as CPU_CRASHED on that CPU.
  ['host/interrupts.ts', 'why /proc/interrupts cannot be used'],
  ['host/kernel-worker.ts', 'a measuring thread not on its CPU'],
]);

test('no error reaches a user made another way than createError', () => {
  const elsewhere: string[] = [];
  for (const file of ['sim', 'host', 'bench', 'cli', 'data', 'server'].flatMap(sources)) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    for (const m of text.matchAll(/\b(withCode\(|new (?:Type|Range)?Error\()/g)) {
      if (!INVARIANTS.has(file)) elsewhere.push(`${file}: ${m[1]}`);
    }
  }
  assert.deepEqual(elsewhere, []);
});
