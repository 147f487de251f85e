/**
 * Every --db fault is a clear error: exit 2, naming --db, the path and the reason, with no stack
 * trace; and a read command creates nothing and changes nothing, whatever the file is.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { SCHEMA_VERSION } from '../data/schema.js';
import { Store } from '../data/store.js';
import { runMain } from './cli-in-process.js';
import { syntheticRun, tempDb } from './helpers.js';

const READS = [['runs'], ['export', '--format', 'csv'], ['compare', '--base', '1', '--head', '1']];

/** A flushbench database with one run. */
function storedDb(): string {
  const file = tempDb();
  const store = Store.open(file);
  store.insertRun(syntheticRun());
  store.close();
  return file;
}

/** The folder's files and each one's bytes: what "nothing was created or changed" compares. */
function folderState(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir).map((f) => [f, readFileSync(join(dir, f)).toString('base64')]),
  );
}

async function refused(args: string[], file: string, reason: RegExp) {
  const r = await runMain([...args, '--db', file]);
  assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
  assert.ok(r.stderr.includes(`--db ${file}`), `names --db and the path: ${r.stderr}`);
  assert.match(r.stderr, reason);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  return r;
}

test('a directory is refused by reads and by bench, and nothing is made in it', async () => {
  const dir = dirname(tempDb());
  for (const args of [...READS, ['bench', '--suite', 'smoke']]) {
    await refused(args, dir, /is a directory/);
  }
  assert.deepEqual(readdirSync(dir), []);
});

test('a file that is not SQLite is refused and left as it was', async () => {
  const file = join(dirname(tempDb()), 'notes.txt');
  writeFileSync(file, 'not a database, but somebody’s notes\n');
  const runFile = join(dirname(file), 'run.json');
  writeFileSync(runFile, JSON.stringify(syntheticRun()));
  for (const args of [...READS, ['bench', '--suite', 'smoke'], ['import', runFile]]) {
    await refused(args, file, /is not an SQLite database/);
  }
  assert.equal(readFileSync(file, 'utf8'), 'not a database, but somebody’s notes\n');
});

test('a corrupt database is refused by name, not with SQLite’s bare message', async () => {
  const file = storedDb();
  const bytes = readFileSync(file);
  // Keep page 1 (the header and the schema), scramble every page after it.
  const pageSize = bytes.readUInt16BE(16);
  for (let i = pageSize; i < bytes.length; i++) bytes[i] = (i * 37) & 0xff;
  writeFileSync(file, bytes);
  for (const args of READS) await refused(args, file, /is corrupt|is not an SQLite database/);
  assert.deepEqual(readFileSync(file), bytes, 'a read changed nothing');
});

test("another application's database is refused, never altered: reads and bench alike", async () => {
  const file = tempDb();
  const other = new Database(file);
  other.exec(
    "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users VALUES (1, 'a')",
  );
  other.close();
  const before = folderState(dirname(file));
  for (const args of [...READS, ['bench', '--suite', 'smoke']]) {
    await refused(args, file, /is not a flushbench database \(its tables: users/);
  }
  assert.deepEqual(folderState(dirname(file)), before, 'no table added, no WAL switch, no file');
});

test('a newer schema is refused; an older one is upgraded by a write, never by a read', async () => {
  const newer = storedDb();
  const db = new Database(newer);
  db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
  db.close();
  for (const args of [...READS, ['bench', '--suite', 'smoke']]) {
    await refused(args, newer, /newer than this flushbench's/);
  }

  const older = storedDb();
  const o = new Database(older);
  o.pragma(`user_version = ${SCHEMA_VERSION - 1}`);
  o.close();
  const before = folderState(dirname(older));
  await refused(['runs'], older, /older than this flushbench's .* a command that writes/);
  assert.deepEqual(folderState(dirname(older)), before);
});

test('a missing file is not created by a read, nor its folders', async () => {
  const root = dirname(tempDb());
  const file = join(root, 'new', 'dir', 'x.db');
  for (const args of READS) await refused(args, file, /does not exist: this command only reads/);
  assert.deepEqual(readdirSync(root), [], 'no folder, no database');
  // A file whose folder is a file cannot exist: said so, for bench too.
  writeFileSync(join(root, 'plain'), '');
  await refused(
    ['bench', '--suite', 'smoke'],
    join(root, 'plain', 'x.db'),
    /cannot exist: a folder on its path is a file/,
  );
});

test('--db :memory: and an empty --db are refused, and no file named :memory: appears', async () => {
  for (const args of [...READS, ['bench', '--suite', 'smoke']]) {
    const r = await runMain([...args, '--db', ':memory:']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--db :memory: names an in-memory database/);
    const e = await runMain([...args, '--db', '']);
    assert.equal(e.code, 2);
    assert.match(e.stderr, /--db {2}is empty|--db is empty|is empty: --db must name/);
  }
  assert.equal(existsSync(resolve(':memory:')), false);
});

test('an empty flushbench database reads as empty; bench creates folders it needs', async () => {
  const root = dirname(tempDb());
  const file = join(root, 'a', 'b', 'runs.db');
  mkdirSync(dirname(file), { recursive: true });
  Store.open(file).close();
  const r = await runMain(['runs', '--db', file]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /no runs stored/);
});
