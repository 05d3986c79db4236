/**
 * A category-agreement prior for similar papers: a neighbour sharing no arXiv category with the query paper is
 * pushed down by `CATEGORY_PENALTY` (in the standard deviations of the fused dense + lexical score). Embedding and
 * tf-idf both match surface words ("agent", "planning") across fields; the categories the authors chose say which
 * field a paper is in. EVAL.md (task 1, "glaring misses") measures it; the weight was picked on dev.
 */
export const CATEGORY_PENALTY = 2;

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
