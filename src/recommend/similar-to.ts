import { paperText } from '../embed/text.js';
import type { StoredPaper, Window } from '../store/ports.js';
import { fuseWithLexical, RERANK_POOL } from './lexical.js';

export interface Neighbour {
  paper: StoredPaper;
  score: number;
}

/** The k nearest stored papers to a unit vector within a window, skipping `exclude` (catalog.ts nearest). */
export type NearestFn = (vec: Float32Array, k: number, window: Window, exclude: Set<number>) => Promise<Neighbour[]>;

/**
 * Similar papers for a paper given by its text rather than its id, ranked exactly as similarPapers (similar.ts)
 * ranks a stored one: the max(RERANK_POOL, 2k) nearest by embedding, re-ranked by z(cosine) + z(tf-idf cosine to the
 * paper's text). `vector` is the embedding of paperText(title, abstract), as ingest computes it.
 */
export async function similarToText(nearest: NearestFn, query: { title: string; abstract: string; vector: Float32Array }, k: number, window: Window, exclude: Set<number>): Promise<Neighbour[]> {
  const pool = await nearest(query.vector, Math.max(RERANK_POOL, 2 * k), window, exclude);
  const text = (p: { title: string; abstract: string }) => paperText(p.title, p.abstract);
  const fused = fuseWithLexical([text(query)], pool.map((p) => text(p.paper)), pool.map((p) => p.score));
  return pool
    .map((p, i) => ({ paper: p.paper, score: fused[i] }))
    .sort((a, b) => b.score - a.score || a.paper.seq - b.paper.seq)
    .slice(0, k);
}

/** Similar papers for a bare vector (no text to match words against): cosine similarity alone. */
export function similarToVector(nearest: NearestFn, vector: ArrayLike<number>, k: number, window: Window, exclude: Set<number>): Promise<Neighbour[]> {
  let norm = 0;
  for (let i = 0; i < vector.length; i++) norm += vector[i] * vector[i];
  const unit = Float32Array.from(vector, (x) => x / Math.sqrt(norm));
  return nearest(unit, k, window, exclude);
}
