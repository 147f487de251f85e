/**
 * The commands that work on stored runs and the one that makes them: `bench`, `runs`,
 * `compare`, `export`.
 */
import { parseArgs } from 'node:util';
import { type BenchConfig, keyOfCase, runBench, validateBench } from '../bench/runner.js';
import { caseCost, parseShard, partition, type Shard } from '../bench/shard.js';
import {
  type BenchCase,
  expandCases,
  expandKernelCases,
  type KernelCaseSpec,
  SUITES,
  type Suite,
  suiteNames,
} from '../bench/suites.js';
import { invalidRange } from '../common/errors.js';
import { compareRuns, NothingToCompare, resolveSides } from '../data/compare.js';
import { FORMATS, type Format, formatComparison } from '../data/compare-format.js';
import { METRICS, type Metric } from '../data/comparison.js';
import { EXPORT_FORMATS, type ExportFormat, exportRun } from '../data/export.js';
import { KERNEL_PROTOCOL, type RunRecord } from '../data/run-record.js';
import { asStoreFileError, dbPath, Store, sqliteFault, UnknownRefError } from '../data/store.js';
import { sweepOf } from '../data/sweep.js';
import { textTable } from '../data/text-table.js';
import { checkHost, KERNEL_WORKLOADS, type KernelWorkload } from '../host/kernel.js';
import {
  ENGINES,
  MAX_CPUS,
  PROTOCOLS,
  type Protocol,
  WORKLOADS,
  type Workload,
} from '../sim/index.js';
import { MAX_WORKERS } from '../sim/shared/options.js';
import { saveUnstoredRun } from './cli-import.js';
import { parseFault } from './fault-flag.js';
import type { Io } from './io.js';
import { COMPARE_LIMITS, intFlag, intItem, numberFlag } from './number-flag.js';
import { progressFor } from './progress.js';
import { formatRunTables } from './run-tables.js';

export type { Io } from './io.js';

function oneOf<T extends string>(
  flag: string,
  value: string | undefined,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw invalidRange(
      `${flag} must be one of ${allowed.join(', ')} (got ${JSON.stringify(value)})`,
    );
  }
  return value as T;
}

function listFlag<T>(
  flag: string,
  value: string | undefined,
  parse: (item: string) => T | undefined,
  rule: string,
): T[] | undefined {
  if (value === undefined) return undefined;
  const items = value.split(',').map((s) => s.trim());
  const out: T[] = [];
  for (const item of items) {
    const v = parse(item);
    if (v === undefined) {
      throw invalidRange(
        `${flag} must be a comma-separated list of ${rule} (got ${JSON.stringify(item)} in ${JSON.stringify(value)})`,
      );
    }
    out.push(v);
  }
  return out;
}

// ── bench ────────────────────────────────────────────────────────────────────────────────────

/**
 * One shard of the suite (`--shard i/n`): the cases the partition gives it, run like any bench,
 * printed as JSON with the sweep's identity — nothing stored: `flushbench merge` (or the server)
 * makes the shards one run.
 */
async function runShard(config: BenchConfig, shard: Shard, io: Io): Promise<number> {
  const all = config.cases;
  if (shard.of > all.length) {
    throw invalidRange(
      `--shard n must be at most the suite's ${all.length} cases, or a shard would have none (got --shard ${shard.index}/${shard.of})`,
    );
  }
  const keys = all.map((c) => keyOfCase(config, c));
  const owner = partition(
    all.map((c) => caseCost(config, c)),
    shard.of,
  );
  const mine = all.filter((_, k) => owner[k] === shard.index);
  const progress = progressFor(process.stderr);
  let run: RunRecord;
  try {
    run = await runBench({ ...config, cases: mine }, progress);
  } finally {
    progress.stop();
  }
  const record: RunRecord = { ...run, sweep: sweepOf(run, keys, shard.of, shard.index) };
  io.out(JSON.stringify(record, null, 2));
  return run.cases.some((c) => c.status !== 'completed') ? 1 : 0;
}

