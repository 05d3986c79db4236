import { paperText } from '../embed/text.js';
import type { StoredPaper, Window } from '../store/ports.js';
import { nearest, withVectors, type Catalog, type Scored } from './catalog.js';
import { fuseWithLexical, RERANK_POOL } from './lexical.js';

/**
 * Papers most similar to a stored paper, itself excluded: the nearest RERANK_POOL by embedding, re-ranked by
 * z(cosine) + z(tf-idf cosine) so exact shared terms count too (EVAL.md measures the gain). `score` is that
 * fused value, in standard deviations over the pool.
 */
export async function similarPapers(c: Catalog, paper: StoredPaper, k: number, window: Window = {}): Promise<Scored[]> {
  const [query] = await withVectors(c, [paper]);
  if (!query) return [];
  const pool = await nearest(c, query.vec, Math.max(RERANK_POOL, 2 * k), window, new Set([paper.seq]));
  const text = (p: StoredPaper) => paperText(p.title, p.abstract);
  const fused = fuseWithLexical([text(paper)], pool.map((p) => text(p.paper)), pool.map((p) => p.score));
  return pool
    .map((p, i) => ({ paper: p.paper, score: fused[i] }))
    .sort((a, b) => b.score - a.score || a.paper.seq - b.paper.seq)
    .slice(0, k);
}
