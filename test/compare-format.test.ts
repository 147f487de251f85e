/**
 * How comparisons read: units in every cell (cycles as whole numbers, ns or µs), p-values below
 * 1e-6 as "< 1e-6", a verdict per metric, and a margin of error past 100 % as "unstable".
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatRunTables } from '../cli/run-tables.js';
import { formatComparison, nsText, pValue } from '../data/compare-format.js';
import type { Comparison } from '../data/comparison.js';
import { syntheticCase, syntheticRun } from './helpers.js';

/** The counts of a comparison in which nothing regressed, improved or failed. */
const NO_CHANGE = {
  regressions: 0,
  improvements: 0,
  failures: 0,
  failed: false,
  sameCommit: false,
} as const;

test('p-values and wall-clock read with their floor and their unit', () => {
  assert.equal(pValue(3.3e-310), '< 1e-6');
  assert.equal(pValue(0), '< 1e-6');
  assert.equal(pValue(4e-5), '4.0e-5');
  assert.equal(pValue(0.0123), '0.012');
  assert.equal(pValue(null), '–');
  assert.equal(nsText(591.4), '591 ns');
  assert.equal(nsText(1234), '1.23 µs');
  assert.equal(nsText(7_970_000), '7.97 ms');
});

test('the text and markdown tables give each metric its verdict and every figure its unit', () => {
  const c: Comparison = {
    base: {
      id: 1,
      commit: 'a'.repeat(40),
      subject: 'base',
      branch: 'main',
      suite: 'ci',
      noisy: null,
    },
    head: {
      id: 2,
      commit: 'b'.repeat(40),
      subject: 'head',
      branch: 'main',
      suite: 'ci',
      noisy: null,
    },
    metric: 'both',
    modeledThresholdPct: 2,
    wallThresholdPct: 5,
    alpha: 0.01,
    cases: [
      {
        key: 'madvise/sync/cpus=2/pages=1/p',
        verdict: 'slower',
        modeled: { base: 3179, head: 3300.4, changePct: 3.82, verdict: 'slower' },
        wall: {
          base: 691,
          head: 1450,
          changePct: 109.8,
          p: 1e-12,
          pAdjusted: 3e-12,
          verdict: 'slower',
        },
      },
    ],
    regressions: 1,
    improvements: 0,
    failures: 0,
    failed: true,
    sameCommit: false,
  };
  const text = formatComparison(c, 'text');
  assert.match(
    text,
    /3179 cycles +3300 cycles +\+3\.82 % +slower +691 ns +1\.45 µs +\+109\.80 % +< 1e-6 +slower +slower/,
  );
  assert.doesNotMatch(text, /3179\.0|e-12/);
  const md = formatComparison(c, 'markdown');
  assert.match(
    md,
    /\| 3179 cycles \| 3300 cycles \| \+3\.82 % \| slower \| 691 ns \| 1\.45 µs \| \+109\.80 % \| < 1e-6 \| slower \| 🔴 slower \|/,
  );
});

test('a margin of error past 100 % reads "unstable" in the bench table', () => {
  const c = syntheticCase({ protocol: 'sync' });
  const run = syntheticRun({ cases: [{ ...c, wallNs: { ...c.wallNs, rme: 164.5 } }] });
  assert.match(formatRunTables(run), / unstable /);
  assert.doesNotMatch(formatRunTables(run), /±164\.5/);
});

test('a wall change measured with more CPUs than cores is in parentheses under its footnote', () => {
  const wall = {
    base: 9000,
    head: 12000,
    changePct: 33.3,
    p: 0.5,
    pAdjusted: 0.5,
    verdict: 'same' as const,
  };
  const c: Comparison = {
    base: { id: 1, commit: null, subject: null, branch: null, suite: 'ci', noisy: null },
    head: { id: 2, commit: null, subject: null, branch: null, suite: 'ci', noisy: null },
    metric: 'modeled',
    modeledThresholdPct: 2,
    wallThresholdPct: 5,
    alpha: 0.01,
    cases: [
      {
        key: 'madvise/sync/cpus=4/pages=1/p',
        verdict: 'same',
        modeled: null,
        wall: { ...wall, oversubscribed: true },
      },
      { key: 'madvise/sync/cpus=2/pages=1/p', verdict: 'same', modeled: null, wall },
    ],
    ...NO_CHANGE,
  };
  for (const format of ['text', 'markdown'] as const) {
    const out = formatComparison(c, format);
    assert.match(out, /\(\+33\.30 %\)\*/, format);
    assert.equal(
      out.match(/\(\+33\.30 %\)/g)?.length,
      1,
      `${format}: only the oversubscribed case`,
    );
    assert.match(out, /\* more simulated CPUs than the measuring machines' cores/);
  }
});

test('a noisy run’s wall changes are in parentheses with its reason; one-run cases are one line', () => {
  const wall = {
    base: 100,
    head: 0.01,
    changePct: -99.99,
    p: 0.001,
    pAdjusted: 0.001,
    oversubscribed: false,
    verdict: 'faster' as const,
  };
  const only = (verdict: 'new' | 'missing', n: number) =>
    Array.from({ length: n }, (_, i) => ({
      key: `${verdict}/${i}`,
      verdict,
      modeled: null,
      wall: null,
    }));
  const c: Comparison = {
    base: { id: 7, commit: null, subject: null, branch: null, suite: 'default', noisy: null },
    head: {
      id: 8,
      ...{ commit: null, subject: null, branch: null, suite: 'smoke' },
      noisy: 'the cores were 80 % busy with other work',
    },
    metric: 'modeled',
    modeledThresholdPct: 2,
    wallThresholdPct: 5,
    alpha: 0.01,
    cases: [
      ...only('missing', 94),
      { key: 'madvise/sync/cpus=2/pages=1/p', verdict: 'same', modeled: null, wall },
      ...only('new', 2),
    ],
    ...NO_CHANGE,
  };
  for (const format of ['text', 'markdown'] as const) {
    const out = formatComparison(c, format);
    assert.match(out, /\(−99\.99 %\)†|\(-99\.99 %\)†/, `${format}: in parentheses, marked`);
    assert.match(out, /† run 8 was noisy \(the cores were 80 % busy with other work\)/, format);
    assert.match(
      out,
      /94 cases only in the base 7 run \(suite default against smoke\): not compared/,
    );
    assert.match(out, /2 cases only in the head 8 run/);
    assert.doesNotMatch(out, /missing\/0|new\/0/, `${format}: not one row each`);
    // The compared case comes before the one-line summaries.
    assert.ok(out.indexOf('madvise/sync') < out.indexOf('94 cases only'), format);
  }
});
