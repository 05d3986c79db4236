/**
 * The arxiv-sanity baseline's classifier: a per-user linear SVM on tf-idf features (positives = the user's
 * history, negatives = other papers), trained with Pegasos (Shalev-Shwartz et al. 2007): stochastic sub-gradient
 * steps on λ/2‖w‖² + mean hinge loss, step 1/(λ(t+1)). Classes are balanced by drawing a positive or a negative
 * with probability ½ each step (arxiv-sanity uses class_weight='balanced'). A constant feature (value 1) plays
 * the bias. Deterministic for a given seed.
 *
 * Documents may carry dense features beside their sparse tf-idf row (the feed's per-user model adds the embedding
 * and popularity): they take the columns after the vocabulary, before the bias.
 */
import type { SparseRows } from '../index/lexicon.js';
import { runAtOnce, type Steps } from '../util/steps.js';
import { rowDot } from './tfidf.js';
import { rng } from '../util/random.js';

/** Dense features per document, row-major (`dim` values for document i at i·dim), appended to its tf-idf row. */
export interface DenseFeatures {
  values: Float32Array;
  dim: number;
}

export interface PegasosOptions {
  lambda?: number;
  /** Steps = epochs × (positives + negatives). */
  epochs?: number;
  seed?: number;
  dense?: DenseFeatures;
}

/** w·x for document `doc` (bias excluded): sparse row, then its dense block at column V. */
function margin(m: SparseRows, dense: DenseFeatures | undefined, doc: number, w: Float64Array): number {
  let s = rowDot(m, doc, w);
  if (dense) {
    const V = m.width;
    const base = doc * dense.dim;
    for (let d = 0; d < dense.dim; d++) s += w[V + d] * dense.values[base + d];
  }
  return s;
}

/** Trains on rows of `m` (+ dense features); returns weights of length vocab (+ dense dim) + 1, the last being the bias. */
export function trainPegasos(m: SparseRows, positives: number[], negatives: number[], opts: PegasosOptions = {}): Float64Array {
  return runAtOnce(pegasosSteps(m, positives, negatives, opts));
}

const STEPS_PER_TURN = 10_000;

/** trainPegasos as steps (util/steps.ts), yielding every STEPS_PER_TURN steps: a feed's model trains for up to ~50,000. */
export function* pegasosSteps(m: SparseRows, positives: number[], negatives: number[], opts: PegasosOptions): Steps<Float64Array> {
  const lambda = opts.lambda ?? 1e-2;
  const steps = Math.max(1000, (opts.epochs ?? 10) * (positives.length + negatives.length));
  const r = rng(opts.seed ?? 1);
  const dense = opts.dense;
  const D = dense?.dim ?? 0;
  const V = m.width;
  const B = V + D; // the bias column
  const v = new Float64Array(B + 1); // w = scale · v
  const { rowPtr, cols, vals } = m; // locals: this loop is a feed's hottest
  const values = dense?.values ?? new Float32Array(0);
  let scale = 1;
  for (let t = 1; t <= steps; t++) {
    if (t % STEPS_PER_TURN === 0) yield;
    const pos = r() < 0.5;
    const pool = pos ? positives : negatives;
    if (pool.length === 0) continue;
    const doc = pool[Math.floor(r() * pool.length)];
    const y = pos ? 1 : -1;
    const [from, to, base] = [rowPtr[doc], rowPtr[doc + 1], doc * D];
    let dot = v[B];
    for (let j = from; j < to; j++) dot += v[cols[j]] * vals[j];
    for (let d = 0; d < D; d++) dot += v[V + d] * values[base + d];
    const signed = y * scale * dot;
    const eta = 1 / (lambda * (t + 1));
    scale *= 1 - eta * lambda; // the regulariser shrinks every weight at once
    if (signed < 1) {
      const step = (eta * y) / scale;
      for (let j = from; j < to; j++) v[cols[j]] += step * vals[j];
      for (let d = 0; d < D; d++) v[V + d] += step * values[base + d];
      v[B] += step;
    }
    if (scale < 1e-6) {
      for (let i = 0; i <= B; i++) v[i] *= scale;
      scale = 1;
    }
  }
  for (let i = 0; i <= B; i++) v[i] *= scale;
  return v;
}

/** Decision values w·x + b for each document. */
export function scoreLinear(m: SparseRows, w: Float64Array, docs: ArrayLike<number>, dense?: DenseFeatures): Float64Array {
  const out = new Float64Array(docs.length);
  const b = w[w.length - 1];
  for (let i = 0; i < docs.length; i++) out[i] = margin(m, dense, docs[i], w) + b;
  return out;
}
