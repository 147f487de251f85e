/**
 * Where each statistic of a measured case lives in the `cases` table: one row per column, read
 * by the store's writes and reads and by the CSV export. A new stored statistic is a field in
 * run-record.ts, a migration in schema.ts and a row here (see the README's "Layout").
 */
import type { MeasuredCase } from './run-record.js';

/** The groups as a simulated case has them (a kernel case's modeledCycles and oracle are null). */
type Groups = { [G in 'wallNs' | 'modeledCycles' | 'oracle']: NonNullable<MeasuredCase[G]> };

/** A column holds one field of one group; `json` ones hold a JSON text; `csv` names its CSV column. */
type StatColumn = {
  [G in keyof Groups]: {
    column: string;
    group: G;
    field: keyof Groups[G] & string;
    json?: true;
    csv?: string;
  };
}[keyof Groups];

export const STAT_COLUMNS = [
  { column: 'wall_p50_ns', group: 'wallNs', field: 'p50', csv: 'wall_p50_ns' },
  { column: 'wall_p99_ns', group: 'wallNs', field: 'p99', csv: 'wall_p99_ns' },
  { column: 'wall_mean_ns', group: 'wallNs', field: 'mean', csv: 'wall_mean_ns' },
  { column: 'wall_min_ns', group: 'wallNs', field: 'min' },
  { column: 'wall_max_ns', group: 'wallNs', field: 'max' },
  { column: 'wall_rme', group: 'wallNs', field: 'rme', csv: 'wall_rme_pct' },
  { column: 'samples_count', group: 'wallNs', field: 'count', csv: 'samples' },
  { column: 'modeled_p50', group: 'modeledCycles', field: 'p50', csv: 'modeled_p50_cycles' },
  { column: 'modeled_mean', group: 'modeledCycles', field: 'mean', csv: 'modeled_mean_cycles' },
  { column: 'modeled_p99', group: 'modeledCycles', field: 'p99', csv: 'modeled_p99_cycles' },
  {
    column: 'modeled_iteration_mean',
    group: 'modeledCycles',
    field: 'iterationMean',
    csv: 'modeled_iteration_cycles',
  },
  { column: 'modeled_handler_mean', group: 'modeledCycles', field: 'remoteHandlerMean' },
  { column: 'modeled_call_mean', group: 'modeledCycles', field: 'callMean' },
  {
    column: 'checked_accesses',
    group: 'oracle',
    field: 'checkedAccesses',
    csv: 'checked_accesses',
  },
  { column: 'stale_uses', group: 'oracle', field: 'staleUses', csv: 'stale_uses' },
  { column: 'lost_writes', group: 'oracle', field: 'lostWrites', csv: 'lost_writes' },
  {
    column: 'ack_window_violations',
    group: 'oracle',
    field: 'ackWindowViolations',
    csv: 'ack_window_violations',
  },
  {
    column: 'freed_table_walks',
    group: 'oracle',
    field: 'freedTableWalks',
    csv: 'freed_table_walks',
  },
  { column: 'first_violation', group: 'oracle', field: 'firstViolation', json: true },
] as const satisfies readonly StatColumn[];

/** Every field of every group has its column, or this does not compile. */
type Covered<G extends keyof Groups> = Extract<
  (typeof STAT_COLUMNS)[number],
  { group: G }
>['field'];
type Uncovered = { [G in keyof Groups]: Exclude<keyof Groups[G], Covered<G>> }[keyof Groups];
export const EVERY_FIELD_HAS_A_COLUMN: [Uncovered] extends [never] ? true : Uncovered = true;

type SqlValue = number | string | null;

/** The statistics' columns of a case row (all NULL for an errored case). */
export function statColumnsOf(c: MeasuredCase | null): Record<string, SqlValue> {
  const row: Record<string, SqlValue> = {};
  for (const col of STAT_COLUMNS as readonly StatColumn[]) {
    const group = c === null ? null : (c[col.group] as Record<string, unknown> | null);
    const value = group === null ? null : (group[col.field] ?? null);
    row[col.column] = col.json && value !== null ? JSON.stringify(value) : (value as SqlValue);
  }
  return row;
}

/**
 * The statistics of a measured case row, grouped as the run record has them; a group whose
 * columns are all NULL (a kernel case's modeled cycles and oracle) is null.
 */
export function statsOfRow(row: Record<string, unknown>): {
  [G in keyof Groups]: G extends 'wallNs' ? Groups[G] : Groups[G] | null;
} {
  const groups: Record<string, Record<string, unknown>> = {
    wallNs: {},
    modeledCycles: {},
    oracle: {},
  };
  for (const col of STAT_COLUMNS as readonly StatColumn[]) {
    const value = row[col.column] ?? null;
    groups[col.group][col.field] = col.json && value !== null ? JSON.parse(value as string) : value;
  }
  const whole = (g: 'modeledCycles' | 'oracle') =>
    Object.values(groups[g]).every((v) => v === null) ? null : groups[g];
  // Every field has its column (EVERY_FIELD_HAS_A_COLUMN), so the groups are whole.
  return {
    wallNs: groups.wallNs,
    modeledCycles: whole('modeledCycles'),
    oracle: whole('oracle'),
  } as unknown as ReturnType<typeof statsOfRow>;
}
