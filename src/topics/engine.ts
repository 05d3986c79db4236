import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type Database from 'better-sqlite3';
import { STAR_WEIGHT } from '../recommend/trending.js';
import { addDays } from '../recommend/window.js';
import type { Paperfeed } from '../service.js';
import type { TopicFit } from './compute.js';
import { sampleIndices } from './kmeans.js';
import { runTopics } from './run.js';
import { WARM_START_OVERLAP, type WarmStart } from './warm-start.js';

export const DEFAULT_TOPIC_DAYS = 30;
/** Topics are fitted on at most this many papers of a window (a deterministic sample); all are assigned. */
export const MAX_FIT_PAPERS = 20_000;
/** Growth compares shares, so a sample of a big previous window is as good as all of it. */
const MAX_PREVIOUS_PAPERS = 20_000;
const CACHE_MAX_ENTRIES = 16;
/** Clusterings remembered as warm starts for the next one of nearly the same papers (any store version). */
const RECENT_MODELS = 8;

export interface TopicWindow {
  since: string;
  until: string;
  category?: string;
}

/** One clustering of one window, as cached: ids and titles by index, and the fit (labels, map, terms). */
export interface TopicModel {
  window: TopicWindow;
  previousWindow: TopicWindow & { papers: number };
  seed: number;
  /** The k asked for (null: the default), part of what a warm start must match. */
  kParam: number | null;
  seqs: number[];
  ids: string[];
  titles: string[];
  /** Indices of the papers the topics were fitted on (all of a window of up to MAX_FIT_PAPERS). */
  fitted: Int32Array;
  fit: TopicFit;
  /** Per topic, indices of its papers, closest to the centroid first. */
  members: number[][];
  /** The store version the model was computed at. */
  version: number;
  computeMs: number;
}

interface Statements {
  titles: Database.Statement<[string], { seq: number; id: string; title: string }>;
  abstracts: Database.Statement<[string], { seq: number; abstract: string }>;
  popularity: Database.Statement<{ since: string; until: string; category: string | null }, { seq: number; pop: number }>;
}

const IN_CATEGORY = '(@category IS NULL OR EXISTS (SELECT 1 FROM json_each(p.categories) WHERE value = @category))';

function prepare(db: Database.Database): Statements {
  return {
    titles: db.prepare('SELECT seq, id, title FROM papers WHERE seq IN (SELECT value FROM json_each(?))'),
    abstracts: db.prepare('SELECT seq, abstract FROM papers WHERE seq IN (SELECT value FROM json_each(?))'),
    // Same popularity as trending's numerator: source upvotes plus weighted stars of our users.
    popularity: db.prepare(`SELECT p.seq AS seq, coalesce(p.upvotes, 0) + ${STAR_WEIGHT} * coalesce(s.n, 0) AS pop
      FROM papers p LEFT JOIN (SELECT paper_id, count(*) AS n FROM stars GROUP BY paper_id) s ON s.paper_id = p.id
      WHERE p.published >= @since AND p.published < @until AND ${IN_CATEGORY}
        AND (coalesce(p.upvotes, 0) > 0 OR s.n > 0)`),
  };
}

const dayMs = 86_400_000;
/** Rows read per statement before yielding to the event loop, so loading a big window never stalls requests. */
const READ_CHUNK = 500;

/** Runs `read` on chunks of seqs, yielding to the event loop in between. */
async function readInChunks<T>(seqs: number[], read: (json: string) => T[]): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < seqs.length; i += READ_CHUNK) {
    out.push(...read(JSON.stringify(seqs.slice(i, i + READ_CHUNK))));
    await yieldToEventLoop();
  }
  return out;
}
const daysBetween = (since: string, until: string) => Math.round((Date.parse(until) - Date.parse(since)) / dayMs);

/**
 * Clusters windows into topics and caches the result per (store version, window, k, seed): the store version
 * moves whenever a paper is added, changed or deleted, so a cached model is never stale. Concurrent requests
 * for the same window share one computation.
 */
export class TopicEngine {
  private readonly stmt: Statements;
  private readonly cache = new Map<string, { version: number; model: Promise<TopicModel> }>();
  private readonly recent: TopicModel[] = [];

  constructor(
    private readonly feed: Paperfeed,
    private readonly mode: 'auto' | 'inline' | 'worker' = 'auto',
  ) {
    this.stmt = prepare(feed.store.db);
  }

