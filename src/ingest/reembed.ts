import type { Embedder } from '../embed/embedder.js';
import { paperText } from '../embed/text.js';
import type { SqliteStore } from '../store/store.js';
import { Progress } from './progress.js';

/**
 * Computes vectors for `embedder`'s model for every paper that lacks one, then makes it the store's model.
 * The old model keeps serving until the switch, and each batch is committed, so a killed reembed resumes
 * where it stopped. The index notices the model change and rebuilds itself on the next start.
 */
export async function reembed(
  store: SqliteStore,
  embedder: Embedder,
  opts: { batchSize: number; progress?: boolean },
): Promise<{ embedded: number; total: number; seconds: number }> {
  const started = Date.now();
  const todo = store.countStale(embedder.modelKey);
  const progress = opts.progress ? new Progress(`reembed with ${embedder.modelId}`, todo) : undefined;
  let embedded = 0;
  let after = -1;
  for (;;) {
    const papers = store.stalePapers(embedder.modelKey, after, opts.batchSize);
    if (papers.length === 0) break;
    const vectors = await embedder.embed(papers.map((p) => paperText(p.title, p.abstract)));
    store.writeVectors(
      embedder.modelKey,
      embedder.dim,
      papers.map((p, i) => ({ seq: p.seq, contentHash: p.contentHash, vector: vectors[i] })),
    );
    embedded += papers.length;
    after = papers[papers.length - 1].seq;
    progress?.add(papers.length);
  }
  progress?.finish();
  store.switchModel(embedder.modelKey, embedder.dim);
  return { embedded, total: store.countPapers(), seconds: (Date.now() - started) / 1000 };
}
