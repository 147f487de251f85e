/**
 * Sweeps split into shards (`bench --shard i/n`) and merged back (`flushbench merge`): the smoke
 * and default suites run as 3 shards in parallel processes equal the unsharded run — the same
 * case keys, and compare at threshold 0 on modeled cycles says "same"; merge refuses a missing or
 * duplicated shard and shards of two commits, suites or option sets, naming it; and the full
 * suite's shards are balanced by their estimated cost. The runs here are short (--time 5
 * --iterations 20): modeled cycles do not depend on how long a case is measured.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { caseCost, partition, shardCosts } from '../bench/shard.js';
import { expandCases, SUITES } from '../bench/suites.js';
import type { RunRecord } from '../data/run-record.js';
import { Store } from '../data/store.js';
import { cli, cliAsync, tempDb } from './helpers.js';

const SHORT = ['--time', '5', '--iterations', '20'];

/** The suite as 3 shards run at once, each printed to a file; their paths. */
async function shards(suite: string, dir: string): Promise<string[]> {
  const runs = await Promise.all(
    [1, 2, 3].map((i) => cliAsync(['bench', '--suite', suite, '--shard', `${i}/3`, ...SHORT])),
  );
  return runs.map((r, k) => {
    assert.equal(r.code, 0, r.stderr);
    const file = join(dir, `${suite}-${k + 1}.json`);
    writeFileSync(file, r.stdout);
    return file;
  });
}

function keysOf(db: string, id: number): string[] {
  const store = Store.open(db);
  try {
    return store
      .getRun(id)!
      .cases.map((c) => c.key)
      .sort();
  } finally {
    store.close();
  }
}

const smokeFiles: string[] = [];

for (const suite of ['smoke', 'default']) {
  test(`the ${suite} suite as 3 shards in parallel processes, merged, is the unsharded run`, async () => {
    const db = tempDb();
    const files = await shards(suite, dirname(db));
    if (suite === 'smoke') smokeFiles.push(...files);
    const parts = files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as RunRecord);
    const ids = new Set(parts.map((p) => p.sweep?.id));
    assert.equal(ids.size, 1, 'one sweep');
    assert.deepEqual(
      parts.map((p) => p.sweep?.shard),
      [1, 2, 3],
    );
    const merged = cli(['merge', ...files, '--db', db]);
    assert.equal(merged.status, 0, merged.stderr);
    const whole = cli(['bench', '--suite', suite, ...SHORT, '--db', db]);
    assert.equal(whole.status, 0, whole.stderr);
    assert.deepEqual(keysOf(db, 1), keysOf(db, 2));
    const cases = parts.reduce((n, p) => n + p.cases.length, 0);
    assert.equal(keysOf(db, 1).length, cases);
    const compare = cli([
      'compare',
      ...['--base', '1', '--head', '2', '--threshold', '0', '--metric', 'modeled'],
      ...['--format', 'json', '--db', db],
    ]);
    assert.equal(compare.status, 0, compare.stdout + compare.stderr);
    const rows = JSON.parse(compare.stdout).cases as { modeled?: { verdict: string } | null }[];
    const modeled = rows.filter((r) => r.modeled);
    assert.ok(modeled.length > 0);
    assert.ok(
      modeled.every((r) => r.modeled!.verdict === 'same'),
      JSON.stringify(modeled.filter((r) => r.modeled!.verdict !== 'same')),
    );
    // Each case keeps the host it ran on; merging again names the run already stored.
    const store = Store.open(db);
    try {
      const run = store.getRunRecord(1)!;
      assert.ok(run.cases.every((c) => c.host?.hostname === parts[0].host.hostname));
      assert.equal(run.sweep?.shard, null);
      assert.equal(run.sweep?.shards, 3);
    } finally {
      store.close();
    }
    const again = cli(['merge', ...files, '--db', db]);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /already stored .* as run 1/);
  });
}

test('merge refuses a missing shard, a duplicated one, two commits, two suites, two option sets', () => {
  assert.equal(smokeFiles.length, 3, 'the smoke shards ran first');
  const dir = dirname(smokeFiles[0]);
  const read = (f: string) => JSON.parse(readFileSync(f, 'utf8')) as RunRecord;
  const edited = (name: string, edit: (r: RunRecord) => void) => {
    const r = read(smokeFiles[2]);
    edit(r);
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify(r));
    return file;
  };
  const [s1, s2, s3] = smokeFiles;
  const refusals: [string[], RegExp][] = [
    [[s1, s2], /shard 3 of 3 is missing \(given: 1, 2\)/],
    [[s1, s2, s2, s3], /shard 2 of 3 is given twice/],
    [
      [s1, s2, edited('commit.json', (r) => (r.commit = { ...r.commit!, sha: 'f'.repeat(40) }))],
      /shards of two commits: f{40}(\+dirty)? \(.*commit\.json\)/,
    ],
    [[s1, s2, edited('suite.json', (r) => (r.suite = 'ci'))], /shards of two suites: ci/],
    [
      [s1, s2, edited('options.json', (r) => (r.config.iterations = 21))],
      /shards of two option sets: iterations 20 \(.*\) against 21 \(.*options\.json\)/,
    ],
    [
      [s1, s2, edited('whole.json', (r) => delete r.sweep)],
      /whole\.json is not a shard of a sweep/,
    ],
  ];
  for (const [files, message] of refusals) {
    const db = tempDb();
    const r = cli(['merge', ...files, '--db', db]);
    assert.equal(r.status, 2, `${files.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    const store = Store.open(db);
    try {
      assert.equal(store.countRuns(), 0, 'nothing written');
    } finally {
      store.close();
    }
  }
});

test('the full suite’s dearest shard costs at most 1.25 × the mean, for 2 to 16 shards', () => {
  const s = SUITES.full;
  const config = {
    cases: expandCases(s),
    profile: 'xeon-gold-5418y-2s',
    engine: s.engine ?? 'auto',
    timeMs: s.timeMs,
    iterations: s.iterations,
    seed: 1,
    trace: false,
  };
  const costs = config.cases.map((c) => caseCost(config, c));
  assert.ok(costs.every((c) => c > 0));
  for (let n = 2; n <= 16; n++) {
    const owner = partition(costs, n);
    assert.deepEqual(partition(costs, n), owner, 'the same partition every time');
    const load = shardCosts(costs, owner, n);
    const mean = load.reduce((a, b) => a + b, 0) / n;
    assert.ok(Math.max(...load) <= 1.25 * mean, `n = ${n}: ${Math.max(...load) / mean}`);
  }
});

test('--shard takes i/n with 1 ≤ i ≤ n ≤ 256 and no --db; nothing runs otherwise', () => {
  for (const [args, message] of [
    [['--shard', '0/3'], /--shard must be i\/n with 1 ≤ i ≤ n ≤ 256, e\.g\. 2\/4 \(got "0\/3"\)/],
    [['--shard', '4/3'], /\(got "4\/3"\)/],
    [['--shard', 'two'], /\(got "two"\)/],
    [['--shard', '1/10'], /--shard n must be at most the suite's 9 cases.*\(got --shard 1\/10\)/],
    [['--shard', '1/3', '--db', 'x.db'], /--db has no effect with --shard.*\(got --db x\.db\)/],
  ] as const) {
    const r = cli(['bench', '--suite', 'smoke', ...args]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.equal(r.stdout, '');
  }
});
