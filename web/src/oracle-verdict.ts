/**
 * What the oracle's counts mean for one stored case, as the dashboard shows it: the verdict the
 * bench computed once and stored with the case (data/run-record.ts, CaseVerdict).
 */
import type { Case, OracleResult } from './api.js';

export type CaseVerdict = Case['verdict']['oracle'];

/** The oracle's verdict the bench stored with the case (its `verdict`): read, not judged again. */
export function caseVerdict(c: Case): CaseVerdict {
  return c.verdict.oracle;
}

/** Everything either rule counted; counts a run from before the ack-window rule lacks are 0. */
export function violationsOf(o: OracleResult | null): number {
  if (o === null) return 0;
  return o.staleUses + o.lostWrites + (o.ackWindowViolations ?? 0) + (o.freedTableWalks ?? 0);
}
