/**
 * validate gates fidelity as compare gates speed: against a base validation, exit 1 when a point
 * left its tolerance or its error grew by more than 2 points; stable misses fail nothing. The
 * cost perturbed is a copy of a built-in profile's, in a profile file the measurement names, so
 * the repository's profiles stay as they are.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { loadPublished } from '../bench/validate.js';
import { compareFidelity, FIDELITY_SLACK } from '../data/fidelity.js';
import type { ValidationRow } from '../data/validation.js';
import { cli, tempDb } from './helpers.js';

const PROFILES = new URL('../../sim/profiles/', import.meta.url);
const MEASUREMENT = 'amit-rfc-2019-three-targets';

/** A measurement file holding one measurement, modeled on `profileFile`. */
function oneMeasurement(dir: string, profileFile: string): string {
  const published = loadPublished();
  const m = published.measurements.find((x) => x.id === MEASUREMENT)!;
  const file = join(dir, 'published.json');
  writeFileSync(
    file,
    JSON.stringify({ ...published, measurements: [{ ...m, profile: profileFile }] }),
  );
  return file;
}

/** The measurement's profile, as a file, with one cost multiplied. */
function profileCopy(file: string, cost: string | null, factor: number): void {
  const m = loadPublished().measurements.find((x) => x.id === MEASUREMENT)!;
  const p = JSON.parse(readFileSync(new URL(`${m.profile}.json`, PROFILES), 'utf8'));
  p.name = 'gate-test-copy';
  // A profile file may keep no ledger; the built-ins' ledgers are cost-ledger.test.ts's subject.
  for (const c of Object.values(p.costs) as { ledger?: unknown }[]) delete c.ledger;
  if (cost !== null) p.costs[cost].value *= factor;
  writeFileSync(file, JSON.stringify(p));
}

test('a cost perturbed so that a passing point misses makes validate --base <the previous run> exit 1', () => {
  const db = tempDb();
  const dir = dirname(db);
  const profile = join(dir, 'profile.json');
  const published = oneMeasurement(dir, profile);

  profileCopy(profile, null, 1);
  const first = cli(['validate', '--file', published, '--db', db, '--json']);
  assert.equal(first.status, 0, first.stderr);
  const before = JSON.parse(first.stdout);
  assert.equal(before.base, null, 'no earlier validation: nothing to gate against');
  const passing = before.rows.filter((r: ValidationRow, i: number) => i > 0 && r.withinTolerance);
  assert.ok(passing.length > 0);

  // validate on the measurement file, gated against the first run.
  const againstFirst = (...format: string[]) =>
    cli(['validate', '--file', published, '--db', db, '--base', String(before.id), ...format]);

  // The same model again: every point where it was, exit 0.
  const again = againstFirst();
  assert.equal(again.status, 0, again.stdout + again.stderr);
  assert.match(again.stdout, /no point regressed/);

  // INVLPG ten times dearer: the local flush, which concurrent overlaps with the remote ones
  // and sync-5.2 does not, weighs more, and concurrent's ratio to sync-5.2 leaves its tolerance.
  profileCopy(profile, 'invlpg', 10);
  const worse = againstFirst();
  assert.equal(worse.status, 1, worse.stdout + worse.stderr);
  assert.match(
    worse.stdout,
    new RegExp(`✗ ${MEASUREMENT}: concurrent, 4 CPUs, 1 page: left tolerance`),
  );
  assert.match(worse.stdout, /fidelity regressed at \d+ points?/);

  const json = againstFirst('--json');
  assert.equal(json.status, 1);
  const out = JSON.parse(json.stdout);
  assert.equal(out.base.id, before.id);
  assert.ok(out.fidelity.regressions >= 1);
  assert.ok(out.score.within < before.score.within);

  const md = againstFirst('--markdown');
  assert.equal(md.status, 1);
  assert.match(md.stdout, /\*\*Fidelity regressed at \d+ points?\.\*\*/);
  assert.match(md.stdout, /\| ✗ \| amit-rfc-2019-three-targets \| concurrent, 4 CPUs, 1 page \|/);
});

test('--base must name a validation run: exit 2 naming the option, and nothing is stored', () => {
  const db = tempDb();
  for (const [base, message] of [
    ['nope', /--base must be a validation run's id, or a commit sha .* \(got "nope"\)/],
    ['999', /--base must be a validation run's id, or a commit sha .* \(got "999"\)/],
  ] as const) {
    const r = cli(['validate', '--db', db, '--base', base]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, message);
  }
  const both = cli(['validate', '--db', db, '--json', '--markdown']);
  assert.equal(both.status, 2);
  assert.match(both.stderr, /--json and --markdown/);
  assert.equal(existsSync(db), false, 'no store was created');
  // A store with a bench run but no validation: --base names the bench run, which is refused.
  const bench = cli([
    'bench',
    '--suite',
    'smoke',
    '--cpus',
    '1',
    '--protocols',
    'sync',
    '--db',
    db,
    '--json',
  ]);
  assert.equal(bench.status, 0, bench.stderr);
  const benchId = String(JSON.parse(bench.stdout).id);
  const r = cli(['validate', '--db', db, '--base', benchId]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(
    r.stderr,
    new RegExp(
      `--base must name a validation run \\(flushbench validate\\); run ${benchId} is a bench run of suite smoke`,
    ),
  );
  const runs = cli(['runs', '--db', db, '--json']);
  assert.equal(JSON.parse(runs.stdout).length, 1, 'only the bench run');
});

test('fidelity: what regresses, what is a stable miss', () => {
  const row = (measurement: string, ratioError: number, tol = 0.15): ValidationRow => ({
    measurement,
    protocol: 'concurrent',
    cpus: 2,
    pages: 1,
    published: 1,
    modeled: 1,
    publishedRatio: 1,
    modeledRatio: 1 + ratioError,
    ratioError,
    withinTolerance: Math.abs(ratioError) <= tol,
  });
  const base = [row('a', 0.1), row('b', 0.3), row('c', 0.3), row('d', 0.05), row('e', 0.2)];
  const head = [
    row('a', 0.16), // left its tolerance
    row('b', 0.3 + FIDELITY_SLACK / 2), // a stable miss
    row('c', 0.3 + FIDELITY_SLACK * 2), // a miss that grew
    row('d', 0.05 - FIDELITY_SLACK * 2), // better
    row('f', 0.5), // new
  ];
  const f = compareFidelity(base, head);
  assert.deepEqual(
    f.changes.map((c) => [c.measurement, c.kind, c.regression]),
    [
      ['a', 'left tolerance', true],
      ['b', 'same', false],
      ['c', 'error grew', true],
      ['d', 'error shrank', false],
      ['f', 'new', false],
      ['e', 'gone', false],
    ],
  );
  assert.equal(f.regressions, 2);
});
