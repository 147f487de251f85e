/**
 * The shards of a sweep the server takes one upload at a time: each waits in sweep_shards,
 * outside the runs (so no listing shows a partial sweep), until the last one arrives; then the
 * shards become one run (data/sweep.ts's merge) and leave the table, in one transaction.
 */
import { createError } from '../common/errors.js';
import type { RunRecord } from './run-record.js';
import { StoreWrites } from './store-writes.js';
import { mergeShards } from './sweep.js';

/** Where a sweep stands: its shards that arrived, those still missing, its run once merged. */
export interface SweepStatus {
  id: string;
  shards: number;
  arrived: number[];
  missing: number[];
  /** The merged run's id, once every shard arrived. */
  run: number | null;
}

export abstract class StoreSweeps extends StoreWrites {
  /** A sweep's shards so far and its run; null when nothing of it is stored. */
  sweepStatus(id: string): SweepStatus | null {
    const run = this.sql('SELECT id, sweep FROM runs WHERE uuid = ?').get(`sweep-${id}`) as
      | { id: number; sweep: string }
      | undefined;
    if (run !== undefined) {
      const shards = (JSON.parse(run.sweep) as { shards: number }).shards;
      const all = Array.from({ length: shards }, (_, i) => i + 1);
      return { id, shards, arrived: all, missing: [], run: run.id };
    }
    const rows = this.sql(
      'SELECT shard, shards FROM sweep_shards WHERE sweep_id = ? ORDER BY shard',
    ).all(id) as { shard: number; shards: number }[];
    if (rows.length === 0) return null;
    const shards = rows[0].shards;
    const arrived = rows.map((r) => r.shard);
    const missing: number[] = [];
    for (let i = 1; i <= shards; i++) if (!arrived.includes(i)) missing.push(i);
    return { id, shards, arrived, missing, run: null };
  }

  /**
   * Keeps a shard of a sweep (its run record has `sweep.shard`); the last one to arrive makes the
   * sweep one run. Throws SHARD_EXISTS for a shard already kept or a sweep already merged, and
   * INVALID_SWEEP when the shards are not one sweep; then nothing is written.
   */
  addShard(shard: RunRecord): SweepStatus {
    const sweep = shard.sweep!;
    const index = sweep.shard!;
    const add = this.db.transaction((): SweepStatus => {
      const status = this.sweepStatus(sweep.id);
      if (status?.run != null) {
        throw createError('SHARD_EXISTS', [`sweep ${sweep.id}`, `merged into run ${status.run}`]);
      }
      if (status?.arrived.includes(index)) {
        throw createError('SHARD_EXISTS', [
          `shard ${index} of ${sweep.shards} of sweep ${sweep.id}`,
          'stored',
        ]);
      }
      const arrived = [...(status?.arrived ?? []), index].sort((a, b) => a - b);
      if (arrived.length < sweep.shards) {
        this.sql(
          `INSERT INTO sweep_shards (sweep_id, shard, shards, record, received_at)
           VALUES (?, ?, ?, ?, ?)`,
        ).run(sweep.id, index, sweep.shards, JSON.stringify(shard), new Date().toISOString());
        return this.sweepStatus(sweep.id)!;
      }
      const kept = (
        this.sql('SELECT shard, record FROM sweep_shards WHERE sweep_id = ?').all(sweep.id) as {
          shard: number;
          record: string;
        }[]
      ).map((r) => ({ name: `shard ${r.shard}`, run: JSON.parse(r.record) as RunRecord }));
      const run = mergeShards([...kept, { name: `shard ${index} (this upload)`, run: shard }]);
      const id = this.insertRun(run);
      this.sql('DELETE FROM sweep_shards WHERE sweep_id = ?').run(sweep.id);
      return { ...this.sweepStatus(sweep.id)!, run: id };
    });
    return add.immediate();
  }
}
