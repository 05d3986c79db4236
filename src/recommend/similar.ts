import type { StoredPaper, Window } from '../store/ports.js';
import { withVectors, type Catalog, type Scored } from './catalog.js';
import { similarToText } from './similar-to.js';

/** Papers most similar to a stored paper, itself excluded: similarToText with the paper's own text and vector. */
export async function similarPapers(c: Catalog, paper: StoredPaper, k: number, window: Window = {}): Promise<Scored[]> {
  const [query] = await withVectors(c, [paper]);
  if (!query) return [];
  return similarToText(c, { title: paper.title, abstract: paper.abstract, vector: query.vec, categories: paper.categories }, k, window, new Set([paper.seq]));
}
