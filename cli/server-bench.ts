/**
 * `npm run bench:server`: the API under load, in two parts.
 *
 * 1. Reads. Stores 1,000 runs (copies of one small real bench under 1,000 commits), starts
 *    `flushbench serve` in its own process, and drives /api/runs, /api/history and /api/compare
 *    with autocannon — 50 connections for 10 s each — against the goal p99 ≤ 20 ms.
 * 2. Compare whatever the query. Two runs of 12 cases × 100,000 wall-clock samples each (a real
 *    bench's samples, resampled with a seeded PRNG), 10 connections each asking /api/compare for
 *    a threshold no request asked before, while one more connection asks /api/health: the goals
 *    are health p99 ≤ 50 ms and compare p99 ≤ 200 ms, the first computation of the pair included.
 * 3. Exports. 4 connections exporting one of those runs as JSON (past the per-client limit they
 *    get 429, as a client would) while one more asks /api/health: the goal is health p99 ≤ 50 ms.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { runBench, thin } from '../bench/runner.js';
import { createError } from '../common/errors.js';
import { mulberry32 } from '../common/mulberry32.js';
import type { RunRecord } from '../data/run-record.js';
import { Store } from '../data/store.js';
import {
  BASELINE_PROTOCOL,
  CONTROL_PROTOCOLS,
  type Protocol,
  SAFE_PROTOCOLS,
  VERDICT_PROTOCOLS,
} from '../sim/index.js';

const RUNS = 1000;
const CONNECTIONS = 50;
const DURATION_S = 10;
const GOAL_P99_MS = 20;
const SAMPLES_KEPT = 1000;
const LARGE_SAMPLES = 100_000;
const LARGE_CONNECTIONS = 10;
const HEALTH_GOAL_P99_MS = 50;
const COMPARE_GOAL_P99_MS = 200;
const EXPORT_CONNECTIONS = 4;
/** Every safe protocol and one control: 12 cases at 1 and 2 CPUs. */
const LARGE_PROTOCOLS: readonly Protocol[] = [...SAFE_PROTOCOLS, CONTROL_PROTOCOLS[0]];
const CLI = fileURLToPath(new URL('../../bin/flushbench.js', import.meta.url));

function realBench(protocols: readonly Protocol[]): Promise<RunRecord> {
  return runBench({
    suite: 'server-bench',
    cases: protocols.flatMap((protocol) =>
      [1, 2].map((cpus) => ({ protocol, workload: 'madvise' as const, cpus, pages: 1 })),
    ),
    profile: 'xeon-gold-5418y-2s',
    timeMs: 10,
    iterations: 500,
    seed: 1,
    trace: false,
  });
}

