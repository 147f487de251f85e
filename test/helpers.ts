/** Shared by the tests of stored runs: temporary databases, the CLI, synthetic runs. */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ErroredCase, MeasuredCase, RunRecord } from '../data/run-record.js';
import { caseKey, erroredCase } from '../data/run-record.js';
import { Store } from '../data/store.js';

export const CLI = fileURLToPath(new URL('../../bin/flushbench.js', import.meta.url));

export function tempDb(): string {
  return join(mkdtempSync(join(tmpdir(), 'flushbench-')), 'runs.db');
}

/** A flushbench database with no run in it: what a server that only reads may open. */
export function emptyDb(file: string = tempDb()): string {
  Store.open(file).close();
  return file;
}

export function cli(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, ...env },
  });
}

/** Starts the CLI and resolves with its exit once done; `onStderr` sees its progress lines. */
export function cliAsync(
  args: string[],
  onStderr?: (text: string, kill: () => void) => void,
  env: Record<string, string> = {},
) {
  const child = spawn(process.execPath, [CLI, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
    onStderr?.(stderr, () => child.kill('SIGKILL'));
  });
  return new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** A measured case (completed unless `over` says violated) with plausible figures. */
export function syntheticCase(
  over: Partial<MeasuredCase> & Pick<MeasuredCase, 'protocol'>,
): MeasuredCase {
  const spec = { workload: 'madvise', cpus: 2, pages: 1, profile: 'xeon-gold-5418y-2s', ...over };
  return {
    key: caseKey(spec),
    status: 'completed',
    error: null,
    wallNs: { p50: 1000, p99: 2000, mean: 1100, min: 900, max: 5000, rme: 1.5, count: 5 },
    modeledCycles: {
      p50: 3179,
      mean: 3179,
      p99: 3179,
      iterationMean: 6518,
      remoteHandlerMean: 2000,
      callMean: 3179 + 286,
    },
    counters: { ipisSent: 10 },
    oracle: {
      checkedAccesses: 100,
      staleUses: 0,
      lostWrites: 0,
      ackWindowViolations: 0,
      freedTableWalks: 0,
      firstViolation: null,
    },
    kernel: null,
    samplesNs: [900, 1000, 1000, 1200, 5000],
    samplesTotal: 5,
    modeledCyclesSamples: [3179, 3179],
    trace: null,
    ...spec,
    ...over,
  };
}

/** A failed case of the default spec. */
export function syntheticErroredCase(
  over: Partial<Pick<ErroredCase, 'workload' | 'cpus' | 'pages' | 'profile'>> &
    Pick<ErroredCase, 'protocol' | 'error'>,
): ErroredCase {
  const { error, ...rest } = over;
  const spec = { workload: 'madvise', cpus: 2, pages: 1, profile: 'xeon-gold-5418y-2s', ...rest };
  return erroredCase({ key: caseKey(spec), ...spec }, error);
}

export function syntheticRun(over: Partial<RunRecord> = {}): RunRecord {
  return {
    uuid: `run-${Math.random().toString(36).slice(2)}`,
    commit: {
      sha: 'a'.repeat(40),
      branch: 'main',
      dirty: false,
      subject: 'a commit',
      time: '2026-11-01T10:00:00Z',
    },
    startedAt: '2026-11-01T10:00:00.000Z',
    endedAt: '2026-11-01T10:01:00.000Z',
    host: { hostname: 'h', cpuModel: 'cpu', cores: 2, os: 'Linux', nodeVersion: 'v20' },
    flushbenchVersion: '0.1.0',
    suite: 'smoke',
    profile: 'xeon-gold-5418y-2s',
    config: { suite: 'smoke' },
    cases: [syntheticCase({ protocol: 'sync' }), syntheticCase({ protocol: 'async-inline' })],
    ...over,
  };
}
