import { countOf, TERM_ID_BITS, termIdOf } from '../text/terms.js';
import { runAtOnce, type Steps } from '../util/steps.js';
import { withRoomFor } from '../util/typed-arrays.js';
import { PaperCategories } from './paper-categories.js';
import { TermArena } from './term-arena.js';

/** Terms in fewer documents carry nothing that two papers could share (sklearn's min_df). */
export const LEXICON_MIN_DF = 2;
/** Terms in more than this fraction of the papers are too common to tell papers apart (arxiv-sanity's max_df). */
export const LEXICON_MAX_DF = 0.1;

/** Bit filters in front of term tables: 2^16 bits (8 KB, in L1), so most terms of a paper are rejected by one load. */
const FILTER_WORDS = 1 << 11;
/** Sublinear tf (1 + ln count) for every storable count. */
const TF = Float64Array.from({ length: 256 }, (_, c) => (c === 0 ? 0 : 1 + Math.log(c)));

/** The rows of a sparse matrix over local column ids (the per-user model trains on them: recommend/linear.ts). */
export interface SparseRows {
  rowPtr: Int32Array;
  cols: Int32Array;
  vals: Float32Array;
  /** Number of distinct columns. */
  width: number;
}

export interface FitOptions {
  /** Whose document frequencies weigh the terms: the fitted papers' own (the default), or the whole corpus's. */
  df?: 'corpus' | 'rows';
}

/** tf-idf fitted on some papers (Lexicon.fit): their rows, and the same weighting for others. */
export interface TfidfFit {
  rows: SparseRows;
  transform(seqs: ArrayLike<number>): SparseRows;
}

/** The l2 norm of a term vector's sublinear tf (Lexicon.norm says why without idf). */
function tfNorm(terms: Uint32Array): number {
  let sq = 0;
  for (let i = 0; i < terms.length; i++) sq += TF[terms[i] & 0xff] ** 2;
  return Math.sqrt(sq);
}

/** Scales vals[from, to) to unit l2 length (an all-zero row stays zero). */
function normalise(vals: Float32Array, from: number, to: number): void {
  let sq = 0;
  for (let j = from; j < to; j++) sq += vals[j] * vals[j];
  const inv = sq > 0 ? 1 / Math.sqrt(sq) : 0;
  for (let j = from; j < to; j++) vals[j] *= inv;
}

/** A whole lexicon as arrays (lexicon-file.ts): papers, their term vectors by offset, document frequencies, categories. */
export interface LexiconSnapshot {
  seqs: Int32Array;
  offsets: Int32Array;
  terms: Uint32Array;
  df: Uint32Array;
  /** The distinct category lists, and each paper's list number (aligned with seqs; -1: not known). */
  categories: { lists: (readonly string[])[]; listOf: Int32Array };
}

/**
 * Every stored paper's term vector (text/terms.ts) and the corpus's document frequencies, in memory: tf-idf
 * (sublinear tf, smooth idf, min_df 2, max_df 10%) weighed at query time, so idf is always current while
 * ingest only adds and removes counts. A derived cache like the HNSW index: IndexSync loads it from the store's
 * stored term vectors and replays the change log into it. It holds each paper's arXiv categories too (for the
 * similar-papers category prior), which the same change log keeps current.
 *
 * Cosines cost only the shared terms: the query's weights go into a small inverted table and each paper's terms probe it.
 * A paper is normalised by its own tf (norm() says why), fixed at ingest, so every process holding the same papers
 * computes the same numbers.
 */
export class Lexicon {
  private readonly df = new Uint32Array(1 << TERM_ID_BITS);
  private docs = new TermArena();
  /** Each paper's norm over its sublinear tf alone (see norm()), by seq. */
  private tfNorms = new Float32Array(1024);
  /** idf by df for df < 2^16, for the current paper count. */
  private idfByDf = new Float64Array(1 << 16);
  private idfFor = -1;
  /** Each paper's arXiv categories (for the similar-papers category prior), kept with its term vector. */
  private categories = new PaperCategories();

  get size(): number {
    return this.docs.size;
  }

  has(seq: number): boolean {
    return this.docs.has(seq);
  }

