/**
 * The `flushbench` command line. Exit codes: 0 success, 1 the run failed (a stuck or crashed
 * CPU), 2 bad input — with a message that names the option, the rule and the value.
 */
import { parseArgs } from 'node:util';
import { nonFiniteStatistics } from '../bench/runner.js';
import { suiteNames } from '../bench/suites.js';
import { ERRORS, errorKindOf, invalidRange, invalidType } from '../common/errors.js';
import { VERSION } from '../common/version.js';
import {
  type CaseOptions,
  type CaseResult,
  checkProfileFits,
  isFlushbenchError,
  loadProfile,
  Machine,
  type MachineOptions,
  nonFiniteStatistic,
  PROTOCOLS,
  profileNames,
  resolveCaseOptions,
  resolveMachineOptions,
  type TraceEvent,
  WORKLOADS,
} from '../sim/index.js';
import { type Calibration, calibrate, OVERHEAD_LIMIT } from '../sim/machine/calibrate.js';
import type { ResolvedCaseOptions, ResolvedMachineOptions } from '../sim/shared/options.js';
import { WORKLOAD_TRAITS } from '../sim/shared/workloads.js';
import { EXPLORE_FLUSHES, exploreCommand } from './cli-explore.js';
import { importCommand } from './cli-import.js';
import { kernelCommand } from './cli-kernel.js';
import { mergeCommand } from './cli-merge.js';
import { profilesCommand } from './cli-profiles.js';
import { pushCommand, serveCommand } from './cli-serve.js';
import { benchCommand, compareCommand, exportCommand, runsCommand } from './cli-store.js';
import { validateCommand } from './cli-validate.js';
import { parseFault } from './fault-flag.js';
import { boundsRule, COMPARE_LIMITS, numeric } from './number-flag.js';
import { formatCalibration, formatCaseResult, formatOrder, formatTrace } from './report.js';

