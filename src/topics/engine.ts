import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { IndexSync } from '../index/sync.js';
import { ResultCache } from '../recommend/result-cache.js';
import { STAR_WEIGHT } from '../recommend/trending.js';
import { addDays } from '../recommend/window.js';
import type { ChangeLog, PaperReads, StoredPaper } from '../store/ports.js';
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

/** What topics read: the window's papers and their vectors (from the index, else the store). */
export interface TopicInput {
  papers: PaperReads;
  changes: Pick<ChangeLog, 'head'>;
  index: Pick<IndexSync, 'current'>;
  model: string;
  dim: number;
  log: (msg: string) => void;
}

const dayMs = 86_400_000;
/** Rows read per statement before yielding to the event loop, so loading a big window never stalls requests. */
const READ_CHUNK = 500;

/** Runs `read` on chunks of seqs, yielding to the event loop in between. */
async function readInChunks<T>(seqs: number[], read: (chunk: number[]) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < seqs.length; i += READ_CHUNK) {
    out.push(...(await read(seqs.slice(i, i + READ_CHUNK))));
    await yieldToEventLoop();
  }
  return out;
}
const daysBetween = (since: string, until: string) => Math.round((Date.parse(until) - Date.parse(since)) / dayMs);

/**
 * Clusters windows into topics and caches the result per (window, k, seed) while the change-log head is unchanged:
 * it moves whenever a paper is added, changed or deleted, so a cached model is never stale (popularity, which
 * moves without it, is read fresh per request). Concurrent requests for the same window share one computation.
 */
export class TopicEngine {
  private readonly cache: ResultCache<TopicModel>;
  private readonly recent: TopicModel[] = [];

  constructor(
    private readonly input: TopicInput,
    private readonly mode: 'auto' | 'inline' | 'worker' = 'auto',
  ) {
    this.cache = new ResultCache(() => input.changes.head(), CACHE_MAX_ENTRIES);
  }

  async get(window: TopicWindow, k: number | null, seed: number): Promise<TopicModel> {
    const key = JSON.stringify([window.since, window.until, window.category ?? null, k, seed]);
    return this.cache.get(key, async () => this.compute(window, k, seed, await this.input.changes.head()));
  }

  /** Popularity (upvotes + weighted stars) of the window's papers that have any, read fresh: it changes without a version bump. */
  popularity(window: TopicWindow): Promise<Map<number, number>> {
    return this.input.papers.popularity(window, STAR_WEIGHT);
  }

  /** Vectors of `seqs` (sorted), skipping papers not embedded yet: from the index, else from the store. */
  private async vectorsOf(seqs: number[]): Promise<{ seqs: number[]; vecs: Float32Array[] }> {
    const index = this.input.index.current;
    const vecs: (Float32Array | undefined)[] = seqs.map((seq) => index?.vector(seq));
    const missing = seqs.filter((_, i) => !vecs[i]);
    if (missing.length) {
      const stored = await this.input.papers.vectors(missing, this.input.model);
      const bySeq = new Map(missing.map((seq, i) => [seq, stored[i]]));
      seqs.forEach((seq, i) => (vecs[i] ??= bySeq.get(seq)));
    }
    const kept = seqs.flatMap((seq, i) => (vecs[i] ? [{ seq, vec: vecs[i]! }] : [])); // not embedded yet: joins once it is
    return { seqs: kept.map((k) => k.seq), vecs: kept.map((k) => k.vec) };
  }

  private async compute(window: TopicWindow, k: number | null, seed: number, version: number): Promise<TopicModel> {
    const started = performance.now();
    const { papers, dim } = this.input;
    const category = window.category ?? null;
    const { seqs, vecs: chunks } = await this.vectorsOf([...((await papers.seqsInWindow(window)) ?? [])].sort((x, y) => x - y));
    const vectors = new Float32Array(seqs.length * dim);
    chunks.forEach((v, i) => vectors.set(v, i * dim));
    const bySeq = new Map((await readInChunks(seqs, (chunk) => papers.bySeqs(chunk))).map((p): [number, StoredPaper] => [p.seq, p]));
    const ids = seqs.map((seq) => bySeq.get(seq)?.id ?? '');
    const titles = seqs.map((seq) => bySeq.get(seq)?.title ?? '');

    const fitted = sampleIndices(seqs.length, MAX_FIT_PAPERS, seed);
    const texts = Array.from(fitted, (i) => `${titles[i]}. ${bySeq.get(seqs[i])?.abstract ?? ''}`);
    bySeq.clear();

    const days = daysBetween(window.since, window.until);
    const previousWindow = { since: addDays(window.since, -days), until: window.since, ...(window.category ? { category: window.category } : {}) };
    const previousSeqs = [...((await papers.seqsInWindow(previousWindow)) ?? [])].sort((a, b) => a - b);
    const previousVecs = (await this.vectorsOf(Array.from(sampleIndices(previousSeqs.length, MAX_PREVIOUS_PAPERS, seed), (i) => previousSeqs[i]))).vecs;
    const previous = new Float32Array(previousVecs.length * dim);
    previousVecs.forEach((v, i) => previous.set(v, i * dim));

    const warm = this.warmStartFor(window, k, seed, seqs);
    const fit = await runTopics({ dim, vectors, fit: fitted.slice(), texts, previous, k, seed, ...(warm ? { warm } : {}) }, this.mode);

    const members: number[][] = Array.from({ length: fit.k }, () => []);
    fit.labels.forEach((topic, i) => members[topic].push(i));
    for (const list of members) list.sort((a, b) => fit.similarity[b] - fit.similarity[a] || seqs[a] - seqs[b]);
    const computeMs = Math.round(performance.now() - started);
    this.input.log(`topics: ${seqs.length} papers ${window.since}…${window.until}${category ? ` ${category}` : ''} → ${fit.k} topics${fit.warm ? ' (warm start)' : ''} in ${computeMs} ms ${JSON.stringify(fit.ms)}`);
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
