import { runInWorker, siblingEntry } from '../util/worker.js';
import { scoreLinear, trainPegasos } from './linear.js';
import { buildTfidf, maxCosine } from './tfidf.js';

/**
 * Lexical affinity of candidates to a user's liked papers: tf-idf (uni+bigrams, sublinear tf, as arxiv-sanity)
 * fitted on just these texts, each candidate's max cosine to a liked paper. Exact term overlap (method names,
 * datasets, jargon) is what a small static embedding blurs; the evaluation (EVAL.md) measured this signal as the
 * strongest single one. Local idf keeps it index-free: the cost is one pass over the candidate texts.
 */
export function lexicalAffinity(likedTexts: string[], candidateTexts: string[]): Float32Array {
  if (likedTexts.length === 0 || candidateTexts.length === 0) return new Float32Array(candidateTexts.length);
  const m = buildTfidf([...likedTexts, ...candidateTexts], { minDf: 2, maxDf: 0.1, maxFeatures: 50_000 });
  const history = likedTexts.map((_, i) => i);
  const candidates = Int32Array.from(candidateTexts, (_, i) => likedTexts.length + i);
  const best = maxCosine(m, history, candidates);
  for (let i = 0; i < best.length; i++) if (!Number.isFinite(best[i])) best[i] = 0;
  return best;
}


/** How many dense neighbours the lexical signal re-ranks for similar papers (and recommendations). */
export const RERANK_POOL = 200;

/** From this many liked papers on, a per-user linear model is trained (arxiv-sanity's method). */
export const MIN_LIKED_FOR_SVM = 5;
/** Negatives sampled for it: the candidates themselves, as arxiv-sanity uses all other papers. */
const SVM_MAX_NEGATIVES = 5000;

/**
 * The lexical signals of a feed: tf-idf max-cosine to the liked papers, and for users with enough of them the
 * margin of a per-user linear SVM (Pegasos on the same local tf-idf; positives = liked, negatives = candidates).
 */
export function lexicalSignals(likedTexts: string[], candidateTexts: string[]): { lexical: Float32Array; svm?: Float64Array } {
  const n = candidateTexts.length;
  if (likedTexts.length === 0 || n === 0) return { lexical: new Float32Array(n) };
  const m = buildTfidf([...likedTexts, ...candidateTexts], { minDf: 2, maxDf: 0.1, maxFeatures: 50_000 });
  const history = likedTexts.map((_, i) => i);
  const candidates = Int32Array.from(candidateTexts, (_, i) => likedTexts.length + i);
  const lexical = maxCosine(m, history, candidates);
  for (let i = 0; i < n; i++) if (!Number.isFinite(lexical[i])) lexical[i] = 0;
  if (likedTexts.length < MIN_LIKED_FOR_SVM) return { lexical };
  const step = Math.max(1, Math.floor(n / SVM_MAX_NEGATIVES));
  const negatives: number[] = [];
  for (let i = 0; i < n; i += step) negatives.push(candidates[i]);
  const w = trainPegasos(m, history, negatives, { lambda: 1e-2, epochs: 10, seed: 1 });
  return { lexical, svm: scoreLinear(m, w, candidates) };
}

/** Candidate sets up to this size are scored on the event loop (a few ms); bigger ones in a worker thread. */
const INLINE_MAX_CANDIDATES = 300;
const lexicalWorker = siblingEntry(import.meta.url, 'lexical-worker');

/**
 * lexicalSignals off the event loop for big candidate sets: fitting tf-idf and the per-user model over a week of
 * the full corpus takes ~0.5 s of CPU, which would otherwise stall every other request.
 */
export function lexicalSignalsOffThread(likedTexts: string[], candidateTexts: string[]): Promise<{ lexical: Float32Array; svm?: Float64Array }> {
  if (candidateTexts.length <= INLINE_MAX_CANDIDATES) return Promise.resolve().then(() => lexicalSignals(likedTexts, candidateTexts));
  return runInWorker(lexicalWorker, { liked: likedTexts, candidates: candidateTexts });
}
