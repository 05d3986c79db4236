/**
 * Ranking metrics (binary relevance) and percentile-bootstrap confidence intervals.
 * `ranked` is the method's list, best first (any length ≥ k); `relevant` the set of relevant items.
 */
import { rng } from './util.js';

/** |relevant ∩ top k| / |relevant| (0 when nothing is relevant). */
export function recallAtK<T>(ranked: readonly T[], relevant: ReadonlySet<T>, k: number): number {
  if (relevant.size === 0) return 0;
  let hits = 0;
  for (let i = 0; i < Math.min(k, ranked.length); i++) if (relevant.has(ranked[i])) hits++;
  return hits / relevant.size;
}

/** Reciprocal rank from the 1-based rank of the first relevant item (0 if none). */
export function reciprocalRank(firstRelevantRank: number): number {
  return firstRelevantRank >= 1 && Number.isFinite(firstRelevantRank) ? 1 / firstRelevantRank : 0;
}

/** Reciprocal rank of the first relevant item within `ranked` (0 if none there). */
export function mrrOfList<T>(ranked: readonly T[], relevant: ReadonlySet<T>): number {
  for (let i = 0; i < ranked.length; i++) if (relevant.has(ranked[i])) return 1 / (i + 1);
  return 0;
}

/** nDCG@k with binary gains: DCG = Σ 1/log2(rank+1) over relevant items in the top k; ideal = all relevant first. */
export function ndcgAtK<T>(ranked: readonly T[], relevant: ReadonlySet<T>, k: number): number {
  if (relevant.size === 0) return 0;
  let dcg = 0;
  for (let i = 0; i < Math.min(k, ranked.length); i++) if (relevant.has(ranked[i])) dcg += 1 / Math.log2(i + 2);
  let ideal = 0;
  for (let i = 0; i < Math.min(k, relevant.size); i++) ideal += 1 / Math.log2(i + 2);
  return dcg / ideal;
}

export const mean = (xs: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return xs.length ? s / xs.length : NaN;
};

/** The q-quantile of sorted values (linear interpolation between order statistics, like numpy's default). */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export interface Estimate {
  mean: number;
  lo: number;
  hi: number;
  n: number;
}

/**
 * Mean of per-unit values with a 95% percentile-bootstrap interval. Units are resampled with replacement;
 * `clusters` (optional, one id per value) resamples whole clusters instead (e.g. all queries of one topic set),
 * and the statistic is then the mean over all values of the drawn clusters.
 */
export function bootstrapMean(values: ArrayLike<number>, resamples: number, seed: number, clusters?: ArrayLike<number>): Estimate {
  return pairedBootstrap([values], (ms) => ms[0], resamples, seed, clusters);
}

/**
 * Percentile bootstrap of any statistic of the per-series means, resampling the same units for every series
 * (paired), e.g. stat = (m) => m[0] / m[1] for the ratio of two methods' mean recall.
 */
export function pairedBootstrap(
  series: ArrayLike<number>[],
  stat: (means: number[]) => number,
  resamples: number,
  seed: number,
  clusters?: ArrayLike<number>,
): Estimate {
  const n = series[0].length;
  const point = stat(series.map((s) => mean(s)));
  if (n === 0) return { mean: NaN, lo: NaN, hi: NaN, n };
  // Group value indices by cluster (each value its own cluster when none are given).
  const groups: number[][] = [];
  if (clusters) {
    const byId = new Map<number, number[]>();
    for (let i = 0; i < n; i++) {
      const g = byId.get(clusters[i]) ?? [];
      g.push(i);
      byId.set(clusters[i], g);
    }
    groups.push(...[...byId.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]));
  } else for (let i = 0; i < n; i++) groups.push([i]);
  const r = rng(seed);
  const stats = new Float64Array(resamples);
  const sums = new Float64Array(series.length);
  for (let b = 0; b < resamples; b++) {
    sums.fill(0);
    let count = 0;
    for (let d = 0; d < groups.length; d++) {
      const g = groups[Math.floor(r() * groups.length)];
      for (const i of g) for (let s = 0; s < series.length; s++) sums[s] += series[s][i];
      count += g.length;
    }
    stats[b] = stat([...sums].map((x) => x / count));
  }
  const sorted = stats.filter((x) => Number.isFinite(x)).sort();
  return { mean: point, lo: quantile(sorted, 0.025), hi: quantile(sorted, 0.975), n };
}
