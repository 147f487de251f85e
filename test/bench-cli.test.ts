import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { PROTOCOLS } from '../sim/index.js';
import { cli, emptyDb, tempDb } from './helpers.js';

const BAD: [string[], RegExp][] = [
  [
    ['bench', '--suite', 'huge'],
    /--suite must be one of smoke, default, kernel, full, ci \(got "huge"\)/,
  ],
  [
    ['bench', '--cpus', '2,0'],
    /--cpus must be a comma-separated list of integers from 1 to 1024 \(got "0" in "2,0"\)/,
  ],
  [
    // Asked for by name, the profile stays: a count beyond it is refused, not moved elsewhere.
    ['bench', '--profile', 'xeon-gold-5418y-2s', '--cpus', '128'],
    /--cpus must be at most 96, the hardware threads of profile xeon-gold-5418y-2s \(got 128\)/,
  ],
  [
    ['bench', '--engine', 'threads', '--cpus', '300'],
    /--cpus must be an integer from 1 to 256 with --engine threads/,
  ],
  [
    ['bench', '--cpus', '1,2', '--workers', '2'],
    /--workers has no effect: no case runs on the cooperative engine/,
  ],
  [
    ['bench', '--protocols', 'sync,fast'],
    new RegExp(
      `--protocols must be a comma-separated list of ${PROTOCOLS.join(', ')}, linux \\(got "fast" in "sync,fast"\\)`,
    ),
  ],
  [
    ['bench', '--workloads', 'nap'],
    /--workloads must be a comma-separated list of .* \(got "nap" in "nap"\)/,
  ],
  [['bench', '--time', 'long'], /--time must be an integer from 1 to 3600000 \(got "long"\)/],
  [
    ['bench', '--iterations', '0'],
    /--iterations must be an integer from 1 to 10000000 \(got "0"\)/,
  ],
  [['bench', '--profile', 'nehalem'], /--profile must be one of/],
  [['runs', '--limit', '0'], /--limit must be an integer from 1 to 100000 \(got "0"\)/],
  [['compare', '--format', 'xml'], /--format must be one of text, markdown, json \(got "xml"\)/],
  [['compare', '--metric', 'speed'], /--metric must be one of modeled, wall, both \(got "speed"\)/],
  [['compare', '--alpha', '2'], /--alpha must be a probability above 0 and below 1 \(got "2"\)/],
  [['compare', '--threshold', 'x'], /--threshold must be a percentage from 0 to 1000 \(got "x"\)/],
  [['compare', '--head', '999'], /--head: no run is stored|--head must be a run id/],
  [['export', '--format', 'yaml'], /--format must be one of json, csv, bmf, gab \(got "yaml"\)/],
  [['export', '--run', 'nope'], /--run: no run is stored|--run must be a run id/],
];

for (const [args, message] of BAD) {
  test(`flushbench ${args.join(' ')} → exit 2, and nothing is written`, () => {
    // bench into a new file; the read commands into an existing (empty) database.
    const file = args[0] === 'bench' ? tempDb() : emptyDb();
    const before = args[0] === 'bench' ? null : readFileSync(file);
    const r = cli([...args, '--db', file]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, message);
    if (before === null) assert.equal(existsSync(file), false, 'no database was created');
    else assert.deepEqual(readFileSync(file), before, 'the database is as it was');
  });
}

test('FLUSHBENCH_DB chooses the database; runs and export read it back', () => {
  const file = tempDb();
  const b = cli(
    [
      'bench',
      '--suite',
      'smoke',
      '--cpus',
      '1',
      '--protocols',
      'sync',
      '--time',
      '10',
      '--iterations',
      '50',
      '--json',
    ],
    { FLUSHBENCH_DB: file },
  );
  assert.equal(b.status, 0, b.stderr);
  const run = JSON.parse(b.stdout);
  assert.equal(run.cases.length, 1);
  assert.equal(run.cases[0].status, 'completed');
  assert.ok(run.cases[0].samplesNs.length >= 50);
  assert.ok(run.cases[0].wallNs.rme >= 0);

  const runs = cli(['runs', '--json'], { FLUSHBENCH_DB: file });
  assert.equal(JSON.parse(runs.stdout)[0].id, run.id);

  const exported = cli(['export', '--run', String(run.id), '--format', 'json'], {
    FLUSHBENCH_DB: file,
  });
  const { id, ...record } = run;
  assert.deepEqual(
    JSON.parse(exported.stdout),
    record,
    'export json is the shape bench --json printed',
  );

  const csv = cli(['export', '--run', String(run.id), '--format', 'csv'], { FLUSHBENCH_DB: file })
    .stdout.trim()
    .split('\n');
  assert.equal(csv.length, 2);
  assert.match(csv[0], /^key,protocol,workload,cpus,pages,profile,status,wall_p50_ns/);
  assert.match(csv[1], /^madvise\/sync\/cpus=1\/pages=1\/xeon-gold-5418y-2s,sync,madvise,1,1,/);

  const bmf = JSON.parse(cli(['export', '--format', 'bmf'], { FLUSHBENCH_DB: file }).stdout);
  const entry = bmf['madvise/sync/cpus=1/pages=1/xeon-gold-5418y-2s'];
  assert.equal(entry['modeled-cycles'].value, run.cases[0].modeledCycles.mean);
  assert.equal(entry.latency.value, run.cases[0].wallNs.p50);

  const gab = JSON.parse(cli(['export', '--format', 'gab'], { FLUSHBENCH_DB: file }).stdout);
  assert.deepEqual(
    gab.map((e: { unit: string }) => e.unit),
    ['cycles', 'ns'],
  );
  assert.match(gab[0].name, /modeled$/);
});

test('a case that fails is stored as such, the run goes on, and the exit code says so', () => {
  const file = tempDb();
  // CPU 1's worker exits at its first csd: every 2-CPU case fails (each on a fresh machine),
  // the 1-CPU cases have no CPU 1 and complete.
  const r = cli([
    'bench',
    '--suite',
    'smoke',
    '--cpus',
    '2,1',
    '--protocols',
    'sync,async-inline',
    '--time',
    '10',
    '--iterations',
    '50',
    '--fault',
    '1:exit',
    '--db',
    file,
    '--json',
  ]);
  assert.equal(r.status, 1, r.stderr);
  const run = JSON.parse(r.stdout);
  const status = Object.fromEntries(
    run.cases.map((c: { key: string; status: string }) => [
      c.key.split('/').slice(1, 3).join(' '),
      c.status,
    ]),
  );
  assert.deepEqual(status, {
    'sync cpus=1': 'completed',
    'async-inline cpus=1': 'completed',
    'sync cpus=2': 'errored',
    'async-inline cpus=2': 'errored',
  });
  const failed = run.cases.find((c: { status: string }) => c.status === 'errored');
  assert.equal(failed.error.code, 'FLUSHBENCH_ERR_CPU_CRASHED');
  assert.match(failed.error.message, /CPU 1's worker exited/);
  assert.match(r.stderr, /\[\d\/4\] sync madvise 2 CPUs 1 page: ERROR CPU 1's worker exited/);
  const runs = JSON.parse(cli(['runs', '--json', '--db', file]).stdout);
  assert.equal(runs[0].failures, 2);
});
