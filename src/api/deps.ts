import type { Config } from '../config.js';
import type { Embedder } from '../embed/embedder.js';
import type { QueryEmbedder } from '../embed/query-cache.js';
import type { IndexSync } from '../index/sync.js';
import type { PaperWriter } from '../ingest/writer.js';
import type { Catalog } from '../recommend/catalog.js';
import type { FeedInput, FeedItem } from '../recommend/feed.js';
import type { ResultCache } from '../recommend/result-cache.js';
import type { TrendingInput, TrendingItem } from '../recommend/trending.js';
import type { ChangeLog, Library, PaperReads, Users } from '../store/ports.js';
import { ownerFeedInput } from '../recommend/personal.js';
import type { DigestService } from '../digest/service.js';
import type { SourceScheduler } from '../ingest/sources/scheduler.js';
import type { TopicEngine } from '../topics/engine.js';

/** The model as the API shows and uses it. */
export type ApiModel = Pick<Embedder, 'modelId' | 'modelKey' | 'dim' | 'embed'>;

/**
 * Everything the HTTP side may use. Each route registrar takes the Pick of it that it needs, so its signature says
 * what it reads and writes; src/runtime.ts assembles the whole.
 */
export interface ApiDeps {
  config: Config;
  papers: PaperReads;
  users: Users;
  /** Collections and users' own (imported) papers. */
  library: Library;
  changes: ChangeLog;
  index: IndexSync;
  model: ApiModel;
  queries: QueryEmbedder;
  writer: PaperWriter;
  caches: { feed: ResultCache<FeedItem[]>; trending: ResultCache<TrendingItem[]> };
  topics: TopicEngine;
  adminToken: string;
  log: (msg: string) => void;
  /** The built-in sources on their schedule (absent where the engine keeps no checkpoints). */
  sources?: SourceScheduler;
  /** Mail digests (absent in an app built without them). */
  digests?: DigestService;
}

/** The recommenders' view of the store and the index; throws IndexNotReadyError (→ 503) while the index loads. */
export function catalogOf(d: Pick<ApiDeps, 'papers' | 'index' | 'model'>): Catalog {
  return { papers: d.papers, index: d.index.require(), lexicon: d.index.requireLexicon(), model: d.model.modelKey };
}

export function trendingInputOf(d: Pick<ApiDeps, 'papers' | 'caches'>): TrendingInput {
  return { papers: d.papers, cache: d.caches.trending };
}

export function feedInputOf(d: Pick<ApiDeps, 'papers' | 'index' | 'model' | 'users' | 'caches'>): FeedInput {
  return { ...catalogOf(d), users: d.users, trending: trendingInputOf(d), cache: d.caches.feed };
}

/** The feed input for one user's own feed: their stars, own (imported) papers resolving like stored ones. */
export function userFeedInputOf(d: Pick<ApiDeps, 'papers' | 'index' | 'model' | 'users' | 'caches' | 'library'>, userId: string): FeedInput {
  return ownerFeedInput(feedInputOf(d), d.library, userId);
}
