import type { Window } from '../store/ports.js';
import { nearest, nearestSeqs, type Catalog, type Scored } from './catalog.js';
import { fuseWithLexicon, RERANK_POOL } from './lexical.js';
import { topWithCategoryPrior } from './category-prior.js';

/**
 * Similar papers for a paper given by its term vector and embedding (stored or not), itself excluded through
 * `exclude`: the max(RERANK_POOL, 2k) nearest by embedding, re-ranked by z(cosine) + z(tf-idf cosine to the paper's
 * terms) so exact shared terms count too (EVAL.md measures the gain), minus CATEGORY_PENALTY for a neighbour sharing
 * no arXiv category with the query when the query has categories (category-prior.ts). `score` is that value, in
 * standard deviations over the pool. Only the k papers returned are read from the store (the categories are the lexicon's).
 * `vector` is the embedding of paperText(title, abstract) and `terms` its termVector, as ingest computes them.
 */
export async function similarToText(
  c: Catalog,
  query: { terms: Uint32Array; vector: Float32Array; categories?: readonly string[] },
  k: number,
  window: Window,
  exclude: Set<number>,
): Promise<Scored[]> {
  const pool = nearestSeqs(c.index, query.vector, Math.max(RERANK_POOL, 2 * k), await c.papers.seqsInWindow(window), exclude);
  const seqs = pool.map((h) => h.seq);
  const fused = fuseWithLexicon(c.lexicon, [query.terms], seqs, pool.map((h) => h.score));
  return topWithCategoryPrior(seqs, fused, k, query.categories ?? [], (seq) => c.lexicon.categoriesOf(seq), (s) => c.papers.bySeqs(s));
}

/** Similar papers for a bare vector (no text to match words against): cosine similarity alone. */
export function similarToVector(c: Catalog, vector: ArrayLike<number>, k: number, window: Window, exclude: Set<number>): Promise<Scored[]> {
  let norm = 0;
  for (let i = 0; i < vector.length; i++) norm += vector[i] * vector[i];
  const unit = Float32Array.from(vector, (x) => x / Math.sqrt(norm));
  return nearest(c, unit, k, window, exclude);
}