const USAGE = `flushbench — measure TLB-shootdown protocols on a simulated machine

Usage:
  flushbench sim --protocol <p> --cpus <n> [--pages <n>] [--flushes <n>] [--workload <w>]
                 [--profile <name|file>] [--seed <n>] [--trace] [--json]
  flushbench explore --protocol <p> --cpus <n> [--workload <w>] [--pages <n>] --schedules <k>
                     [--profile <p>] [--flushes <n>] [--first-seed <n>] [--json]
  flushbench calibrate [--rounds <n>] [--json]
  flushbench profiles [--json]
  flushbench kernel [--cpus <n,…>] [--pages <n>] [--workload touch|idle|busy] [--iterations <n>] [--json]
  flushbench validate [--file <published.json>] [--base <ref>] [--sensitivity] [--db <file>]
                      [--json | --markdown]
  flushbench validate --host [--profile-out <file>] [--json]
  flushbench bench [--suite <s>] [--protocols <p,…>] [--cpus <n,…>] [--pages <n,…>]
                   [--workloads <w,…>] [--profile <p>] [--time <ms>] [--iterations <n>]
                   [--db <file>] [--json] [--trace] [--fault <cpu>:<kind>[:<n>]] [--shard <i>/<n>]
  flushbench merge <shard.json…> [--db <file>] [--json]     (the shards of one sweep as one run)
  flushbench runs [--limit <n>] [--json] [--db <file>]
  flushbench compare [--base <ref>] [--head <ref>] [--metric modeled|wall|both]
                     [--threshold <percent>] [--alpha <p>] [--format text|markdown|json] [--db <file>]
  flushbench export --run <ref> --format json|csv|bmf|gab [--db <file>]
  flushbench import <run.json> [--db <file>]       (a run bench saved when it could not store it)
  flushbench serve [--port 3000] [--host 127.0.0.1] [--allowed-hosts <name,…>] [--db <file>]
                   (also PORT, HOST, FLUSHBENCH_ALLOWED_HOSTS, FLUSHBENCH_DB; uploads need
                   FLUSHBENCH_TOKEN)
  flushbench push --url <server> [--run <ref>] [--db <file>]        (token from FLUSHBENCH_TOKEN)
  flushbench push --url <server> --file <run.json>                 (a file, e.g. a sweep's shard)
  flushbench --help | --version

bench: suites ${suiteNames().join(', ')} (default: default); --protocols linux (workloads touch,
  idle, busy) measures this host's kernel, as flushbench kernel does; --time is the least flush time per case
  in ms and --iterations the least sample count (tinybench); the run is stored in --db, else
  $FLUSHBENCH_DB, else data/flushbench.db, in one transaction once every case has run. If that
  write fails (a full disk), the run is saved as JSON beside the database, for flushbench import.
  --shard i/n runs the i-th of n parts of the suite, dealt by estimated cost so that they take
  similar time; it stores nothing and prints the shard's run as JSON, for flushbench merge.
merge: the shards of one sweep — each once, one commit, suite, option set and n — as one run,
  stored in one transaction; each case keeps the host it ran on. Otherwise exit 2, naming what is
  missing, duplicated or mismatched.
runs, compare, export, push and serve (without FLUSHBENCH_TOKEN) only read --db: they open it
  read-only and create nothing; bench, import and validate create it when missing.
serve: --host is an IP address or a hostname; --allowed-hosts lists the Host header names the
  server answers (ports ignored), any other gets 421 — against DNS rebinding when it listens
  beyond loopback; default: every name. Warnings and errors are logged to stderr. A busy port
  exits 2.
compare: a ref is a run id, a commit sha or a unique prefix, or a branch (its latest run); head
  defaults to the latest run, base to the latest run of another commit (else the run before the
  head, of the same commit: its differences are noise, and compare says so). Modeled cycles are
  compared exactly (default threshold 2 %); wall-clock with Mann–Whitney U, Holm-adjusted, and a
  regression only when p < --alpha (default 0.01; ${boundsRule(COMPARE_LIMITS.alpha)}) and the
  median moved ≥ threshold (default 5 %; ${boundsRule(COMPARE_LIMITS.threshold)}).
  Exit 1 when the gating --metric (default modeled) regressed, or a case in both runs failed
  (errored in either, or a statistic missing or not finite).

explore: runs --schedules seeded schedules of one case on the cooperative engine (seeds from
  --first-seed, default 1; ${EXPLORE_FLUSHES} flushes each unless --flushes) and stops at the first that
  breaks the oracle: it prints the seed, the violation, the steps that led to it and the sim
  command that replays it. Exit 1 when one did, 0 when none did (with PCT's bound on what they
  could have missed), 2 on bad input.

sim options:
  --protocol <p>       ${PROTOCOLS.join(' | ')} (default sync)
  --cpus <n>           simulated CPUs, 1–1024 (threads: 256), within the profile's hardware threads (default 2)
  --pages <n>          pages zapped and flushed per iteration (default 1; above the ceiling → full flush)
  --flushes <n>        measured flushes per initiator (default 1000)
  --warmup-flushes <n> at most this many unmeasured flushes first (default 5000; cooperative: 8)...
  --warmup-ms <n>      ...and none after this many ms (default 250; threads only)
  --workload <w>       ${WORKLOADS.join(' | ')} (default madvise)
  --profile <p>        ${profileNames().join(' | ')} or a JSON file (default xeon-gold-5418y-2s)
  --seed <n>           seed of the user threads' accesses (default 1)
  --freed-tables       the flush frees page tables (lazy CPUs flushed, async-inline waits)
  --single-page-flush-ceiling <n>  pages above which a range becomes a full flush (default 33)
  --shared-pages <n>   pages the user threads touch besides the zapped range (default 64)
  --user-burst <n>     user accesses per burst on the other CPUs (default 32; a page fault
                       ends a burst: the thread waits in it for the refault)
  --tlb-sets <n>, --tlb-ways <n>   TLB geometry per CPU (default 64 × 4)
  --engine <e>         auto | threads | cooperative (default auto: threads while CPUs ≤ cores,
                       cooperative above). threads: a worker thread per CPU, real races, up to
                       256 CPUs; cooperative: CPUs switched at their wait points on --workers
                       threads by a seeded PCT schedule, replayable, up to 1024 CPUs
  --workers <n|auto>   cooperative: worker threads (default auto: one per 64 CPUs, up to the
                       cores; 1 when --schedule-seed is given). With one, a run is deterministic
  --schedule-seed <n>  cooperative: the schedule's seed (default 1); on one worker the same seed
                       replays the same interleaving, counters and oracle findings, bit for bit
  --wait-mode <m>      threads: auto | spin | park (default auto: spin while CPUs ≤ cores)
  --csd-lock-timeout-ms <n>        how long a sender waits for a csd before naming the CPU stuck (default 5000)
  --fault <cpu>:<hang|throw|exit>[:<n>]  make a CPU fail at its n-th csd (default 1), to see
                       how a failure is reported; refused where no n-th csd reaches that CPU
                       (CPU 0, broadcast, lazy CPUs of idle, past the case's flushes); bench
                       injects it where it can fire
  --trace              also print the modeled events of one flush, per CPU
  --samples            with --json: include the raw wall-clock samples
  --json               one JSON object instead of the summary

Numbers are decimal (no 0x10, 1e3, Infinity). Options that would change nothing are refused:
--samples without --json, --warmup-ms with --warmup-flushes 0, --user-burst where no CPU runs
user code; validate's --profile-out without --host, and --file or --db with --host.

Exit codes: 0 success, 1 the run failed (a stuck or crashed CPU), 2 bad input.`;

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

