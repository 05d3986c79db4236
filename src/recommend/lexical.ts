import type { Lexicon } from '../index/lexicon.js';
import { zSum } from './stats.js';
import { runAtOnce, runYielding, type Steps } from '../util/steps.js';
import { pegasosSteps, scoreLinear, type DenseFeatures } from './linear.js';

/**
 * The lexical signals: tf-idf (uni+bigrams, sublinear tf, as arxiv-sanity) over the papers' stored term vectors
 * (index/lexicon.ts), so a request weighs counts it already holds instead of tokenising texts. Exact term overlap
 * (method names, datasets, jargon) is what a small static embedding blurs; the evaluation (EVAL.md) measured this
 * signal as the strongest single one.
 */
export type LexicalSource = Pick<Lexicon, 'maxCosines' | 'fitSteps' | 'termsOf' | 'categoriesOf'>;

/** Candidates whose lexical signal (or, with a model, 1/5 as many: their rows and scores) is computed per turn. */
const CANDIDATES_PER_TURN = 5000;
const MODEL_ROWS_PER_TURN = 1000;

/** How many dense neighbours the lexical signal re-ranks for similar papers (and recommendations). */
export const RERANK_POOL = 200;

/**
 * Similar papers' (and recommend's) fusion over a dense candidate pool: z(dense score) + z(tf-idf cosine to the
 * query, or the largest over several query papers), per pool entry in pool order. Shared by the API, the
 * evaluation harness and the HTTP benchmark's bare loop, so all three measure one formula.
 */
export function fuseWithLexicon(lexicon: LexicalSource, query: Uint32Array[], pool: ArrayLike<number>, dense: ArrayLike<number>): Float64Array {
  return runAtOnce(fuseWithLexiconSteps(lexicon, query, pool, dense));
}

/** fuseWithLexicon's steps: the lexical cosines CANDIDATES_PER_TURN at a time (recommend with k = 1000 scores 10,000). */
export function* fuseWithLexiconSteps(lexicon: LexicalSource, query: Uint32Array[], pool: ArrayLike<number>, dense: ArrayLike<number>): Steps<Float64Array> {
  const lexical = new Float32Array(pool.length);
  for (let from = 0; from < pool.length; from += CANDIDATES_PER_TURN) {
    if (from > 0) yield;
    lexical.set(lexicon.maxCosines(query, Array.prototype.slice.call(pool, from, from + CANDIDATES_PER_TURN)).best, from);
  }
  return zSum([dense, lexical]);
}

/** From this many liked papers on, a per-user linear model is trained (arxiv-sanity's method, widened). */
export const MIN_LIKED_FOR_MODEL = 5;
/** Negatives sampled for it: the candidates themselves, as arxiv-sanity uses all other papers. */
const MODEL_MAX_NEGATIVES = 5000;
/**
 * Scale of the dense features in the per-user model, against a unit-length tf-idf row: the embedding (unit
 * length) × EMBEDDING_SCALE and log1p(popularity)/log1p(100) × POPULARITY_SCALE. Picked on the evaluation's dev
 * users (scripts/feed-variants.ts; EVAL.md lists the variants).
 */
export const EMBEDDING_SCALE = 0.5;
export const POPULARITY_SCALE = 0.5;

/** What the feed's content signals need to know about each paper (liked papers first, then candidates). */
export interface SignalInput {
  lexicon: LexicalSource;
  /** Lexicon keys (store seqs) of the liked papers and of the candidates. */
  liked: ArrayLike<number>;
  candidates: ArrayLike<number>;
  /** The papers' embeddings, row-major (liked rows, then candidate rows), unit length. */
  vectors: Float32Array;
  dim: number;
  /** Popularity per row (liked, then candidates): upvotes plus our users' stars, weighted as in trending. */
  popularity: Float32Array;
  /**
   * Which document frequencies weigh the model's tf-idf columns (Lexicon.fit): by default the rows it trains on, as
   * the tf-idf fitted per request did before the lexicon (EVAL.md: the corpus's lost Recall@50 for HF submitters).
   */
  modelDf?: 'corpus' | 'rows';
}

export interface FeedContentSignals {
  /** Below MIN_LIKED_FOR_MODEL liked papers: the tf-idf max cosine of each candidate to any liked paper. */
  lexical?: Float32Array;
  /** From MIN_LIKED_FOR_MODEL liked papers on: the margin of the per-user model for each candidate. */
  userModel?: Float64Array;
  /** The popularity feature's share of that margin per candidate (its weight × its value): the feed's reason. */
  userModelPopularity?: Float64Array;
}

/**
 * The content signals of a feed: for users with enough liked papers a per-user linear SVM (Pegasos; positives =
 * liked, negatives = candidates) on tf-idf ⊕ embedding ⊕ popularity, else the tf-idf max-cosine to the liked papers
 * (the model replaces it: feedScoreParts). The model learns how much this user goes for what the field already
 * upvotes: submitters of Hugging Face papers do, curators of a niche list do not, and one fixed popularity weight
 * fits neither (EVAL.md).
 */
