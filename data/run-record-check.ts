/**
 * Whether a value read from a file is a run flushbench can store: the RunRecord schema, then the
 * rules a schema cannot say (every number finite, case keys unique, a kernel case shaped as one).
 * `flushbench import` checks a run file with it; the server checks uploads with the same rules.
 */
import { Value } from 'typebox/value';
import { kernelCaseProblem, RunRecord } from './run-record.js';

/** The first thing wrong with `value` as a run, with its JSON path; null when it may be stored. */
export function runRecordProblem(value: unknown): string | null {
  const nonFinite = firstNonFinite(value, '');
  if (nonFinite !== null) return `${nonFinite} must be a finite number`;
  const first = Value.Errors(RunRecord, value)[0];
  if (first !== undefined) return `${first.instancePath || '/'} ${first.message}`;
  return runRulesProblem(value as RunRecord);
}

/** The rules beyond the schema, for a value the schema accepted. */
export function runRulesProblem(run: RunRecord): string | null {
  const seen = new Map<string, number>();
  for (const [i, c] of run.cases.entries()) {
    const earlier = seen.get(c.key);
    if (earlier !== undefined) {
      return `/cases/${i}/key ${JSON.stringify(c.key)} is also the key of /cases/${earlier}: a case key must be unique in a run`;
    }
    seen.set(c.key, i);
    const problem = c.status === 'errored' ? null : kernelCaseProblem(c);
    if (problem !== null) return `/cases/${i}: ${problem}`;
  }
  return null;
}

/** JSON.parse reads 1e400 as Infinity: the path of the first number that is not finite. */
function firstNonFinite(value: unknown, path: string): string | null {
  if (typeof value === 'number') return Number.isFinite(value) ? null : path || '/';
  if (value === null || typeof value !== 'object') return null;
  for (const [k, v] of Object.entries(value)) {
    const found = firstNonFinite(v, `${path}/${k}`);
    if (found !== null) return found;
  }
  return null;
}
