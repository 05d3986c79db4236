import type { Embedder } from '../embed/embedder.js';
import { contentHash, paperText } from '../embed/text.js';
import type { PaperWrite, SqliteStore, StoredPaper } from '../store/store.js';
import type { PaperInput } from '../types.js';

export interface BatchResult {
  inserted: number;
  updated: number;
  unchanged: number;
  /** Papers whose vectors were (re)computed, for the in-memory index. */
  changed: { seq: number; vector: Float32Array }[];
}

/**
 * How a record updates a stored paper. A record from the paper's own source (or one with no source, such as an
 * API correction) overwrites it, except that empty fields keep what is stored. A record from another source only
 * fills empty fields and updates upvotes: the same paper from arXiv and from HF Daily Papers differs in text and
 * date, and letting each overwrite the other would flip the paper (and re-embed it) on every alternating ingest.
 */
export function merge(incoming: PaperInput, existing: StoredPaper | undefined): PaperInput {
  if (!existing) return incoming;
  const authoritative = incoming.source === null || incoming.source === existing.source;
  const pick = <T>(mine: T, theirs: T, empty: (v: T) => boolean) =>
    authoritative ? (empty(mine) ? theirs : mine) : empty(theirs) ? mine : theirs;
  const isNull = (v: unknown) => v === null;
  const isEmptyList = (v: string[]) => v.length === 0;
  return {
    id: existing.id,
    title: authoritative ? incoming.title : existing.title,
    abstract: authoritative ? incoming.abstract : existing.abstract,
    authors: pick(incoming.authors, existing.authors, isEmptyList),
    published: pick(incoming.published, existing.published, isNull),
    categories: pick(incoming.categories, existing.categories, isEmptyList),
    upvotes: incoming.upvotes ?? existing.upvotes,
    source: existing.source ?? incoming.source,
  };
}

function sameMetadata(a: PaperInput, b: StoredPaper): boolean {
  return (
    a.title === b.title &&
    a.abstract === b.abstract &&
    a.published === b.published &&
    a.upvotes === b.upvotes &&
    a.source === b.source &&
    JSON.stringify(a.authors) === JSON.stringify(b.authors) &&
    JSON.stringify(a.categories) === JSON.stringify(b.categories)
  );
}

/**
 * Upserts one batch of distinct papers: unchanged text with a vector for this model is not re-embedded,
 * and the batch's papers and vectors are committed in one transaction (a crash loses at most this batch).
 */
export async function ingestBatch(store: SqliteStore, embedder: Embedder, papers: PaperInput[]): Promise<BatchResult> {
  const ids = new Set(papers.map((p) => p.id));
  if (ids.size !== papers.length) throw new Error('ingestBatch needs distinct ids; split duplicates into later batches');
  const result: BatchResult = { inserted: 0, updated: 0, unchanged: 0, changed: [] };
  const writes: PaperWrite[] = [];
  const toEmbed: { write: PaperWrite; text: string }[] = [];
  for (const incoming of papers) {
    const existing = store.getPaper(incoming.id);
    const paper = merge(incoming, existing);
    const text = paperText(paper.title, paper.abstract);
    const hash = contentHash(text);
    const needsVector = !existing || store.vectorHash(existing.seq, embedder.modelKey) !== hash;
    if (existing && !needsVector && sameMetadata(paper, existing)) {
      result.unchanged++;
      continue;
    }
    if (existing) result.updated++;
    else result.inserted++;
    const write: PaperWrite = { paper, contentHash: hash };
    writes.push(write);
    if (needsVector) toEmbed.push({ write, text });
  }
  if (toEmbed.length) {
    const vectors = await embedder.embed(toEmbed.map((e) => e.text));
    toEmbed.forEach((e, i) => (e.write.vector = vectors[i]));
  }
  if (writes.length) result.changed = store.writeBatch(writes, embedder.modelKey, embedder.dim);
  return result;
}

/**
 * Groups a stream of papers into batches of distinct ids. A repeated id starts a new batch, so the later
 * record wins exactly as if the records were applied one by one.
 */
export async function* batchesOf<T extends { paper: PaperInput }>(items: AsyncIterable<T> | Iterable<T>, size: number) {
  let batch: T[] = [];
  let ids = new Set<string>();
  for await (const item of items) {
    if (batch.length >= size || ids.has(item.paper.id)) {
      yield batch;
      batch = [];
      ids = new Set();
    }
    batch.push(item);
    ids.add(item.paper.id);
  }
  if (batch.length) yield batch;
}
