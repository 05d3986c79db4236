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
  return candidate.some((c) => query.includes(c));
}

/** `scores` with the penalty applied to each pool entry that shares no category with the query, in place. */
export function applyCategoryPrior(
  scores: Float64Array,
  query: readonly string[],
  pool: readonly (readonly string[])[],
  penalty = CATEGORY_PENALTY,
): Float64Array {
  if (query.length === 0 || penalty === 0) return scores;
  pool.forEach((cats, i) => {
    if (!sharesCategory(query, cats)) scores[i] -= penalty;
  });
  return scores;
}

/**
 * The top k of `ranked` after the prior, exactly as applying it to the whole pool: the categories come from memory
 * (`categoriesOf`, the lexicon's), so only the k papers returned are read, at most MAX_BATCH per statement (and turn
 * of the event loop). A candidate whose categories memory does not hold (written since the last catch-up) is read
 * for them first.
 */
export async function topWithCategoryPrior<P extends { seq: number; categories: readonly string[] }>(
  ranked: readonly { seq: number; score: number }[],
  k: number,
  query: readonly string[],
  categoriesOf: (seq: number) => readonly string[] | undefined,
  read: (seqs: number[]) => Promise<P[]>,
  penalty = CATEGORY_PENALTY,
): Promise<{ paper: P; score: number }[]> {
  let adjusted: readonly { seq: number; score: number }[] = ranked;
  if (query.length > 0 && penalty !== 0) {
    const unknown = ranked.filter((r) => !categoriesOf(r.seq)).map((r) => r.seq);
    const fromStore = new Map<number, readonly string[]>();
    for (let from = 0; from < unknown.length; from += MAX_BATCH) {
      for (const p of await read(unknown.slice(from, from + MAX_BATCH))) fromStore.set(p.seq, p.categories);
    }
    adjusted = ranked
      .map(({ seq, score }) => {
        const cats = categoriesOf(seq) ?? fromStore.get(seq);
        return { seq, score: cats && !sharesCategory(query, cats) ? score - penalty : score };
      })
      .sort((a, b) => b.score - a.score || a.seq - b.seq);
  }
  // Papers the store no longer has are left out, and the next ones read in their place.
  const top: { paper: P; score: number }[] = [];
  for (let next = 0; top.length < k && next < adjusted.length; ) {
    const slice = adjusted.slice(next, next + Math.min(k - top.length, MAX_BATCH));
    next += slice.length;
    top.push(...(await withPapers(slice, read)));
  }
  return top;
}
