/**
 * Each case's verdict (run-record.ts, CaseVerdict), computed where its inputs are: the runner
 * judges the oracle's findings with the protocol table and names the baseline; this module, which
 * needs no table, prices the speedups against that baseline and flags the wall-clock that is not
 * hardware-like. A merge of shards prices the speedups again over the whole run, since a
 * baseline case may have run on another shard.
 */
import { ErrorCodes } from '../common/errors.js';
import {
  type CaseRecord,
  engineOf,
  type OracleVerdictName,
  type RunRecord,
  type StoredVerdict,
} from './run-record.js';

/** How the oracle's findings are judged, and against which protocol speedups are priced. */
export interface Judge {
  /** The protocol every speedup is against; null: none is named (speedups are null). */
  baseline: string | null;
  oracle(c: CaseRecord): OracleVerdictName;
}

/** Everything the oracle counted in a measured case (a rule a run predates counts 0). */
export function violationCount(c: CaseRecord): number {
  const o = c.oracle;
  if (o === null) return 0;
  return o.staleUses + o.lostWrites + (o.ackWindowViolations ?? 0) + (o.freedTableWalks ?? 0);
}

/**
 * The oracle's verdict as the stored facts say it, for a record that came without one: the bench
 * stored a safe protocol that broke a rule as `violated` and a control the oracle missed as
 * errored with FLUSHBENCH_ERR_CONTROL_NOT_CAUGHT, so a completed case with violations is a caught
 * control. A control that could not break anything reads `clean` here: only the protocol table
 * tells it apart (`not-applicable`), and the runner has it.
 */
export function storedFactsOracle(c: CaseRecord): OracleVerdictName {
  if (c.status === 'errored') {
    return c.error.code === ErrorCodes.CONTROL_NOT_CAUGHT ? 'not-caught' : 'unchecked';
  }
  if (c.oracle === null) return 'unchecked';
  if (c.status === 'violated') return 'violated';
  return violationCount(c) > 0 ? 'caught' : 'clean';
}

/** How many times faster than the baseline: its p50 over the case's; null without both. */
function ratio(base: number | undefined, p50: number | undefined): number | null {
  return base !== undefined && base > 0 && p50 !== undefined && p50 > 0 ? base / p50 : null;
}

const sliceKey = (c: CaseRecord) =>
  `${c.profile}\u0000${c.workload}\u0000${c.cpus}\u0000${c.pages}`;

/** The run with every case's verdict: its oracle's by `judge`, its speedup, its wall-clock's flags. */
export function withVerdicts(run: RunRecord, judge: Judge): RunRecord {
  const noise = run.config.noise as { noisy?: unknown } | undefined;
  const noisy = noise?.noisy === true;
  // The baseline's modeled and wall-clock p50 in each slice of the run.
  const baselineP50 = new Map<string, { modeled?: number; wall?: number }>();
  if (judge.baseline !== null) {
    for (const c of run.cases) {
      if (c.protocol !== judge.baseline || c.status === 'errored') continue;
      baselineP50.set(sliceKey(c), { modeled: c.modeledCycles?.p50, wall: c.wallNs.p50 });
    }
  }
  return {
    ...run,
    cases: run.cases.map((c) => {
      const base = baselineP50.get(sliceKey(c));
      const measured = c.status === 'errored' ? undefined : c;
      const cores = (c.host ?? run.host).cores;
      const verdict: StoredVerdict = {
        oracle: judge.oracle(c),
        baseline: judge.baseline,
        speedup: ratio(base?.modeled, measured?.modeledCycles?.p50),
        wallSpeedup: ratio(base?.wall, measured?.wallNs.p50),
        // Simulated on more CPUs than the machine's cores, on either engine (the host's kernel
        // runs on the CPUs it has).
        oversubscribed: engineOf(c) !== null && c.cpus > cores,
        noisy,
      };
      return { ...c, verdict };
    }),
  };
}

/** The baseline the run's verdicts name (every case names the same one), or null. */
export function baselineOf(run: RunRecord): string | null {
  return run.cases.find((c) => c.verdict?.baseline)?.verdict?.baseline ?? null;
}

/**
 * The verdicts a record carries, completed: cases that came with one keep their oracle's verdict
 * and the baseline they name; speedups and flags are priced again over the whole run (a merge of
 * shards); cases without one are judged on the stored facts.
 */
export function completeVerdicts(run: RunRecord): RunRecord {
  return withVerdicts(run, {
    baseline: baselineOf(run),
    oracle: (c) => c.verdict?.oracle ?? storedFactsOracle(c),
  });
}
