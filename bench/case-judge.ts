/**
 * The runner's judge of a case (data/case-verdict.ts, Judge): the oracle's findings read against
 * the protocol table — a safe protocol must be clean, a negative control must be caught where it
 * can break its guarantee and is not applicable elsewhere — and the table's baseline row named
 * as what every speedup is against.
 */
import { ErrorCodes } from '../common/errors.js';
import { type Judge, storedFactsOracle, violationCount } from '../data/case-verdict.js';
import type { CaseRecord, OracleVerdictName } from '../data/run-record.js';
import {
  BASELINE_PROTOCOL,
  mustBeCaught,
  PROTOCOL_TRAITS,
  PROTOCOLS,
  type Protocol,
  WORKLOAD_TRAITS,
  type Workload,
} from '../sim/index.js';

/** The oracle's verdict on a case of this flushbench's table; stored facts for another's. */
export function judgeOracle(c: CaseRecord): OracleVerdictName {
  if (c.status === 'errored') {
    return c.error.code === ErrorCodes.CONTROL_NOT_CAUGHT ? 'not-caught' : 'unchecked';
  }
  if (c.oracle === null) return 'unchecked';
  if (!(PROTOCOLS as readonly string[]).includes(c.protocol)) return storedFactsOracle(c);
  const protocol = c.protocol as Protocol;
  const found = violationCount(c) > 0;
  if (PROTOCOL_TRAITS[protocol].control === null) return found ? 'violated' : 'clean';
  if (found) return 'caught';
  const workload = c.workload as Workload;
  const freedTables = Object.hasOwn(WORKLOAD_TRAITS, workload)
    ? WORKLOAD_TRAITS[workload].freesTables
    : false;
  return mustBeCaught(protocol, { workload, cpus: c.cpus, freedTables })
    ? 'not-caught'
    : 'not-applicable';
}

export const RUNNER_JUDGE: Judge = Object.freeze({
  baseline: BASELINE_PROTOCOL,
  oracle: judgeOracle,
});
