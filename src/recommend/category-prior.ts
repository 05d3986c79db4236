import { withPapers } from './catalog.js';

/**
 * A category-agreement prior for similar papers: a neighbour sharing no arXiv category with the query paper is
 * pushed down by `CATEGORY_PENALTY` (in the standard deviations of the fused dense + lexical score). Embedding and
 * tf-idf both match surface words ("agent", "planning") across fields; the categories the authors chose say which
 * field a paper is in. EVAL.md (task 1, "glaring misses") measures it; the weight was picked on dev.
 */
export const CATEGORY_PENALTY = 2;

/** Papers read per batch at most (a batch is one statement). */
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
 * The top k of `ranked` (best first) after the prior, reading papers (for their categories) only as far as needed:
 * batches from the top until the k-th adjusted score beats the best unread score, which the prior can only lower.
 * Exactly the order of applying the prior to the whole pool, at about 2k papers read instead of the pool.
 */
export async function topWithCategoryPrior<P extends { seq: number; categories: readonly string[] }>(
  ranked: readonly { seq: number; score: number }[],
  k: number,
  query: readonly string[],
  read: (seqs: number[]) => Promise<P[]>,
  penalty = CATEGORY_PENALTY,
): Promise<{ paper: P; score: number }[]> {
  const byOrder = (a: { paper: P; score: number }, b: { paper: P; score: number }) => b.score - a.score || a.paper.seq - b.paper.seq;
  if (query.length === 0 || penalty === 0) return (await withPapers(ranked.slice(0, k), read)).sort(byOrder);
  const batch = Math.min(Math.max(2 * k, 10), MAX_BATCH); // a read per turn of the event loop: k = 1000 reads ~2,000
  const kept: { paper: P; score: number }[] = [];
  let next = 0;
  while (next < ranked.length) {
    const scored = await withPapers(ranked.slice(next, next + batch), read);
    next = Math.min(next + batch, ranked.length);
    for (const s of scored) {
      kept.push(sharesCategory(query, s.paper.categories) ? s : { paper: s.paper, score: s.score - penalty });
    }
    kept.sort(byOrder);
    if (kept.length >= k && next < ranked.length && kept[k - 1].score > ranked[next].score) break;
  }
  return kept.slice(0, k);
}