export async function benchCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      suite: { type: 'string' },
      protocols: { type: 'string' },
      cpus: { type: 'string' },
      pages: { type: 'string' },
      workloads: { type: 'string' },
      profile: { type: 'string' },
      time: { type: 'string' },
      iterations: { type: 'string' },
      seed: { type: 'string' },
      db: { type: 'string' },
      json: { type: 'boolean' },
      trace: { type: 'boolean' },
      fault: { type: 'string' },
      engine: { type: 'string' },
      workers: { type: 'string' },
      shard: { type: 'string' },
    },
  });
  const shard = values.shard === undefined ? null : parseShard(values.shard);
  if (shard !== null && values.db !== undefined) {
    throw invalidRange(
      `--db has no effect with --shard: a shard is not stored, its run is printed as JSON for flushbench merge (got --db ${values.db})`,
    );
  }
  const suite = SUITES[oneOf('--suite', values.suite, suiteNames(), 'default')];
  const allProtocols = [...PROTOCOLS, KERNEL_PROTOCOL];
  const protocols = listFlag(
    '--protocols',
    values.protocols,
    (s) => (allProtocols.includes(s) ? s : undefined),
    allProtocols.join(', '),
  );
  const allWorkloads: string[] = [...WORKLOADS, ...KERNEL_WORKLOADS];
  const workloads = listFlag(
    '--workloads',
    values.workloads,
    (s) => (allWorkloads.includes(s) ? s : undefined),
    `${WORKLOADS.join(', ')} (simulated) or ${KERNEL_WORKLOADS.join(', ')} (${KERNEL_PROTOCOL}, this host's kernel)`,
  );
  // The simulator's bound, not a copy of it: bench takes what sim takes.
  const cpus = listFlag(
    '--cpus',
    values.cpus,
    intItem(1, MAX_CPUS),
    `integers from 1 to ${MAX_CPUS}`,
  );
  const pages = listFlag('--pages', values.pages, intItem(1, 4096), 'integers from 1 to 4096');
  // A flag that narrows the cross product drops the suite's extra cases: the user asked for these.
  const narrowed = protocols || workloads || cpus || pages;
  const simProtocols = (protocols?.filter((p) => p !== KERNEL_PROTOCOL) ??
    suite.protocols) as Protocol[];
  const simWorkloads = (workloads?.filter((w) => WORKLOADS.includes(w as Workload)) ??
    suite.workloads) as Workload[];
  const cases: BenchCase[] = expandCases({
    protocols: simProtocols,
    workloads: simWorkloads,
    cpus: cpus ?? suite.cpus,
    pages: pages ?? suite.pages,
    extra: narrowed ? [] : suite.extra,
    traceAt: suite.traceAt,
  });
  cases.push(...benchKernelCases(suite, { protocols, workloads, cpus, pages }, io));
  if (cases.length === 0) {
    throw invalidRange(
      `--protocols and --workloads must leave at least one case to run (simulated protocols take ${WORKLOADS.join(', ')}; ${KERNEL_PROTOCOL} takes ${KERNEL_WORKLOADS.join(', ')})`,
    );
  }
  const config: BenchConfig = {
    suite: suite.name,
    cases,
    profile: values.profile ?? 'xeon-gold-5418y-2s',
    profileGiven: values.profile !== undefined,
    engine: oneOf('--engine', values.engine, ENGINES, suite.engine ?? 'auto'),
    workers: intFlag('--workers', values.workers, 1, MAX_WORKERS),
    timeMs: intFlag('--time', values.time, 1, 3_600_000) ?? suite.timeMs,
    iterations: intFlag('--iterations', values.iterations, 1, 10_000_000) ?? suite.iterations,
    seed: intFlag('--seed', values.seed, 0, 0xffff_ffff) ?? 1,
    trace: values.trace ?? false,
    fault: values.fault === undefined ? null : parseFault(values.fault),
  };
  validateBench(config);
  if (shard !== null) return runShard(config, shard, io);
  const file = dbPath(values.db);
  // Open (migrate, and try a write on) the store before measuring, so a bad --db fails in a
  // second, not after the run.
  const store = Store.open(file);
  try {
    const progress = progressFor(process.stderr);
    let run: RunRecord;
    try {
      run = await runBench(config, progress);
    } finally {
      progress.stop();
    }
    let runId: number;
    try {
      runId = store.insertRun(run);
    } catch (err) {
      // The transaction rolled back: the file holds what it held. The run goes to a file instead.
      const fault = sqliteFault(err);
      if (fault === null) throw err;
      saveUnstoredRun(run, file, `the database ${fault}`, io);
      return 1;
    }
    const failed = run.cases.filter((c) => c.status !== 'completed').length;
    if (values.json) {
      io.out(JSON.stringify({ id: runId, ...run }, null, 2));
    } else {
      io.out(formatRunTables(run));
      io.out(
        [
          '',
          `run ${runId} stored in ${file}${failed ? ` — ${failed} case${failed === 1 ? '' : 's'} failed` : ''}`,
          `  dashboard:      npx flushbench serve${values.db ? ` --db ${values.db}` : ''}   (or npm run serve)`,
          `  list runs:      npx flushbench runs${values.db ? ` --db ${values.db}` : ''}`,
          `  compare:        npx flushbench compare --head ${runId}${values.db ? ` --db ${values.db}` : ''}`,
          `  export:         npx flushbench export --run ${runId} --format csv${values.db ? ` --db ${values.db}` : ''}`,
        ].join('\n'),
      );
    }
    return failed > 0 ? 1 : 0;
  } finally {
    store.close();
  }
}

/**
 * The host's kernel cases of a bench: asked for (`--protocols linux`), they must be possible here
 * (validateBench says why not); from a suite that lists them, they run when this host can be
 * measured, else the run says so and goes on with the simulated cases.
 */
