import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type BenchConfig, runBench } from '../bench/runner.js';
import { compareRuns } from '../data/compare.js';
import { formatComparison } from '../data/compare-format.js';
import { Store } from '../data/store.js';
import { cli, tempDb } from './helpers.js';

const file = tempDb();
let sameA: number;
let sameB: number;
let slowIpi: number;

function config(profile: string): BenchConfig {
  return {
    suite: 'test',
    cases: [
      { protocol: 'sync', workload: 'madvise', cpus: 2, pages: 1 },
      { protocol: 'async-inline', workload: 'madvise', cpus: 2, pages: 1 },
      // 4 CPUs: an mm on fewer has no global ASID, and broadcast flushes by IPI.
      { protocol: 'broadcast', workload: 'madvise', cpus: 4, pages: 1 },
    ],
    profile,
    timeMs: 20,
    iterations: 300,
    seed: 1,
    trace: false,
  };
}

before(async () => {
  // A profile file of its own (a copy of the default one; a file may not take a built-in's
  // name), then the same file edited in place so that its IPIs cost three times as much: cases
  // are keyed by the profile's name, so the edit compares against the runs made before it.
  const src = fileURLToPath(new URL('../../sim/profiles/xeon-gold-5418y-2s.json', import.meta.url));
  const profile = JSON.parse(readFileSync(src, 'utf8'));
  profile.name = 'gold-copy';
  // A copy keeps no ledger: the built-ins' ledgers are cost-ledger.test.ts's subject.
  for (const c of Object.values(profile.costs) as { ledger?: unknown }[]) delete c.ledger;
  const copy = join(dirname(file), 'gold-copy.json');
  writeFileSync(copy, JSON.stringify(profile));
  const store = Store.open(file);
  sameA = store.insertRun(await runBench(config(copy)));
  sameB = store.insertRun(await runBench(config(copy)));
  profile.costs.ipiSend.value *= 3;
  profile.costs.ipiEntry.value *= 3;
  profile.costs.ipiExit.value *= 3;
  writeFileSync(copy, JSON.stringify(profile));
  slowIpi = store.insertRun(await runBench(config(copy)));
  store.close();
});

test('two runs of the same code: modeled cycles identical, no regression on the default gate', () => {
  const store = Store.open(file);
  const c = compareRuns(store, sameA, sameB);
  assert.equal(c.cases.length, 3);
  for (const x of c.cases) {
    assert.equal(x.modeled?.changePct, 0, x.key);
    assert.equal(x.verdict, 'same', x.key);
    assert.ok(x.wall && x.wall.p >= 0 && x.wall.p <= 1 && x.wall.pAdjusted >= x.wall.p);
  }
  assert.equal(c.failed, false);
  store.close();
  const r = cli(['compare', '--db', file, '--base', String(sameA), '--head', String(sameB)]);
  assert.equal(r.status, 0, r.stderr);
});

test('dearer IPIs are a modeled regression for the IPI protocols, not for broadcast', () => {
  const store = Store.open(file);
  const c = compareRuns(store, sameA, slowIpi);
  const byProtocol = Object.fromEntries(c.cases.map((x) => [x.key.split('/')[1], x]));
  assert.equal(byProtocol.sync.verdict, 'slower');
  assert.ok(byProtocol.sync.modeled!.changePct > 2);
  assert.equal(byProtocol['async-inline'].verdict, 'slower');
  assert.equal(byProtocol.broadcast.verdict, 'same', 'no IPI, no change');
  assert.equal(byProtocol.broadcast.modeled!.changePct, 0);
  assert.equal(c.regressions, 2);
  assert.equal(c.failed, true);
  // The other way round it is an improvement, and nothing fails.
  const back = compareRuns(store, slowIpi, sameA);
  assert.equal(back.improvements, 2);
  assert.equal(back.failed, false);
  assert.match(formatComparison(c, 'markdown'), /\*\*Regression\.\*\* 2 regressions/);
  store.close();

  const r = cli([
    'compare',
    '--db',
    file,
    '--base',
    String(sameA),
    '--head',
    String(slowIpi),
    '--format',
    'json',
  ]);
  assert.equal(r.status, 1, 'exit 1 on a modeled regression');
  assert.equal(JSON.parse(r.stdout).regressions, 2);
  // A threshold above the change tolerates it.
  const threshold = cli([
    'compare',
    '--db',
    file,
    '--base',
    String(sameA),
    '--head',
    String(slowIpi),
    '--threshold',
    '1000',
  ]);
  assert.equal(threshold.status, 0, 'a 1000 % threshold tolerates the change');
});

test('cases only in one run are listed as new or missing, never dropped', () => {
  const store = Store.open(file);
  const extra = store.getRunRecord(sameB)!;
  extra.uuid = 'extra';
  extra.cases = [
    extra.cases[0],
    { ...extra.cases[1], key: 'madvise/async-inline/cpus=3/pages=1/gold-copy', cpus: 3 },
  ];
  const id = store.insertRun(extra);
  const c = compareRuns(store, sameA, id);
  const verdicts = c.cases.map((x) => x.verdict).sort();
  assert.deepEqual(verdicts, ['missing', 'missing', 'new', 'same']);
  store.close();
});
