/**
 * `npm run bench:server`: the API under load. Stores 1,000 runs (copies of one small real bench
 * under 1,000 commits), starts `flushbench serve` in its own process, and drives /api/runs,
 * /api/history and /api/compare with autocannon — 50 connections for 10 s each — reporting
 * p50 and p99 latency against the goal p99 ≤ 20 ms.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { runBench, thin } from '../bench/runner.js';
import type { RunRecord } from '../data/run-record.js';
import { Store } from '../data/store.js';

const RUNS = 1000;
const CONNECTIONS = 50;
const DURATION_S = 10;
const GOAL_P99_MS = 20;
const SAMPLES_KEPT = 1000;
const CLI = fileURLToPath(new URL('../../bin/flushbench.js', import.meta.url));

async function fill(file: string): Promise<{ base: number; head: number }> {
  const real = await runBench({
    suite: 'server-bench',
    cases: (['sync', 'concurrent', 'async-inline', 'broadcast'] as const).flatMap((protocol) =>
      [1, 2].map((cpus) => ({ protocol, workload: 'madvise' as const, cpus, pages: 1 })),
    ),
    profile: 'xeon-gold-5418y-2s',
    timeMs: 10,
    iterations: 500,
    seed: 1,
    trace: false,
  });
  const store = Store.open(file);
  try {
    const start = Date.parse(real.startedAt) - RUNS * 3600_000;
    let base = 0;
    let head = 0;
    for (let i = 0; i < RUNS; i++) {
      const t = new Date(start + i * 3600_000).toISOString();
      const run: RunRecord = {
        ...real,
        uuid: `server-bench-${i}`,
        commit: {
          sha: i.toString(16).padStart(40, '0'),
          branch: 'main',
          dirty: false,
          subject: `commit ${i}`,
          time: t,
        },
        startedAt: t,
        endedAt: t,
        cases: real.cases.map((c) => ({ ...c, samplesNs: thin(c.samplesNs, SAMPLES_KEPT) })),
      };
      const id = store.insertRun(run);
      if (i === RUNS - 2) base = id;
      if (i === RUNS - 1) head = id;
    }
    return { base, head };
  } finally {
    store.close();
  }
}

function startServer(file: string): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--db', file], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('the server did not start within 30 s')),
      30_000,
    );
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /on (http:\/\/\S+\/)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1], stop: () => child.kill('SIGTERM') });
      }
    });
    child.once('exit', (code) => reject(new Error(`the server exited with code ${code}`)));
  });
}

async function main(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'flushbench-server-bench-'));
  const file = join(dir, 'runs.db');
  try {
    process.stderr.write(`storing ${RUNS} runs…\n`);
    const { base, head } = await fill(file);
    const server = await startServer(file);
    const targets = [
      ['/api/runs', 'api/runs'],
      ['/api/history', 'api/history?protocol=sync&cpus=2&pages=1&workload=madvise&limit=50'],
      ['/api/compare', `api/compare?base=${base}&head=${head}&metric=both`],
    ];
    const rows: string[] = [];
    let met = true;
    try {
      for (const [name, path] of targets) {
        process.stderr.write(`${name}: ${CONNECTIONS} connections for ${DURATION_S} s…\n`);
        const r = await autocannon({
          url: `${server.url}${path}`,
          connections: CONNECTIONS,
          duration: DURATION_S,
        });
        if (r.non2xx > 0 || r.errors > 0)
          throw new Error(`${name}: ${r.non2xx} non-2xx answers, ${r.errors} errors`);
        met &&= r.latency.p99 <= GOAL_P99_MS;
        rows.push(
          `${name.padEnd(14)} p50 ${String(r.latency.p50).padStart(4)} ms  p99 ${String(r.latency.p99).padStart(4)} ms  ${Math.round(r.requests.average)} req/s  ${r.latency.p99 <= GOAL_P99_MS ? '✓' : '✗'}`,
        );
      }
    } finally {
      server.stop();
    }
    console.log(
      `${RUNS} runs stored, ${CONNECTIONS} connections, ${DURATION_S} s each (goal p99 ≤ ${GOAL_P99_MS} ms)`,
    );
    for (const row of rows) console.log(row);
    return met ? 0 : 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
