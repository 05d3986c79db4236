import { countOf, TERM_ID_BITS, termIdOf } from '../text/terms.js';

/** Terms in fewer documents carry nothing that two papers could share (sklearn's min_df). */
export const LEXICON_MIN_DF = 2;
/** Terms in more than this fraction of the papers are too common to tell papers apart (arxiv-sanity's max_df). */
export const LEXICON_MAX_DF = 0.1;

/** Sublinear tf (1 + ln count) for every storable count. */
const TF = Float64Array.from({ length: 256 }, (_, c) => (c === 0 ? 0 : 1 + Math.log(c)));
/** Each arena chunk holds this many packed terms (16 MB); a paper's terms are a view into one chunk. */
const CHUNK_TERMS = 4 << 20;

/** The rows of a sparse matrix over local column ids (the per-user model trains on them: recommend/linear.ts). */
export interface SparseRows {
  rowPtr: Int32Array;
  cols: Int32Array;
  vals: Float32Array;
  /** Number of distinct columns. */
  width: number;
}

/**
 * Every stored paper's term vector (text/terms.ts) and the corpus's document frequencies, in memory: tf-idf
 * (sublinear tf, smooth idf, l2 norm, min_df 2, max_df 10%) weighed at query time, so idf is always current while
 * ingest only adds and removes counts. A derived cache like the HNSW index: IndexSync loads it from the store's
 * stored term vectors and replays the change log into it.
 *
 * Cosines cost only the shared terms: the query's weights go into a small hash table and each paper's terms probe it.
 * A paper's norm needs every term's df; it is cached per paper and valid while nothing changed (`epoch`), so every
 * process at the same change-log version computes the same numbers.
 */
export class Lexicon {
  private readonly df = new Uint32Array(1 << TERM_ID_BITS);
  private readonly docs = new Map<number, Uint32Array>();
  private chunk = new Uint32Array(CHUNK_TERMS);
  private used = 0;
  private epoch = 1;
  private norms = new Float64Array(1024);
  private normEpochs = new Uint32Array(1024);
  /** idf by df for df < 2^16, for the current paper count. */
  private idfByDf = new Float64Array(1 << 16);
  private idfFor = -1;

  get size(): number {
    return this.docs.size;
  }

  has(seq: number): boolean {
    return this.docs.has(seq);
  }

  /** Sets (or replaces) a paper's term vector. */
  set(seq: number, terms: Uint32Array): void {
    this.delete(seq);
    if (this.used + terms.length > this.chunk.length) {
      this.chunk = new Uint32Array(Math.max(CHUNK_TERMS, terms.length));
      this.used = 0;
    }
    const view = this.chunk.subarray(this.used, this.used + terms.length);
    view.set(terms);
    this.used += terms.length;
    for (let i = 0; i < view.length; i++) this.df[termIdOf(view[i])]++;
    this.docs.set(seq, view);
    this.epoch++;
  }

  /** Forgets a paper (its arena slot is not reused: deletes are rare; a restart compacts). */
  delete(seq: number): void {
    const old = this.docs.get(seq);
    if (!old) return;
    for (let i = 0; i < old.length; i++) this.df[termIdOf(old[i])]--;
    this.docs.delete(seq);
    this.epoch++;
  }

  /** Smooth idf, or 0 for a term too rare or too common to count. */
  idf(id: number): number {
    const df = this.df[id];
    const n = this.docs.size;
    if (df < LEXICON_MIN_DF || df > LEXICON_MAX_DF * n) return 0;
    if (df < this.idfByDf.length) {
      if (this.idfFor !== n) {
        for (let d = 0; d < this.idfByDf.length; d++) this.idfByDf[d] = Math.log((1 + n) / (1 + d)) + 1;
        this.idfFor = n;
      }
      return this.idfByDf[df];
    }
    return Math.log((1 + n) / (1 + df)) + 1;
  }