  /** Sets (or replaces) a paper's term vector, and its categories (without them, categoriesOf() does not know them). */
  set(seq: number, terms: Uint32Array, categories?: readonly string[]): void {
    this.delete(seq);
    this.docs.add(seq, terms);
    this.tfNorms = withRoomFor(this.tfNorms, seq);
    this.tfNorms[seq] = tfNorm(terms);
    if (categories) this.categories.set(seq, categories);
    for (let i = 0; i < terms.length; i++) this.df[termIdOf(terms[i])]++;
  }

  /** Forgets a paper (its arena slot is not reused: deletes are rare; a restart compacts). */
  delete(seq: number): void {
    const old = this.docs.remove(seq);
    if (!old) return;
    this.categories.delete(seq);
    for (let i = 0; i < old.length; i++) this.df[termIdOf(old[i])]--;
  }

  /** Smooth idf, or 0 for a term too rare or too common to count. */
  idf(id: number): number {
    return this.idfOfDf(this.df[id]);
  }

  private idfOfDf(df: number): number {
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
    if (liked.length === 1) return this.cosinesToOne(liked[0], seqs);
    const postings = new Postings(liked.reduce((n, l) => n + l.length, 0));
    const filter = new TermFilter();
    liked.forEach((terms, li) => {
      const start = postings.size;
      const norm = this.weighQuery(terms, (id, weight) => {
        postings.add(id, li, weight);
        filter.add(id);
      });
      postings.scale(start, norm > 0 ? 1 / norm : 0);
    });
    const best = new Float32Array(seqs.length);
    const closest = new Int32Array(seqs.length).fill(-1);
    const acc = new Float64Array(liked.length);
    const touched = new Int32Array(liked.length);
    const spans = this.docs.locate(seqs);
    for (let s = 0; s < seqs.length; s++) {
      if (spans[3 * s] < 0) continue;
      const terms = this.docs.chunk(spans[3 * s]);
      let nTouched = 0;
      for (let i = spans[3 * s + 1], end = spans[3 * s + 2]; i < end; i++) {
        const id = termIdOf(terms[i]);
        if (!filter.mayHave(id)) continue;
        const tf = TF[countOf(terms[i])];
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
      best[s] = acc[top] / this.tfNorms[seqs[s]];
      closest[s] = top;
      for (let t = 0; t < nTouched; t++) acc[touched[t]] = 0;
    }
    return { best, closest };
  }

  /**
   * maxCosines for one liked vector (similar papers, recommend from one paper): a weight per term instead of
   * postings lists, and one sum per paper instead of one per liked vector. The same numbers. Its scan stays its own
   * loop: through a shared scan with a callback per hit it was ~10% slower (200 real candidates, 0.26–0.29 vs 0.23–0.26 ms).
   */
  private cosinesToOne(query: Uint32Array, seqs: ArrayLike<number>): { best: Float32Array; closest: Int32Array } {
    const slots = new TermTable(query.length);
    const weights = new Float64Array(query.length);
    const filter = new TermFilter();
    let used = 0;
    const norm = this.weighQuery(query, (id, weight) => {
      let slot = slots.get(id);
      if (slot === TermTable.ABSENT) slots.set(id, (slot = used++));
      weights[slot] += weight;
      filter.add(id);
    });
    const inverseNorm = norm > 0 ? 1 / norm : 0;
    const best = new Float32Array(seqs.length);
    const closest = new Int32Array(seqs.length).fill(-1);
    const spans = this.docs.locate(seqs);
    for (let s = 0; s < seqs.length; s++) {
      if (spans[3 * s] < 0) continue;
      const terms = this.docs.chunk(spans[3 * s]);
      let dot = 0;
      for (let i = spans[3 * s + 1], end = spans[3 * s + 2]; i < end; i++) {
        const id = termIdOf(terms[i]);
        if (!filter.mayHave(id)) continue;
        const slot = slots.get(id);
        if (slot !== TermTable.ABSENT) dot += weights[slot] * TF[countOf(terms[i])];
      }
      if (dot === 0) continue;
      best[s] = (dot * inverseNorm) / this.tfNorms[seqs[s]];
      closest[s] = 0;
    }
    return { best, closest };
  }

  /**
   * Calls `each` with every counted term of a query's term vector and its weight w · idf, w its tf-idf (× a paper's
   * tf gives w · w_paper); returns ‖w‖.
   */
  private weighQuery(terms: Uint32Array, each: (id: number, weight: number) => void): number {
    // The document frequencies first, in a loop of independent loads: each is a cache miss in a 64 MB table, and
    // issued together they overlap (~40% less time than missing term by term).
    const dfs = new Uint32Array(terms.length);
    for (let i = 0; i < terms.length; i++) dfs[i] = this.df[termIdOf(terms[i])];
    let sq = 0;
    for (let i = 0; i < terms.length; i++) {
      const id = termIdOf(terms[i]);
      const idf = this.idfOfDf(dfs[i]);
      if (idf === 0) continue;
      const w = TF[countOf(terms[i])] * idf;
      sq += w * w;
      each(id, w * idf);
    }
    return Math.sqrt(sq);
  }

  /** fitSteps in one go. */
  fit(seqs: ArrayLike<number>, options: FitOptions = {}): TfidfFit {
    return runAtOnce(this.fitSteps(seqs, options));
  }

  /**
   * tf-idf fitted on these papers, for a model trained on them: their l2-normalised rows over local column ids
   * (terms that count only; a paper not in the lexicon gets an empty row), and `transform` for other papers over
   * the same columns (a term the fit did not count is left out, as sklearn's transform does). Columns are numbered
   * densely, so the model's weights stay small enough for the CPU cache. `df: 'rows'` (the default) weighs terms by
   * their frequencies among these papers (min_df 2, max_df 10% of them), as a tf-idf fitted on just them would:
   * words common in this neighbourhood tell its papers apart no better than stop words; `df: 'corpus'` by the
   * corpus's document frequencies.
   */
  *fitSteps(seqs: ArrayLike<number>, { df = 'rows' }: FitOptions = {}): Steps<TfidfFit> {
    const n = seqs.length;
    const idfOfCol: number[] = [];
    const vocabulary: number[] = []; // the counted terms' ids, ascending (runs come in id order); column = position
    const rows = yield* this.weighRows(seqs, idfOfCol, (id, freq) => {
      const idf = df === 'rows' ? (freq < LEXICON_MIN_DF || freq > LEXICON_MAX_DF * n ? 0 : Math.log((1 + n) / (1 + freq)) + 1) : this.idf(id);
      if (idf === 0) return -1;
      vocabulary.push(id);
      return idfOfCol.push(idf) - 1;
    });
    const ids = Uint32Array.from(vocabulary);
    const transform = (others: ArrayLike<number>): SparseRows => {
      let at = 0; // a merge walk: both the runs and the vocabulary ascend
      return runAtOnce(
        this.weighRows(others, idfOfCol, (id) => {
          while (at < ids.length && ids[at] < id) at++;
          return at < ids.length && ids[at] === id ? at : -1;
        }),
      );
    };
    return { rows, transform };
  }

  /**
   * The l2-normalised rows of these papers over the columns `columnFor` gives each distinct term (-1: not counted),
   * weighed by sublinear tf × the column's idf (`idf[column]`: columnFor may add columns to it as it goes). The occurrences are sorted by term id (a radix sort: a hash probe
   * per occurrence misses the cache at ~100 ns), so each distinct term is one run, handed to `columnFor` in
   * ascending id order with its frequency among the rows (a paper holds a term once). Yields between its three
   * passes (5,000 papers hold ~900k occurrences: ~15 ms a pass).
   */
  private *weighRows(seqs: ArrayLike<number>, idf: ArrayLike<number>, columnFor: (id: number, freq: number) => number): Steps<SparseRows> {
    const n = seqs.length;
    const rowPtr = new Int32Array(n + 1);
    for (let s = 0; s < n; s++) rowPtr[s + 1] = rowPtr[s] + this.docs.length(seqs[s]);
    const nnz = rowPtr[n];
    const packed = new Uint32Array(nnz);
    for (let s = 0; s < n; s++) {
      const terms = this.docs.termsOf(seqs[s]);
      if (terms) packed.set(terms, rowPtr[s]);
    }
    yield;
    const { sorted, positions } = yield* byTermId(packed);
    const cols = new Int32Array(nnz);
    for (let a = 0; a < nnz; ) {
      const id = sorted[a] >>> 8;
      let b = a + 1;
      while (b < nnz && sorted[b] >>> 8 === id) b++;
      const col = columnFor(id, b - a);
      for (; a < b; a++) cols[positions[a]] = col;
    }
    yield;
    // The weights, compacted in place (counted terms only) and l2-normalised per row.
    const vals = new Float32Array(nnz);
    let out = 0;
    for (let s = 0, from = 0; s < n; s++) {
      const start = out;
      const to = rowPtr[s + 1];
      for (let j = from; j < to; j++) {
        if (cols[j] < 0) continue;
        cols[out] = cols[j];
        vals[out++] = TF[packed[j] & 0xff] * idf[cols[j]];
      }
      normalise(vals, start, out);
      rowPtr[s] = start;
      from = to;
    }
    rowPtr[n] = out;
    return { rowPtr, cols: cols.subarray(0, out), vals: vals.subarray(0, out), width: idf.length };
  }

  /** Everything needed to rebuild this lexicon without the store (lexicon-file.ts writes it to disk). */
  snapshot(): LexiconSnapshot {
    const seqs = this.docs.seqs();
    const offsets = new Int32Array(seqs.length + 1);
    seqs.forEach((seq, i) => (offsets[i + 1] = offsets[i] + this.docs.length(seq)));
    const terms = new Uint32Array(offsets[seqs.length]);
    seqs.forEach((seq, i) => terms.set(this.docs.termsOf(seq)!, offsets[i]));
    return { seqs, offsets, terms, df: this.df, categories: this.categories.snapshot(seqs) };
  }

  /** The lexicon a snapshot describes (its arrays used in place, not copied), or null when its categories do not add up. */
  static fromSnapshot(snap: LexiconSnapshot): Lexicon | null {
    const lex = new Lexicon();
    const categories = PaperCategories.fromSnapshot(snap.seqs, snap.categories.lists, snap.categories.listOf);
    if (!categories) return null;
    lex.categories = categories;
    lex.df.set(snap.df);
    lex.docs = TermArena.over(snap.seqs, snap.offsets, snap.terms);
    snap.seqs.forEach((seq, i) => {
      lex.tfNorms = withRoomFor(lex.tfNorms, seq);
      lex.tfNorms[seq] = tfNorm(snap.terms.subarray(snap.offsets[i], snap.offsets[i + 1]));
    });
    return lex;
  }

  /** A stored paper's term vector. */
  termsOf(seq: number): Uint32Array | undefined {
    return this.docs.termsOf(seq);
  }

  /** A stored paper's arXiv categories, when they were set with its terms. */
  categoriesOf(seq: number): readonly string[] | undefined {
    return this.categories.of(seq);
  }

  /** Bytes held: document frequencies, the arena's term vectors and the norms. */
  bytes(): number {
    return this.df.byteLength + this.docs.bytes() + this.tfNorms.byteLength + this.categories.bytes();
  }
}

/**
 * `packed` (id << 8 | count) sorted by term id, with each entry's position: an LSD radix sort, two passes of 12 bits (a yield after each),
 * carrying the values along so the caller reads them in order.
 */
function* byTermId(packed: Uint32Array): Steps<{ sorted: Uint32Array; positions: Int32Array }> {
  const n = packed.length;
  let keys: Uint32Array = packed;
  let keysTo: Uint32Array = new Uint32Array(n);
  let [from, to] = [new Int32Array(n), new Int32Array(n)];
  for (let i = 0; i < n; i++) from[i] = i;
  const starts = new Int32Array(1 << 12);
  for (const shift of [8, 20]) {
    starts.fill(0);
    for (let i = 0; i < n; i++) starts[(keys[i] >>> shift) & 0xfff]++;
    for (let b = 0, sum = 0; b < starts.length; b++) {
      const c = starts[b];
      starts[b] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const at = starts[(keys[i] >>> shift) & 0xfff]++;
      keysTo[at] = keys[i];
      to[at] = from[i];
    }
    [keys, keysTo] = [keysTo, shift === 8 ? new Uint32Array(n) : keys];
    [from, to] = [to, from];
    yield;
  }
  return { sorted: keys, positions: from };
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

/**
 * A bit per term id's low 16 bits (8 KB, in L1), in front of a query's term table: most of a paper's terms are in
 * no query, and one load rejects them.
 */
class TermFilter {
  private readonly words = new Int32Array(FILTER_WORDS);

  add(id: number): void {
    this.words[(id >>> 5) & (FILTER_WORDS - 1)] |= 1 << (id & 31);
  }

  mayHave(id: number): boolean {
    return (this.words[(id >>> 5) & (FILTER_WORDS - 1)] & (1 << (id & 31))) !== 0;
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
