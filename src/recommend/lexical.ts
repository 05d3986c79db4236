import { paperText } from '../embed/text.js';
import { zSum } from './stats.js';
import { LongLivedWorker, siblingEntry } from '../util/worker.js';
import { scoreLinear, trainPegasos, type DenseFeatures } from './linear.js';
import { buildTfidf, maxCosine } from './tfidf.js';

/**
 * Lexical affinity of candidates to a user's liked papers: tf-idf (uni+bigrams, sublinear tf, as arxiv-sanity)
 * fitted on just these texts, each candidate's max cosine to a liked paper. Exact term overlap (method names,
 * datasets, jargon) is what a small static embedding blurs; the evaluation (EVAL.md) measured this signal as the
 * strongest single one. Local idf keeps it index-free: the cost is one pass over the candidate texts.
 */
export function lexicalAffinity(likedTexts: string[], candidateTexts: string[]): Float32Array {
  return localTfidf(likedTexts, candidateTexts)?.lexical ?? new Float32Array(candidateTexts.length);
}

/** The local tf-idf (rows: liked texts, then candidates) and each candidate's max cosine to a liked one. */
function localTfidf(likedTexts: string[], candidateTexts: string[]) {
  if (likedTexts.length === 0 || candidateTexts.length === 0) return undefined;
  const m = buildTfidf([...likedTexts, ...candidateTexts], { minDf: 2, maxDf: 0.1, maxFeatures: 50_000 });
  const history = likedTexts.map((_, i) => i);
  const candidates = Int32Array.from(candidateTexts, (_, i) => likedTexts.length + i);
  const lexical = maxCosine(m, history, candidates);
  for (let i = 0; i < lexical.length; i++) if (!Number.isFinite(lexical[i])) lexical[i] = 0;
  return { m, history, candidates, lexical };
}


/** How many dense neighbours the lexical signal re-ranks for similar papers (and recommendations). */
export const RERANK_POOL = 200;

/**
 * Similar papers' (and recommend's) fusion over a dense candidate pool: z(dense score) + z(tf-idf max cosine to the
 * query texts), per pool entry in pool order. Shared by the API, the evaluation harness and the HTTP benchmark's
 * bare loop, so all three measure one formula.
 */
export function fuseWithLexical(queryTexts: string[], poolTexts: string[], dense: ArrayLike<number>): Float64Array {
  return zSum([dense, lexicalAffinity(queryTexts, poolTexts)]);
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
  likedTexts: string[];
  candidateTexts: string[];
  /** The papers' embeddings, row-major (liked rows, then candidate rows), unit length. */
  vectors: Float32Array;
  dim: number;
  /** Popularity per row (liked, then candidates): upvotes plus our users' stars, weighted as in trending. */
  popularity: Float32Array;
}

export interface FeedContentSignals {
  /** tf-idf max cosine of each candidate to any liked paper. */
  lexical: Float32Array;
  /** From MIN_LIKED_FOR_MODEL liked papers on: the margin of the per-user model for each candidate. */
  userModel?: Float64Array;
}

/**
 * The content signals of a feed: the local tf-idf max-cosine to the liked papers, and for users with enough of them
 * a per-user linear SVM (Pegasos; positives = liked, negatives = candidates) on tf-idf ⊕ embedding ⊕ popularity.
 * The model learns how much this user goes for what the field already upvotes: submitters of Hugging Face papers
 * do, curators of a niche list do not, and one fixed popularity weight fits neither (EVAL.md).
 */
