/**
 * `flushbench import <file>`: stores a run from a JSON file — one a bench saved when it could not
 * write its database (a full disk), or one `bench --json` printed or `export --format json` wrote.
 * And the saving itself: a run the store refused is written out, never dropped.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { invalidRange, invalidType } from '../common/errors.js';
import { readJsonFile } from '../common/json-file.js';
import type { RunRecord } from '../data/run-record.js';
import { runRecordProblem } from '../data/run-record-check.js';
import { asStoreFileError, dbPath, Store } from '../data/store.js';
import type { Io } from './io.js';

export function importCommand(args: string[], io: Io): number {
  const { values, positionals } = parseArgs({
    args,
    strict: true,
    allowPositionals: true,
    options: { db: { type: 'string' } },
  });
  if (positionals.length !== 1) {
    throw invalidType(
      `import takes one run file, e.g. flushbench import run.json (got ${positionals.length === 0 ? 'none' : positionals.map((p) => JSON.stringify(p)).join(' ')})`,
    );
  }
  const path = positionals[0];
  const run = readRunFile(path, 'import');
  const file = dbPath(values.db);
  const store = Store.open(file);
  try {
    return asStoreFileError(file, () => {
      const known = store.runIdByUuid(run.uuid);
      if (known !== null) {
        io.out(`${path}: this run (uuid ${run.uuid}) is already stored in ${file} as run ${known}`);
        return 0;
      }
      const id = store.insertRun(run);
      io.out(`${path}: stored in ${file} as run ${id} (${run.cases.length} cases)`);
      return 0;
    });
  } finally {
    store.close();
  }
}

/** A run file, checked as an upload is: its contents are never quoted back in an error. */
export function readRunFile(path: string, command: string): RunRecord {
  let value = readJsonFile(path, (reason) =>
    invalidRange(`${command}: the run file ${path} ${reason}`),
  );
  // `bench --json` prints the run with the id it was stored under: not part of the run itself.
  if (value !== null && typeof value === 'object' && 'id' in value) {
    const { id: _id, ...run } = value as Record<string, unknown>;
    value = run;
  }
  const problem = runRecordProblem(value);
  if (problem !== null)
    throw invalidRange(`${command}: the run file ${path} is not a flushbench run: ${problem}`);
  return value as RunRecord;
}

/**
 * Writes a run the store could not take, beside the database (else in the temporary folder, else
 * on stdout), and says how to load it.
 */
export function saveUnstoredRun(run: RunRecord, dbFile: string, reason: string, io: Io): void {
  const json = `${JSON.stringify(run)}\n`;
  const name = `flushbench-run-${run.uuid}.json`;
  const tried: string[] = [];
  for (const dir of [dirname(dbFile), tmpdir()]) {
    const path = join(dir, name);
    try {
      writeFileSync(path, json, { flag: 'wx' });
      io.err(
        [
          `flushbench: the run could not be stored in ${dbFile}: ${reason}`,
          `  nothing of it was written there; the stored runs are as they were`,
          `  the run is saved in ${path}${tried.length > 0 ? ` (not beside the database: ${tried.join('; ')})` : ''}`,
          `  load it once there is room:   npx flushbench import ${path} --db ${dbFile}`,
        ].join('\n'),
      );
      return;
    } catch (err) {
      tried.push(`${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      // A file begun on a full disk is a torn run: never leave it to be imported.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') rmSync(path, { force: true });
    }
  }
  io.err(
    `flushbench: the run could not be stored in ${dbFile} (${reason}) nor saved (${tried.join('; ')}): it follows on stdout as JSON, for flushbench import`,
  );
  io.out(json.trimEnd());
}
