import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { createApp } from './api/app.js';
import { PROJECT_ROOT, type Config } from './config.js';
import { ingestFiles } from './ingest/files.js';
import { Paperfeed, type Log } from './service.js';

export const SEED_FILES = ['arxiv-cs-sample.jsonl.gz', 'hf-daily-sample.jsonl.gz'].map((f) => path.join(PROJECT_ROOT, 'seed', f));

export interface RunningServer {
  feed: Paperfeed;
  url: string;
  /** Resolves once the index is loaded (what /readyz reports). */
  ready: Promise<void>;
  /** Stops accepting connections, finishes in-flight requests, saves the index, closes the store. */
  close(): Promise<void>;
}

/**
 * Opens the store and model, starts HTTP at once (so /healthz answers during start-up), then seeds an empty
 * store with the bundled sample and loads the index in the background.
 */
export async function startServer(config: Config, log: Log): Promise<RunningServer> {
  const feed = await Paperfeed.open(config, log);
  log(`store ${feed.store.file}: ${feed.store.countPapers()} papers, model ${feed.embedder.modelKey} (dim ${feed.embedder.dim})`);

  const server = serve({ fetch: createApp(feed).fetch, port: config.PORT, hostname: config.HOST });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST}:${port}`;
  log(`listening on ${url}`);

  let sync: NodeJS.Timeout | undefined;
  const ready = (async () => {
    if (feed.store.countPapers() === 0 && config.SEED_ON_EMPTY) {
      const files = SEED_FILES.filter((f) => fs.existsSync(f));
      log(`empty store: ingesting the bundled sample (${files.map((f) => path.basename(f)).join(', ')})`);
      const r = await ingestFiles(feed.store, feed.embedder, files, { batchSize: config.INGEST_BATCH_SIZE });
      log(`seeded ${r.inserted} papers (${r.updated} updated, ${r.rejected.length} rejected) in ${r.seconds.toFixed(1)} s`);
    }
    await feed.loadIndex();
    // Pick up papers that other processes (the ingest CLI) write, and save the index now and then.
    let busy = false;
    sync = setInterval(async () => {
      if (busy) return;
      busy = true;
      try {
        await feed.syncIndex();
        await feed.saveIndex();
      } catch (err) {
        log(`index sync failed: ${(err as Error).message}`);
      } finally {
        busy = false;
      }
    }, config.INDEX_SYNC_MS);
    sync.unref();
  })();

  return {
    feed,
    url,
    ready,
    async close() {
      clearInterval(sync);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await ready.catch(() => {});
      await feed.close();
    },
  };
}
