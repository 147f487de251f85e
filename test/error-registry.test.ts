/**
 * One error registry: every FLUSHBENCH_ERR_ code written anywhere in the source is a row of
 * common/errors.ts, and every row says what the CLI and the server make of it.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ERRORS, errorKindOf } from '../common/errors.js';

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

test('host-profile, the runner and validate throw no plain Error outside a coded one', () => {
  // `throw new Error(` reaches a user uncoded; a coded one is `withCode(new Error(…), …)`.
  const plain = ['bench/host-profile.ts', 'bench/runner.ts', 'bench/validate.ts'].filter((file) =>
    /throw new Error\(/.test(readFileSync(join(ROOT, file), 'utf8')),
  );
  assert.deepEqual(plain, []);
});
