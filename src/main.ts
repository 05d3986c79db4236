// npm start: open the store and the model, seed an empty store, serve HTTP, load the index.
import fs from 'node:fs';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { createApp } from './api/app.js';
import { loadConfig, PROJECT_ROOT } from './config.js';
import { ingestFiles } from './ingest/files.js';
import { Paperfeed } from './service.js';

const log = (msg: string) => console.log(`${new Date().toISOString()} ${msg}`);
const SEED_FILES = ['arxiv-cs-sample.jsonl.gz', 'hf-daily-sample.jsonl.gz'].map((f) => path.join(PROJECT_ROOT, 'seed', f));

async function main() {
  const config = loadConfig();
  const feed = await Paperfeed.open(config, log);
  log(`store ${feed.store.file}: ${feed.store.countPapers()} papers, model ${feed.embedder.modelId} (dim ${feed.embedder.dim})`);

  const server = serve({ fetch: createApp(feed).fetch, port: config.PORT, hostname: config.HOST }, (info) =>
    log(`listening on http://${config.HOST}:${info.port}`),
  );

  if (feed.store.countPapers() === 0 && config.SEED_ON_EMPTY) {
    const files = SEED_FILES.filter((f) => fs.existsSync(f));
    log(`empty store: ingesting the bundled sample (${files.map((f) => path.basename(f)).join(', ')})`);
    const r = await ingestFiles(feed.store, feed.embedder, files, { batchSize: config.INGEST_BATCH_SIZE });
    log(`seeded ${r.inserted} papers (${r.updated} updated, ${r.rejected.length} rejected) in ${r.seconds.toFixed(1)} s`);
  }
  await feed.loadIndex();

  // Pick up papers that other processes (the ingest CLI) write, and save the index now and then.
  let saving = false;
  const sync = setInterval(async () => {
    if (saving) return;
    saving = true;
    try {
      await feed.syncIndex();
      await feed.saveIndex();
    } catch (err) {
      log(`index sync failed: ${(err as Error).message}`);
    } finally {
      saving = false;
    }
  }, config.INDEX_SYNC_MS);

  const shutdown = (signal: string) => {
    log(`${signal}: finishing in-flight requests and saving the index`);
    clearInterval(sync);
    server.close(async () => {
      await feed.close();
      log('bye');
      process.exit(0);
    });
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err) => {
  console.error(`paperfeed could not start: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
