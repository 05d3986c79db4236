import type { Window } from '../store/ports.js';
import { nearest, type Catalog, type Scored } from './catalog.js';
import { fuseWithLexicalOffThread, RERANK_POOL } from './lexical.js';
import { applyCategoryPrior } from './category-prior.js';

/**
 * Similar papers for a paper given by its text and embedding (stored or not), itself excluded through `exclude`:
 * the max(RERANK_POOL, 2k) nearest by embedding, re-ranked by z(cosine) + z(tf-idf cosine to the paper's text) so
 * exact shared terms count too (EVAL.md measures the gain), minus CATEGORY_PENALTY for a neighbour sharing no arXiv
 * category with the query when the query has categories (category-prior.ts). `score` is that value, in standard
 * deviations over the pool. `vector` is the embedding of paperText(title, abstract), as ingest computes it.
 */
export async function similarToText(
  c: Catalog,
  query: { title: string; abstract: string; vector: Float32Array; categories?: readonly string[] },
  k: number,
  window: Window,
  exclude: Set<number>,
): Promise<Scored[]> {
  const pool = await nearest(c, query.vector, Math.max(RERANK_POOL, 2 * k), window, exclude);
  const fused = applyCategoryPrior(
    await fuseWithLexicalOffThread([query], pool.map((p) => p.paper), pool.map((p) => p.score)),
    query.categories ?? [],
    pool.map((p) => p.paper.categories),
  );
  return pool
    .map((p, i) => ({ paper: p.paper, score: fused[i] }))
    .sort((a, b) => b.score - a.score || a.paper.seq - b.paper.seq)
    .slice(0, k);
}

/** Similar papers for a bare vector (no text to match words against): cosine similarity alone. */
export function similarToVector(c: Catalog, vector: ArrayLike<number>, k: number, window: Window, exclude: Set<number>): Promise<Scored[]> {
  let norm = 0;
  for (let i = 0; i < vector.length; i++) norm += vector[i] * vector[i];
  const unit = Float32Array.from(vector, (x) => x / Math.sqrt(norm));
  return nearest(c, unit, k, window, exclude);
}