const defaultIo: Io = {
  out: (s) => process.stdout.write(`${s}\n`),
  err: (s) => process.stderr.write(`${s}\n`),
};

export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'sim':
        return await simCommand(rest, io);
      case 'calibrate':
        return await calibrateCommand(rest, io);
      case 'profiles':
        return profilesCommand(rest, io);
      case 'validate':
        return await validateCommand(rest, io);
      case 'kernel':
        return await kernelCommand(rest, io);
      case 'explore':
        return await exploreCommand(rest, io);
      case 'bench':
        return await benchCommand(rest, io);
      case 'runs':
        return runsCommand(rest, io);
      case 'compare':
        return compareCommand(rest, io);
      case 'export':
        return exportCommand(rest, io);
      case 'import':
        return importCommand(rest, io);
      case 'merge':
        return mergeCommand(rest, io);
      case 'serve':
        return await serveCommand(rest, io);
      case 'push':
        return await pushCommand(rest, io);
      case '--version':
      case '-v':
        io.out(VERSION);
        return 0;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(USAGE);
        return command === undefined ? 2 : 0;
      default:
        io.err(
          `flushbench: unknown command ${JSON.stringify(command)}: the command must be one of sim, explore, calibrate, profiles, validate, kernel, bench, merge, runs, compare, export, import, serve, push, help\n\n${USAGE}`,
        );
        return 2;
    }
  } catch (err) {
    return reportError(err, io);
  }
}

/**
 * Every error ends the command through the registry (common/errors.ts): its exit code, and a
 * wording by kind — bad input as it is, a failed run as such, the rest with its code.
 */
function reportError(err: unknown, io: Io): number {
  const e = err as Error & { code?: string };
  // node:util parseArgs's own codes: an unknown flag, a missing value.
  if (e?.code?.startsWith('ERR_PARSE_ARGS')) {
    io.err(`flushbench: ${e.message} (see flushbench --help)`);
    return ERRORS.INVALID_OPTION.exitCode;
  }
  const kind = isFlushbenchError(err) ? errorKindOf(err.code) : undefined;
  if (kind === undefined) {
    io.err(`flushbench: the run failed: ${e?.stack ?? String(err)}`);
    return 1;
  }
  if (kind.kind === 'input') io.err(`flushbench: ${e.message}`);
  else if (kind.kind === 'run') io.err(`flushbench: the run failed: ${e.message} [${e.code}]`);
  else io.err(`flushbench: ${e.message} [${e.code}]`);
  return kind.exitCode;
}

