/**
 * `flushbench merge <run.json…> [--db <file>] [--json]`: the shards of a sweep (`bench --shard
 * i/n --json`) as one stored run, in one transaction. Anything but every shard of one sweep, each
 * once, whose cases cover the suite once, is refused with exit 2 and nothing written.
 */
import { parseArgs } from 'node:util';
import { invalidType } from '../common/errors.js';
import { asStoreFileError, dbPath, Store } from '../data/store.js';
import { mergeShards } from '../data/sweep.js';
import { readRunFile } from './cli-import.js';
import type { Io } from './io.js';

export function mergeCommand(args: string[], io: Io): number {
  const { values, positionals } = parseArgs({
    args,
    strict: true,
    allowPositionals: true,
    options: { db: { type: 'string' }, json: { type: 'boolean' } },
  });
  if (positionals.length === 0) {
    throw invalidType(
      'merge takes the run files of a sweep’s shards, e.g. flushbench merge s1.json s2.json s3.json (got none)',
    );
  }
  const run = mergeShards(positionals.map((name) => ({ name, run: readRunFile(name, 'merge') })));
  const file = dbPath(values.db);
  const store = Store.open(file);
  try {
    return asStoreFileError(file, () => {
      const sweep = run.sweep!;
      const known = store.runIdByUuid(run.uuid);
      const id = known ?? store.insertRun(run);
      if (values.json) {
        io.out(JSON.stringify({ id, ...run }, null, 2));
        return 0;
      }
      const hosts = [...new Set(run.cases.map((c) => c.host?.hostname ?? run.host.hostname))];
      io.out(
        known !== null
          ? `sweep ${sweep.id} is already stored in ${file} as run ${known}`
          : `sweep ${sweep.id}: ${sweep.shards} shards, ${run.cases.length} cases (hosts: ${hosts.join(', ')}) stored in ${file} as run ${id}`,
      );
      return 0;
    });
  } finally {
    store.close();
  }
}
