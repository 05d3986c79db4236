/**
 * The lexical signals as served before the lexicon (issue 16): tf-idf fitted per request on just the query and
 * candidate texts (min_df 2, max_df 10% of those texts). Kept only so the evaluation can show the served rankers
 * beside their predecessor in the same run.
 */
import { trainPegasos, scoreLinear, type DenseFeatures } from '../recommend/linear.js';
import { EMBEDDING_SCALE, MIN_LIKED_FOR_MODEL, POPULARITY_SCALE } from '../recommend/lexical.js';
import { zSum } from '../recommend/stats.js';
import { buildTfidf, maxCosine } from '../recommend/tfidf.js';

function localTfidf(likedTexts: string[], candidateTexts: string[]) {
  const m = buildTfidf([...likedTexts, ...candidateTexts], { minDf: 2, maxDf: 0.1, maxFeatures: 50_000 });
  const history = likedTexts.map((_, i) => i);
  const candidates = Int32Array.from(candidateTexts, (_, i) => likedTexts.length + i);
  const lexical = maxCosine(m, history, candidates).map((x) => (Number.isFinite(x) ? x : 0));
  return { m, history, candidates, lexical };
}

/** The previous similar-papers fusion: z(dense) + z(local tf-idf max cosine to the query texts). */
export function localFuse(queryTexts: string[], poolTexts: string[], dense: ArrayLike<number>): Float64Array {
  return zSum([dense, localTfidf(queryTexts, poolTexts).lexical]);
}

/** The previous feed content signals: local tf-idf max-sim, and the per-user model on local tf-idf ⊕ dense. */
export function localFeedSignals(input: { likedTexts: string[]; candidateTexts: string[]; vectors: Float32Array; dim: number; popularity: Float32Array }) {
  const { m, history, candidates, lexical } = localTfidf(input.likedTexts, input.candidateTexts);
  if (history.length < MIN_LIKED_FOR_MODEL) return { lexical };
  const rows = input.popularity.length;
  const values = new Float32Array(rows * (input.dim + 1));
  for (let r = 0; r < rows; r++) {
    for (let d = 0; d < input.dim; d++) values[r * (input.dim + 1) + d] = EMBEDDING_SCALE * input.vectors[r * input.dim + d];
    values[r * (input.dim + 1) + input.dim] = (POPULARITY_SCALE * Math.log1p(input.popularity[r])) / Math.log1p(100);
  }
  const dense: DenseFeatures = { values, dim: input.dim + 1 };
  const step = Math.max(1, Math.floor(candidates.length / 5000));
  const negatives: number[] = [];
  for (let i = 0; i < candidates.length; i += step) negatives.push(candidates[i]);
  const w = trainPegasos(m, history, negatives, { lambda: 1e-2, epochs: 10, seed: 1, dense });
  return { lexical, userModel: scoreLinear(m, w, candidates, dense) };
}