async function simCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      protocol: { type: 'string' },
      cpus: { type: 'string' },
      pages: { type: 'string' },
      flushes: { type: 'string' },
      'warmup-flushes': { type: 'string' },
      'warmup-ms': { type: 'string' },
      workload: { type: 'string' },
      profile: { type: 'string' },
      seed: { type: 'string' },
      'freed-tables': { type: 'boolean' },
      'single-page-flush-ceiling': { type: 'string' },
      'shared-pages': { type: 'string' },
      'user-burst': { type: 'string' },
      'tlb-sets': { type: 'string' },
      'tlb-ways': { type: 'string' },
      'wait-mode': { type: 'string' },
      'csd-lock-timeout-ms': { type: 'string' },
      engine: { type: 'string' },
      workers: { type: 'string' },
      'schedule-seed': { type: 'string' },
      fault: { type: 'string' },
      trace: { type: 'boolean' },
      samples: { type: 'boolean' },
      json: { type: 'boolean' },
    },
  });
  const machineOptions = {
    cpus: numeric(values.cpus),
    engine: values.engine,
    workers: numeric(values.workers),
    tlbSets: numeric(values['tlb-sets']),
    tlbWays: numeric(values['tlb-ways']),
    waitMode: values['wait-mode'],
    csdLockTimeoutMs: numeric(values['csd-lock-timeout-ms']),
  } as MachineOptions;
  const caseOptions = {
    protocol: values.protocol,
    workload: values.workload,
    pages: numeric(values.pages),
    flushes: numeric(values.flushes),
    warmupFlushes: numeric(values['warmup-flushes']),
    warmupMs: numeric(values['warmup-ms']),
    profile: values.profile,
    seed: numeric(values.seed),
    trace: values.trace ?? false,
    freedTables: values['freed-tables'] ?? false,
    singlePageFlushCeiling: numeric(values['single-page-flush-ceiling']),
    sharedPages: numeric(values['shared-pages']),
    userBurst: numeric(values['user-burst']),
    fault: values.fault === undefined ? undefined : parseFault(values.fault),
    scheduleSeed: numeric(values['schedule-seed']),
  } as CaseOptions;
  // Validate everything before a single worker starts.
  let mo = resolveMachineOptions(machineOptions);
  // A seed asked for is a schedule to replay: one worker, unless more are asked for.
  if (mo.engine === 'cooperative' && values.workers === undefined && values['schedule-seed'])
    mo = resolveMachineOptions({ ...machineOptions, workers: 1 });
  const co = resolveCaseOptions(caseOptions, mo);
  checkSimFlagsHaveEffect(values, mo, co);
  checkProfileFits(loadProfile(co.profile), mo.cpus);

  const machine = await Machine.start(mo);
  let result: CaseResult;
  try {
    result = await machine.run(co);
  } finally {
    await machine.close();
  }
  // A statistic that is not a number is a failed run, as bench stores such a case.
  const nonFinite = nonFiniteStatistics(result);
  if (nonFinite.length > 0) throw nonFiniteStatistic(nonFinite.join('; '));
  if (values.json) {
    io.out(JSON.stringify(caseResultJson(result, values.samples ?? false), null, 2));
  } else {
    io.out(formatCaseResult(result));
    if (result.trace) io.out(`\n${formatTrace(result.trace as TraceEvent[], result)}`);
    if (result.order) io.out(`\n${formatOrder(result.order)}`);
  }
  return 0;
}

/**
 * A flag given where it changes nothing is refused, naming the flag that makes it moot: the run
 * would not be the one asked for.
 */
function checkSimFlagsHaveEffect(
  given: { samples?: boolean; json?: boolean; 'warmup-ms'?: string; 'user-burst'?: string },
  mo: ResolvedMachineOptions,
  co: ResolvedCaseOptions,
): void {
  if (given.samples && !given.json) {
    throw invalidRange(
      '--samples has no effect without --json: the raw samples are printed only in the JSON output',
    );
  }
  if (given['warmup-ms'] !== undefined && co.warmupFlushes === 0) {
    throw invalidRange(
      `--warmup-ms has no effect with --warmup-flushes 0: it ends the warm-up early, and there is none (got --warmup-ms ${co.warmupMs})`,
    );
  }
  if (given['user-burst'] === undefined) return;
  if (!WORKLOAD_TRAITS[co.workload].userCode) {
    throw invalidRange(
      `--user-burst has no effect with --workload ${co.workload}: no CPU runs user code (got --user-burst ${co.userBurst})`,
    );
  }
  if (mo.cpus === 1 && !WORKLOAD_TRAITS[co.workload].everyCpuInitiates) {
    throw invalidRange(
      `--user-burst has no effect with --cpus 1: it sizes the other CPUs' user work, and there are none (got --user-burst ${co.userBurst})`,
    );
  }
}

/** The JSON shape of a case: everything but the raw samples, unless asked for. */
export function caseResultJson(r: CaseResult, withSamples: boolean): Record<string, unknown> {
  const { samplesNs, modeledCyclesSamples, ...rest } = r;
  return withSamples
    ? {
        ...rest,
        samplesNs: Array.from(samplesNs),
        modeledCyclesSamples: Array.from(modeledCyclesSamples),
      }
    : rest;
}

async function calibrateCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      rounds: { type: 'string' },
      profile: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const rounds = numeric(values.rounds);
  if (rounds !== undefined && typeof rounds !== 'number') {
    throw invalidType(
      `--rounds must be an integer from 100 to 10000000 (got ${JSON.stringify(rounds)})`,
    );
  }
  const c: Calibration = await calibrate({ rounds, profile: values.profile });
  if (values.json) io.out(JSON.stringify(c, null, 2));
  else io.out(formatCalibration(c));
  // The simulator adds more than it models: its wall-clock figures are not to be trusted here.
  return c.overhead > OVERHEAD_LIMIT ? 1 : 0;
}
