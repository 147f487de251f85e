/**
 * A run's branch on a detached HEAD (CI checks out a sha): FLUSHBENCH_BRANCH when set, never a
 * guess from GITHUB_HEAD_REF, which would label a pull request's base with the PR's branch.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { commitInfo } from '../bench/provenance.js';

test('on a detached HEAD the branch is FLUSHBENCH_BRANCH or none', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fb-git-'));
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], {
      cwd: dir,
      encoding: 'utf8',
    }).trim();
  git('init', '-q', '-b', 'main');
  writeFileSync(join(dir, 'f'), 'x');
  git('add', 'f');
  git('commit', '-q', '-m', 'one');
  const sha = git('rev-parse', 'HEAD');
  assert.equal(commitInfo(dir)?.branch, 'main');
  git('checkout', '-q', '--detach', sha);
  const saved = { ...process.env };
  try {
    process.env.GITHUB_HEAD_REF = 'feature-x';
    delete process.env.FLUSHBENCH_BRANCH;
    assert.equal(commitInfo(dir)?.branch, null, 'no guess from the PR');
    process.env.FLUSHBENCH_BRANCH = 'main';
    const info = commitInfo(dir);
    assert.equal(info?.branch, 'main');
    assert.equal(info?.sha, sha);
  } finally {
    process.env = saved;
  }
});
