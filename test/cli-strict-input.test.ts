/**
 * The command line takes what it says it takes: numbers in decimal as typed (no 0x10, 1e3,
 * Infinity, blanks) in every command; compare's --threshold and --alpha by the API's rules; an
 * option that would change nothing is refused, naming the one that makes it moot; a --profile or
 * --file that is not JSON is named with the parser's position, never with its bytes.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { Store } from '../data/store.js';
import { buildApp } from '../server/app.js';
import { loadProfile } from '../sim/shared/profile.js';
import { realFlags, runMain, unknownFlags } from './cli-in-process.js';
import { syntheticRun, tempDb } from './helpers.js';

const REFUSED: [string[], RegExp][] = [
  [
    ['compare', '--threshold', '0x10'],
    /--threshold must be a percentage from 0 to 1000 \(got "0x10"\)/,
  ],
  [
    ['compare', '--threshold', '1e1'],
    /--threshold must be a percentage from 0 to 1000 \(got "1e1"\)/,
  ],
  [
    ['compare', '--threshold', 'Infinity'],
    /--threshold must be a percentage .* \(got "Infinity"\)/,
  ],
  [['compare', '--threshold', ' '], /--threshold must be a percentage .* \(got " "\)/],
  [['compare', '--alpha', '0'], /--alpha must be a probability above 0 and below 1 \(got "0"\)/],
  [['compare', '--alpha', '1'], /--alpha must be a probability above 0 and below 1 \(got "1"\)/],
  [['compare', '--alpha', 'NaN'], /--alpha must be a probability .* \(got "NaN"\)/],
  [['sim', '--cpus', '0x2'], /--cpus must be an integer from 1 to 1024 \(got "0x2"\)/],
  [['sim', '--flushes', '1e3'], /--flushes must be an integer from 1 to 10000000 \(got "1e3"\)/],
  [
    ['calibrate', '--rounds', '1e3'],
    /--rounds must be an integer from 100 to 10000000 \(got "1e3"\)/,
  ],
  [
    ['bench', '--iterations', '1e3'],
    /--iterations must be an integer from 1 to 10000000 \(got "1e3"\)/,
  ],
  [
    ['bench', '--cpus', '0x2'],
    /--cpus must be a comma-separated list of integers from 1 to 1024 \(got "0x2"/,
  ],
  [['runs', '--limit', '0x10'], /--limit must be an integer from 1 to 100000 \(got "0x10"\)/],
  [['kernel', '--pages', '0x1'], /--pages must be a whole number \(got "0x1"\)/],
  [['serve', '--port', '1e3'], /--port must be an integer from 0 to 65535 \(got "1e3"\)/],
  [
    ['sim', '--samples'],
    /--samples has no effect without --json: the raw samples are printed only in the JSON output/,
  ],
  [
    ['sim', '--warmup-ms', '10', '--warmup-flushes', '0'],
    /--warmup-ms has no effect with --warmup-flushes 0: it ends the warm-up early, and there is none \(got --warmup-ms 10\)/,
  ],
  [
    ['sim', '--user-burst', '4', '--workload', 'idle'],
    /--user-burst has no effect with --workload idle: no CPU runs user code \(got --user-burst 4\)/,
  ],
  [
    ['validate', '--profile-out', 'x.json'],
    /--profile-out has no effect without --host: it names where the host profile is written \(got --profile-out x.json\)/,
  ],
  [
    ['validate', '--host', '--db', 'x.db'],
    /--db has no effect with --host: validate --host stores no run/,
  ],
  [
    ['validate', '--host', '--file', 'x.json'],
    /--file has no effect with --host: validate --host checks this machine's kernel/,
  ],
];

for (const [args, message] of REFUSED) {
  test(`flushbench ${args.join(' ')} → exit 2, naming the option, the rule and the value`, async () => {
    const r = await runMain(args);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.deepEqual(unknownFlags(r.stderr, await realFlags()), [], 'only real flags are named');
    assert.equal(r.stdout, '');
  });
}

/** A store with two runs, so compare gets past its refs to its answer. */
function twoRuns(): string {
  const db = tempDb();
  const store = Store.open(db);
  const base = syntheticRun();
  store.insertRun(base);
  store.insertRun(syntheticRun({ commit: { ...base.commit!, sha: 'b'.repeat(40) } }));
  store.close();
  return db;
}

test('the controls: decimal values in range are taken as typed', async () => {
  const db = twoRuns();
  const r = await runMain([
    'compare',
    '--threshold',
    '16',
    '--alpha',
    '0.05',
    '--format',
    'json',
    '--db',
    db,
  ]);
  assert.notEqual(r.code, 2, r.stderr);
  assert.equal(JSON.parse(r.stdout).wallThresholdPct, 16);
  const samples = await runMain([
    'sim',
    '--samples',
    '--json',
    '--flushes',
    '10',
    '--warmup-flushes',
    '8',
  ]);
  assert.equal(samples.code, 0, samples.stderr);
  assert.equal(JSON.parse(samples.stdout).samplesNs.length, 10);
});

test('--alpha and --threshold: the CLI refuses exactly what GET /api/compare refuses', async (t) => {
  const db = twoRuns();
  const app = await buildApp({ dbFile: db, token: null });
  t.after(() => app.close());
  const values: [string, string][] = [
    ['alpha', '0'],
    ['alpha', '1'],
    ['alpha', '0.5'],
    ['alpha', '1.5'],
    ['threshold', '0'],
    ['threshold', '1000'],
    ['threshold', '1000.5'],
    ['threshold', '-1'],
  ];
  for (const [name, value] of values) {
    const api = await app.inject({ url: `/api/compare?${name}=${value}` });
    const apiRefuses = api.statusCode === 400 && api.body.includes(`querystring/${name}`);
    const cli = await runMain(['compare', `--${name}=${value}`, '--db', db]);
    const cliRefuses = cli.code === 2 && cli.stderr.includes(`--${name} must be`);
    assert.equal(
      cliRefuses,
      apiRefuses,
      `${name}=${value}: API ${api.statusCode} ${api.body}; CLI ${cli.stderr}`,
    );
  }
});

test("a --profile or --file that is not JSON: exit 2 naming the path and why, none of the file's bytes", async () => {
  const dir = dirname(tempDb());
  const secret = join(dir, 'shadow');
  writeFileSync(secret, 'root:$6$hunter2SECRET:19000:0:99999:7:::\n');
  for (const args of [
    ['sim', '--profile', secret],
    ['validate', '--file', secret, '--db', tempDb()],
  ]) {
    const r = await runMain(args);
    assert.equal(r.code, 2, r.stderr);
    assert.ok(r.stderr.includes(`${secret} is not valid JSON`), r.stderr);
    assert.doesNotMatch(r.stderr, /hunter2|root:|\$6\$/);
  }
  // Nor in the error's cause, which a log or an HTTP answer could print.
  const err = (() => {
    try {
      loadProfile(secret);
    } catch (e) {
      return e as Error;
    }
  })();
  assert.ok(err);
  assert.doesNotMatch(`${err.message} ${String((err.cause as Error)?.message)}`, /hunter2/);
  // A position, where the parser gives one.
  const cut = join(dir, 'cut.json');
  writeFileSync(cut, '{"a": 1,\n  x');
  const r = await runMain(['sim', '--profile', cut]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(
    r.stderr,
    /--profile file .*cut\.json is not valid JSON \(at position 11: line 2, column 3\)/,
  );
});
