/** Where a run was measured: the commit (null fields outside a git checkout) and the host. */
import { execFileSync } from 'node:child_process';
import { arch, availableParallelism, cpus, hostname, release, type } from 'node:os';
import type { CommitInfo, HostInfo } from '../data/run-record.js';

function git(args: string[], cwd: string): string | null {
  try {
    return execFileSync('git', args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return null;
  }
}

/**
 * The checked-out commit, or null outside a git checkout (or without git). On a detached HEAD
 * (CI checks out a sha) the branch is FLUSHBENCH_BRANCH when set, else none: a guess from the
 * CI's environment would label a pull request's base with the pull request's branch.
 */
export function commitInfo(cwd = process.cwd()): CommitInfo | null {
  const sha = git(['rev-parse', 'HEAD'], cwd);
  if (!sha) return null;
  const branch =
    git(['symbolic-ref', '--short', '-q', 'HEAD'], cwd) || process.env.FLUSHBENCH_BRANCH || null;
  const status = git(['status', '--porcelain', '--untracked-files=no'], cwd);
  return {
    sha,
    branch,
    dirty: status !== null && status.length > 0,
    subject: git(['log', '-1', '--format=%s'], cwd) ?? '',
    time: git(['log', '-1', '--format=%cI'], cwd) ?? '',
  };
}

export function hostInfo(): HostInfo {
  return {
    hostname: hostname(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    os: `${type()} ${release()} ${arch()}`,
    nodeVersion: process.version,
  };
}