  get(window: TopicWindow, k: number | null, seed: number): Promise<TopicModel> {
    const version = this.feed.store.maxVersion();
    const key = JSON.stringify([window.since, window.until, window.category ?? null, k, seed]);
    const hit = this.cache.get(key);
    if (hit && hit.version === version) {
      this.cache.delete(key); // refresh its place in the LRU order
      this.cache.set(key, hit);
      return hit.model;
    }
    for (const [key, entry] of this.cache) if (entry.version !== version) this.cache.delete(key);
    const model = this.compute(window, k, seed, version);
    this.cache.set(key, { version, model });
    model.catch(() => this.cache.get(key)?.model === model && this.cache.delete(key));
    if (this.cache.size > CACHE_MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    return model;
  }

  /** Popularity (upvotes + weighted stars) of the window's papers that have any, read fresh: it changes without a version bump. */
  popularity(window: TopicWindow): Map<number, number> {
    const rows = this.stmt.popularity.all({ since: window.since, until: window.until, category: window.category ?? null });
    return new Map(rows.map((r) => [r.seq, r.pop]));
  }

  private vectorOf(seq: number): Float32Array | undefined {
    return this.feed.index?.vector(seq) ?? this.feed.store.getVector(seq, this.feed.embedder.modelKey);
  }

  private async compute(window: TopicWindow, k: number | null, seed: number, version: number): Promise<TopicModel> {
    const started = performance.now();
    const dim = this.feed.embedder.dim;
    const category = window.category ?? null;
    const seqs: number[] = [];
    const chunks: Float32Array[] = [];
    for (const seq of [...(this.feed.store.seqsInWindow(window) ?? [])].sort((x, y) => x - y)) {
      const vec = this.vectorOf(seq);
      if (!vec) continue; // not embedded yet: it joins once it is
      seqs.push(seq);
      chunks.push(vec);
    }
    const vectors = new Float32Array(seqs.length * dim);
    chunks.forEach((v, i) => vectors.set(v, i * dim));
    const byId = new Map((await readInChunks(seqs, (json) => this.stmt.titles.all(json))).map((r) => [r.seq, r]));
    const ids = seqs.map((seq) => byId.get(seq)?.id ?? '');
    const titles = seqs.map((seq) => byId.get(seq)?.title ?? '');

    const fitted = sampleIndices(seqs.length, MAX_FIT_PAPERS, seed);
    const fittedSeqs = Array.from(fitted, (i) => seqs[i]);
    const abstracts = new Map((await readInChunks(fittedSeqs, (json) => this.stmt.abstracts.all(json))).map((r) => [r.seq, r.abstract]));
    const texts = Array.from(fitted, (i) => `${titles[i]}. ${abstracts.get(seqs[i]) ?? ''}`);

    const days = daysBetween(window.since, window.until);
    const previousWindow = { since: addDays(window.since, -days), until: window.since, ...(window.category ? { category: window.category } : {}) };
    const previousSeqs = [...(this.feed.store.seqsInWindow(previousWindow) ?? [])].sort((a, b) => a - b);
    const previousVecs = Array.from(sampleIndices(previousSeqs.length, MAX_PREVIOUS_PAPERS, seed), (i) => this.vectorOf(previousSeqs[i])).filter(
      (v): v is Float32Array => v !== undefined,
    );
    const previous = new Float32Array(previousVecs.length * dim);
    previousVecs.forEach((v, i) => previous.set(v, i * dim));

    const warm = this.warmStartFor(window, k, seed, seqs);
    const fit = await runTopics({ dim, vectors, fit: fitted.slice(), texts, previous, k, seed, ...(warm ? { warm } : {}) }, this.mode);

    const members: number[][] = Array.from({ length: fit.k }, () => []);
    fit.labels.forEach((topic, i) => members[topic].push(i));
    for (const list of members) list.sort((a, b) => fit.similarity[b] - fit.similarity[a] || seqs[a] - seqs[b]);
    const computeMs = Math.round(performance.now() - started);
    this.feed.log(`topics: ${seqs.length} papers ${window.since}…${window.until}${category ? ` ${category}` : ''} → ${fit.k} topics${fit.warm ? ' (warm start)' : ''} in ${computeMs} ms ${JSON.stringify(fit.ms)}`);
    const model: TopicModel = {
      window,
      previousWindow: { ...previousWindow, papers: previousSeqs.length },
      seed,
      kParam: k,
      seqs,
      ids,
      titles,
      fitted,
      fit,
      members,
      version,
      computeMs,
    };
    this.recent.unshift(model);
    if (this.recent.length > RECENT_MODELS) this.recent.pop();
    return model;
  }

  /**
   * The most overlapping recent clustering with the same category, k and seed, if it shares at least
   * WARM_START_OVERLAP of the papers (of the larger set): a few papers added, or the window moved by a day.
   */
  private warmStartFor(window: TopicWindow, k: number | null, seed: number, seqs: number[]): WarmStart | undefined {
    const now = new Set(seqs);
    let best: TopicModel | undefined;
    let bestOverlap = 0;
    for (const m of this.recent) {
      if ((m.window.category ?? null) !== (window.category ?? null) || m.kParam !== k || m.seed !== seed || m.fit.k === 0) continue;
      let shared = 0;
      for (const s of m.seqs) if (now.has(s)) shared++;
      const overlap = shared / Math.max(m.seqs.length, seqs.length);
      if (overlap > bestOverlap) [best, bestOverlap] = [m, overlap];
    }
    if (!best || bestOverlap < WARM_START_OVERLAP) return undefined;
    const topicOf = new Map(best.seqs.map((s, i) => [s, best.fit.labels[i]]));
    return { k: best.fit.k, centroids: best.fit.centroids, previousTopic: Int32Array.from(seqs, (s) => topicOf.get(s) ?? -1), names: best.fit.names };
  }
}
