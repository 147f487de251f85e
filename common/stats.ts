/** Order statistics of a run's samples. */

export interface Summary {
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  count: number;
}

/** The q-quantile (0 ≤ q ≤ 1) of sorted values, interpolating linearly between ranks. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const at = (n - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

export function summarize(samples: ArrayLike<number>): Summary {
  const sorted = Float64Array.from(samples).sort();
  const n = sorted.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i];
  return {
    min: n > 0 ? sorted[0] : Number.NaN,
    mean: n > 0 ? sum / n : Number.NaN,
    p50: quantileSorted(sorted, 0.5),
    p90: quantileSorted(sorted, 0.9),
    p99: quantileSorted(sorted, 0.99),
    max: n > 0 ? sorted[n - 1] : Number.NaN,
    count: n,
  };
}
