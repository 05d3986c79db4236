/**
 * Rankers as pure functions over vectors and scores, for the evaluation harness.
 *
 * rankFeed mirrors userFeed in src/recommend/feed.ts (which reads the store and the HNSW index, so it cannot be
 * called on in-memory vectors): max affinity of each candidate to the user's stars (each interest on its own),
 * z-calibrated over the candidate pool, plus POPULARITY_WEIGHT × log1p(upvotes + STAR_WEIGHT·stars)/log1p(100),
 * then optionally MMR (diversify). `dot`, `meanStd` and STAR_WEIGHT are imported from production; the constants
 * that feed.ts does not export are repeated below and must be kept in sync until production calls rankFeed itself.
 */
import { dot, meanStd } from '../recommend/affinity.js';
import { STAR_WEIGHT } from '../recommend/trending.js';
import { topK, zScores } from './util.js';

/** = POPULARITY_WEIGHT in src/recommend/feed.ts (not exported there). */
export const FEED_POPULARITY_WEIGHT = 0.5;
/** = MAX_STARS_USED in src/recommend/feed.ts (not exported there). */
export const FEED_MAX_STARS_USED = 200;
/** = EXHAUSTIVE_MAX in src/recommend/affinity.ts: larger windows are scored through nearest-neighbour candidates. */
export const FEED_EXHAUSTIVE_MAX = 20_000;
/** = candidateSeqs' default maxSeeds in src/recommend/affinity.ts. */
export const FEED_MAX_SEEDS = 50;

/** For each candidate, the max dot product (cosine: unit vectors) with any liked vector. */
export function maxAffinity(liked: Float32Array[], candidates: Float32Array[]): Float64Array {
  const out = new Float64Array(candidates.length).fill(-Infinity);
  for (let i = 0; i < candidates.length; i++) {
    const v = candidates[i];
    let best = -Infinity;
    for (const l of liked) {
      const s = dot(v, l);
      if (s > best) best = s;
    }
    out[i] = best;
  }
  return out;
}

/**
 * What candidateSeqs hands the production ranker: every candidate of a window up to FEED_EXHAUSTIVE_MAX papers,
 * otherwise the union of the `perSeed` nearest candidates of each of the last FEED_MAX_SEEDS liked papers (exact
 * here, HNSW in production). Returns candidate positions.
 */
export function productionPool(liked: Float32Array[], candidates: Float32Array[], k: number): number[] {
  if (candidates.length <= FEED_EXHAUSTIVE_MAX) return candidates.map((_, i) => i);
  const perSeed = Math.max(2 * k, 50);
  const pool = new Set<number>();
  const sims = new Float64Array(candidates.length);
  const byPosition = Float64Array.from(candidates.keys()); // ties: earlier candidate first
  for (const l of liked.slice(-FEED_MAX_SEEDS)) {
    for (let i = 0; i < candidates.length; i++) sims[i] = dot(candidates[i], l);
    for (const i of topK(candidates.length, perSeed, sims, byPosition)) pool.add(i);
  }
  return [...pool].sort((a, b) => a - b);
}

export interface FeedRankInput {
  /** The user's starred papers, oldest → newest (only the newest FEED_MAX_STARS_USED are used). */
  history: Float32Array[];
  candidates: Float32Array[];
  upvotes: ArrayLike<number>;
  /** Our users' stars per candidate (0 in the evaluation). */
  stars?: ArrayLike<number>;
  /** Candidate ids: production breaks score ties by id. */
  ids?: string[];
  k: number;
  mmr?: boolean;
  /** Restrict to productionPool (what the served feed scores) instead of scoring every candidate. */
  productionCandidates?: boolean;
  /** Precomputed maxAffinity(history, candidates), to share between variants. */
  affinity?: Float64Array;
}

/** Candidate positions, best first: the top k (after MMR if asked), followed by the rest of the scored pool. */
export function rankFeed(input: FeedRankInput): number[] {
  const liked = input.history.slice(-FEED_MAX_STARS_USED);
  if (liked.length === 0) return [];
  const affinity = input.affinity ?? maxAffinity(liked, input.candidates);
  const pool = input.productionCandidates ? productionPool(liked, input.candidates, input.k) : input.candidates.map((_, i) => i);
  const { mean, std } = meanStd(pool.map((i) => affinity[i]));
  const scored = pool.map((i) => {
    const popularity = Math.log1p((input.upvotes[i] ?? 0) + STAR_WEIGHT * (input.stars?.[i] ?? 0)) / Math.log1p(100);
    return { seq: i, score: (affinity[i] - mean) / std + FEED_POPULARITY_WEIGHT * popularity };
  });
  const ids = input.ids;
  scored.sort((a, b) => b.score - a.score || (ids ? ids[a.seq].localeCompare(ids[b.seq]) : a.seq - b.seq));
  const ranked = input.mmr ? diversifyVectors(scored, (i) => input.candidates[i], input.k) : scored.slice(0, input.k);
  const top = new Set(ranked.map((r) => r.seq));
  return [...ranked.map((r) => r.seq), ...scored.filter((r) => !top.has(r.seq)).map((r) => r.seq)];
}

/**
 * diversify() of src/recommend/affinity.ts over an explicit vector lookup instead of the store's index: MMR on a
 * z scale, redundancy = how far an item's max similarity to the picked ones lies above the pool's typical
 * pairwise similarity. Only the first `limit` positions are re-ordered.
 */
export function diversifyVectors<T extends { seq: number; score: number }>(
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
      const val = pool[i].score - penalty * Math.max(0, (maxSim[i] - mean) / std);
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

/** Calibrated fusion: per-query z-score of each signal, summed (weights 1:1 unless given). */
export function zFusion(signals: ArrayLike<number>[], weights?: number[]): Float64Array {
  const out = new Float64Array(signals[0].length);
  signals.forEach((s, j) => {
    const z = zScores(s);
    const w = weights?.[j] ?? 1;
    for (let i = 0; i < out.length; i++) out[i] += w * z[i];
  });
  return out;
}

/**
 * Reciprocal-rank fusion (Cormack et al. 2009), k = 60 as in the hybrid search: Σ 1/(k + rank) over the lists in
 * which an item is among the top `depth` (items beyond contribute 0). `rankings` are positions, best first.
 */
export function rrfFusion(n: number, rankings: number[][], k = 60, depth = 1000): Float64Array {
  const out = new Float64Array(n);
  for (const list of rankings) for (let r = 0; r < Math.min(depth, list.length); r++) out[list[r]] += 1 / (k + r + 1);
  return out;
}
