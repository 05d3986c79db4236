import { withRoomFor } from '../util/typed-arrays.js';

/**
 * Each paper's arXiv categories, in memory beside its term vector (the Lexicon owns one and keeps it in step), so the
 * similar-papers category prior weighs a whole candidate pool without reading a row. Every distinct list is held
 * once: 125k papers have a few thousand distinct lists, so a paper costs one Int32 (its list's number, by seq).
 */
export class PaperCategories {
  private readonly lists: (readonly string[])[] = [];
  private readonly listIds = new Map<string, number>();
  /** The list number of each paper by seq; -1 for a paper not held. */
  private listOf = new Int32Array(1024).fill(-1);

  /** Sets (or replaces) a paper's categories. */
  set(seq: number, categories: readonly string[]): void {
    this.listOf = withRoomFor(this.listOf, seq, -1);
    this.listOf[seq] = this.listId(categories);
  }

  delete(seq: number): void {
    if (seq < this.listOf.length) this.listOf[seq] = -1;
  }

  /** A paper's categories (a shared, frozen list), or undefined when the paper is not held. */
  of(seq: number): readonly string[] | undefined {
    const id = this.listOf[seq] ?? -1;
    return id < 0 ? undefined : this.lists[id];
  }

  private listId(categories: readonly string[]): number {
    const key = JSON.stringify(categories);
    let id = this.listIds.get(key);
    if (id === undefined) {
      id = this.lists.length;
      this.lists.push(Object.freeze([...categories]));
      this.listIds.set(key, id);
    }
    return id;
  }

  /** The distinct lists, and each of `seqs`' list number (-1 when not held), for a lexicon file. */
  snapshot(seqs: Int32Array): { lists: (readonly string[])[]; listOf: Int32Array } {
    return { lists: this.lists, listOf: seqs.map((seq) => this.listOf[seq] ?? -1) };
  }

  /** The categories a snapshot describes, or null when a list number points at no list (a damaged file). */
  static fromSnapshot(seqs: Int32Array, lists: (readonly string[])[], listOf: Int32Array): PaperCategories | null {
    const held = new PaperCategories();
    for (const list of lists) held.listId(list);
    if (held.lists.length !== lists.length) return null; // a list twice: not a file we wrote
    for (let i = 0; i < seqs.length; i++) {
      if (listOf[i] < -1 || listOf[i] >= lists.length) return null;
      held.listOf = withRoomFor(held.listOf, seqs[i], -1);
      held.listOf[seqs[i]] = listOf[i];
    }
    return held;
  }

  bytes(): number {
    return this.listOf.byteLength;
  }
}
