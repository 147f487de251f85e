/**
 * `npm run bench:engine`: the two engines side by side, in one run on this machine.
 *
 *   speed   at 64 CPUs, the cooperative engine's wall time per flush against the threads engine's
 *           (goal: at most 1/50);
 *   scale   the cooperative engine at the largest profile's threads against itself at 64 CPUs
 *           (goal: at most 16×), and `sim --engine cooperative --cpus <that many>` in a process of
 *           its own: exit 0 and a peak RSS of at most 1 GiB.
 *
 * Wall time per flush is marginal: (elapsed with F2 flushes − elapsed with F1) / (F2 − F1), on the
 * same machine, once V8 has warmed up — what one more flush costs, with the case's set-up (workers'
 * warm passes, barriers) left out. Every case: sync, madvise, 1 page. Exit 1 when a goal is missed.
 *
 * Warmed up means WARM_FLUSHES flushes first, on every machine. The threads engine runs each CPU's
 * code in an isolate of its own, once per flush, and V8 optimizes it in each of the 64 separately:
 * at 64 CPUs on a 2-core host its time per flush falls from about 8 ms to about 1 ms over the first
 * 2,000 flushes or so. One short warm-up run, as before, measured it halfway down that slope.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BASELINE_PROTOCOL,
  type Engine,
  loadProfile,
  Machine,
  profileNames,
} from '../sim/index.js';
import { hardwareThreads } from '../sim/shared/profile.js';

const GOAL_SPEED = 50;
const GOAL_SCALE = 16;
const GOAL_RSS_MB = 1024;

interface Point {
  engine: Engine;
  cpus: number;
  profile: string;
  workers: number;
  perFlushMs: number;
  /** Wall time per flush of the first and the last warm-up run, set-up included, ms. */
  warmFirstMs: number;
  warmLastMs: number;
}

/** Pairs of runs measured per point: the median of their marginal times is the figure. */
const PAIRS = 5;
/** Flushes every machine runs before it is measured, in runs of WARM_CHUNK. */
const WARM_FLUSHES = 3000;
const WARM_CHUNK = 200;

/** The marginal wall time of one flush, ms: two flush counts, the difference, median of PAIRS. */
async function perFlush(
  engine: Engine,
  cpus: number,
  profile: string,
  [f1, f2]: [number, number],
): Promise<Point> {
  const machine = await Machine.start({ cpus, engine });
  try {
    const run = (flushes: number) =>
      machine.run({
        protocol: BASELINE_PROTOCOL,
        workload: 'madvise',
        pages: 1,
        flushes,
        warmupFlushes: 8,
        profile,
      });
    // V8 warms up: every worker runs its CPU code at least WARM_FLUSHES times (a threads worker
    // once per flush), so that what is measured is optimized code on every engine.
    const warm: number[] = [];
    for (let done = 0; done < WARM_FLUSHES; done += WARM_CHUNK) {
      const r = await run(WARM_CHUNK);
      warm.push(r.elapsedMs / r.flushesRun);
    }
    const marginal: number[] = [];
    for (let k = 0; k < PAIRS; k++) {
      const a = await run(f1);
      const b = await run(f2);
      marginal.push((b.elapsedMs - a.elapsedMs) / (b.flushesRun - a.flushesRun));
    }
    marginal.sort((x, y) => x - y);
    return {
      engine,
      cpus,
      profile,
      workers: machine.options.workers,
      perFlushMs: marginal[PAIRS >> 1],
      warmFirstMs: warm[0],
      warmLastMs: warm[warm.length - 1],
    };
  } finally {
    await machine.close();
  }
}

function largestProfile(): { name: string; threads: number } {
  return profileNames()
    .map((name) => ({ name, threads: hardwareThreads(loadProfile(name).topology) }))
    .reduce((a, b) => (b.threads > a.threads ? b : a));
}

