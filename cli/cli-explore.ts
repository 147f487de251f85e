/**
 * `flushbench explore`: K seeded schedules of one case on the cooperative engine, stopping at the
 * first that breaks the oracle — with the seed, the violation, the interleaving that led to it and
 * the command that replays it. Exit 1 when one did, 0 when none of the K did, 2 on bad input.
 */
import { parseArgs } from 'node:util';
import { replayCommand } from '../bench/replay.js';
import { invalidRange } from '../common/errors.js';
import { PCT_DEPTH } from '../sim/cpu/scheduler.js';
import {
  type CaseResult,
  checkProfileFits,
  loadProfile,
  Machine,
  resolveCaseOptions,
  resolveMachineOptions,
  violationsOf,
} from '../sim/index.js';
import { intFlag, numeric } from './number-flag.js';
import { describeViolation } from './report.js';

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

/** Flushes per schedule unless --flushes says: many short schedules find more than a few long. */
export const EXPLORE_FLUSHES = 16;
const MAX_SCHEDULES = 1_000_000;

/**
 * PCT's guarantee for K schedules that found nothing: a bug of depth d among n CPUs and k steps
 * is found by one schedule with probability p ≥ 1/(n·k^(d−1)), so all K miss it with probability
 * at most (1 − p)^K.
 */
export function missBound(cpus: number, steps: number, depth: number, schedules: number): number {
  const p = 1 / (cpus * Math.max(1, steps) ** (depth - 1));
  return (1 - p) ** schedules;
}

export async function exploreCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      protocol: { type: 'string' },
      cpus: { type: 'string' },
      workload: { type: 'string' },
      pages: { type: 'string' },
      profile: { type: 'string' },
      flushes: { type: 'string' },
      seed: { type: 'string' },
      'freed-tables': { type: 'boolean' },
      schedules: { type: 'string' },
      'first-seed': { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  if (values.schedules === undefined) {
    throw invalidRange('--schedules is required: how many seeded schedules to try (1 or more)');
  }
  const schedules = intFlag('--schedules', values.schedules, 1, MAX_SCHEDULES)!;
  const firstSeed = intFlag('--first-seed', values['first-seed'], 0, 0xffff_ffff) ?? 1;
  if (firstSeed + schedules - 1 > 0xffff_ffff) {
    throw invalidRange(
      `--first-seed + --schedules − 1 must be at most ${0xffff_ffff}, the last schedule seed (got ${firstSeed} + ${schedules} − 1)`,
    );
  }
  const mo = resolveMachineOptions({
    cpus: numeric(values.cpus) as number,
    engine: 'cooperative',
    workers: 1,
  });
  const base = resolveCaseOptions(
    {
      protocol: values.protocol as never,
      workload: values.workload as never,
      pages: numeric(values.pages) as number,
      profile: values.profile,
      flushes: (numeric(values.flushes) as number) ?? EXPLORE_FLUSHES,
      seed: numeric(values.seed) as number,
      freedTables: values['freed-tables'] ?? false,
      scheduleSeed: firstSeed,
    },
    mo,
  );
  checkProfileFits(loadProfile(base.profile), mo.cpus);

  const machine = await Machine.start(mo);
  let found: { seed: number; result: CaseResult } | null = null;
  let tried = 0;
  let steps = 0;
  try {
    for (let seed = firstSeed; seed < firstSeed + schedules; seed++) {
      const result = await machine.run({ ...base, scheduleSeed: seed });
      tried++;
      steps = Math.max(steps, result.schedule?.steps ?? 0);
      if (violationsOf(result.oracle) > 0) {
        found = { seed, result };
        break;
      }
    }
  } finally {
    await machine.close();
  }
  const what = `${base.protocol}, ${mo.cpus} CPU${mo.cpus === 1 ? '' : 's'}, ${base.pages} page${base.pages === 1 ? '' : 's'}, workload ${base.workload}, profile ${base.profile}`;
  if (found === null) {
    const bound = missBound(mo.cpus, steps, PCT_DEPTH, tried);
    if (values.json) {
      io.out(
        JSON.stringify(
          { found: false, schedules: tried, firstSeed, depth: PCT_DEPTH, steps, missBound: bound },
          null,
          2,
        ),
      );
    } else {
      io.out(
        `flushbench explore: ${what}\n  no violation in ${tried} schedule${tried === 1 ? '' : 's'} (seeds ${firstSeed}–${firstSeed + tried - 1}, PCT depth ${PCT_DEPTH}, up to ${steps} steps each)\n  a bug of depth ≤ ${PCT_DEPTH} was missed by all of them with probability at most ${bound.toPrecision(3)} (PCT: each finds it with p ≥ 1/(n·k^${PCT_DEPTH - 1}))`,
      );
    }
    return 0;
  }
  const { seed, result } = found;
  const replay = replayCommand(mo, { ...base, scheduleSeed: seed });
  const first = result.oracle.firstViolation!;
  const stepsLed = result.schedule?.firstViolationSteps ?? [];
  if (values.json) {
    io.out(
      JSON.stringify(
        {
          found: true,
          schedules: tried,
          firstSeed,
          seed,
          depth: PCT_DEPTH,
          steps: result.schedule?.steps ?? 0,
          firstViolation: first,
          interleaving: stepsLed,
          replay,
          oracle: {
            checkedAccesses: result.oracle.checkedAccesses,
            staleUses: result.oracle.staleUses,
            lostWrites: result.oracle.lostWrites,
            ackWindowViolations: result.oracle.ackWindowViolations,
            freedTableWalks: result.oracle.freedTableWalks,
          },
        },
        null,
        2,
      ),
    );
  } else {
    io.out(
      [
        `flushbench explore: ${what}`,
        `  schedule seed ${seed} broke the oracle (schedule ${tried} of ${schedules}; ${violationsOf(result.oracle)} violations in ${result.oracle.checkedAccesses} checked accesses)`,
        `  first violation: ${describeViolation(first)}`,
        `  the interleaving that led to it (the last ${stepsLed.length} steps):`,
        ...stepsLed.map((s) => `    ${s}`),
        `  replay: ${replay}`,
      ].join('\n'),
    );
  }
  return 1;
}
