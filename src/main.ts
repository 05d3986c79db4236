// npm start: serve paperfeed (seeding an empty store with the bundled sample); SIGTERM/SIGINT stop it cleanly.
import { loadConfig } from './config.js';
import { startServer } from './server.js';

const log = (msg: string) => console.log(`${new Date().toISOString()} ${msg}`);

try {
  const server = await startServer(loadConfig(), log);
  server.ready.catch((err) => {
    log(`start-up failed: ${(err as Error).message}`);
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
  console.error(`paperfeed could not start: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
}
