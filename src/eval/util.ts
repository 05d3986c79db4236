/**
 * Small deterministic helpers for the evaluation harness: seeded random numbers, hash-based splits,
 * top-k selection with explicit tie-breaking.
 */
import crypto from 'node:crypto';
import { rng } from '../util/random.js';
export { rng };


/** A 32-bit unsigned seed from any string (first 4 bytes of its sha256). */
export function seedOf(s: string): number {
  return crypto.createHash('sha256').update(s).digest().readUInt32BE(0);
}

export type Split = 'dev' | 'test';

/** Deterministic split of a unit (set id, username): sha256("paperfeed-eval:" + key) mod 100 < devPercent → dev. */
export function splitOf(key: string, devPercent = 70): Split {
  return seedOf(`paperfeed-eval:${key}`) % 100 < devPercent ? 'dev' : 'test';
}

/** Random tie-break keys for n candidates (a fresh permutation per query, from the seed). */
export function tieBreaker(n: number, seed: number): Float64Array {
  const r = rng(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = r();
  return out;
}

/** a ranks before b: higher score, then lower tie key. */
const before = (sa: number, ta: number, sb: number, tb: number) => sa > sb || (sa === sb && ta < tb);

/**
 * Indices (into `cands`) of the k best candidates, best first. `score(i)` and `tie(i)` are indexed by the
 * candidate's position in `cands`. A bounded min-heap: O(n log k).
 */
export function topK(n: number, k: number, score: ArrayLike<number>, tie: ArrayLike<number>): number[] {
  k = Math.min(k, n);
  if (k <= 0) return [];
  const heap: number[] = []; // min-heap by (score, reversed tie): the root is the worst kept item
  const worse = (a: number, b: number) => before(score[b], tie[b], score[a], tie[a]); // a ranks after b
  const up = (i: number) => {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!worse(heap[i], heap[p])) break;
      [heap[i], heap[p]] = [heap[p], heap[i]];
      i = p;
    }
  };
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && worse(heap[l], heap[m])) m = l;
      if (r < heap.length && worse(heap[r], heap[m])) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m], heap[i]];
      i = m;
    }
  };
  for (let i = 0; i < n; i++) {
    if (heap.length < k) {
      heap.push(i);
      up(heap.length - 1);
    } else if (before(score[i], tie[i], score[heap[0]], tie[heap[0]])) {
      heap[0] = i;
      down(0);
    }
  }
  return heap.sort((a, b) => (before(score[a], tie[a], score[b], tie[b]) ? -1 : 1));
}

/** 1-based rank of candidate `i` among all n (how many rank before it, plus one). O(n). */
export function rankOf(n: number, i: number, score: ArrayLike<number>, tie: ArrayLike<number>): number {
  let r = 1;
  const s = score[i];
  const t = tie[i];
  for (let j = 0; j < n; j++) if (j !== i && before(score[j], tie[j], s, t)) r++;
  return r;
}

export function fmtDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}