  /** A stored paper's tf-idf norm (0 when it has no counted term or is unknown). */
  norm(seq: number): number {
    if (seq >= this.norms.length) {
      const size = Math.max(seq + 1, 2 * this.norms.length);
      const [norms, epochs] = [new Float64Array(size), new Uint32Array(size)];
      norms.set(this.norms);
      epochs.set(this.normEpochs);
      [this.norms, this.normEpochs] = [norms, epochs];
    }
    if (this.normEpochs[seq] === this.epoch) return this.norms[seq];
    const terms = this.docs.get(seq);
    let sum = 0;
    if (terms) {
      for (let i = 0; i < terms.length; i++) {
        const w = TF[countOf(terms[i])] * this.idf(termIdOf(terms[i]));
        sum += w * w;
      }
    }
    this.norms[seq] = Math.sqrt(sum);
    this.normEpochs[seq] = this.epoch;
    return this.norms[seq];
  }

  /** Cosine of a term vector (a stored paper's or any text's) with each of `seqs` (0 for unknown ones). */
  cosines(query: Uint32Array, seqs: ArrayLike<number>): Float32Array {
    const table = new TermTable(query.length);
    let qNorm = 0;
    for (let i = 0; i < query.length; i++) {
      const idf = this.idf(termIdOf(query[i]));
      if (idf === 0) continue;
      const w = TF[countOf(query[i])] * idf;
      qNorm += w * w;
      table.put(termIdOf(query[i]), w * idf); // × the paper's tf gives w_query · w_paper
    }
    const out = new Float32Array(seqs.length);
    if (qNorm === 0) return out;
    qNorm = Math.sqrt(qNorm);
    for (let s = 0; s < seqs.length; s++) {
      const terms = this.docs.get(seqs[s]);
      if (!terms) continue;
      let dot = 0;
      for (let i = 0; i < terms.length; i++) {
        const w = table.get(termIdOf(terms[i]));
        if (w !== 0) dot += w * TF[countOf(terms[i])];
      }
      if (dot !== 0) out[s] = dot / (qNorm * this.norm(seqs[s]));
    }
    return out;
  }

  /**
   * For each of `seqs`, its largest cosine to any of the `liked` term vectors and which one that was (-1: none
   * shares a counted term). The liked vectors go into one inverted table, so a candidate costs its own terms.
   */
  maxCosines(liked: Uint32Array[], seqs: ArrayLike<number>): { best: Float32Array; closest: Int32Array } {
    const postings = new Postings(liked.reduce((n, l) => n + l.length, 0));
    liked.forEach((terms, li) => {
      let norm = 0;
      const start = postings.size;
      for (let i = 0; i < terms.length; i++) {
        const idf = this.idf(termIdOf(terms[i]));
        if (idf === 0) continue;
        const w = TF[countOf(terms[i])] * idf;
        norm += w * w;
        postings.add(termIdOf(terms[i]), li, w * idf);
      }
      postings.scale(start, norm > 0 ? 1 / Math.sqrt(norm) : 0);
    });
    const best = new Float32Array(seqs.length);
    const closest = new Int32Array(seqs.length).fill(-1);
    const acc = new Float64Array(liked.length);
    const touched = new Int32Array(liked.length);
    for (let s = 0; s < seqs.length; s++) {
      const terms = this.docs.get(seqs[s]);
      if (!terms) continue;
      let nTouched = 0;
      for (let i = 0; i < terms.length; i++) {
        const tf = TF[countOf(terms[i])];
        for (let p = postings.first(termIdOf(terms[i])); p >= 0; p = postings.next[p]) {
          const li = postings.liked[p];
          if (acc[li] === 0) touched[nTouched++] = li;
          acc[li] += postings.weight[p] * tf;
        }
      }
      if (nTouched === 0) continue;
      let top = -1;
      for (let t = 0; t < nTouched; t++) {
        const li = touched[t];
        if (top < 0 || acc[li] > acc[top] || (acc[li] === acc[top] && li < top)) top = li;
      }
      best[s] = acc[top] / this.norm(seqs[s]);
      closest[s] = top;
      for (let t = 0; t < nTouched; t++) acc[touched[t]] = 0;
    }
    return { best, closest };
  }