function benchKernelCases(
  suite: Suite,
  flags: { protocols?: string[]; workloads?: string[]; cpus?: number[]; pages?: number[] },
  io: Io,
): KernelCaseSpec[] {
  const asked = flags.protocols?.includes(KERNEL_PROTOCOL) ?? false;
  if (flags.protocols !== undefined && !asked) return [];
  if (!asked && suite.kernel === undefined) return [];
  const kernelWorkloads = (flags.workloads?.filter((w) =>
    (KERNEL_WORKLOADS as readonly string[]).includes(w),
  ) ??
    suite.kernel?.workloads ?? ['touch']) as KernelWorkload[];
  const spec = { workloads: kernelWorkloads, pages: flags.pages ?? suite.kernel?.pages ?? [1] };
  const cpus = flags.cpus ?? suite.cpus;
  // Asked for at given CPU counts: all of them, so that validateBench names one the host lacks.
  if (asked && flags.cpus !== undefined) {
    return expandKernelCases(spec, flags.cpus, Number.POSITIVE_INFINITY);
  }
  if (asked) return expandKernelCases(spec, cpus, checkHost().onlineCpus.length);
  try {
    return expandKernelCases(spec, cpus, checkHost().onlineCpus.length);
  } catch (err) {
    io.err(`flushbench: this host's kernel is not measured in this run: ${(err as Error).message}`);
    return [];
  }
}

// ── runs ─────────────────────────────────────────────────────────────────────────────────────

export function runsCommand(args: string[], io: Io): number {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: { limit: { type: 'string' }, json: { type: 'boolean' }, db: { type: 'string' } },
  });
  const limit = intFlag('--limit', values.limit, 1, 100_000) ?? 20;
  const store = Store.openRead(dbPath(values.db));
  try {
    const runs = asStoreFileError(store.file, () => store.listRuns({ limit }));
    if (values.json) {
      io.out(JSON.stringify(runs, null, 2));
      return 0;
    }
    if (runs.length === 0) {
      io.out(`no runs stored in ${store.file} yet: run npm run bench`);
      return 0;
    }
    const header = ['id', 'time', 'commit', 'subject', 'branch', 'suite', 'cases', 'failures'];
    const rows = runs.map((r) => [
      String(r.id),
      r.startedAt.replace('T', ' ').slice(0, 19),
      r.commitSha ? `${r.commitSha.slice(0, 10)}${r.dirty ? '+' : ''}` : '–',
      (r.commitSubject ?? '').slice(0, 50),
      r.branch ?? '–',
      r.suite,
      String(r.cases),
      String(r.failures),
    ]);
    io.out(textTable(header, rows).join('\n'));
    return 0;
  } finally {
    store.close();
  }
}

// ── compare ──────────────────────────────────────────────────────────────────────────────────

export function compareCommand(args: string[], io: Io): number {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      base: { type: 'string' },
      head: { type: 'string' },
      metric: { type: 'string' },
      threshold: { type: 'string' },
      alpha: { type: 'string' },
      format: { type: 'string' },
      db: { type: 'string' },
    },
  });
  const metric = oneOf<Metric>('--metric', values.metric, METRICS, 'modeled');
  const format = oneOf<Format>('--format', values.format, FORMATS, 'text');
  const threshold = numberFlag(
    '--threshold',
    values.threshold,
    'a percentage',
    COMPARE_LIMITS.threshold,
  );
  const alpha = numberFlag('--alpha', values.alpha, 'a probability', COMPARE_LIMITS.alpha);
  const store = Store.openRead(dbPath(values.db));
  try {
    const comparison = asStoreFileError(store.file, () => {
      const { baseId, headId } = resolveSides(store, { base: values.base, head: values.head });
      return compareRuns(store, baseId, headId, { metric, threshold, alpha });
    });
    io.out(formatComparison(comparison, format));
    return comparison.failed ? 1 : 0;
  } catch (err) {
    // A newcomer's first compare: not an error, just early.
    if (err instanceof NothingToCompare) {
      io.out(err.message);
      return 0;
    }
    throw err;
  } finally {
    store.close();
  }
}

// ── export ───────────────────────────────────────────────────────────────────────────────────

export function exportCommand(args: string[], io: Io): number {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: { run: { type: 'string' }, format: { type: 'string' }, db: { type: 'string' } },
  });
  const format = oneOf<ExportFormat>('--format', values.format, EXPORT_FORMATS, 'json');
  const store = Store.openRead(dbPath(values.db));
  try {
    const record = asStoreFileError(store.file, () => {
      const id =
        values.run === undefined ? store.latestRunId() : store.resolveRef(values.run, '--run');
      if (id === null)
        throw new UnknownRefError(
          `--run: no run is stored in ${store.file} yet (run npm run bench)`,
        );
      return store.getRunRecord(id)!;
    });
    io.out(exportRun(record, format).trimEnd());
    return 0;
  } finally {
    store.close();
  }
}
