import type Database from 'better-sqlite3';

/**
 * Results cached until the store changes: an entry is valid while neither this connection (total_changes) nor any
 * other process (data_version) has written since it was computed, and for at most `maxAgeMs`. Reading both counters
 * costs microseconds, so even a cache hit is never stale after a write (a star, an upvote, a new paper).
 */
export class StoreCache<T> {
  private readonly entries = new Map<string, { fingerprint: string; at: number; value: T }>();
  private readonly fingerprint: Database.Statement<[], { changes: number; version: number }>;
  /** Lookups answered from the cache, and computed (for /metrics). */
  hits = 0;
  misses = 0;

  constructor(
    db: Database.Database,
    private readonly maxEntries: number,
    private readonly maxAgeMs: number,
  ) {
    this.fingerprint = db.prepare('SELECT total_changes() AS changes, (SELECT data_version FROM pragma_data_version) AS version');
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  get(key: string, compute: () => T): T {
    const fp = this.fingerprint.get()!;
    const fingerprint = `${fp.changes}:${fp.version}`;
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && hit.fingerprint === fingerprint && now - hit.at < this.maxAgeMs) {
      this.hits++;
      return hit.value;
    }
    this.misses++;
    const value = compute();
    this.entries.delete(key);
    this.entries.set(key, { fingerprint, at: now, value });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return value;
  }
}

const caches = new WeakMap<Database.Database, Map<string, StoreCache<unknown>>>();

/** One named cache per database connection (the app and the tests each open their own). */
export function storeCache<T>(db: Database.Database, name: string, maxEntries: number, maxAgeMs: number): StoreCache<T> {
  let byName = caches.get(db);
  if (!byName) caches.set(db, (byName = new Map()));
  let cache = byName.get(name);
  if (!cache) byName.set(name, (cache = new StoreCache<unknown>(db, maxEntries, maxAgeMs)));
  return cache as StoreCache<T>;
}

/** The named caches of a connection, for /metrics. */
export function storeCaches(db: Database.Database): ReadonlyMap<string, StoreCache<unknown>> {
  return caches.get(db) ?? new Map();
}
