import { setImmediate } from 'node:timers/promises';
import type { StoredPaper, Window } from '../store/ports.js';
import { nearestSeqs, type Catalog, type VectorIndex } from './catalog.js';
import { dotAt, meanStd } from './stats.js';

/** How much a dismissed ("not interested") or negative paper pushes its look-alikes down. */
export const NEGATIVE_WEIGHT = 0.5;
/** Windows up to this many papers are scored exhaustively; larger ones through nearest-neighbour candidates. */
const EXHAUSTIVE_MAX = 20_000;

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

/** Candidates scored between two turns of the event loop (200 stars × this many dot products ≈ 10 ms). */
const AFFINITY_CHUNK = 500;

/**
 * Scores candidate papers by affinity to a set of liked papers. Max (not mean) over the liked set, so each
 * interest of a person with several counts on its own: a robotics paper is not diluted by NLP stars. Yields to the
 * event loop every AFFINITY_CHUNK candidates: 20,000 candidates × 200 stars is ~0.4 s of dot products.
 */
export async function scoreAffinity(index: VectorIndex, seqs: Iterable<number>, liked: Liked[], disliked: Float32Array[]): Promise<Affinity[]> {
  const out: Affinity[] = [];
  if (liked.length === 0) return out;
  // The liked (then disliked) vectors in one row-major matrix: a candidate's dot products are one tight loop.
  const dim = liked[0].vec.length;
  const rows = new Float32Array((liked.length + disliked.length) * dim);
  [...liked.map((l) => l.vec), ...disliked].forEach((v, r) => rows.set(v, r * dim));
  const all = [...seqs];
  for (let from = 0; from < all.length; from += AFFINITY_CHUNK) {
    if (from > 0) await setImmediate();
    scoreChunk(index, all, from, Math.min(all.length, from + AFFINITY_CHUNK), rows, liked, out);
  }
  return out;
}

/** scoreAffinity's work for seqs[from, to), in a plain function (V8 optimises its loops as it would not in an async one). */
function scoreChunk(index: VectorIndex, seqs: number[], from: number, to: number, rows: Float32Array, liked: Liked[], out: Affinity[]): void {
  const L = liked.length;
  const dim = liked[0].vec.length;
  const R = rows.length / dim;
  for (let c = from; c < to; c++) {
    const v = index.vector(seqs[c]);
    if (!v) continue;
    let best = -Infinity;
    let closest = 0;
    let worst = 0;
    for (let r = 0, base = 0; r < R; r++, base += dim) {
      const s = dotAt(v, 0, rows, base, dim);
      if (r < L) {
        if (s > best) {
          best = s;
          closest = r;
        }
      } else if (s > worst) worst = s;
    }
    out.push({ seq: seqs[c], score: best - NEGATIVE_WEIGHT * worst, closest: liked[closest].paper, closestSim: best });
  }
}

/**
 * The candidates to score: every paper of a small window, or else the nearest neighbours of each liked paper
 * (the most recent `maxSeeds`) within the window, at most EXHAUSTIVE_MAX in all (a large k asks for more per seed).
 */
export async function candidateSeqs(c: Catalog, liked: Liked[], window: Window, exclude: Set<number>, perSeed: number, maxSeeds = 50): Promise<Set<number>> {
  const within = await c.papers.seqsInWindow(window);
  if (within && within.size <= EXHAUSTIVE_MAX) {
    for (const seq of exclude) within.delete(seq);
    return within;
  }
  if (within) for (const seq of exclude) within.delete(seq); // once, not per seed
  const seeds = liked.slice(-maxSeeds);
  const each = Math.min(perSeed, Math.ceil(EXHAUSTIVE_MAX / seeds.length));
  const seqs = new Set<number>();
  for (const l of seeds) {
    for (const hit of nearestSeqs(c.index, l.vec, each, within, within ? new Set() : exclude)) seqs.add(hit.seq);
    await setImmediate(); // one kNN search per turn
  }
  return seqs;
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
  // MMR picks the first `positions` from the 3 × positions best; the rest follow by score. So the first 100 of a
  // list are the same whatever k above 100 is asked for (and k = 1000 costs no more than k = 100).
  const pool = ranked.slice(0, Math.min(ranked.length, 3 * positions));
  if (pool.length < 3) return ranked.slice(0, k);
  // The pool's vectors in one row-major matrix: the loop below takes positions × pool dot products.
  const dim = vectorOf(pool[0].seq).length;
  const m = new Float32Array(pool.length * dim);
  pool.forEach((r, i) => m.set(vectorOf(r.seq), i * dim));
  // The pool's pairwise similarity distribution, from a fixed sample of pairs.
  const sims: number[] = [];
  for (let i = 0; i < pool.length && sims.length < 4000; i++) for (let j = i + 1; j < pool.length && j < i + 20; j++) sims.push(dotAt(m, i * dim, m, j * dim, dim));
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
    for (let i = 0; i < pool.length; i++) if (!taken[i]) maxSim[i] = Math.max(maxSim[i], dotAt(m, i * dim, m, best * dim, dim));
  }
  return [...picked, ...pool.filter((_, i) => !taken[i]), ...ranked.slice(pool.length, k)].slice(0, k);
}

