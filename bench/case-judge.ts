/**
 * The runner's judge of a case (data/case-verdict.ts, Judge): the oracle's findings read against
 * the protocol table — a safe protocol must be clean, a negative control must be caught where it
 * can break its guarantee and is not applicable elsewhere — and the table's baseline row named
 * as what every speedup is against.
 */
import { type Judge, storedFactsOracle, violationCount } from '../data/case-verdict.js';
import type { CaseRecord, OracleVerdictName } from '../data/run-record.js';
import {
  BASELINE_PROTOCOL,
  oracleVerdict,
  PROTOCOL_TRAITS,
  PROTOCOLS,
  type Protocol,
  type Workload,
} from '../sim/index.js';
import { workloadTraitsOf } from '../sim/shared/workloads.js';

/**
 * The oracle's verdict on a case of this flushbench's table, as the runner decided its status
 * (sim's oracleVerdict), a control that cannot break anything here being `not-applicable`; the
 * stored facts for another version's protocol or workload.
 */
export function judgeOracle(c: CaseRecord): OracleVerdictName {
  const workload = workloadTraitsOf(c.workload);
  if (c.status === 'errored' || c.oracle === null || workload === null) return storedFactsOracle(c);
  if (!(PROTOCOLS as readonly string[]).includes(c.protocol)) return storedFactsOracle(c);
  const protocol = c.protocol as Protocol;
  const v = oracleVerdict(
    protocol,
    { workload: c.workload as Workload, cpus: c.cpus, freedTables: workload.freesTables },
    violationCount(c),
  );
  return v === 'clean' && PROTOCOL_TRAITS[protocol].control !== null ? 'not-applicable' : v;
}

export const RUNNER_JUDGE: Judge = Object.freeze({
  baseline: BASELINE_PROTOCOL,
  oracle: judgeOracle,
});
