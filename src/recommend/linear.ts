/**
 * The arxiv-sanity baseline's classifier: a per-user linear SVM on tf-idf features (positives = the user's
 * history, negatives = other papers), trained with Pegasos (Shalev-Shwartz et al. 2007): stochastic sub-gradient
 * steps on λ/2‖w‖² + mean hinge loss, step 1/(λ(t+1)). Classes are balanced by drawing a positive or a negative
 * with probability ½ each step (arxiv-sanity uses class_weight='balanced'). A constant feature (value 1) plays
 * the bias. Deterministic for a given seed.
 */
import { rowDot, type TfidfMatrix } from './tfidf.js';
import { rng } from '../util/random.js';

export interface PegasosOptions {
  lambda?: number;
  /** Steps = epochs × (positives + negatives). */
  epochs?: number;
  seed?: number;
}

/** Trains on rows of `m`; returns dense weights of length vocab + 1 (the last one is the bias). */
export function trainPegasos(m: TfidfMatrix, positives: number[], negatives: number[], opts: PegasosOptions = {}): Float64Array {
  const lambda = opts.lambda ?? 1e-2;
  const steps = Math.max(1000, (opts.epochs ?? 10) * (positives.length + negatives.length));
  const r = rng(opts.seed ?? 1);
  const V = m.vocab.size;
  const v = new Float64Array(V + 1); // w = scale · v
  let scale = 1;
  for (let t = 1; t <= steps; t++) {
    const pos = r() < 0.5;
    const pool = pos ? positives : negatives;
    if (pool.length === 0) continue;
    const doc = pool[Math.floor(r() * pool.length)];
    const y = pos ? 1 : -1;
    const margin = y * scale * (rowDot(m, doc, v) + v[V]);
    const eta = 1 / (lambda * (t + 1));
    scale *= 1 - eta * lambda; // the regulariser shrinks every weight at once
    if (margin < 1) {
      const step = (eta * y) / scale;
      for (let j = m.rowPtr[doc]; j < m.rowPtr[doc + 1]; j++) v[m.cols[j]] += step * m.vals[j];
      v[V] += step;
    }
    if (scale < 1e-6) {
      for (let i = 0; i <= V; i++) v[i] *= scale;
      scale = 1;
    }
  }
  for (let i = 0; i <= V; i++) v[i] *= scale;
  return v;
}

/** Decision values w·x + b for each document. */
export function scoreLinear(m: TfidfMatrix, w: Float64Array, docs: ArrayLike<number>): Float64Array {
  const out = new Float64Array(docs.length);
  const b = w[m.vocab.size];
  for (let i = 0; i < docs.length; i++) out[i] = rowDot(m, docs[i], w) + b;
  return out;
}
