/**
 * Whether a value read from a file is a run flushbench can store: the RunRecord schema, then the
 * rules a schema cannot say (every number finite, case keys unique, a kernel case shaped as one,
 * a schedule only on the cooperative engine).
 * `flushbench import` checks a run file with it; the server checks uploads with the same rules.
 */
import { Value } from 'typebox/value';
import { nonFinitePath } from '../common/json-limits.js';
import { executionProblem, kernelCaseProblem, RunRecord } from './run-record.js';

/**
 * The first thing wrong with `value` as a run, with its JSON path; null when it may be stored.
 * `value` came from JSON.parse of text that passed tooDeepAt (common/json-limits.ts).
 */
export function runRecordProblem(value: unknown): string | null {
  const nonFinite = nonFinitePath(value, '');
  if (nonFinite !== null) return `${nonFinite || '/'} must be a finite number`;
  const first = Value.Errors(RunRecord, value)[0];
  if (first !== undefined) return `${first.instancePath || '/'} ${first.message}`;
  return runRulesProblem(value as RunRecord);
}

/**
 * The rules beyond the schema, for a value the schema accepted; paths start with `prefix` (the
 * server's say `body`).
 */
export function runRulesProblem(run: RunRecord, prefix = ''): string | null {
  const sweep = run.sweep;
  if (sweep !== undefined && sweep.shard !== null && sweep.shard > sweep.shards) {
    return `${prefix}/sweep/shard must be at most /sweep/shards (got shard ${sweep.shard} of ${sweep.shards})`;
  }
  // A case's key names it within its run: the store keeps one case per key.
  const firstWithKey = new Map<string, number>();
  for (const [i, c] of run.cases.entries()) {
    const problem = (c.status === 'errored' ? null : kernelCaseProblem(c)) ?? executionProblem(c);
    if (problem !== null) return `${prefix}/cases/${i}: ${problem}`;
    const first = firstWithKey.get(c.key);
    if (first !== undefined) {
      return `${prefix}/cases/${i}/key must be unique in the run (got ${JSON.stringify(c.key)}, also the key of ${prefix}/cases/${first})`;
    }
    firstWithKey.set(c.key, i);
  }
  return null;
}
