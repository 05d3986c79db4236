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
export type LexicalSource = Pick<Lexicon, 'cosines' | 'maxCosines' | 'rows' | 'termsOf'>;

/** How many dense neighbours the lexical signal re-ranks for similar papers (and recommendations). */
export const RERANK_POOL = 200;

/**
 * Similar papers' (and recommend's) fusion over a dense candidate pool: z(dense score) + z(tf-idf cosine to the
 * query, or the largest over several query papers), per pool entry in pool order. Shared by the API, the
 * evaluation harness and the HTTP benchmark's bare loop, so all three measure one formula.
 */
export function fuseWithLexicon(lexicon: LexicalSource, query: Uint32Array[], pool: ArrayLike<number>, dense: ArrayLike<number>): Float64Array {
  const lexical = query.length === 1 ? lexicon.cosines(query[0], pool) : lexicon.maxCosines(query, pool).best;
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
}

export interface FeedContentSignals {
  /** tf-idf max cosine of each candidate to any liked paper. */
  lexical: Float32Array;
  /** Which liked paper (index into `liked`) that was, -1 for none sharing a counted term. */
  closest: Int32Array;
  /** From MIN_LIKED_FOR_MODEL liked papers on: the margin of the per-user model for each candidate. */
  userModel?: Float64Array;
  /** The popularity feature's share of that margin per candidate (its weight × its value): the feed's reason. */
  userModelPopularity?: Float64Array;
}

/**
 * The content signals of a feed: the tf-idf max-cosine to the liked papers, and for users with enough of them a
 * per-user linear SVM (Pegasos; positives = liked, negatives = candidates) on tf-idf ⊕ embedding ⊕ popularity.
 * The model learns how much this user goes for what the field already upvotes: submitters of Hugging Face papers
 * do, curators of a niche list do not, and one fixed popularity weight fits neither (EVAL.md).
 */
export function feedSignals(input: SignalInput): FeedContentSignals {
  return runAtOnce(feedSignalSteps(input));
}

/** feedSignals (the same numbers) for the server, with a turn of the event loop between slices (util/steps.ts). */
export function feedSignalsYielding(input: SignalInput): Promise<FeedContentSignals> {
  return runYielding(feedSignalSteps(input));
}

/** Candidates whose lexical signal is computed between two turns of the event loop. */
const CANDIDATES_PER_TURN = 5000;

/**
 * feedSignals' steps: the lexical signal by slices of candidates, the model's rows, its training (a yield every
 * few thousand steps), its scores. A feed over 20,000 candidates then never holds the event loop for 100+ ms.
 */
function* feedSignalSteps(input: SignalInput): Steps<FeedContentSignals> {
  const n = input.candidates.length;
  const lexical = new Float32Array(n);
  const closest = new Int32Array(n);
  for (let from = 0; from < n; from += CANDIDATES_PER_TURN) {
    const part = lexicalAffinity({ ...input, candidates: Array.prototype.slice.call(input.candidates, from, from + CANDIDATES_PER_TURN) });
    lexical.set(part.lexical, from);
    closest.set(part.closest, from);
    yield;
  }
  const model = userModel(input);
  if (!model) return { lexical, closest };
  yield;
  const w = yield* pegasosSteps(...model.training);
  return { lexical, closest, ...modelScores(model, w) };
}

/** The model's margin per candidate, and its popularity feature's share (the last dense column, before the bias). */
function modelScores(model: NonNullable<ReturnType<typeof userModel>>, w: Float64Array) {
  const { rows, dense, candidateRows } = model;
  const userModelPopularity = Float64Array.from(candidateRows, (r) => w[w.length - 2] * dense.values[r * dense.dim + dense.dim - 1]);
  return { userModel: scoreLinear(rows, w, candidateRows, dense), userModelPopularity };
}

/** Each candidate's largest tf-idf cosine to a liked paper, and which liked paper (index) that was. */
export function lexicalAffinity({ lexicon, liked, candidates }: Pick<SignalInput, 'lexicon' | 'liked' | 'candidates'>): Omit<FeedContentSignals, 'userModel'> {
  const likedTerms = Array.from(liked, (seq) => lexicon.termsOf(seq) ?? new Uint32Array(0));
  const { best: lexical, closest } = lexicon.maxCosines(likedTerms, candidates);
  return { lexical, closest };
}

/** What the per-user model trains on (from MIN_LIKED_FOR_MODEL liked papers on): rows = liked, then candidates. */
function userModel(input: SignalInput) {
  const { lexicon, liked, candidates } = input;
  if (liked.length < MIN_LIKED_FOR_MODEL) return undefined;
  const rows = lexicon.rows([...Array.from(liked), ...Array.from(candidates)]);
  const positives = Array.from({ length: liked.length }, (_, i) => i);
  const n = candidates.length;
  const step = Math.max(1, Math.floor(n / MODEL_MAX_NEGATIVES));
  const negatives: number[] = [];
  for (let i = 0; i < n; i += step) negatives.push(liked.length + i);
  const dense = userModelFeatures(input);
  const training: Parameters<typeof pegasosSteps> = [rows, positives, negatives, { lambda: 1e-2, epochs: 10, seed: 1, dense }];
  return { rows, dense, training, candidateRows: Int32Array.from({ length: n }, (_, i) => liked.length + i) };
}

/** Per row: EMBEDDING_SCALE × the embedding, then POPULARITY_SCALE × log1p(popularity)/log1p(100). */
function userModelFeatures({ vectors, dim, popularity }: SignalInput): DenseFeatures {
  const rows = popularity.length;
  const values = new Float32Array(rows * (dim + 1));
  for (let r = 0; r < rows; r++) {
    for (let d = 0; d < dim; d++) values[r * (dim + 1) + d] = EMBEDDING_SCALE * vectors[r * dim + d];
    values[r * (dim + 1) + dim] = (POPULARITY_SCALE * Math.log1p(popularity[r])) / Math.log1p(100);
  }
  return { values, dim: dim + 1 };
}