  /**
   * The l2-normalised tf-idf rows of these papers over local column ids (terms that count only), for a model
   * trained on just these papers; a paper not in the lexicon gets an empty row.
   */
  rows(seqs: ArrayLike<number>): SparseRows {
    let nnz = 0;
    for (let s = 0; s < seqs.length; s++) nnz += this.docs.get(seqs[s])?.length ?? 0;
    const table = new TermTable(Math.min(nnz, 1 << 20));
    const rowPtr = new Int32Array(seqs.length + 1);
    const cols = new Int32Array(nnz);
    const vals = new Float32Array(nnz);
    let width = 0;
    let k = 0;
    for (let s = 0; s < seqs.length; s++) {
      const terms = this.docs.get(seqs[s]);
      const start = k;
      let norm = 0;
      if (terms) {
        for (let i = 0; i < terms.length; i++) {
          const id = termIdOf(terms[i]);
          const idf = this.idf(id);
          if (idf === 0) continue;
          let col = table.get(id) - 1;
          if (col < 0) {
            col = width++;
            table.put(id, col + 1);
          }
          const w = TF[countOf(terms[i])] * idf;
          cols[k] = col;
          vals[k++] = w;
          norm += w * w;
        }
      }
      const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
      for (let j = start; j < k; j++) vals[j] *= inv;
      rowPtr[s + 1] = k;
    }
    return { rowPtr, cols: cols.subarray(0, k), vals: vals.subarray(0, k), width };
  }

  /** A stored paper's term vector. */
  termsOf(seq: number): Uint32Array | undefined {
    return this.docs.get(seq);
  }

  /** Bytes held: document frequencies, the arena's term vectors and the norm cache. */
  bytes(): number {
    let terms = 0;
    for (const v of this.docs.values()) terms += v.byteLength;
    return this.df.byteLength + terms + this.norms.byteLength + this.normEpochs.byteLength;
  }
}

/** An open-addressing map from term id to a number (0 = absent), sized for `n` entries at load ≤ 1/2. */
class TermTable {
  private readonly keys: Int32Array;
  private readonly vals: Float64Array;
  private readonly mask: number;

  constructor(n: number) {
    let cap = 16;
    while (cap < 2 * n) cap <<= 1;
    this.keys = new Int32Array(cap).fill(-1);
    this.vals = new Float64Array(cap);
    this.mask = cap - 1;
  }

  private slot(id: number): number {
    let i = Math.imul(id, 0x9e3779b1) >>> 0;
    for (i &= this.mask; this.keys[i] !== -1 && this.keys[i] !== id; i = (i + 1) & this.mask);
    return i;
  }

  put(id: number, value: number): void {
    const i = this.slot(id);
    if (this.keys[i] === -1) this.keys[i] = id;
    this.vals[i] += value; // a term appears once per vector: the sum only matters for hash-equal ids
  }

  set(id: number, value: number): void {
    const i = this.slot(id);
    this.keys[i] = id;
    this.vals[i] = value;
  }

  get(id: number): number {
    const i = this.slot(id);
    return this.keys[i] === id ? this.vals[i] : 0;
  }
}

/** Term id → a linked list of (liked paper, weight): maxCosines' inverted table. */
class Postings {
  readonly liked: Int32Array;
  readonly weight: Float64Array;
  readonly next: Int32Array;
  private readonly heads: TermTable;
  size = 0;

  constructor(capacity: number) {
    this.liked = new Int32Array(capacity);
    this.weight = new Float64Array(capacity);
    this.next = new Int32Array(capacity);
    this.heads = new TermTable(capacity);
  }

  add(id: number, liked: number, weight: number): void {
    const p = this.size++;
    this.liked[p] = liked;
    this.weight[p] = weight;
    this.next[p] = this.heads.get(id) - 1;
    this.heads.set(id, p + 1);
  }

  /** Multiplies the weights added since `start` (one liked paper's, by its inverse norm). */
  scale(start: number, by: number): void {
    for (let p = start; p < this.size; p++) this.weight[p] *= by;
  }

  first(id: number): number {
    return this.heads.get(id) - 1;
  }
}
