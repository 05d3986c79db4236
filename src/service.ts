import path from 'node:path';
import type { Config } from './config.js';
import { embedderOptions } from './embed/embedder.js';
import { startWorkerEmbedder, type WorkerEmbedder } from './embed/worker-embedder.js';
import { RERANK_POOL } from './recommend/lexical.js';
import { fuseWithLexicalOffThread } from './recommend/rerank.js';
import { HnswIndex } from './index/hnsw-index.js';
import { batchesOf, ingestBatchesAhead } from './ingest/pipeline.js';
import { SqliteStore, type StoredPaper, type Window } from './store/store.js';
import { UserStore } from './store/users.js';
import { resolveAdminToken } from './admin-token.js';
import type { PaperInput } from './types.js';

export type Log = (msg: string) => void;

export interface WriteSummary {
  inserted: number;
  updated: number;
  unchanged: number;
}

/**
 * The running engine: the store (truth), the embedder and the index (a cache of the store's vectors).
 * Index mutations go through one queue, so catch-ups from other writers and our own writes never interleave.
 */
export class Paperfeed {
  index: HnswIndex | null = null;
  readonly users: UserStore;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly config: Config,
    readonly store: SqliteStore,
    /** The model, in its worker thread (see WorkerEmbedder). */
    readonly embedder: WorkerEmbedder,
    readonly adminToken: string,
    readonly log: Log,
  ) {
    this.users = new UserStore(store.db);
  }

  /**
   * Opens the store and starts the model; refuses a store built with another model. The model loads in a worker
   * thread (WorkerEmbedder) meanwhile: its key is a hash of its files and its dimension is the store's, so the
   * index can load at the same time. `loadIndex` waits for both, so readiness still means every route can answer.
   * On a new store (no model bound yet) or a model mismatch, this waits for the model's own dimension.
   * `embedder`: one already started from the same config (main.ts starts it before importing the server's modules);
   * the Paperfeed owns it from here on.
   */
  static async open(config: Config, log: Log = console.log, started?: { embedder?: WorkerEmbedder }): Promise<Paperfeed> {
    // Throws ModelNotFoundError before any worker starts; otherwise the model starts loading now.
    const embedder = started?.embedder ?? startWorkerEmbedder(embedderOptions(config));
    const modelKey = embedder.modelKey;
    let store: SqliteStore | undefined;
    try {
      store = new SqliteStore(config.DATA_DIR);
      const bound = store.modelInfo();
      if (bound?.model === modelKey) embedder.expectDim(bound.dim);
      else await embedder.ready; // a new store, or a mismatch to report with the model's own dimension
      store.bindModel(embedder.modelKey, embedder.dim);
      return new Paperfeed(config, store, embedder, resolveAdminToken(config, log), log);
    } catch (err) {
      store?.close();
      await embedder.close();
      throw err;
    }
  }

  get ready(): boolean {
    return this.index !== null;
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => {});
    return run;
  }

  /** Loads (or rebuilds) the index and brings it up to date with the store. */
  loadIndex(): Promise<void> {
    return this.serial(async () => {
      const started = Date.now();
      const opened = HnswIndex.open({
        dir: path.join(this.config.DATA_DIR, 'index'),
        model: this.embedder.modelKey,
        dim: this.embedder.dim,
        params: { M: this.config.HNSW_M, efConstruction: this.config.HNSW_EF_CONSTRUCTION, efSearch: this.config.HNSW_EF_SEARCH },
        source: this.store,
        log: this.log,
      });
      // The index and the model load side by side; the index is published (what /readyz reports) once both are
      // there, so a ready server can embed too.
      const [{ index, outcome, reason }] = await Promise.all([opened, this.embedder.ready]);
      this.index = index;
      const how = outcome === 'loaded' ? 'loaded' : `rebuilt (${reason})`;
      this.log(`index: ${how}, ${index.size} vectors in ${Date.now() - started} ms`);
    });
  }

  /** Replays store changes made since the index last looked (by this process or another one). */
  syncIndex(): Promise<number> {
    return this.serial(async () => (this.index ? this.index.catchUp(this.store) : 0));
  }

  /** Saves the index if it changed since the last save. */
  saveIndex(): Promise<void> {
    return this.serial(async () => {
      if (this.index?.dirty) await this.index.save();
    });
  }

  /**
   * Upserts papers (embedding only changed text) and returns once they are stored and indexed. Batches of
   * INGEST_BATCH_SIZE, one transaction each; the next batch is embedded (in the model's worker) while one commits.
   */
  async addPapers(papers: PaperInput[]): Promise<WriteSummary> {
    const summary: WriteSummary = { inserted: 0, updated: 0, unchanged: 0 };
    await ingestBatchesAhead(this.store, this.embedder, batchesOf(papers, this.config.INGEST_BATCH_SIZE), (r) => {
      summary.inserted += r.inserted;
      summary.updated += r.updated;
      summary.unchanged += r.unchanged;
    });
    await this.syncIndex();
    return summary;
  }

  async deletePaper(id: string): Promise<boolean> {
    const seq = this.store.deletePaper(id);
    await this.syncIndex();
    return seq !== undefined;
  }

  /**
   * The k papers nearest to a vector within a window, skipping `exclude` (e.g. the query paper, or a user's
   * starred and dismissed papers).
   */
  nearest(vec: Float32Array, k: number, window: Window = {}, exclude: Set<number> = new Set()): { paper: StoredPaper; score: number }[] {
    if (!this.index) throw new Error('index not loaded');
    const within = this.store.seqsInWindow(window);
    if (within) for (const seq of exclude) within.delete(seq);
    const hits = this.index
      .search(vec, k + (within ? 0 : exclude.size), within)
      .filter((h) => !exclude.has(h.seq))
      .slice(0, k);
    const papers = this.store.getPapersBySeqs(hits.map((h) => h.seq));
    const score = new Map(hits.map((h) => [h.seq, h.score]));
    return papers.map((paper) => ({ paper, score: score.get(paper.seq)! }));
  }

  /** The stored vector of a paper under the current model. */
  vectorOf(paper: StoredPaper): Float32Array | undefined {
    return this.index?.vector(paper.seq) ?? this.store.getVector(paper.seq, this.embedder.modelKey);
  }

  /**
   * Papers most similar to a stored paper, itself excluded: the nearest RERANK_POOL by embedding, re-ranked by
   * z(cosine) + z(tf-idf cosine) so exact shared terms count too (EVAL.md measures the gain). `score` is that
   * fused value, in standard deviations over the pool.
   */
  async similar(paper: StoredPaper, k: number, window: Window = {}): Promise<{ paper: StoredPaper; score: number }[]> {
    const vec = this.vectorOf(paper);
    if (!vec) return [];
    const pool = this.nearest(vec, Math.max(RERANK_POOL, 2 * k), window, new Set([paper.seq]));
    const fused = await fuseWithLexicalOffThread([paper], pool.map((p) => p.paper), pool.map((p) => p.score));
    return pool
      .map((p, i) => ({ paper: p.paper, score: fused[i] }))
      .sort((a, b) => b.score - a.score || a.paper.seq - b.paper.seq)
      .slice(0, k);
  }

  async close(): Promise<void> {
    try {
      await this.saveIndex();
    } finally {
      this.store.close();
      await this.embedder.close();
    }
  }
}
