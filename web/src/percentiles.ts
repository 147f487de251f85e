/**
 * Order statistics of a case's stored samples. The server thins long sample series to evenly
 * spaced order statistics, so a percentile of what it sends is still a percentile of what was
 * measured (to within one thinning step).
 */

/** The percentiles the case view shows, as fractions; p99.9 shows the tail the p99 hides. */
export const CASE_PERCENTILES = Object.freeze([
  { label: 'p50', q: 0.5 },
  { label: 'p90', q: 0.9 },
  { label: 'p99', q: 0.99 },
  { label: 'p99.9', q: 0.999 },
] as const);

/** Ascending, numerically (a typed array sorts by value, unlike Array#sort's string order). */
export function sortedCopy(values: readonly number[]): Float64Array {
  return Float64Array.from(values).sort();
}

/**
 * The q-quantile of ascending `sorted`, interpolating linearly between the two nearest ranks
 * (Hyndman–Fan type 7, the default of R and numpy), so p50 of [1, 2] is 1.5.
 */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export interface Histogram {
  /** Bin boundaries, ascending: bin i spans edges[i] to edges[i + 1]. */
  edges: number[];
  /** Bins grow geometrically: the samples span orders of magnitude. */
  log: boolean;
  /** Per series, samples in each bin. */
  counts: number[][];
  /** Where the range was clipped (the last bin holds everything above), or null. */
  clippedAt: number | null;
}

/**
 * Past this ratio of largest to smallest sample, equal-width bins would crush the fast
 * protocols into the first bin (broadcast at 0.5 µs beside sync at 100 µs), so bins grow
 * geometrically instead.
 */
const LOG_BINS_RANGE_RATIO = 20;

/**
 * Bins several sample series over one shared range so that their shapes compare. Latency has a
 * long tail (one preempted sample can be 100× the median), so the range ends at `clipQuantile`
 * of the pooled samples and the last bin collects the rest, labelled as such.
 */
export function sharedHistogram(
  series: readonly (readonly number[])[],
  binCount: number,
  clipQuantile: number,
): Histogram {
  const pooled = sortedCopy(series.flat());
  if (pooled.length === 0) {
    return { edges: [], log: false, counts: series.map(() => []), clippedAt: null };
  }
  const lo = pooled[0];
  const max = pooled[pooled.length - 1];
  const clip = quantileSorted(pooled, clipQuantile) ?? max;
  const hi = clip > lo ? clip : lo + 1;
  const log = lo > 0 && hi / lo > LOG_BINS_RANGE_RATIO;
  const edges = Array.from({ length: binCount + 1 }, (_, i) =>
    log ? lo * (hi / lo) ** (i / binCount) : lo + ((hi - lo) * i) / binCount,
  );
  const binOf = log
    ? (v: number) => Math.floor((Math.log(v / lo) / Math.log(hi / lo)) * binCount)
    : (v: number) => Math.floor(((v - lo) / (hi - lo)) * binCount);
  const counts = series.map((values) => {
    const bins = new Array<number>(binCount).fill(0);
    for (const v of values) bins[Math.min(binCount - 1, Math.max(0, binOf(v)))]++;
    return bins;
  });
  return { edges, log, counts, clippedAt: max > hi ? hi : null };
}
