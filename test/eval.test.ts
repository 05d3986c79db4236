import { describe, expect, it } from 'vitest';
import { compareArxivIds, temporalSplit } from '../src/eval/feedtask.js';
import { scoreLinear, trainPegasos } from '../src/recommend/linear.js';
import { bootstrapMean, mrrOfList, ndcgAtK, pairedBootstrap, quantile, recallAtK, reciprocalRank } from '../src/eval/metrics.js';
import { diversify } from '../src/recommend/affinity.js';
import { zSum } from '../src/recommend/stats.js';
import { maxAffinity, rankFeed, rrfFusion } from '../src/eval/rankers.js';
import { buildTfidf, cosineAll, maxCosine, terms } from '../src/recommend/tfidf.js';
import { rankOf, splitOf, topK } from '../src/eval/util.js';

const v = (...xs: number[]) => {
  const n = Math.hypot(...xs);
  return Float32Array.from(xs.map((x) => x / n));
};

describe('ranking metrics', () => {
  it('recall@k counts relevant items in the top k over all relevant', () => {
    const ranked = ['a', 'b', 'c', 'd'];
    const rel = new Set(['b', 'd', 'e']);
    expect(recallAtK(ranked, rel, 1)).toBe(0);
    expect(recallAtK(ranked, rel, 2)).toBeCloseTo(1 / 3, 12);
    expect(recallAtK(ranked, rel, 50)).toBeCloseTo(2 / 3, 12);
    expect(recallAtK(ranked, new Set<string>(), 10)).toBe(0);
  });

  it('MRR is the reciprocal rank of the first relevant item', () => {
    expect(mrrOfList(['x', 'y', 'r', 'r2'], new Set(['r', 'r2']))).toBeCloseTo(1 / 3, 12);
    expect(mrrOfList(['x'], new Set(['r']))).toBe(0);
    expect(reciprocalRank(4)).toBe(0.25);
    expect(reciprocalRank(Infinity)).toBe(0);
  });

  it('nDCG@k with binary gains', () => {
    // relevant at ranks 2 and 4: DCG = 1/log2(3) + 1/log2(5); ideal = 1 + 1/log2(3)
    const dcg = 1 / Math.log2(3) + 1 / Math.log2(5);
    const ideal = 1 + 1 / Math.log2(3);
    expect(ndcgAtK(['x', 'r1', 'y', 'r2'], new Set(['r1', 'r2']), 4)).toBeCloseTo(dcg / ideal, 12);
    expect(dcg / ideal).toBeCloseTo(0.650919, 5);
    // cut at k = 3: only r1 counts, ideal still over min(k, |rel|) = 2 items
    expect(ndcgAtK(['x', 'r1', 'y', 'r2'], new Set(['r1', 'r2']), 3)).toBeCloseTo(1 / Math.log2(3) / ideal, 12);
    expect(ndcgAtK(['r1', 'r2'], new Set(['r1', 'r2']), 50)).toBeCloseTo(1, 12);
  });
});

describe('bootstrap', () => {
  it('interpolates quantiles like numpy', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4], 0)).toBe(1);
    expect(quantile([1, 2, 3, 4], 1)).toBe(4);
  });

  it('is degenerate on constant data and deterministic for a seed', () => {
    const c = bootstrapMean([0.4, 0.4, 0.4], 200, 7);
    expect(c.n).toBe(3);
    for (const x of [c.mean, c.lo, c.hi]) expect(x).toBeCloseTo(0.4, 12);
    const xs = [0, 1, 1, 0, 1, 0, 0, 1, 1, 1];
    const a = bootstrapMean(xs, 1000, 42);
    expect(a).toEqual(bootstrapMean(xs, 1000, 42));
    expect(a.mean).toBe(0.6);
    expect(a.lo).toBeGreaterThanOrEqual(0.2);
    expect(a.lo).toBeLessThan(0.6);
    expect(a.hi).toBeGreaterThan(0.6);
    expect(a.hi).toBeLessThanOrEqual(1);
  });

  it('resamples whole clusters', () => {
    // clusters {1, 1} and {0}: each resample's mean is 1 (both draws cluster 0), 0 (both cluster 1) or 2/3,
    // each extreme with probability 1/4, so the 95% interval is exactly [0, 1].
    const e = bootstrapMean([1, 1, 0], 1000, 3, [0, 0, 1]);
    expect(e.mean).toBeCloseTo(2 / 3, 12);
    expect(e.lo).toBe(0);
    expect(e.hi).toBe(1);
  });

  it('a paired ratio of identical series is exactly 1', () => {
    const xs = [0.1, 0.5, 0.3, 0.9];
    expect(pairedBootstrap([xs, xs], (m) => m[0] / m[1], 500, 1)).toMatchObject({ mean: 1, lo: 1, hi: 1 });
  });
});

