import type { StoredPaper, Window } from '../store/ports.js';
import { paperTerms } from '../text/terms.js';
import { withVectors, type Catalog, type Scored } from './catalog.js';
import { similarToText } from './similar-to.js';

/** Papers most similar to a stored paper, itself excluded: similarToText with the paper's own terms and vector. */
export async function similarPapers(c: Catalog, paper: StoredPaper, k: number, window: Window = {}): Promise<Scored[]> {
  const [query] = await withVectors(c, [paper]);
  if (!query) return [];
  const terms = c.lexicon.termsOf(paper.seq) ?? paperTerms(paper);
  return similarToText(c, { terms, vector: query.vec, categories: paper.categories }, k, window, new Set([paper.seq]));
}
