import { withRoomFor } from '../util/typed-arrays.js';

/** New arena chunks hold this many terms (16 MB); a lexicon read from its file is one chunk of its own size. */
const CHUNK_TERMS = 4 << 20;

/** Sink for reads done only to start cache misses early (a module variable, so the JIT cannot drop them). */
let touchSink = 0;

/**
 * The papers' term vectors in memory: arena chunks, and by seq a span (chunk, start, end) in a flat Int32Array. A
 * request re-ranks ~200 papers scattered over the corpus: finding each one's terms costs one load from the span
 * table, where a Map of subarray views cost a hash probe and the view object, ~3 dependent cache misses (the
 * re-rank was a third slower; BENCHMARKS.md, index speed).
 */
export class TermArena {
  private chunks: Uint32Array[] = [];
  private used = 0;
  /** 3 × seq: chunk (-1: no paper), start, end. */
  private spans = new Int32Array(3 * 1024).fill(-1);
  private count = 0;

  get size(): number {
    return this.count;
  }

  has(seq: number): boolean {
    return 3 * seq < this.spans.length && this.spans[3 * seq] >= 0;
  }

  /** Stores a copy of a paper's terms (the paper must not be held already). */
  add(seq: number, terms: Uint32Array): void {
    let chunk = this.chunks.at(-1);
    if (!chunk || this.used + terms.length > chunk.length) {
      chunk = new Uint32Array(Math.max(CHUNK_TERMS, terms.length));
      this.chunks.push(chunk);
      this.used = 0;
    }
    chunk.set(terms, this.used);
    this.place(seq, this.chunks.length - 1, this.used, this.used + terms.length);
    this.used += terms.length;
  }

  /** Forgets a paper and returns its terms (its arena slot is not reused: deletes are rare; a restart compacts). */
  remove(seq: number): Uint32Array | undefined {
    const terms = this.termsOf(seq);
    if (terms) {
      this.spans[3 * seq] = -1;
      this.count--;
    }
    return terms;
  }

  /** A view of a paper's terms, or undefined when it is not held. */
  termsOf(seq: number): Uint32Array | undefined {
    if (!this.has(seq)) return undefined;
    const at = 3 * seq;
    return this.chunks[this.spans[at]].subarray(this.spans[at + 1], this.spans[at + 2]);
  }

  length(seq: number): number {
    return this.has(seq) ? this.spans[3 * seq + 2] - this.spans[3 * seq + 1] : 0;
  }

  /**
   * Where each of `seqs`' terms are, 3 numbers each (chunk, -1 for a paper not held; start; end), each read once at
   * its start and middle: candidates lie anywhere in the arena, and one loop issuing all these cache misses together,
   * before the scan needs them, overlaps them instead of missing paper by paper.
   */
  locate(seqs: ArrayLike<number>): Int32Array {
    const out = new Int32Array(3 * seqs.length).fill(-1);
    let sink = 0;
    for (let s = 0; s < seqs.length; s++) {
      const at = 3 * seqs[s];
      if (at >= this.spans.length || this.spans[at] < 0) continue;
      const chunk = this.spans[at];
      const start = this.spans[at + 1];
      const end = this.spans[at + 2];
      out[3 * s] = chunk;
      out[3 * s + 1] = start;
      out[3 * s + 2] = end;
      if (end > start) sink |= this.chunks[chunk][start] | this.chunks[chunk][(start + end) >> 1];
    }
    touchSink = sink;
    return out;
  }

  /** An arena chunk, for a scan over spans from locate(). */
  chunk(i: number): Uint32Array {
    return this.chunks[i];
  }

  /** The seqs held, ascending. */
  seqs(): Int32Array {
    const out = new Int32Array(this.count);
    for (let seq = 0, k = 0; 3 * seq < this.spans.length; seq++) if (this.spans[3 * seq] >= 0) out[k++] = seq;
    return out;
  }

  /** Bytes held by live terms and the span table. */
  bytes(): number {
    let terms = 0;
    for (const seq of this.seqs()) terms += 4 * this.length(seq);
    return terms + this.spans.byteLength;
  }

  /** An arena over `terms` as it is (not copied): paper `seqs[i]` holds terms[offsets[i], offsets[i + 1]). */
  static over(seqs: Int32Array, offsets: Int32Array, terms: Uint32Array): TermArena {
    const arena = new TermArena();
    arena.chunks = [terms];
    arena.used = terms.length;
    for (let i = 0; i < seqs.length; i++) arena.place(seqs[i], 0, offsets[i], offsets[i + 1]);
    return arena;
  }

  private place(seq: number, chunk: number, start: number, end: number): void {
    this.spans = withRoomFor(this.spans, 3 * seq + 2, -1);
    if (this.spans[3 * seq] < 0) this.count++;
    this.spans[3 * seq] = chunk;
    this.spans[3 * seq + 1] = start;
    this.spans[3 * seq + 2] = end;
  }
}
