import assert from 'node:assert/strict';
import { test } from 'node:test';
import { erfc, holm, mannWhitneyU, rank } from '../data/statistics.js';

const close = (a: number, b: number, rel = 1e-6) =>
  assert.ok(Math.abs(a - b) <= rel * Math.abs(b), `${a} ≉ ${b}`);

test('erfc matches tabulated values to 1e-7 relative', () => {
  close(erfc(0), 1, 2e-7);
  close(erfc(1), 0.157299207050285, 2e-7);
  close(erfc(2), 0.004677734981047, 2e-7);
  close(erfc(3), 2.20904969985854e-5, 2e-7);
  close(erfc(-1), 1.842700792949715, 2e-7);
});

test('Mann–Whitney U, no ties: x = 1 2 3, y = 4 5 6', () => {
  // Ranks of x: 1 2 3, R1 = 6, U = 6 − 3·4/2 = 0. μ = 4.5, σ² = 9/12 · 7 = 5.25.
  // z = −(4.5 − 0.5)/√5.25 = −1.745743; p = erfc(1.745743/√2) = 0.080856.
  const r = mannWhitneyU([1, 2, 3], [4, 5, 6]);
  assert.equal(r.u, 0);
  close(r.z, -1.7457431218879391);
  close(r.p, 0.0808556, 1e-5);
  // Swapping the samples mirrors U (U + U' = n1·n2) and keeps p.
  const s = mannWhitneyU([4, 5, 6], [1, 2, 3]);
  assert.equal(s.u, 9);
  close(s.p, r.p);
});

test('Mann–Whitney U with ties: x = 1 2 2 3, y = 2 3 4 5', () => {
  // Pooled: 1 | 2 2 2 | 3 3 | 4 | 5 → ranks 1 | 3 3 3 | 5.5 5.5 | 7 | 8.
  // R1 = 1 + 3 + 3 + 5.5 = 12.5, U = 12.5 − 10 = 2.5. Ties: 3³−3 + 2³−2 = 30.
  // σ² = 16/12 · (9 − 30/56) = 11.285714; z = −(5.5 − 0.5)/3.359422 = −1.488351; p = 0.136658.
  const { ranks, tieTerm } = rank([1, 2, 2, 3, 2, 3, 4, 5]);
  assert.deepEqual(Array.from(ranks), [1, 3, 3, 5.5, 3, 5.5, 7, 8]);
  assert.equal(tieTerm, 30);
  const r = mannWhitneyU([1, 2, 2, 3], [2, 3, 4, 5]);
  assert.equal(r.u, 2.5);
  close(r.z, -1.488351, 1e-6);
  close(r.p, 0.136658, 1e-5);
});

test('all values tied: no evidence, p = 1', () => {
  assert.equal(mannWhitneyU([7, 7, 7], [7, 7]).p, 1);
});

test('Holm–Bonferroni: step-down, monotone, capped at 1, in input order', () => {
  // Sorted: 0.005·4 = 0.02, 0.01·3 = 0.03, 0.03·2 = 0.06, 0.04·1 = 0.04 → max so far 0.06.
  assert.deepEqual(holm([0.01, 0.04, 0.03, 0.005]), [0.03, 0.06, 0.06, 0.02]);
  assert.deepEqual(holm([0.5, 0.9]), [1, 1]);
  assert.deepEqual(holm([]), []);
});
