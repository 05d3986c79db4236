/**
 * Small deterministic helpers for the evaluation harness: seeded random numbers, hash-based splits,
 * top-k selection with explicit tie-breaking.
 */
import crypto from 'node:crypto';
import { rng } from '../util/random.js';
import { before } from '../util/top-k.js';
export { rng };
export { topK } from '../util/top-k.js';

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
