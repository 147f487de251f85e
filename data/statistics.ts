/**
 * The statistics `flushbench compare` decides with: the Mann–Whitney U test (two-sided, normal
 * approximation with tie correction and continuity correction, as scipy's
 * `mannwhitneyu(method='asymptotic')`) and the Holm–Bonferroni step-down adjustment.
 */

export interface MannWhitney {
  /** U of the first sample (the number of (x, y) pairs with x > y, ties counting ½). */
  u: number;
  z: number;
  p: number;
}

/** Ranks 1..n of the values, ties sharing their average rank; also Σ(t³ − t) over tie groups. */
export function rank(values: ArrayLike<number>): { ranks: Float64Array; tieTerm: number } {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  const ranks = new Float64Array(n);
  let tieTerm = 0;
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && values[order[j]] === values[order[i]]) j++;
    const t = j - i;
    const avg = (i + 1 + j) / 2; // ranks i+1 .. j
    for (let k = i; k < j; k++) ranks[order[k]] = avg;
    tieTerm += t * t * t - t;
    i = j;
  }
  return { ranks, tieTerm };
}

export function mannWhitneyU(x: ArrayLike<number>, y: ArrayLike<number>): MannWhitney {
  const n1 = x.length;
  const n2 = y.length;
  if (n1 === 0 || n2 === 0) return { u: Number.NaN, z: Number.NaN, p: Number.NaN };
  const all = new Float64Array(n1 + n2);
  all.set(x as ArrayLike<number>, 0);
  all.set(y as ArrayLike<number>, n1);
  const { ranks, tieTerm } = rank(all);
  let r1 = 0;
  for (let i = 0; i < n1; i++) r1 += ranks[i];
  const u = r1 - (n1 * (n1 + 1)) / 2;
  const n = n1 + n2;
  const mu = (n1 * n2) / 2;
  const sigma = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
  if (sigma === 0) return { u, z: 0, p: 1 };
  const diff = Math.abs(u - mu);
  const z = (Math.sign(u - mu) * Math.max(0, diff - 0.5)) / sigma;
  return { u, z, p: Math.min(1, erfc(Math.abs(z) / Math.SQRT2)) };
}

/** Holm–Bonferroni: adjusted p-values in the input's order (step-down, monotone, ≤ 1). */
export function holm(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => [p, i] as const).sort((a, b) => a[0] - b[0]);
  const adjusted = new Array<number>(m);
  let running = 0;
  order.forEach(([p, i], k) => {
    running = Math.max(running, Math.min(1, (m - k) * p));
    adjusted[i] = running;
  });
  return adjusted;
}

/**
 * The complementary error function (Numerical Recipes' erfcc: Chebyshev fit with fractional
 * error below 1.2e-7 everywhere, so tail p-values keep their relative precision).
 */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t *
                              (-1.13520398 +
                                t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}
