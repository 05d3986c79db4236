import { topK } from '../util/top-k.js';
import { withPapers } from './catalog.js';

/**
 * A category-agreement prior for similar papers: a neighbour sharing no arXiv category with the query paper is
 * pushed down by `CATEGORY_PENALTY` (in the standard deviations of the fused dense + lexical score). Embedding and
 * tf-idf both match surface words ("agent", "planning") across fields; the categories the authors chose say which
 * field a paper is in. EVAL.md (task 1, "glaring misses") measures it; the weight was picked on dev.
 */
export const CATEGORY_PENALTY = 2;

/** Papers read per statement at most. */
const MAX_BATCH = 500;

/** True when the lists share a category, or when either has none (nothing to disagree with). */
export function sharesCategory(query: readonly string[], candidate: readonly string[]): boolean {
  if (query.length === 0 || candidate.length === 0) return true;
  for (let i = 0; i < candidate.length; i++) if (query.includes(candidate[i])) return true;
  return false;
}

/** `scores` with the penalty applied to each pool entry that shares no category with the query, in place. */
export function applyCategoryPrior(
  scores: Float64Array,
  query: readonly string[],
  pool: readonly (readonly string[] | undefined)[],
  penalty = CATEGORY_PENALTY,
): Float64Array {
  if (query.length === 0 || penalty === 0) return scores;
  pool.forEach((cats, i) => {
    if (cats && !sharesCategory(query, cats)) scores[i] -= penalty;
  });
  return scores;
}

/**
 * The top k of a pool (`seqs` with their `scores`) after the prior, best first (ties: lower seq), exactly as applying
 * it to the whole pool: the categories come from memory (`categoriesOf`, the lexicon's), so only the k papers returned
 * are read, at most MAX_BATCH per statement (and turn of the event loop). A candidate whose categories memory does not
 * hold (written since the last catch-up) is read for them first; a paper the store no longer has is left out and the
 * next one read in its place.
 */
export async function topWithCategoryPrior<P extends { seq: number; categories: readonly string[] }>(
  seqs: ArrayLike<number>,
  scores: ArrayLike<number>,
  k: number,
  query: readonly string[],
  categoriesOf: (seq: number) => readonly string[] | undefined,
  read: (seqs: number[]) => Promise<P[]>,
  penalty = CATEGORY_PENALTY,
): Promise<{ paper: P; score: number }[]> {
  const adjusted = Float64Array.from(scores);
  if (query.length > 0 && penalty !== 0) {
    const cats: (readonly string[] | undefined)[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < seqs.length; i++) if (!(cats[i] = categoriesOf(seqs[i]))) unknown.push(seqs[i]);
    for (let from = 0; from < unknown.length; from += MAX_BATCH) {
      const fromStore = new Map((await read(unknown.slice(from, from + MAX_BATCH))).map((p) => [p.seq, p.categories]));
      for (let i = 0; i < seqs.length; i++) cats[i] ??= fromStore.get(seqs[i]);
    }
    applyCategoryPrior(adjusted, query, cats, penalty);
  }
  const top: { paper: P; score: number }[] = [];
  let order = topK(seqs.length, k, adjusted, seqs);
  for (let next = 0; top.length < k && next < seqs.length; ) {
    if (next + k - top.length > order.length) order = topK(seqs.length, seqs.length, adjusted, seqs); // papers went missing
    const slice = order.slice(next, next + Math.min(k - top.length, MAX_BATCH)).map((i) => ({ seq: seqs[i], score: adjusted[i] }));
    next += slice.length;
    top.push(...(await withPapers(slice, read)));
  }
  return top;
}
