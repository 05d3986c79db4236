import { Counter, Gauge, type Registry } from 'prom-client';
import type { ApiDeps } from './deps.js';

/**
 * What an operator watches beyond requests (counted per route by metricsMiddleware) and the process (prom-client's
 * defaults, event-loop delay among them: nodejs_eventloop_lag_*): how far the index trails the store, how fast the
 * store changes (papers written by the API or the ingest CLI), and how often the caches answer. Read at scrape
 * time from the running service, so nothing on the request path changes.
 */
export function registerOperatorMetrics(registry: Registry, d: Pick<ApiDeps, 'changes' | 'index' | 'queries' | 'caches' | 'digests'>): void {
  const storeVersion = () => d.changes.head().catch(() => 0); // 0 once the store is closed (shutting down)
  new Gauge({
    name: 'paperfeed_store_changes_total',
    help: 'Changes (paper inserts, updates, deletes) written to the store by any process; its rate is the ingest rate',
    registers: [registry],
    async collect() {
      this.set(await storeVersion());
    },
  });
  new Gauge({
    name: 'paperfeed_index_lag_changes',
    help: 'Store changes the index has not caught up with yet (picked up every INDEX_SYNC_MS); -1 while it loads',
    registers: [registry],
    async collect() {
      const index = d.index.current;
      this.set(index ? Math.max(0, (await storeVersion()) - index.version) : -1);
    },
  });
  new Gauge({
    name: 'paperfeed_index_unsaved',
    help: '1 while the index holds changes not yet saved to disk',
    registers: [registry],
    collect() {
      this.set(d.index.current?.dirty ? 1 : 0);
    },
  });
  const cacheLookups = new Counter({
    name: 'paperfeed_cache_lookups_total',
    help: 'Cache lookups by cache and result (hit or miss): query embeddings and results cached until the store changes',
    labelNames: ['cache', 'result'] as const,
    registers: [registry],
    collect() {
      cacheLookups.reset();
      const query = d.queries.stats();
      cacheLookups.inc({ cache: 'query_embedding', result: 'hit' }, query.hits);
      cacheLookups.inc({ cache: 'query_embedding', result: 'miss' }, query.misses);
      for (const [name, cache] of Object.entries(d.caches)) {
        cacheLookups.inc({ cache: name, result: 'hit' }, cache.hits);
        cacheLookups.inc({ cache: name, result: 'miss' }, cache.misses);
      }
    },
  });
  const digests = d.digests;
  if (digests) {
    const messages = new Gauge({
      name: 'paperfeed_digest_messages',
      help: 'Digest mails in the outbox by state: sent, failed (permanent SMTP errors), retry (temporary ones), planned, …',
      labelNames: ['state'] as const,
      registers: [registry],
      async collect() {
        messages.reset();
        let counts: Record<string, number> = {};
        try {
          counts = await digests.outboxCounts();
        } catch {
          // the store is closing (shutdown): no figures
        }
        for (const [state, n] of Object.entries(counts)) messages.set({ state }, n);
      },
    });
  }
}
