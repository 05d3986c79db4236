// npm start: serve paperfeed (seeding an empty store with the bundled sample); SIGTERM/SIGINT stop it cleanly.
import { loadConfig } from './config.js';
import { startServer } from './server.js';

const log = (msg: string) => console.log(`${new Date().toISOString()} ${msg}`);

/** The error's message, plus what to do when SQLite says the store file is damaged. */
function explain(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && /^SQLITE_(CORRUPT|NOTADB)/.test(code)) {
    return `${msg} (${code}): the store in DATA_DIR is damaged. Restore paperfeed.db from a backup, or move it away and re-ingest your files; the index is rebuilt from the store.`;
  }
  return msg;
}

try {
  const server = await startServer(loadConfig(), log);
  server.ready.catch((err) => {
    log(`start-up failed: ${explain(err)}`);
    process.exit(1);
  });
  const shutdown = async (signal: string) => {
    log(`${signal}: finishing in-flight requests and saving the index`);
    await server.close();
    log('stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
} catch (err) {
  console.error(`paperfeed could not start: ${explain(err)}`);
  process.exit(1);
}
