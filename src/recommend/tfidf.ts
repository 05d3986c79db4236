/**
 * TF-IDF baseline in the style of arxiv-sanity-lite (sklearn TfidfVectorizer with word uni+bigrams, English stop
 * words, min_df, max_df = 0.1, sublinear tf, smooth idf, l2 norm), stored as a sparse CSR matrix plus an inverted
 * index (CSC) so cosine against every document costs only the postings of the query's terms.
 */

import type { SparseRows } from '../index/lexicon.js';
import { terms } from '../text/terms.js';

export { terms };

export interface TfidfOptions {
  minDf?: number;
  /** Fraction of documents; terms in more are dropped. */
  maxDf?: number;
  maxFeatures?: number;
  bigrams?: boolean;
}

export interface TfidfMatrix extends SparseRows {
  n: number;
  vocab: Map<string, number>;
  idf: Float32Array;
  /** CSR rows: document i has entries rowPtr[i] … rowPtr[i+1]-1 (cols ascending). */
  rowPtr: Int32Array;
  cols: Int32Array;
  vals: Float32Array;
  /** CSC / inverted index: term t is in docs colDocs[colPtr[t] … colPtr[t+1]-1]. */
  colPtr: Int32Array;
  colDocs: Int32Array;
  colVals: Float32Array;
}

export function buildTfidf(texts: string[], opts: TfidfOptions = {}): TfidfMatrix {
  const minDf = opts.minDf ?? 5;
  const maxDf = Math.floor((opts.maxDf ?? 0.1) * texts.length);
  const maxFeatures = opts.maxFeatures ?? 50_000;
  const bigrams = opts.bigrams ?? true;
  const n = texts.length;

  // Tokenise once: the term lists serve both the document frequencies and the rows.
  const docTerms = texts.map((t) => terms(t, bigrams));
  const df = new Map<string, number>();
  for (const ts of docTerms) for (const w of new Set(ts)) df.set(w, (df.get(w) ?? 0) + 1);
  const kept = [...df.entries()].filter(([, d]) => d >= minDf && d <= maxDf);
  df.clear();
  kept.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const chosen = kept.slice(0, maxFeatures).sort((a, b) => (a[0] < b[0] ? -1 : 1));
  const vocab = new Map<string, number>();
  const idf = new Float32Array(chosen.length);
  chosen.forEach(([w, d], i) => {
    vocab.set(w, i);
    idf[i] = Math.log((1 + n) / (1 + d)) + 1;
  });

  const rowPtr = new Int32Array(n + 1);
  const colsList: number[] = [];
  const valsList: number[] = [];
  for (let i = 0; i < n; i++) {
    const tf = new Map<number, number>();
    for (const w of docTerms[i]) {
      const c = vocab.get(w);
      if (c !== undefined) tf.set(c, (tf.get(c) ?? 0) + 1);
    }
    const entries = [...tf.entries()].sort((a, b) => a[0] - b[0]);
    let norm = 0;
    const ws = entries.map(([c, f]) => {
      const x = (1 + Math.log(f)) * idf[c];
      norm += x * x;
      return x;
    });
    norm = Math.sqrt(norm) || 1;
    entries.forEach(([c], j) => {
      colsList.push(c);
      valsList.push(ws[j] / norm);
    });
    rowPtr[i + 1] = colsList.length;
  }
  const cols = Int32Array.from(colsList);
  const vals = Float32Array.from(valsList);

  const V = vocab.size;
  const colPtr = new Int32Array(V + 1);
  for (const c of cols) colPtr[c + 1]++;
  for (let t = 0; t < V; t++) colPtr[t + 1] += colPtr[t];
  const fill = colPtr.slice(0, V);
  const colDocs = new Int32Array(cols.length);
  const colVals = new Float32Array(cols.length);
  for (let i = 0; i < n; i++) {
    for (let j = rowPtr[i]; j < rowPtr[i + 1]; j++) {
      const pos = fill[cols[j]]++;
      colDocs[pos] = i;
      colVals[pos] = vals[j];
    }
  }
  return { n, vocab, idf, rowPtr, cols, vals, colPtr, colDocs, colVals, width: vocab.size };
}

/** Cosine of document `doc` with every document, written into `out` (length n; overwritten). */
export function cosineAll(m: TfidfMatrix, doc: number, out: Float32Array): Float32Array {
  out.fill(0);
  for (let j = m.rowPtr[doc]; j < m.rowPtr[doc + 1]; j++) {
    const t = m.cols[j];
    const w = m.vals[j];
    for (let p = m.colPtr[t]; p < m.colPtr[t + 1]; p++) out[m.colDocs[p]] += w * m.colVals[p];
  }
  return out;
}

/** For each candidate doc, its maximum cosine to any of the `history` docs. */
export function maxCosine(m: TfidfMatrix, history: number[], candidates: Int32Array): Float32Array {
  const best = new Float32Array(candidates.length).fill(-Infinity);
  const tmp = new Float32Array(m.n);
  for (const h of history) {
    cosineAll(m, h, tmp);
    for (let i = 0; i < candidates.length; i++) {
      const s = tmp[candidates[i]];
      if (s > best[i]) best[i] = s;
    }
  }
  return best;
}

/** Sparse row · dense weights. */
export function rowDot(m: SparseRows, doc: number, w: Float64Array): number {
  let s = 0;
  for (let j = m.rowPtr[doc]; j < m.rowPtr[doc + 1]; j++) s += m.vals[j] * w[m.cols[j]];
  return s;
}
