// npm start: serve paperfeed (seeding an empty store with the bundled sample); SIGTERM/SIGINT stop it cleanly.
import { loadConfig } from './config.js';
import { stdoutLog, type LogFormat } from './log.js';
import { embedderOptions } from './embed/embedder.js';
import { explainStoreError } from './store/explain.js';
import { startWorkerEmbedder, type WorkerEmbedder } from './embed/worker-embedder.js';

/** Linux nice value of the embedding worker thread (BENCHMARKS.md: serving during ingest). */
const EMBED_WORKER_NICE = 10;

let logFormat: LogFormat = 'text'; // LOG_FORMAT, once the configuration is read
const log = stdoutLog(() => logFormat);


// Exits wait for embedder.close(): it lets a model still loading finish (exiting under onnxruntime's start-up aborts).
let embedder: WorkerEmbedder | undefined;
try {
  const config = loadConfig();
  logFormat = config.LOG_FORMAT;
  // The model loads in its worker thread while the rest of the server's modules are imported (~0.5 s each). The
  // worker runs at a lower CPU priority: on a busy machine, answering requests comes before embedding new papers.
  const model = startWorkerEmbedder(embedderOptions(config), { nice: EMBED_WORKER_NICE });
  embedder = model;
  const { startServer } = await import('./server.js');
  const server = await startServer(config, log, { embedder: model });
  server.ready.catch(async (err) => {
    log(`start-up failed: ${explainStoreError(err)}`);
    await model.close();
    process.exit(1);
  });
  // Signals often come twice (Ctrl-C reaches npm and the server, and npm forwards it again): the first one starts
  // the shutdown, later ones are ignored rather than killing the process before the index is saved.
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: finishing in-flight requests and saving the index`);
    await server.close();
    log('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
} catch (err) {
  console.error(`paperfeed could not start: ${explainStoreError(err)}`);
  await embedder?.close();
  process.exit(1);
}