async function fill(file: string): Promise<{ base: number; head: number }> {
  const real = await realBench([BASELINE_PROTOCOL, ...VERDICT_PROTOCOLS]);
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

/** Two runs of 10 cases, each case's samples drawn 100,000 times from a real bench's. */
async function fillLarge(file: string): Promise<{ base: number; head: number }> {
  const real = await realBench(LARGE_PROTOCOLS);
  const store = Store.open(file);
  try {
    const ids = [0, 1].map((i) => {
      const random = mulberry32(i + 1);
      return store.insertRun({
        ...real,
        uuid: `server-bench-large-${i}`,
        commit: {
          sha: String(i + 1).repeat(40),
          branch: 'main',
          dirty: false,
          subject: `large ${i}`,
          time: real.startedAt,
        },
        cases: real.cases.map((c) => {
          if (c.status === 'errored') return c;
          const drawn = Array.from(
            { length: LARGE_SAMPLES },
            () => c.samplesNs[Math.floor(random() * c.samplesNs.length)],
          );
          return { ...c, samplesNs: drawn, samplesTotal: LARGE_SAMPLES };
        }),
      });
    });
    return { base: ids[0], head: ids[1] };
  } finally {
    store.close();
  }
}

/**
 * Compare under new thresholds with health alongside: both autocannon instances at once, on the
 * pair's first computation too (nothing asked for it before).
 */
async function compareLoad(
  url: string,
  pair: { base: number; head: number },
): Promise<{ rows: string[]; met: boolean }> {
  let n = 0;
  const compare = autocannon({
    url,
    connections: LARGE_CONNECTIONS,
    duration: DURATION_S,
    requests: [
      {
        setupRequest: (req) => {
          n++;
          // A threshold no request asked before: 0.0001 % steps from 1 %.
          req.path = `/api/compare?base=${pair.base}&head=${pair.head}&metric=both&threshold=${(1 + n / 10_000).toFixed(4)}`;
          return req;
        },
      },
    ],
  });
  const health = autocannon({ url: `${url}api/health`, connections: 1, duration: DURATION_S });
  const [c, h] = await Promise.all([compare, health]);
  if (c.errors > 0 || h.errors > 0 || h.non2xx > 0)
    throw createError('CASE_FAILED', [
      `compare load: ${c.errors} compare errors, ${h.errors + h.non2xx} health failures`,
    ]);
  const met =
    c.latency.p99 <= COMPARE_GOAL_P99_MS && h.latency.p99 <= HEALTH_GOAL_P99_MS && c.non2xx === 0;
  return {
    met,
    rows: [
      `${'/api/compare'.padEnd(14)} p50 ${String(c.latency.p50).padStart(4)} ms  p99 ${String(c.latency.p99).padStart(4)} ms  max ${c.latency.max} ms  ${Math.round(c.requests.average)} req/s  ${c.non2xx} non-2xx  ${c.latency.p99 <= COMPARE_GOAL_P99_MS && c.non2xx === 0 ? '✓' : '✗'} (goal p99 ≤ ${COMPARE_GOAL_P99_MS} ms)`,
      `${'/api/health'.padEnd(14)} p50 ${String(h.latency.p50).padStart(4)} ms  p99 ${String(h.latency.p99).padStart(4)} ms  max ${h.latency.max} ms  ${Math.round(h.requests.average)} req/s  ${h.latency.p99 <= HEALTH_GOAL_P99_MS ? '✓' : '✗'} (goal p99 ≤ ${HEALTH_GOAL_P99_MS} ms)`,
    ],
  };
}

/** Exports of one large run with health alongside: health must not wait for them. */
async function exportLoad(url: string, runId: number): Promise<{ rows: string[]; met: boolean }> {
  const exports = autocannon({
    url: `${url}api/runs/${runId}/export?format=json`,
    connections: EXPORT_CONNECTIONS,
    duration: DURATION_S,
  });
  const health = autocannon({ url: `${url}api/health`, connections: 1, duration: DURATION_S });
  const [e, h] = await Promise.all([exports, health]);
  if (e.errors > 0 || h.errors > 0 || h.non2xx > 0)
    throw createError('CASE_FAILED', [
      `export load: ${e.errors} export errors, ${h.errors + h.non2xx} health failures`,
    ]);
  const met = h.latency.p99 <= HEALTH_GOAL_P99_MS;
  return {
    met,
    rows: [
      `${'export'.padEnd(14)} p50 ${String(e.latency.p50).padStart(4)} ms  p99 ${String(e.latency.p99).padStart(4)} ms  ${e['2xx']} exported, ${e.non2xx} refused past the per-client limit`,
      `${'/api/health'.padEnd(14)} p50 ${String(h.latency.p50).padStart(4)} ms  p99 ${String(h.latency.p99).padStart(4)} ms  max ${h.latency.max} ms  ${met ? '✓' : '✗'} (goal p99 ≤ ${HEALTH_GOAL_P99_MS} ms)`,
    ],
  };
}

function startServer(file: string): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--db', file], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(createError('CASE_FAILED', ['the server did not start within 30 s'])),
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
    child.once('exit', (code) =>
      reject(createError('CASE_FAILED', [`the server exited with code ${code}`])),
    );
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
          throw createError('CASE_FAILED', [
            `${name}: ${r.non2xx} non-2xx answers, ${r.errors} errors`,
          ]);
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

    const largeFile = join(dir, 'large.db');
    process.stderr.write(
      `storing 2 runs of ${LARGE_PROTOCOLS.length * 2} cases × ${LARGE_SAMPLES} samples…\n`,
    );
    const pair = await fillLarge(largeFile);
    const large = await startServer(largeFile);
    let load: { rows: string[]; met: boolean };
    let exported: { rows: string[]; met: boolean };
    try {
      process.stderr.write(
        `/api/compare, a new threshold each request: ${LARGE_CONNECTIONS} connections for ${DURATION_S} s, /api/health alongside…\n`,
      );
      load = await compareLoad(large.url, pair);
      process.stderr.write(
        `export: ${EXPORT_CONNECTIONS} connections for ${DURATION_S} s, /api/health alongside…\n`,
      );
      exported = await exportLoad(large.url, pair.head);
    } finally {
      large.stop();
    }
    console.log(
      `\n2 runs of ${LARGE_PROTOCOLS.length * 2} cases × ${LARGE_SAMPLES} samples, ${LARGE_CONNECTIONS} connections asking compare for a new threshold each, 1 asking health, ${DURATION_S} s`,
    );
    for (const row of load.rows) console.log(row);
    console.log(
      `\nrun ${pair.head} (${LARGE_PROTOCOLS.length * 2} cases × ${LARGE_SAMPLES} samples) exported as JSON by ${EXPORT_CONNECTIONS} connections, 1 asking health, ${DURATION_S} s`,
    );
    for (const row of exported.rows) console.log(row);
    return met && load.met && exported.met ? 0 : 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
