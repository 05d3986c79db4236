import type { Embedder } from '../embed/embedder.js';
import type { IndexSync } from '../index/sync.js';
import type { PaperWrites } from '../store/ports.js';
import type { PaperInput } from '../types.js';
import { batchesOf, ingestBatchesAhead, type BatchResult } from './pipeline.js';

export type WriteSummary = BatchResult;

/** Paper writes as the API makes them: stored, embedded, and in the index when the call returns. */
export interface PaperWriter {
  addPapers(papers: PaperInput[]): Promise<WriteSummary>;
  /** True if the paper existed. */
  deletePaper(id: string): Promise<boolean>;
}

/**
 * Upserts papers (embedding only changed text) in batches of `batchSize`, one transaction each; the next batch is
 * embedded (in the model's worker) while one commits. Then the index catches up with the change log, so what was
 * written is searchable when the call returns.
 */
export function paperWriter(deps: { writes: PaperWrites; embedder: Embedder; index: IndexSync; batchSize: number }): PaperWriter {
  const { writes, embedder, index, batchSize } = deps;
  return {
    async addPapers(papers) {
      const summary: WriteSummary = { inserted: 0, updated: 0, unchanged: 0 };
      await ingestBatchesAhead(writes, embedder, batchesOf(papers, batchSize), (r) => {
        summary.inserted += r.inserted;
        summary.updated += r.updated;
        summary.unchanged += r.unchanged;
      });
      await index.catchUp();
      return summary;
    },
    async deletePaper(id) {
      const seq = await writes.deletePaper(id);
      await index.catchUp();
      return seq !== undefined;
    },
  };
}
