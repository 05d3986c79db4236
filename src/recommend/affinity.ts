import type { Paperfeed } from '../service.js';
import type { StoredPaper, Window } from '../store/store.js';

/** How much a dismissed ("not interested") or negative paper pushes its look-alikes down. */
export const NEGATIVE_WEIGHT = 0.5;
/** Windows up to this many papers are scored exhaustively; larger ones through nearest-neighbour candidates. */
const EXHAUSTIVE_MAX = 20_000;

export const dot = (a: Float32Array, b: Float32Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

export interface Liked {
  paper: StoredPaper;
  vec: Float32Array;
}

export interface Affinity {
  seq: number;
  /** max cosine to a liked paper, minus NEGATIVE_WEIGHT × max cosine to a disliked one. */
  score: number;
  /** The liked paper it is closest to: the human reason. */
  closest: StoredPaper;
  closestSim: number;
}

/**
 * Scores candidate papers by affinity to a set of liked papers. Max (not mean) over the liked set, so each
 * interest of a person with several counts on its own: a robotics paper is not diluted by NLP stars.
 */
export function scoreAffinity(feed: Paperfeed, seqs: Iterable<number>, liked: Liked[], disliked: Float32Array[]): Affinity[] {
  const out: Affinity[] = [];
  for (const seq of seqs) {
    const v = feed.index!.vector(seq);
    if (!v) continue;
    let best = -Infinity;
    let closest = liked[0];
    for (const l of liked) {
      const s = dot(v, l.vec);
      if (s > best) {
        best = s;
        closest = l;
      }
    }
    let worst = 0;
    for (const d of disliked) worst = Math.max(worst, dot(v, d));
    out.push({ seq, score: best - NEGATIVE_WEIGHT * worst, closest: closest.paper, closestSim: best });
  }
  return out;
}

/**
 * The candidates to score: every paper of a small window, or else the nearest neighbours of each liked paper
 * (the most recent `maxSeeds`) within the window.
 */
export function candidateSeqs(feed: Paperfeed, liked: Liked[], window: Window, exclude: Set<number>, perSeed: number, maxSeeds = 50): Set<number> {
  const within = feed.store.seqsInWindow(window);
  if (within && within.size <= EXHAUSTIVE_MAX) {
    for (const seq of exclude) within.delete(seq);
    return within;
  }
  const seqs = new Set<number>();
  for (const l of liked.slice(-maxSeeds)) {
    for (const hit of feed.nearest(l.vec, perSeed, window, exclude)) seqs.add(hit.paper.seq);
  }
  return seqs;
}

/** Mean and standard deviation (σ ≥ 1e-6, so a constant list does not divide by zero). */
export function meanStd(xs: ArrayLike<number>): { mean: number; std: number } {
  let sum = 0;
  for (let i = 0; i < xs.length; i++) sum += xs[i];
  const mean = xs.length ? sum / xs.length : 0;
  let sq = 0;
  for (let i = 0; i < xs.length; i++) sq += (xs[i] - mean) ** 2;
  return { mean, std: Math.max(1e-6, Math.sqrt(xs.length ? sq / xs.length : 0)) };
}

/** Each value in standard deviations from the list's mean: the calibration every ranker here uses. */
export function zScores(xs: ArrayLike<number>): Float64Array {
  const { mean, std } = meanStd(xs);
  return Float64Array.from(xs, (x) => (x - mean) / std);
}

/** Calibrated fusion: the per-list z-scores of each signal, summed (weights 1 unless given). */
export function zSum(signals: ArrayLike<number>[], weights?: number[]): Float64Array {
  const out = new Float64Array(signals[0]?.length ?? 0);
  signals.forEach((s, j) => {
    const z = zScores(s);
    const w = weights?.[j] ?? 1;
    for (let i = 0; i < out.length; i++) out[i] += w * z[i];
  });
  return out;
}

/**
 * Maximal marginal relevance on a calibrated scale: `score` should be in standard deviations (z), and so is the
 * redundancy penalty: how far an item's similarity to the already picked ones lies above the pool's typical
 * pairwise similarity. Scale-free, so it behaves the same for a static model whose cosines all sit near 0.8 and
 * for a transformer whose cosines spread over [0, 1]. Only the first `limit` positions are re-ordered.
 */
export function diversify<T extends { seq: number; score: number }>(
  ranked: T[],
  vectorOf: (seq: number) => Float32Array,
  k: number,
  penalty = 0.5,
  limit = 100,
): T[] {
  const positions = Math.min(k, limit);
  const pool = ranked.slice(0, Math.min(ranked.length, Math.max(k, 3 * positions)));
  if (pool.length < 3) return pool.slice(0, k);
  const vecs = pool.map((r) => vectorOf(r.seq));
  // The pool's pairwise similarity distribution, from a fixed sample of pairs.
  const sims: number[] = [];
  for (let i = 0; i < pool.length && sims.length < 4000; i++) for (let j = i + 1; j < pool.length && j < i + 20; j++) sims.push(dot(vecs[i], vecs[j]));
  const { mean, std } = meanStd(sims);
  const maxSim = new Float64Array(pool.length).fill(-Infinity);
  const taken = new Uint8Array(pool.length);
  const picked: T[] = [];
  while (picked.length < Math.min(positions, pool.length)) {
    let best = -1;
    let bestVal = -Infinity;
    for (let i = 0; i < pool.length; i++) {
      if (taken[i]) continue;
      const redundancy = Math.max(0, (maxSim[i] - mean) / std);
      const val = pool[i].score - penalty * redundancy;
      if (val > bestVal) {
        bestVal = val;
        best = i;
      }
    }
    taken[best] = 1;
    picked.push(pool[best]);
    for (let i = 0; i < pool.length; i++) if (!taken[i]) maxSim[i] = Math.max(maxSim[i], dot(vecs[i], vecs[best]));
  }
  return [...picked, ...pool.filter((_, i) => !taken[i])].slice(0, k);
}