export function feedSignals(input: SignalInput): FeedContentSignals {
  const n = input.candidateTexts.length;
  const local = localTfidf(input.likedTexts, input.candidateTexts);
  if (!local) return { lexical: new Float32Array(n) };
  const { m, history, candidates, lexical } = local;
  if (history.length < MIN_LIKED_FOR_MODEL) return { lexical };
  const dense = userModelFeatures(input);
  const step = Math.max(1, Math.floor(n / MODEL_MAX_NEGATIVES));
  const negatives: number[] = [];
  for (let i = 0; i < n; i += step) negatives.push(candidates[i]);
  const w = trainPegasos(m, history, negatives, { lambda: 1e-2, epochs: 10, seed: 1, dense });
  return { lexical, userModel: scoreLinear(m, w, candidates, dense) };
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

/** Candidate sets up to this size are scored on the event loop (a few ms); bigger ones in a worker thread. */
const INLINE_MAX_CANDIDATES = 300;
/**
 * One thread for every lexical job off the event loop (feeds' signals, similar papers' and recommendations' re-rank):
 * started on first use, idle it never holds the process, no start-up per request.
 */
let lexicalWorker: LongLivedWorker | undefined;
let offThreadJobs = 0;
const worker = () => (lexicalWorker ??= new LongLivedWorker(siblingEntry(import.meta.url, 'lexical-worker')));

/** How many feeds were scored in the worker thread so far (tests check that a big window really went there). */
export const feedSignalJobsOffThread = () => offThreadJobs;

export interface TitleAbstract {
  title: string;
  abstract: string;
}

/** feedSignalsOffThread's input: papers rather than texts, so that preparing the texts happens off the event loop too. */
export type PaperSignalInput = Omit<SignalInput, 'likedTexts' | 'candidateTexts'> & { liked: TitleAbstract[]; candidates: TitleAbstract[] };

const textOf = (p: TitleAbstract) => paperText(p.title, p.abstract);

export function feedSignalsForPapers({ liked, candidates, ...rest }: PaperSignalInput): FeedContentSignals {
  return feedSignals({ ...rest, likedTexts: liked.map(textOf), candidateTexts: candidates.map(textOf) });
}

/** What a re-rank job sends: the query papers, the dense candidate pool and each candidate's dense score. */
export interface RerankInput {
  query: TitleAbstract[];
  pool: TitleAbstract[];
  dense: Float64Array;
}

export const fuseForPapers = ({ query, pool, dense }: RerankInput) => fuseWithLexical(query.map(textOf), pool.map(textOf), dense);

/** The lexical worker's jobs (lexical-worker.ts). */
export type LexicalJob = { kind: 'feed'; input: PaperSignalInput } | { kind: 'rerank'; input: RerankInput };

/**
 * feedSignals off the event loop for big candidate sets: cleaning the texts, fitting tf-idf and the per-user model
 * over a week of the full corpus takes ~0.5 s of CPU, which would otherwise stall every other request.
 */
export function feedSignalsOffThread(input: PaperSignalInput): Promise<FeedContentSignals> {
  if (input.candidates.length <= INLINE_MAX_CANDIDATES) return Promise.resolve().then(() => feedSignalsForPapers(input));
  offThreadJobs++;
  const job: LexicalJob = { kind: 'feed', input };
  return worker().request(job, [input.vectors.buffer as ArrayBuffer, input.popularity.buffer as ArrayBuffer]);
}

/**
 * fuseWithLexical (z(dense) + z(tf-idf)) off the event loop: over the 200–2,000 candidates of similar papers and
 * recommendations, cleaning the texts and fitting tf-idf takes 50 ms to 1 s of CPU, which would stall every other
 * request (issue 15, finding 2). Only titles and abstracts cross the thread boundary.
 */
export function fuseWithLexicalOffThread(query: TitleAbstract[], pool: TitleAbstract[], dense: ArrayLike<number>): Promise<Float64Array> {
  const input: RerankInput = {
    query: query.map(({ title, abstract }) => ({ title, abstract })),
    pool: pool.map(({ title, abstract }) => ({ title, abstract })),
    dense: Float64Array.from(dense),
  };
  const job: LexicalJob = { kind: 'rerank', input };
  return worker().request(job, [input.dense.buffer as ArrayBuffer]);
}