function ms(x: number): string {
  return x >= 1 ? `${x.toFixed(2)} ms` : `${(x * 1000).toFixed(0)} µs`;
}

/** `sim --engine cooperative --cpus N` in a process of its own: exit code and peak RSS. */
function simProcess(cpus: number, profile: string): { status: number | null; maxRssMb: number } {
  // A file, not --eval: workers inherit the parent's flags, and --input-type would stop them.
  const dir = mkdtempSync(join(tmpdir(), 'flushbench-engine-'));
  const script = join(dir, 'sim.mjs');
  writeFileSync(
    script,
    `const { main } = await import(${JSON.stringify(new URL('../cli/cli.js', import.meta.url).href)});
const code = await main(['sim', '--engine', 'cooperative', '--cpus', '${cpus}', '--profile', '${profile}', '--flushes', '20', '--json'], { out: () => {}, err: (s) => process.stderr.write(s + '\\n') });
process.stdout.write(JSON.stringify({ code, maxRssKb: process.resourceUsage().maxRSS }));
process.exitCode = code;
`,
  );
  try {
    const r = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 600_000 });
    if (r.status !== 0) process.stderr.write(r.stderr);
    const out = r.stdout ? JSON.parse(r.stdout) : { maxRssKb: Number.NaN };
    return { status: r.status, maxRssMb: out.maxRssKb / 1024 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  const big = largestProfile();
  const base = 'xeon-gold-5418y-2s';
  process.stdout.write(
    `flushbench engine benchmark: sync, madvise, 1 page, on ${availableParallelism()} cores; wall per flush is the marginal time of one more flush, the median of ${PAIRS} pairs of runs, after ${WARM_FLUSHES} flushes that warm V8 up\n`,
  );
  const threads = await perFlush('threads', 64, base, [10, 110]);
  const coop64 = await perFlush('cooperative', 64, base, [100, 800]);
  const coopBig = await perFlush('cooperative', big.threads, big.name, [10, 160]);
  const speed = threads.perFlushMs / coop64.perFlushMs;
  const scale = coopBig.perFlushMs / coop64.perFlushMs;
  const rss = simProcess(big.threads, big.name);
  const on = (p: Point) => `${p.workers} worker${p.workers === 1 ? '' : 's'}`;
  const mark = (ok: boolean) => (ok ? '✓' : '✗ missed');
  // The slope the warm-up ran down: its first and last runs, set-up included.
  const warmed = (p: Point) =>
    `(warm-up runs: ${ms(p.warmFirstMs)} → ${ms(p.warmLastMs)} per flush)`;
  const lines = [
    `  threads,     64 CPUs (${base}):  ${ms(threads.perFlushMs)} per flush ${warmed(threads)}`,
    `  cooperative, 64 CPUs (${base}), ${on(coop64)}:  ${ms(coop64.perFlushMs)} per flush — 1/${speed.toFixed(0)} of the threads engine's (goal ≤ 1/${GOAL_SPEED}) ${mark(speed >= GOAL_SPEED)} ${warmed(coop64)}`,
    `  cooperative, ${big.threads} CPUs (${big.name}), ${on(coopBig)}:  ${ms(coopBig.perFlushMs)} per flush — ${scale.toFixed(1)}× its time at 64 CPUs (goal ≤ ${GOAL_SCALE}×) ${mark(scale <= GOAL_SCALE)} ${warmed(coopBig)}`,
    `  sim --engine cooperative --cpus ${big.threads}: exit ${rss.status}, peak RSS ${rss.maxRssMb.toFixed(0)} MB (goal ≤ ${GOAL_RSS_MB} MB) ${mark(rss.status === 0 && rss.maxRssMb <= GOAL_RSS_MB)}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const ok =
    speed >= GOAL_SPEED && scale <= GOAL_SCALE && rss.status === 0 && rss.maxRssMb <= GOAL_RSS_MB;
  return ok ? 0 : 1;
}

process.exitCode = await main();
