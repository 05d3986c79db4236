import type { ApiDeps } from './api/deps.js';
import { resolveAdminToken } from './admin-token.js';
import type { Config } from './config.js';
import { embedderOptions } from './embed/embedder.js';
import { createQueryEmbedder, type QueryEmbedder } from './embed/query-cache.js';
import { startWorkerEmbedder, type WorkerEmbedder } from './embed/worker-embedder.js';
import { IndexSync } from './index/sync.js';
import { paperWriter, type PaperWriter } from './ingest/writer.js';
import type { FeedItem } from './recommend/feed.js';
import { ResultCache } from './recommend/result-cache.js';
import { TRENDING_CACHE_MAX_AGE_MS, type TrendingItem } from './recommend/trending.js';
import type { Engine } from './store/ports.js';
import { indexDir, openEngine } from './store/open-engine.js';
import { TopicEngine } from './topics/engine.js';

export type Log = (msg: string) => void;

/**
 * The running engine, assembled once: the store's ports (truth), the model in its worker thread, the index (a cache
 * of the store's vectors) and what is derived from them. Only entry points (server, CLIs) hold it; the API and the
 * recommenders get the parts they use (src/api/deps.ts).
 */
export interface Runtime {
  config: Config;
  engine: Engine;
  embedder: WorkerEmbedder;
  index: IndexSync;
  writer: PaperWriter;
  queries: QueryEmbedder;
  caches: { feed: ResultCache<FeedItem[]>; trending: ResultCache<TrendingItem[]> };
  topics: TopicEngine;
  adminToken: string;
  log: Log;
  /** Saves the index, closes the store, stops the model. */
  close(): Promise<void>;
}

/**
 * Opens the store and starts the model; refuses a store built with another model. The model loads in a worker
 * thread (WorkerEmbedder) meanwhile: its key is a hash of its files and its dimension is the store's, so the index
 * can load at the same time (`index.load`). On a new store (no model bound yet) or a model mismatch, this waits
 * for the model's own dimension. `started.embedder`: one already started from the same config (main.ts starts it
 * before importing the server's modules); the runtime owns it from here on.
 */
export async function openRuntime(config: Config, log: Log = console.log, started?: { embedder?: WorkerEmbedder }): Promise<Runtime> {
  // Throws ModelNotFoundError before any worker starts; otherwise the model starts loading now.
  const embedder = started?.embedder ?? startWorkerEmbedder(embedderOptions(config));
  let engine: Engine | undefined;
  try {
    engine = await openEngine(config);
    const bound = await engine.model.info();
    if (bound?.model === embedder.modelKey) embedder.expectDim(bound.dim);
    else await embedder.ready; // a new store, or a mismatch to report with the model's own dimension
    await engine.model.bind(embedder.modelKey, embedder.dim);
    return assemble(config, engine, embedder, resolveAdminToken(config, log), log);
  } catch (err) {
    await engine?.close();
    await embedder.close();
    throw err;
  }
}

function assemble(config: Config, engine: Engine, embedder: WorkerEmbedder, adminToken: string, log: Log): Runtime {
  const index = new IndexSync({
    dir: indexDir(config.DATA_DIR, engine),
    model: embedder.modelKey,
    dim: embedder.dim,
    params: { M: config.HNSW_M, efConstruction: config.HNSW_EF_CONSTRUCTION, efSearch: config.HNSW_EF_SEARCH },
    changes: engine.changes,
    terms: engine.writes,
    log,
  });
  const fingerprint = () => engine.changes.fingerprint();
  return {
    config,
    engine,
    embedder,
    index,
    writer: paperWriter({ writes: engine.writes, embedder, index, batchSize: config.INGEST_BATCH_SIZE }),
    queries: createQueryEmbedder(embedder),
    caches: {
      feed: new ResultCache<FeedItem[]>(fingerprint, 1000, 10 * 60_000),
      trending: new ResultCache<TrendingItem[]>(fingerprint, 64, TRENDING_CACHE_MAX_AGE_MS),
    },
    topics: new TopicEngine({ papers: engine.papers, changes: engine.changes, index, model: embedder.modelKey, dim: embedder.dim, log }),
    adminToken,
    log,
    async close() {
      try {
        await index.close();
      } finally {
        await engine.close();
        await embedder.close();
      }
    },
  };
}

/** The parts of the runtime the HTTP side uses. */
export function apiDeps(r: Runtime): ApiDeps {
  const { engine } = r;
  return {
    config: r.config,
    papers: engine.papers,
    users: engine.users,
    changes: engine.changes,
    index: r.index,
    model: r.embedder,
    queries: r.queries,
    writer: r.writer,
    caches: r.caches,
    topics: r.topics,
    adminToken: r.adminToken,
    log: r.log,
  };
}