export function feedSignals(input: SignalInput): FeedContentSignals {
  return runAtOnce(feedSignalSteps(input));
}

/** feedSignals (the same numbers) for the server, with a turn of the event loop between slices (util/steps.ts). */
export function feedSignalsYielding(input: SignalInput): Promise<FeedContentSignals> {
  return runYielding(feedSignalSteps(input));
}

/**
 * feedSignals' steps: the model's rows, its training (a yield every few thousand steps) and its scores; or the
 * lexical signal by slices of candidates. A feed over 20,000 candidates then never holds the event loop for 100+ ms.
 */
function* feedSignalSteps(input: SignalInput): Steps<FeedContentSignals> {
  const n = input.candidates.length;
  const slice = (from: number, size: number) => Array.prototype.slice.call(input.candidates, from, from + size) as number[];
  const model = yield* userModel(input);
  if (model) {
    yield;
    const w = yield* pegasosSteps(model.fit.rows, model.positives, model.negatives, { lambda: 1e-2, epochs: 10, seed: 1, dense: model.dense });
    const userModel = new Float64Array(n);
    const userModelPopularity = new Float64Array(n);
    for (let from = 0; from < n; from += MODEL_ROWS_PER_TURN) {
      yield;
      // A candidate the model trained on has its row already; the others go through the fit's transform.
      const seqs = slice(from, MODEL_ROWS_PER_TURN);
      const inputRows = Int32Array.from(seqs, (_, i) => input.liked.length + from + i);
      const [rows, docs, dense] = model.allFitted
        ? [model.fit.rows, inputRows, model.dense]
        : [model.fit.transform(seqs), [...seqs.keys()], userModelFeatures(input, inputRows)];
      userModel.set(scoreLinear(rows, w, docs, dense), from);
      // The popularity feature's share: its weight × its value (the last dense column, before the bias).
      for (let i = 0; i < seqs.length; i++) userModelPopularity[from + i] = w[w.length - 2] * dense.values[docs[i] * dense.dim + dense.dim - 1];
    }
    return { userModel, userModelPopularity };
  }
  const lexical = new Float32Array(n);
  for (let from = 0; from < n; from += CANDIDATES_PER_TURN) {
    lexical.set(lexicalAffinity({ ...input, candidates: slice(from, CANDIDATES_PER_TURN) }), from);
    yield;
  }
  return { lexical };
}

/** Each candidate's largest tf-idf cosine to a liked paper. */
export function lexicalAffinity({ lexicon, liked, candidates }: Pick<SignalInput, 'lexicon' | 'liked' | 'candidates'>): Float32Array {
  const likedTerms = Array.from(liked, (seq) => lexicon.termsOf(seq) ?? new Uint32Array(0));
  return lexicon.maxCosines(likedTerms, candidates).best;
}

/**
 * What the per-user model trains on (from MIN_LIKED_FOR_MODEL liked papers on): the liked papers (positives) and
 * up to MODEL_MAX_NEGATIVES candidates spread over the list (negatives), tf-idf fitted on just those rows. The
 * other candidates are scored through the fit's transform, a slice at a time.
 */
function* userModel(input: SignalInput) {
  const { lexicon, liked, candidates } = input;
  if (liked.length < MIN_LIKED_FOR_MODEL) return undefined;
  const step = Math.max(1, Math.floor(candidates.length / MODEL_MAX_NEGATIVES));
  const sampled: number[] = []; // input rows: liked ones first, then candidates
  for (let i = 0; i < liked.length; i++) sampled.push(i);
  for (let i = 0; i < candidates.length; i += step) sampled.push(liked.length + i);
  const seqOf = (row: number) => (row < liked.length ? liked[row] : candidates[row - liked.length]);
  const fit = yield* lexicon.fitSteps(sampled.map(seqOf), { df: input.modelDf });
  const positives = Array.from({ length: liked.length }, (_, i) => i);
  const negatives = Array.from({ length: sampled.length - liked.length }, (_, i) => liked.length + i);
  return { fit, positives, negatives, dense: userModelFeatures(input, sampled), allFitted: step === 1 };
}

/** For these input rows: EMBEDDING_SCALE × the embedding, then POPULARITY_SCALE × log1p(popularity)/log1p(100). */
function userModelFeatures({ vectors, dim, popularity }: SignalInput, inputRows: ArrayLike<number>): DenseFeatures {
  const values = new Float32Array(inputRows.length * (dim + 1));
  for (let i = 0; i < inputRows.length; i++) {
    const r = inputRows[i];
    for (let d = 0; d < dim; d++) values[i * (dim + 1) + d] = EMBEDDING_SCALE * vectors[r * dim + d];
    values[i * (dim + 1) + dim] = (POPULARITY_SCALE * Math.log1p(popularity[r])) / Math.log1p(100);
  }
  return { values, dim: dim + 1 };
}
