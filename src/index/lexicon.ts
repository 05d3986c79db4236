import { countOf, TERM_ID_BITS, termIdOf } from '../text/terms.js';

/** Terms in fewer documents carry nothing that two papers could share (sklearn's min_df). */
export const LEXICON_MIN_DF = 2;
/** Terms in more than this fraction of the papers are too common to tell papers apart (arxiv-sanity's max_df). */
export const LEXICON_MAX_DF = 0.1;

/** Bit filters in front of term tables: 2^16 bits (8 KB, in L1), so most terms of a paper are rejected by one load. */
const FILTER_WORDS = 1 << 11;
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
 * (sublinear tf, smooth idf, min_df 2, max_df 10%) weighed at query time, so idf is always current while
 * ingest only adds and removes counts. A derived cache like the HNSW index: IndexSync loads it from the store's
 * stored term vectors and replays the change log into it.
 *
 * Cosines cost only the shared terms: the query's weights go into a small inverted table and each paper's terms probe it.
 * A paper is normalised by its own tf (norm() says why), fixed at ingest, so every process holding the same papers
 * computes the same numbers.
 */
export class Lexicon {
  private readonly df = new Uint32Array(1 << TERM_ID_BITS);
  private readonly docs = new Map<number, Uint32Array>();
  private chunk = new Uint32Array(CHUNK_TERMS);
  private used = 0;
  /** Each paper's norm over its sublinear tf alone (see norm()), by seq. */
  private tfNorms = new Float32Array(1024);
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
    this.store(seq, terms);
    for (let i = 0; i < terms.length; i++) this.df[termIdOf(terms[i])]++;
  }

  /** A paper's term vector into the arena, with its tf norm (document frequencies are the caller's). */
  private store(seq: number, terms: Uint32Array): void {
    if (this.used + terms.length > this.chunk.length) {
      this.chunk = new Uint32Array(Math.max(CHUNK_TERMS, terms.length));
      this.used = 0;
    }
    const view = this.chunk.subarray(this.used, this.used + terms.length);
    view.set(terms);
    this.used += terms.length;
    let sq = 0;
    for (let i = 0; i < view.length; i++) sq += TF[view[i] & 0xff] ** 2;
    if (seq >= this.tfNorms.length) {
      const grown = new Float32Array(Math.max(seq + 1, 2 * this.tfNorms.length));
      grown.set(this.tfNorms);
      this.tfNorms = grown;
    }
    this.tfNorms[seq] = Math.sqrt(sq);
    this.docs.set(seq, view);
  }

  /** Forgets a paper (its arena slot is not reused: deletes are rare; a restart compacts). */
  delete(seq: number): void {
    const old = this.docs.get(seq);
    if (!old) return;
    for (let i = 0; i < old.length; i++) this.df[termIdOf(old[i])]--;
    this.docs.delete(seq);
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

  /**
   * The paper-side normaliser of a cosine: the l2 norm of the paper's sublinear tf, without idf. The query side
   * carries idf twice (w_query · idf), so the score is Σ tf_q·tf_p·idf² / (‖q‖·‖tf_p‖): the tf-idf cosine up to how
   * a paper's own rare words lengthen its norm. This keeps a paper's norm fixed from its ingest on: no lookup of
   * 200+ document frequencies per paper and request (each a cache miss in a 64 MB table), and nothing to
   * invalidate when the corpus grows. EVAL.md compares the result with tf-idf fitted per request.
   */
  norm(seq: number): number {
    return this.docs.has(seq) ? this.tfNorms[seq] : 0;
  }

  /** Cosine of a term vector (a stored paper's or any text's) with each of `seqs` (0 for unknown ones). */
  cosines(query: Uint32Array, seqs: ArrayLike<number>): Float32Array {
    return this.maxCosines([query], seqs).best;
  }

  /**
   * For each of `seqs`, its largest cosine to any of the `liked` term vectors and which one that was (-1: none
   * shares a counted term). The liked vectors go into one inverted table (w_liked · idf per term: × the paper's tf
   * gives w_liked · w_paper), fronted by a bit filter on the id's low bits: most of a paper's terms are in no liked
   * vector, and the filter rejects them with one load from L1. So a candidate costs its own terms.
   */
  maxCosines(liked: Uint32Array[], seqs: ArrayLike<number>): { best: Float32Array; closest: Int32Array } {
    const postings = new Postings(liked.reduce((n, l) => n + l.length, 0));
    const filter = new Int32Array(FILTER_WORDS);
    liked.forEach((terms, li) => {
      let norm = 0;
      const start = postings.size;
      for (let i = 0; i < terms.length; i++) {
        const idf = this.idf(termIdOf(terms[i]));
        if (idf === 0) continue;
        const w = TF[countOf(terms[i])] * idf;
        norm += w * w;
        postings.add(termIdOf(terms[i]), li, w * idf);
        filter[(termIdOf(terms[i]) >>> 5) & (FILTER_WORDS - 1)] |= 1 << (terms[i] >>> 8 & 31);
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
        const id = terms[i] >>> 8;
        if ((filter[(id >>> 5) & (FILTER_WORDS - 1)] & (1 << (id & 31))) === 0) continue;
        const tf = TF[terms[i] & 0xff];
        for (let p = postings.first(id); p >= 0; p = postings.next[p]) {
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
   * The l2-normalised tf-idf rows of these papers (terms that count only) over local column ids, for a model trained
   * on just these papers; a paper not in the lexicon gets an empty row. Each distinct term's idf is read once (a
   * feed's 2,000 candidates hold ~300k term occurrences, ~140k distinct terms), and the columns are numbered densely,
   * so the model's weights stay small enough for the CPU cache.
   */
  rows(seqs: ArrayLike<number>): SparseRows {
    let nnz = 0;
    for (let s = 0; s < seqs.length; s++) nnz += this.docs.get(seqs[s])?.length ?? 0;
    const table = new TermTable(nnz); // at most nnz distinct terms
    const NOT_COUNTED = -2; // seen, idf 0
    const idfOf: number[] = [];
    const rowPtr = new Int32Array(seqs.length + 1);
    const cols = new Int32Array(nnz);
    const vals = new Float32Array(nnz);
    let k = 0;
    for (let s = 0; s < seqs.length; s++) {
      const terms = this.docs.get(seqs[s]);
      const start = k;
      let norm = 0;
      if (terms) {
        for (let i = 0; i < terms.length; i++) {
          const id = terms[i] >>> 8;
          let col = table.get(id);
          if (col === TermTable.ABSENT) {
            const idf = this.idf(id);
            col = idf === 0 ? NOT_COUNTED : idfOf.push(idf) - 1;
            table.set(id, col);
          }
          if (col === NOT_COUNTED) continue;
          const w = TF[terms[i] & 0xff] * idfOf[col];
          cols[k] = col;
          vals[k++] = w;
          norm += w * w;
        }
      }
      const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
      for (let j = start; j < k; j++) vals[j] *= inv;
      rowPtr[s + 1] = k;
    }
    return { rowPtr, cols: cols.subarray(0, k), vals: vals.subarray(0, k), width: idfOf.length };
  }

  /** Everything needed to rebuild this lexicon without the store (lexicon-file.ts writes it to disk). */
  snapshot(): { seqs: Int32Array; offsets: Int32Array; terms: Uint32Array; df: Uint32Array } {
    const seqs = Int32Array.from(this.docs.keys());
    const offsets = new Int32Array(seqs.length + 1);
    seqs.forEach((seq, i) => (offsets[i + 1] = offsets[i] + this.docs.get(seq)!.length));
    const terms = new Uint32Array(offsets[seqs.length]);
    seqs.forEach((seq, i) => terms.set(this.docs.get(seq)!, offsets[i]));
    return { seqs, offsets, terms, df: this.df };
  }

  /** The lexicon a snapshot describes; its arrays are used in place, not copied. */
  static fromSnapshot(snap: { seqs: Int32Array; offsets: Int32Array; terms: Uint32Array; df: Uint32Array }): Lexicon {
    const lex = new Lexicon();
    lex.df.set(snap.df);
    lex.tfNorms = new Float32Array(snap.seqs.reduce((m, seq) => Math.max(m, seq + 1), 1024));
    snap.seqs.forEach((seq, i) => {
      const view = snap.terms.subarray(snap.offsets[i], snap.offsets[i + 1]);
      let sq = 0;
      for (let j = 0; j < view.length; j++) sq += TF[view[j] & 0xff] ** 2;
      lex.tfNorms[seq] = Math.sqrt(sq);
      lex.docs.set(seq, view);
    });
    return lex;
  }

  /** A stored paper's term vector. */
  termsOf(seq: number): Uint32Array | undefined {
    return this.docs.get(seq);
  }

  /** Bytes held: document frequencies, the arena's term vectors and the norms. */
  bytes(): number {
    let terms = 0;
    for (const v of this.docs.values()) terms += v.byteLength;
    return this.df.byteLength + terms + this.tfNorms.byteLength;
  }
}

/** An open-addressing map from term id to a non-negative integer, (id, value) side by side: one cache line a probe. */
class TermTable {
  static readonly ABSENT = -1;
  private readonly slots: Int32Array;
  private readonly mask: number;

  /** Room for `n` entries at load ≤ 1/2. */
  constructor(n: number) {
    let cap = 16;
    while (cap < 2 * n) cap <<= 1;
    this.slots = new Int32Array(2 * cap).fill(-1);
    this.mask = cap - 1;
  }

  private slot(id: number): number {
    let i = Math.imul(id, 0x9e3779b1) >>> 0;
    for (i &= this.mask; this.slots[2 * i] !== -1 && this.slots[2 * i] !== id; i = (i + 1) & this.mask);
    return 2 * i;
  }

  set(id: number, value: number): void {
    const i = this.slot(id);
    this.slots[i] = id;
    this.slots[i + 1] = value;
  }

  /** The value, or ABSENT. */
  get(id: number): number {
    const i = this.slot(id);
    return this.slots[i] === id ? this.slots[i + 1] : TermTable.ABSENT;
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
    this.next[p] = this.heads.get(id); // ABSENT (-1) ends the list
    this.heads.set(id, p);
  }

  /** Multiplies the weights added since `start` (one liked paper's, by its inverse norm). */
  scale(start: number, by: number): void {
    for (let p = start; p < this.size; p++) this.weight[p] *= by;
  }

  first(id: number): number {
    return this.heads.get(id);
  }
}
