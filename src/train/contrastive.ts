import type { TokenizedTexts } from './corpus.js';
import { rng as mulberry32 } from '../util/random.js';

/**
 * Trains a static embedding table so that a paper's title and its abstract embed close together and far from
 * other papers' (symmetric in-batch-negatives / multiple-negatives ranking loss). The model is mean pooling of
 * table rows then L2 normalisation, so forward and backward are small enough to write by hand:
 *   s = Σ_t E[t] / n,  q = s / |s|,  logits = scale · Q Aᵀ,  loss = ½ (CE(rows) + CE(columns)) with the diagonal as target
 *   dq_i = scale Σ_j G_ij a_j,  ds = (dq − q (q·dq)) / |s|,  dE[t] += ds / n for every token t of the text.
 * Only rows that occur in a batch get gradients: sparse Adagrad on those rows.
 */
export interface TrainOptions {
  dim: number;
  batchSize: number;
  scale: number;
  lr: number;
  epochs: number;
  /** Pull toward the starting table (λ·(E − E0)), against overfitting the corpus. */
  l2ToInit: number;
  seed: number;
  /** Rows below this id (the special tokens) stay fixed. */
  frozenBelow: number;
  log?: (msg: string) => void;
}

export interface EpochReport {
  epoch: number;
  trainLoss: number;
  valLoss: number;
  /** Title → its own abstract ranked first among the batch's abstracts. */
  valAccuracy: number;
  seconds: number;
}


/** Mean-pooled, normalised vectors of texts `which` into out (B×dim); returns the pre-normalisation norms. */
function pool(table: Float32Array, texts: TokenizedTexts, which: number[], dim: number, out: Float32Array): Float32Array {
  const norms = new Float32Array(which.length);
  out.fill(0);
  which.forEach((t, b) => {
    const start = texts.offsets[t];
    const end = texts.offsets[t + 1];
    const o = b * dim;
    for (let p = start; p < end; p++) {
      const r = texts.ids[p] * dim;
      for (let d = 0; d < dim; d++) out[o + d] += table[r + d];
    }
    let norm = 0;
    for (let d = 0; d < dim; d++) {
      out[o + d] /= end - start;
      norm += out[o + d] * out[o + d];
    }
    norm = Math.max(Math.sqrt(norm), 1e-12);
    norms[b] = norm;
    for (let d = 0; d < dim; d++) out[o + d] /= norm;
  });
  return norms;
}

/** Loss, accuracy and dLoss/dLogits for one batch (logits = scale · Q Aᵀ). */
function lossAndGrad(Q: Float32Array, A: Float32Array, B: number, dim: number, scale: number) {
  const logits = new Float64Array(B * B);
  for (let i = 0; i < B; i++)
    for (let j = 0; j < B; j++) {
      let dot = 0;
      for (let d = 0; d < dim; d++) dot += Q[i * dim + d] * A[j * dim + d];
      logits[i * B + j] = scale * dot;
    }
  const G = new Float64Array(B * B);
  let loss = 0;
  let correct = 0;
  for (const byRow of [true, false]) {
    for (let i = 0; i < B; i++) {
      const at = (j: number) => (byRow ? i * B + j : j * B + i);
      let max = -Infinity;
      let argmax = 0;
      for (let j = 0; j < B; j++) if (logits[at(j)] > max) [max, argmax] = [logits[at(j)], j];
      let sum = 0;
      for (let j = 0; j < B; j++) sum += Math.exp(logits[at(j)] - max);
      loss += -(logits[at(i)] - max - Math.log(sum)) / (2 * B);
      if (byRow && argmax === i) correct++;
      for (let j = 0; j < B; j++) G[at(j)] += (Math.exp(logits[at(j)] - max) / sum - (i === j ? 1 : 0)) / (2 * B);
    }
  }
  return { loss, accuracy: correct / B, G };
}

