/**
 * Fidelity, as `flushbench validate` gates it the way compare gates speed: a validation's score
 * (points within their tolerance, of all points) and, against a base validation, which points got
 * worse. Computed here once, from the stored rows, for the CLI, the pull-request comment and the
 * History view, which only show it.
 *
 * A point regresses when it was within its tolerance and left it, or when its ratio error grew by
 * more than FIDELITY_SLACK (2 percentage points). A point that missed in the base and misses by
 * no more now is a stable miss: it stays in the table and the score, and fails nothing.
 */
import type { ValidationRow } from './validation.js';

/** How much a point's |ratio error| may grow before it counts as a regression: 2 points. */
export const FIDELITY_SLACK = 0.02;

export interface FidelityScore {
  /** Points within their tolerance. */
  within: number;
  /** Points compared: each measurement's baseline aside, whose ratio is 1 by definition. */
  of: number;
}

/** Rows other than the first of their measurement (its baseline), in order. */
export function comparedRows(rows: readonly ValidationRow[]): ValidationRow[] {
  const seen = new Set<string>();
  return rows.filter((r) => {
    if (seen.has(r.measurement)) return true;
    seen.add(r.measurement);
    return false;
  });
}

export function fidelityScore(rows: readonly ValidationRow[]): FidelityScore {
  const compared = comparedRows(rows);
  return { within: compared.filter((r) => r.withinTolerance).length, of: compared.length };
}

/** "5 of 7 points within tolerance". */
export function scoreText(s: FidelityScore): string {
  return `${s.within} of ${s.of} points within tolerance`;
}

export type FidelityKind =
  /** Was within its tolerance, is not. */
  | 'left tolerance'
  /** Its |ratio error| grew by more than FIDELITY_SLACK (within or not). */
  | 'error grew'
  /** Was outside its tolerance, is within. */
  | 'entered tolerance'
  /** Its |ratio error| shrank by more than FIDELITY_SLACK. */
  | 'error shrank'
  /** Within FIDELITY_SLACK of the base. */
  | 'same'
  /** A point the base did not have. */
  | 'new'
  /** A point of the base this validation does not have. */
  | 'gone';

export interface FidelityChange {
  measurement: string;
  protocol: string;
  cpus: number;
  pages: number;
  /** modeled ratio / published ratio − 1, in the base and now (null where absent). */
  baseError: number | null;
  headError: number | null;
  kind: FidelityKind;
  regression: boolean;
}

export interface FidelityComparison {
  base: FidelityScore;
  head: FidelityScore;
  /** Every point of either, in the head's order, then the base's gone ones. */
  changes: FidelityChange[];
  regressions: number;
}

const keyOf = (r: ValidationRow) =>
  `${r.measurement}\u0000${r.protocol}\u0000${r.cpus}\u0000${r.pages}`;

function kindOf(base: ValidationRow, head: ValidationRow): FidelityKind {
  if (base.withinTolerance && !head.withinTolerance) return 'left tolerance';
  const grew = Math.abs(head.ratioError) - Math.abs(base.ratioError);
  if (grew > FIDELITY_SLACK) return 'error grew';
  if (!base.withinTolerance && head.withinTolerance) return 'entered tolerance';
  if (grew < -FIDELITY_SLACK) return 'error shrank';
  return 'same';
}

export function compareFidelity(
  base: readonly ValidationRow[],
  head: readonly ValidationRow[],
): FidelityComparison {
  const byKey = new Map(base.map((r) => [keyOf(r), r]));
  const changes: FidelityChange[] = [];
  const point = (r: ValidationRow) => ({
    measurement: r.measurement,
    protocol: r.protocol,
    cpus: r.cpus,
    pages: r.pages,
  });
  for (const h of head) {
    const b = byKey.get(keyOf(h));
    byKey.delete(keyOf(h));
    const kind = b === undefined ? 'new' : kindOf(b, h);
    changes.push({
      ...point(h),
      baseError: b?.ratioError ?? null,
      headError: h.ratioError,
      kind,
      regression: kind === 'left tolerance' || kind === 'error grew',
    });
  }
  for (const b of byKey.values()) {
    changes.push({
      ...point(b),
      baseError: b.ratioError,
      headError: null,
      kind: 'gone',
      regression: false,
    });
  }
  return {
    base: fidelityScore(base),
    head: fidelityScore(head),
    changes,
    regressions: changes.filter((c) => c.regression).length,
  };
}
