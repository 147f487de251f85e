/**
 * What the oracle's counts mean for one stored case, as the dashboard shows it. The bench has
 * already judged every case (sim/protocols.ts): a safe protocol with violations is stored as
 * `violated`, a negative control the oracle missed as `errored` with
 * FLUSHBENCH_ERR_CONTROL_NOT_CAUGHT. A control that completed without violations ran where it
 * cannot break anything (async-ignore-freed-tables without freed tables, say): it behaves like
 * async-inline there.
 */
import type { Case, OracleResult } from './api.js';
import { isNegativeControl } from './protocols.js';

export type CaseVerdict =
  | 'clean'
  | 'violated'
  | 'caught'
  | 'not-caught'
  | 'not-applicable'
  | 'unchecked';

const CONTROL_NOT_CAUGHT = 'FLUSHBENCH_ERR_CONTROL_NOT_CAUGHT';
/** With one CPU there is no remote TLB to hold a stale entry: no protocol can be caught there. */
const MIN_CPUS_TO_CATCH = 2;

/** Everything either rule counted; counts a run from before the ack-window rule lacks are 0. */
export function violationsOf(o: OracleResult | null): number {
  if (o === null) return 0;
  return o.staleUses + o.lostWrites + (o.ackWindowViolations ?? 0) + (o.freedTableWalks ?? 0);
}

export function caseVerdict(c: Case): CaseVerdict {
  if (c.error?.code === CONTROL_NOT_CAUGHT) return 'not-caught';
  if (c.oracle === null) return 'unchecked';
  const found = violationsOf(c.oracle) > 0;
  if (!isNegativeControl(c.protocol)) return found ? 'violated' : 'clean';
  if (found) return 'caught';
  if (c.cpus < MIN_CPUS_TO_CATCH) return 'not-applicable';
  // A run from before the ack-window rule judged async-unsafe by the observed rule alone, and
  // there it applied on every workload with user code: a miss is a miss.
  const legacy = c.oracle.ackWindowViolations == null;
  return legacy &&
    c.protocol === 'async-unsafe' &&
    c.workload !== 'idle' &&
    c.workload !== 'idle-loaded'
    ? 'not-caught'
    : 'not-applicable';
}
