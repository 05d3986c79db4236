// EMBED_MODEL=<new model> npm run reembed: recompute every vector with the configured model and switch the store to it.
import { loadConfig } from '../config.js';
import { embedderOptions, loadEmbedder } from '../embed/embedder.js';
import { SqliteStore } from '../store/store.js';
import { reembed } from './reembed.js';

try {
  const config = loadConfig();
  if (config.DATABASE_URL) throw new Error('reembed works on the SQLite store in DATA_DIR only (not yet on PostgreSQL): unset DATABASE_URL');
  const embedder = await loadEmbedder(embedderOptions(config));
  const store = new SqliteStore(config.DATA_DIR);
  const before = store.modelInfo();
  console.error(`reembed: ${before ? `${before.model} (dim ${before.dim})` : 'no model yet'} → ${embedder.modelKey} (dim ${embedder.dim})`);
  const r = await reembed(store, embedder, { batchSize: config.INGEST_BATCH_SIZE, progress: true });
  store.close();
  console.log(
    `reembed done in ${r.seconds.toFixed(1)} s: ${r.embedded} papers embedded, ${r.total} in the store, ` +
      `model is now ${embedder.modelKey}; the index is rebuilt on the next start`,
  );
} catch (err) {
  console.error(`reembed failed: ${(err as Error).message}`);
  process.exit(1);
}
