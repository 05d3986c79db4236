import { describe, expect, it } from 'vitest';
import { diversify } from '../src/recommend/affinity.js';
import { rng } from '../src/util/random.js';

describe('diversify (MMR)', () => {
  const seed = 20261205;
  const next = rng(seed);
  const dim = 16;
  // 2,000 candidates in 20 tight clusters, scores in standard deviations, best first.
  const centres = Array.from({ length: 20 }, () => Array.from({ length: dim }, () => next() - 0.5));
  const vectors = Array.from({ length: 2000 }, (_, i) => {
    const v = Float32Array.from(centres[i % 20], (x) => x + 0.05 * (next() - 0.5));
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  });
  const ranked = vectors.map((_, seq) => ({ seq, score: 3 * next() })).sort((a, b) => b.score - a.score || a.seq - b.seq);
  const vectorOf = (seq: number) => vectors[seq];

  it(`gives the same first 100 whatever k above 100 is asked for, then the rest by score (seed ${seed})`, () => {
    const k100 = diversify(ranked, vectorOf, 100);
    for (const k of [300, 1000]) {
      const list = diversify(ranked, vectorOf, k);
      expect(list).toHaveLength(k);
      expect(new Set(list.map((r) => r.seq)).size).toBe(k);
      expect(list.slice(0, 100)).toEqual(k100);
      const rest = list.slice(100);
      for (let i = 1; i < rest.length; i++) expect(rest[i - 1].score).toBeGreaterThanOrEqual(rest[i].score);
    }
  });

  it('spreads the top over clusters: fewer from one cluster than the plain score order has', () => {
    const clusterCount = (xs: { seq: number }[]) => new Set(xs.map((r) => r.seq % 20)).size;
    const top = diversify(ranked, vectorOf, 20);
    expect(clusterCount(top)).toBeGreaterThan(clusterCount(ranked.slice(0, 20)));
  });
});