describe('splits', () => {
  it('dev/test by hash is deterministic and about 70/30', () => {
    expect(splitOf('some-set')).toBe(splitOf('some-set'));
    const keys = Array.from({ length: 2000 }, (_, i) => `user-${i}`);
    const dev = keys.filter((k) => splitOf(k) === 'dev').length / keys.length;
    expect(dev).toBeGreaterThan(0.66);
    expect(dev).toBeLessThan(0.74);
  });

  it('temporal split keeps round(75%) as history and holds out at least one', () => {
    const n = (k: number) => Array.from({ length: k }, (_, i) => i);
    expect(temporalSplit(n(5))).toEqual({ history: [0, 1, 2, 3], heldOut: [4] });
    expect(temporalSplit(n(8))).toEqual({ history: [0, 1, 2, 3, 4, 5], heldOut: [6, 7] });
    expect(temporalSplit(n(10)).heldOut).toEqual([8, 9]);
    expect(temporalSplit(n(2))).toEqual({ history: [0], heldOut: [1] });
  });

  it('orders arXiv ids by time', () => {
    expect(compareArxivIds('2501.9999', '2501.10000')).toBeLessThan(0);
    expect(compareArxivIds('2412.12345', '2501.00001')).toBeLessThan(0);
    expect(['2503.00002', '2410.01450', '2503.00001'].sort(compareArxivIds)).toEqual(['2410.01450', '2503.00001', '2503.00002']);
  });
});

describe('top-k and ranks', () => {
  it('breaks score ties by the tie key', () => {
    const scores = [1, 3, 3, 2];
    const tie = [0.5, 0.9, 0.1, 0];
    expect(topK(4, 3, scores, tie)).toEqual([2, 1, 3]);
    expect(topK(4, 10, scores, tie)).toEqual([2, 1, 3, 0]);
    expect(rankOf(4, 0, scores, tie)).toBe(4);
    expect(rankOf(4, 1, scores, tie)).toBe(2);
  });

  it('agrees with a full sort on random data with many ties', () => {
    const n = 1000;
    const scores = Array.from({ length: n }, (_, i) => (i * 7919) % 37); // 37 distinct values
    const tie = Array.from({ length: n }, (_, i) => ((i * 104729) % 1009) / 1009);
    const sorted = [...scores.keys()].sort((a, b) => scores[b] - scores[a] || tie[a] - tie[b]);
    expect(topK(n, 50, scores, tie)).toEqual(sorted.slice(0, 50));
    for (const pos of [0, 17, 500, 999]) expect(rankOf(n, sorted[pos], scores, tie)).toBe(pos + 1);
  });
});

describe('fusion', () => {
  it('z-sum of opposite signals is zero', () => {
    expect(Array.from(zSum([[1, 2, 3], [3, 2, 1]]))).toEqual([0, 0, 0]);
    // [0, 1]: z = [-1, 1]; with [0, 0] (σ floored) z = [0, 0]
    expect(Array.from(zSum([[0, 1], [5, 5]]))).toEqual([-1, 1]);
  });

  it('RRF sums 1/(k + rank)', () => {
    const out = rrfFusion(3, [[0, 1, 2], [1, 0, 2]], 60);
    expect(out[0]).toBeCloseTo(1 / 61 + 1 / 62, 15);
    expect(out[1]).toBeCloseTo(1 / 61 + 1 / 62, 15);
    expect(out[2]).toBeCloseTo(2 / 63, 15);
    expect(rrfFusion(3, [[2, 1, 0]], 60, 1)[1]).toBe(0); // beyond depth: no contribution
  });
});

