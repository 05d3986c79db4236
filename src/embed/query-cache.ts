import type { Embedder } from './embedder.js';
import { cleanText } from './text.js';

export const DEFAULT_QUERY_CACHE_SIZE = 1000;

/** Embeds search queries, remembering the most recently used ones (people repeat and page through queries). */
export interface QueryEmbedder {
  /** The query's vector. Shared with the cache: treat it as read-only. */
  embed(text: string): Promise<Float32Array>;
  stats(): { hits: number; misses: number; size: number };
}

/**
 * A least-recently-used map: a Map iterates in insertion order, so re-inserting on use keeps the oldest entry
 * first and eviction is O(1). (No LRU package is installed; this is all the project needs.)
 */
export class LruCache<K, V> {
  private readonly map = new Map<K, V>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`cache capacity must be a positive integer, got ${capacity}`);
  }

  get size(): number {
    return this.map.size;
  }

  get(key: K): V | undefined {
    if (!this.map.has(key)) return undefined;
    const value = this.map.get(key)!;
    this.map.delete(key);
    this.map.set(key, value);
    return value;
  }

  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as K);
  }

  delete(key: K): void {
    this.map.delete(key);
  }
}

/**
 * Caches query vectors by their cleaned text. The pending promise is cached, so concurrent requests for the same
 * new query share one model call; a failed call is forgotten, so the next request retries.
 */
export function createQueryEmbedder(embedder: Embedder, size = DEFAULT_QUERY_CACHE_SIZE): QueryEmbedder {
  const cache = new LruCache<string, Promise<Float32Array>>(size);
  let hits = 0;
  let misses = 0;
  return {
    embed(text) {
      // The same cleaning as paper text (LaTeX, whitespace), so `\alpha-RL` and `alpha RL` share one entry.
      const key = cleanText(text);
      const cached = cache.get(key);
      if (cached) {
        hits++;
        return cached;
      }
      misses++;
      const pending = embedder.embed([key]).then(([vec]) => vec);
      cache.set(key, pending);
      pending.catch(() => cache.delete(key));
      return pending;
    },
    stats: () => ({ hits, misses, size: cache.size }),
  };
}
