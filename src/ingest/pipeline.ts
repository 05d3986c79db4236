import type { Embedder } from '../embed/embedder.js';
import { contentHash, paperText } from '../embed/text.js';
import { termVector } from '../text/terms.js';
import type { PaperWrite, PaperWrites, StoredPaper } from '../store/ports.js';
import { metaJson } from '../store/paper-meta.js';
import type { PaperInput } from '../types.js';

export interface BatchResult {
  inserted: number;
  updated: number;
  unchanged: number;
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
    // Each source brings its own keys (arXiv: version, DOI, …; HF: submitter, GitHub, …): the record's keys update,
    // the others stay, so neither source erases what the other added.
    meta: { ...existing.meta, ...incoming.meta },
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
    JSON.stringify(a.categories) === JSON.stringify(b.categories) &&
    metaJson(a.meta) === metaJson(b.meta)
  );
}

/** A batch looked up against the store: what to write, and which texts need a vector first. */
export interface PreparedBatch {
  counts: BatchResult;
  writes: PaperWrite[];
  toEmbed: { write: PaperWrite; text: string }[];
}

/**
 * The read half of a batch upsert: merges each record with the stored paper and decides what changed. Unchanged
 * text with a vector for this model is not re-embedded; a paper that changed in nothing is not written.
 */
export async function prepareBatch(store: PaperWrites, modelKey: string, papers: PaperInput[]): Promise<PreparedBatch> {
  const ids = new Set(papers.map((p) => p.id));
  if (ids.size !== papers.length) throw new Error('ingestBatch needs distinct ids; split duplicates into later batches');
  const prepared: PreparedBatch = { counts: { inserted: 0, updated: 0, unchanged: 0 }, writes: [], toEmbed: [] };
  const stored = await store.lookupForIngest([...ids], modelKey); // one read for the whole batch
  for (const incoming of papers) {
    const found = stored.get(incoming.id);
    const existing = found?.paper;
    const paper = merge(incoming, existing);
    const text = paperText(paper.title, paper.abstract);
    const hash = contentHash(text);
    const needsVector = !existing || found?.vectorHash !== hash;
    if (existing && !needsVector && sameMetadata(paper, existing)) {
      prepared.counts.unchanged++;
      continue;
    }
    if (existing) prepared.counts.updated++;
    else prepared.counts.inserted++;
    // The term vector comes from the same text as the vector, so it is stored when (and only when) that changes.
    const write: PaperWrite = needsVector ? { paper, contentHash: hash, terms: termVector(text) } : { paper, contentHash: hash };
    prepared.writes.push(write);
    if (needsVector) prepared.toEmbed.push({ write, text });
  }
  return prepared;
}

/** The write half: the batch's papers and vectors (in `toEmbed` order) committed in one transaction. */
export async function commitBatch(store: PaperWrites, embedder: Embedder, prepared: PreparedBatch, vectors: Float32Array[]): Promise<BatchResult> {
  prepared.toEmbed.forEach((e, i) => (e.write.vector = vectors[i]));
  if (prepared.writes.length) await store.writeBatch(prepared.writes, embedder.modelKey, embedder.dim);
  return prepared.counts;
}

function embedPrepared(embedder: Embedder, prepared: PreparedBatch): Promise<Float32Array[]> {
  return prepared.toEmbed.length ? embedder.embed(prepared.toEmbed.map((e) => e.text)) : Promise.resolve([]);
}

/**
 * Upserts one batch of distinct papers: unchanged text with a vector for this model is not re-embedded,
 * and the batch's papers and vectors are committed in one transaction (a crash loses at most this batch).
 */
export async function ingestBatch(store: PaperWrites, embedder: Embedder, papers: PaperInput[]): Promise<BatchResult> {
  const prepared = await prepareBatch(store, embedder.modelKey, papers);
  return commitBatch(store, embedder, prepared, await embedPrepared(embedder, prepared));
}

/**
 * ingestBatch over a stream of batches, one batch ahead: the next batch is looked up and its embedding started
 * before the current one commits, so an embedder in a worker thread keeps working while this thread writes. Only
 * when the two batches share no id: a paper's next version is looked up after its previous one is committed.
 * Each batch is still its own transaction, committed in order; `onBatch` sees each result as it commits.
 */
export async function ingestBatchesAhead(
  store: PaperWrites,
  embedder: Embedder,
  batches: AsyncIterable<PaperInput[]> | Iterable<PaperInput[]>,
  onBatch: (result: BatchResult, papers: PaperInput[]) => void | Promise<void>,
): Promise<void> {
  type Ahead = { papers: PaperInput[]; ids: Set<string>; prepared: PreparedBatch; vectors: Promise<Float32Array[]> };
  let ahead: Ahead | undefined;
  const commit = async (a: Ahead) => onBatch(await commitBatch(store, embedder, a.prepared, await a.vectors), a.papers);
  for await (const papers of batches) {
    if (ahead && papers.some((p) => ahead!.ids.has(p.id))) {
      await commit(ahead);
      ahead = undefined;
    }
    const prepared = await prepareBatch(store, embedder.modelKey, papers);
    const next: Ahead = { papers, ids: new Set(papers.map((p) => p.id)), prepared, vectors: embedPrepared(embedder, prepared) };
    next.vectors.catch(() => {}); // awaited by commit; no unhandled rejection if an earlier batch fails first
    if (ahead) await commit(ahead);
    ahead = next;
  }
  if (ahead) await commit(ahead);
}

/**
 * Groups a stream of papers into batches of distinct ids. A repeated id starts a new batch, so the later
 * record wins exactly as if the records were applied one by one.
 */
export async function* batchesOf(papers: AsyncIterable<PaperInput> | Iterable<PaperInput>, size: number): AsyncGenerator<PaperInput[]> {
  let batch: PaperInput[] = [];
  let ids = new Set<string>();
  for await (const paper of papers) {
    if (batch.length >= size || ids.has(paper.id)) {
      yield batch;
      batch = [];
      ids = new Set();
    }
    batch.push(paper);
    ids.add(paper.id);
  }
  if (batch.length) yield batch;
}
