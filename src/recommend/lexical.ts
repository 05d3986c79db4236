import type { Lexicon } from '../index/lexicon.js';
import { zSum } from './stats.js';
import { scoreLinear, trainPegasos, type DenseFeatures } from './linear.js';

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
  const { lexicon, liked, candidates } = input;
  const likedTerms = Array.from(liked, (seq) => lexicon.termsOf(seq)).filter((t): t is Uint32Array => t !== undefined);
  const { best: lexical, closest } = lexicon.maxCosines(likedTerms, candidates);
  if (liked.length < MIN_LIKED_FOR_MODEL || likedTerms.length === 0) return { lexical, closest };
  const rows = lexicon.rows([...Array.from(liked), ...Array.from(candidates)]);
  const positives = Array.from({ length: liked.length }, (_, i) => i);
  const n = candidates.length;
  const step = Math.max(1, Math.floor(n / MODEL_MAX_NEGATIVES));
  const negatives: number[] = [];
  for (let i = 0; i < n; i += step) negatives.push(liked.length + i);
  const dense = userModelFeatures(input);
  const w = trainPegasos(rows, positives, negatives, { lambda: 1e-2, epochs: 10, seed: 1, dense });
  const candidateRows = Int32Array.from({ length: n }, (_, i) => liked.length + i);
  // The popularity feature is the last dense column, just before the bias.
  const popularityShare = Float64Array.from({ length: n }, (_, i) => w[w.length - 2] * dense.values[(liked.length + i) * dense.dim + dense.dim - 1]);
  return { lexical, closest, userModel: scoreLinear(rows, w, candidateRows, dense), userModelPopularity: popularityShare };
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