export function trainTable(
  table: Float32Array,
  titles: TokenizedTexts,
  abstracts: TokenizedTexts,
  trainIdx: number[],
  valIdx: number[],
  o: TrainOptions,
): EpochReport[] {
  const { dim, batchSize: B, scale } = o;
  const rows = table.length / dim;
  const init = Float32Array.from(table);
  const hist = new Float32Array(table.length).fill(0.1); // Adagrad accumulator, started above zero
  const grad = new Float32Array(table.length);
  const touched = new Uint8Array(rows);
  const touchedList: number[] = [];
  const Q = new Float32Array(B * dim);
  const A = new Float32Array(B * dim);
  const random = mulberry32(o.seed);
  const reports: EpochReport[] = [];

  /** Backpropagates dLoss/dpooled of one side into the rows of its texts. */
  const scatter = (texts: TokenizedTexts, which: number[], V: Float32Array, norms: Float32Array, dV: Float64Array) => {
    which.forEach((t, b) => {
      const o2 = b * dim;
      let proj = 0;
      for (let d = 0; d < dim; d++) proj += V[o2 + d] * dV[o2 + d];
      const start = texts.offsets[t];
      const end = texts.offsets[t + 1];
      const k = 1 / (norms[b] * (end - start));
      for (let p = start; p < end; p++) {
        const id = texts.ids[p];
        if (id < o.frozenBelow) continue;
        if (!touched[id]) {
          touched[id] = 1;
          touchedList.push(id);
        }
        const r = id * dim;
        for (let d = 0; d < dim; d++) grad[r + d] += (dV[o2 + d] - V[o2 + d] * proj) * k;
      }
    });
  };

  const evaluate = () => {
    let loss = 0;
    let acc = 0;
    let batches = 0;
    for (let s = 0; s + B <= valIdx.length; s += B) {
      const batch = valIdx.slice(s, s + B);
      pool(table, titles, batch, dim, Q);
      pool(table, abstracts, batch, dim, A);
      const r = lossAndGrad(Q, A, B, dim, scale);
      loss += r.loss;
      acc += r.accuracy;
      batches++;
    }
    return { loss: loss / Math.max(1, batches), accuracy: acc / Math.max(1, batches) };
  };

  const before = evaluate();
  o.log?.(`epoch 0: val loss ${before.loss.toFixed(4)}, val acc ${before.accuracy.toFixed(4)}`);
  reports.push({ epoch: 0, trainLoss: NaN, valLoss: before.loss, valAccuracy: before.accuracy, seconds: 0 });
  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    const started = Date.now();
    const order = [...trainIdx];
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    let lossSum = 0;
    let batches = 0;
    for (let s = 0; s + B <= order.length; s += B) {
      const batch = order.slice(s, s + B);
      const qNorms = pool(table, titles, batch, dim, Q);
      const aNorms = pool(table, abstracts, batch, dim, A);
      const { loss, G } = lossAndGrad(Q, A, B, dim, scale);
      lossSum += loss;
      batches++;
      const dQ = new Float64Array(B * dim);
      const dA = new Float64Array(B * dim);
      for (let i = 0; i < B; i++)
        for (let j = 0; j < B; j++) {
          const g = scale * G[i * B + j];
          if (g === 0) continue;
          for (let d = 0; d < dim; d++) {
            dQ[i * dim + d] += g * A[j * dim + d];
            dA[j * dim + d] += g * Q[i * dim + d];
          }
        }
      scatter(titles, batch, Q, qNorms, dQ);
      scatter(abstracts, batch, A, aNorms, dA);
      for (const id of touchedList) {
        const r = id * dim;
        for (let d = 0; d < dim; d++) {
          const g = grad[r + d] + o.l2ToInit * (table[r + d] - init[r + d]);
          hist[r + d] += g * g;
          table[r + d] -= (o.lr * g) / Math.sqrt(hist[r + d]);
          grad[r + d] = 0;
        }
        touched[id] = 0;
      }
      touchedList.length = 0;
    }
    const val = evaluate();
    const report = { epoch, trainLoss: lossSum / batches, valLoss: val.loss, valAccuracy: val.accuracy, seconds: (Date.now() - started) / 1000 };
    reports.push(report);
    o.log?.(
      `epoch ${epoch}: train loss ${report.trainLoss.toFixed(4)}, val loss ${val.loss.toFixed(4)}, ` +
        `val acc ${val.accuracy.toFixed(4)} (${report.seconds.toFixed(1)} s)`,
    );
  }
  return reports;
}