describe('tf-idf', () => {
  it('tokenises like sklearn: stop words out, bigrams of kept words', () => {
    expect(terms('The Graph of a Neural network')).toEqual(['graph', 'neural', 'network', 'graph neural', 'neural network']);
  });

  it('builds smooth idf, l2-normalised rows and an inverted index', () => {
    const m = buildTfidf(['alpha beta', 'alpha gamma', 'delta epsilon'], { minDf: 1, maxDf: 1, bigrams: false });
    expect(m.idf[m.vocab.get('alpha')!]).toBeCloseTo(Math.log(4 / 3) + 1, 6);
    expect(m.idf[m.vocab.get('beta')!]).toBeCloseTo(Math.log(4 / 2) + 1, 6);
    const sims = cosineAll(m, 0, new Float32Array(3));
    expect(sims[0]).toBeCloseTo(1, 6);
    expect(sims[2]).toBe(0);
    // docs 0 and 1 share only "alpha": cos = idf_a² / (idf_a² + idf_b²)
    const a = Math.log(4 / 3) + 1;
    const b = Math.log(2) + 1;
    expect(sims[1]).toBeCloseTo((a * a) / (a * a + b * b), 6);
    const best = maxCosine(m, [0, 2], Int32Array.from([1, 2]));
    expect(best[0]).toBe(sims[1]); // doc 1 is closest to doc 0
    expect(best[1]).toBeCloseTo(1, 6); // doc 2 is in the history itself
  });

  it('the Pegasos SVM separates a separable toy problem', () => {
    const docs = ['alpha one', 'alpha two', 'alpha three', 'beta one', 'beta two', 'beta three', 'alpha four', 'beta four'];
    const m = buildTfidf(docs, { minDf: 1, maxDf: 1, bigrams: false });
    const w = trainPegasos(m, [0, 1, 2], [3, 4, 5], { lambda: 1e-2, epochs: 200, seed: 1 });
    const s = scoreLinear(m, w, [6, 7]);
    expect(s[0]).toBeGreaterThan(0);
    expect(s[1]).toBeLessThan(0);
  });
});

describe('feed ranker mirror', () => {
  const e1 = v(1, 0, 0);
  const e2 = v(0, 1, 0);
  it('max affinity over the history', () => {
    expect(Array.from(maxAffinity([e1, e2], [v(1, 1, 0), v(0, 0, 1)])).map((x) => +x.toFixed(6))).toEqual([+Math.SQRT1_2.toFixed(6), 0]);
  });

  it('z-calibrated affinity plus 0.5·log1p(upvotes)/log1p(100)', () => {
    // two candidates: z = +1 and −1 (difference 2). Popularity only wins when 0.5·log1p(u)/log1p(100) > 2.
    const base = { history: [e1], candidates: [e1, e2], k: 2 };
    expect(rankFeed({ ...base, upvotes: [0, 100] })).toEqual([0, 1]); // +0.5σ is not enough
    expect(rankFeed({ ...base, upvotes: [0, 1e9] })).toEqual([1, 0]); // 0.5·20.72/4.615 = 2.245 > 2
  });

  it('MMR pushes a duplicate below a fresh item', () => {
    // pool sims: (0,1) = 1, (0,2) = (1,2) = 0 → mean 1/3, σ = √2/3; item 1 after item 0: 0.99 − 0.5·(2/3)/(√2/3) = 0.283 < 0.5
    const a = v(1, 0);
    const b = v(0, 1);
    const ranked = [
      { seq: 0, score: 1 },
      { seq: 1, score: 0.99 },
      { seq: 2, score: 0.5 },
    ];
    expect(diversify(ranked, (s) => [a, a, b][s], 3).map((r) => r.seq)).toEqual([0, 2, 1]);
  });
});
