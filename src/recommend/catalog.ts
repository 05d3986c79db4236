import type { HnswIndex } from '../index/hnsw-index.js';
import type { LexicalSource } from './lexical.js';
import type { PaperReads, Ranked, StoredPaper, Window } from '../store/ports.js';

/** What the rankers read: the index's neighbours and vectors, and the store's papers. */
export type VectorIndex = Pick<HnswIndex, 'search' | 'vector' | 'size'>;

export interface Catalog {
  papers: PaperReads;
  index: VectorIndex;
  /** The papers' term vectors and document frequencies (the lexical signals). */
  lexicon: LexicalSource;
  /** The model key the store's vectors are filed under (for a paper the index does not hold yet). */
  model: string;
}

export interface Scored {
  paper: StoredPaper;
  score: number;
}

/** The k nearest seqs to a vector among `within` (null: all), skipping `exclude`. */
export function nearestSeqs(index: VectorIndex, vec: Float32Array, k: number, within: Set<number> | null, exclude: Set<number>) {
  if (within) {
    if (within.size === 0) return [];
    if (exclude.size) {
      within = new Set(within);
      for (const seq of exclude) within.delete(seq);
    }
  }
  return index
    .search(vec, k + (within ? 0 : exclude.size), within)
    .filter((h) => !exclude.has(h.seq))
    .slice(0, k);
}

/** The k papers nearest to a vector within a window, skipping `exclude` (the query paper, a user's stars …). */
export async function nearest(c: Catalog, vec: Float32Array, k: number, window: Window = {}, exclude = new Set<number>()): Promise<Scored[]> {
  return withPapers(nearestSeqs(c.index, vec, k, await c.papers.seqsInWindow(window), exclude), (seqs) => c.papers.bySeqs(seqs));
}

/** The papers of a ranked list with their scores, in its order; a paper the store no longer has is left out. */
export async function withPapers<P extends { seq: number }>(ranked: readonly Ranked[], read: (seqs: number[]) => Promise<P[]>): Promise<{ paper: P; score: number }[]> {
  const score = new Map(ranked.map((r) => [r.seq, r.score]));
  return (await read(ranked.map((r) => r.seq))).map((paper) => ({ paper, score: score.get(paper.seq)! }));
}

/** Papers with their vectors, in the order given; papers without a vector yet are left out. */
export async function withVectors(c: Catalog, papers: StoredPaper[]): Promise<{ paper: StoredPaper; vec: Float32Array }[]> {
  const vecs: (Float32Array | undefined)[] = papers.map((p) => c.index.vector(p.seq));
  const missing = papers.filter((_, i) => !vecs[i]);
  if (missing.length) {
    const stored = await c.papers.vectors(missing.map((p) => p.seq), c.model);
    const bySeq = new Map(missing.map((p, i) => [p.seq, stored[i]]));
    papers.forEach((p, i) => (vecs[i] ??= bySeq.get(p.seq)));
  }
  return papers.flatMap((paper, i) => (vecs[i] ? [{ paper, vec: vecs[i]! }] : []));
}
