/**
 * Rankers as pure functions over vectors and scores, for the evaluation harness.
 *
 * rankFeed runs the production feed's own scoring (feedScores) and diversification (diversify) from
 * src/recommend on in-memory vectors: the harness measures the served ranker, not a copy of it.
 */
import { diversify } from '../recommend/affinity.js';
import { dot } from '../recommend/stats.js';
import { feedScores, MAX_STARS_USED, POPULARITY_WEIGHT } from '../recommend/feed.js';
import { learnMix } from './learned-mix.js';
import { topK } from './util.js';

export const FEED_POPULARITY_WEIGHT = POPULARITY_WEIGHT;
export const FEED_MAX_STARS_USED = MAX_STARS_USED;
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
 * What the served feed scores: every candidate of a window up to FEED_EXHAUSTIVE_MAX papers, otherwise the union of
 * the `perSeed` nearest candidates of each of the last FEED_MAX_SEEDS liked papers (candidateSeqs; exact here, HNSW
 * in production). Returns candidate positions.
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
  /** Candidate ids: production breaks score ties by id. */
  ids?: string[];
  k: number;
  mmr?: boolean;
  /** Restrict to productionPool (what the served feed scores) instead of scoring every candidate. */
  productionCandidates?: boolean;
  /** The pool to score (candidate positions), instead of productionPool's. */
  pool?: number[];
  /** Learn the user's popularity weight from their history (mix.ts, as userFeed does); needs likedPopularity. */
  learnedMix?: boolean;
  /** Popularity of each history paper (as `history`). */
  likedPopularity?: ArrayLike<number>;
  /** A fixed popularity weight instead of the learned one (exploration rows only). */
  popularityWeight?: number;
  /** Precomputed maxAffinity(history, candidates), to share between variants. */
  affinity?: Float64Array;
  /** Lexical affinity per candidate (production: feedSignals), fused like the dense one. */
  lexical?: ArrayLike<number>;
  /** The per-user model's margin per candidate (production: feedSignals); replaces lexical + popularity. */
  userModel?: ArrayLike<number>;
}

/** Candidate positions, best first: the top k (after MMR if asked), followed by the rest of the scored pool. */
export function rankFeed(input: FeedRankInput): number[] {
  const liked = input.history.slice(-FEED_MAX_STARS_USED);
  if (liked.length === 0) return [];
  const affinity = input.affinity ?? maxAffinity(liked, input.candidates);
  const pool = input.pool ?? (input.productionCandidates ? productionPool(liked, input.candidates, input.k) : input.candidates.map((_, i) => i));
  const popularity = pool.map((i) => input.upvotes[i] ?? 0);
  const likedPopularity = input.likedPopularity ? Array.from(input.likedPopularity).slice(-FEED_MAX_STARS_USED) : [];
  const mix = input.learnedMix ? learnMix({ liked, likedPopularity, candidates: pool.map((i) => input.candidates[i]), candidatePopularity: popularity }) : undefined;
  const scores = feedScores({
    affinity: pool.map((i) => affinity[i]),
    lexical: input.lexical && pool.map((i) => input.lexical![i]),
    userModel: input.userModel && pool.map((i) => input.userModel![i]),
    popularity,
    popularityWeight: mix?.popularity ?? input.popularityWeight,
  });
  const scored = pool.map((i, j) => ({ seq: i, score: scores[j] }));
  const ids = input.ids;
  scored.sort((a, b) => b.score - a.score || (ids ? ids[a.seq].localeCompare(ids[b.seq]) : a.seq - b.seq));
  const ranked = input.mmr ? diversify(scored, (i) => input.candidates[i], input.k) : scored.slice(0, input.k);
  const top = new Set(ranked.map((r) => r.seq));
  return [...ranked.map((r) => r.seq), ...scored.filter((r) => !top.has(r.seq)).map((r) => r.seq)];
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
