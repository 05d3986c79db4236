import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { problemJson, problemTitle } from './api/problem.js';
import { absoluteUrl } from './api/public-url.js';
import { PROJECT_ROOT, type Config } from './config.js';
import { ingestFiles } from './ingest/files.js';
import type { DigestService } from './digest/service.js';
import { createDigests, startDigestSchedule } from './digest/wire.js';
import { createSourceScheduler, sourceEngineOf } from './ingest/sources/build.js';
import type { SourceScheduler } from './ingest/sources/scheduler.js';
import { apiDeps, openRuntime, type Log, type Runtime } from './runtime.js';
import { replicaSync } from './replica-sync.js';
import type { WorkerEmbedder } from './embed/worker-embedder.js';

export const SEED_FILES = ['arxiv-cs-sample.jsonl.gz', 'hf-daily-sample.jsonl.gz'].map((f) => path.join(PROJECT_ROOT, 'seed', f));


const FORBIDDEN_METHODS = new Set(['TRACE', 'TRACK', 'CONNECT']);
/** A host name or address with an optional port; anything else (a quote, say) @hono/node-server answers with a bare 400. */
const VALID_HOST = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::(\d{1,5}))?$/;
const validHost = (host: string) => {
  const m = VALID_HOST.exec(host);
  return m !== null && (m[2] === undefined || Number(m[2]) <= 65535);
};

function problemResponse(status: number, detail: string, headers: Record<string, string> = {}): Response {
  return new Response(problemJson(status, detail), { status, headers: { 'Content-Type': 'application/problem+json', ...headers } });
}

export interface RunningServer {
  runtime: Runtime;
  /** The built-in sources (arXiv, HF) on SYNC_SCHEDULE; started once the index is ready. */
  sources: SourceScheduler | undefined;
  /** Mail digests (on every engine; they mail only with SMTP_URL). */
  digests: DigestService | undefined;
  url: string;
  /** Resolves once the index is loaded (what /readyz reports). */
  ready: Promise<void>;
  /** Stops accepting connections, finishes in-flight requests, saves the index, closes the store. */
  close(): Promise<void>;
}

/**
 * Opens the store and starts the model (in its worker thread, unless main.ts already started it), then, in the
 * background, seeds an empty store with the bundled sample and loads the index, while the HTTP side is imported and
 * starts listening (so /healthz answers during start-up). `ready` resolves once both the index and the model are.
 */
export async function startServer(config: Config, log: Log, started?: { embedder?: WorkerEmbedder }): Promise<RunningServer> {
  const runtime = await openRuntime(config, log, started);
  const { engine, embedder, index } = runtime;
  log(`store ${engine.location}: ${await engine.papers.count()} papers, model ${embedder.modelKey} (dim ${embedder.dim})`);

  // Seeding and the index load start before the HTTP side is imported and listening: the index file is hashed and
  // read (off the event loop) while the API's modules load.
  const replica = replicaSync(runtime);
  const digests = createDigests(runtime);
  let digestSchedule: ReturnType<typeof startDigestSchedule> = null;
  const sources = createSourceScheduler(config, sourceEngineOf(runtime), log);
  let closing = false;
  const ready = (async () => {
    if ((await engine.papers.count()) === 0 && config.SEED_ON_EMPTY) {
      const files = SEED_FILES.filter((f) => fs.existsSync(f));
      log(`empty store: ingesting the bundled sample (${files.map((f) => path.basename(f)).join(', ')})`);
      const r = await ingestFiles(engine.writes, embedder, files, { batchSize: config.INGEST_BATCH_SIZE });
      log(`seeded ${r.inserted} papers (${r.updated} updated, ${r.rejected.length} rejected) in ${r.seconds.toFixed(1)} s`);
    }
    await replica.beforeIndexLoad();
    await index.load(embedder.ready);
    index.follow(config.INDEX_SYNC_MS); // papers other processes (the ingest CLI) write
    replica.start(); // PostgreSQL: other replicas' writes as they commit, shared index snapshots
  })();
  ready.catch(() => {}); // reported to whoever awaits `ready` (main.ts), not as an unhandled rejection meanwhile

  const { createApp } = await import('./api/app.js');
  const app = createApp({ ...apiDeps(runtime), sources, digests });
  // TRACE/TRACK/CONNECT are "forbidden methods" for the WHATWG Request, which throws when one is rebuilt with a
  // body (a 500): answer them here, as problem+json like every other error.
  const fetch: typeof app.fetch = (req, ...rest) =>
    FORBIDDEN_METHODS.has(req.method.toUpperCase())
      ? problemResponse(405, `Method ${req.method} is not allowed`, { Allow: 'GET, HEAD, POST, PUT, DELETE' })
      : app.fetch(req, ...rest);
  const server = serve({ fetch, port: config.PORT, hostname: config.HOST });
  // @hono/node-server answers a request target it refuses (a backslash in the path, no Host header) with a bare
  // 400 and no body: check those first and answer problem+json.
  const [handle] = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const target = req.url ?? '';
    const pathPart = target.split('?')[0];
    const host = req.headers.host;
    const reason = pathPart.includes('\\')
      ? 'a backslash in the path'
      : !host
        ? 'no Host header'
        : !validHost(host)
          ? 'a malformed Host header'
          : undefined;
    if (!reason) return handle(req, res);
    const body = problemJson(400, `Invalid request target: ${reason}`);
    res.writeHead(400, { 'Content-Type': 'application/problem+json', 'Content-Length': Buffer.byteLength(body) }).end(body);
  });
  // Requests Node's HTTP parser refuses before the app sees them (URL/headers over 16 KB → 431, unknown method or
  // malformed request line → 400) get a problem+json body too, not Node's bare status line.
  server.on('clientError', (err: NodeJS.ErrnoException & { rawPacket?: unknown }, socket: import('node:stream').Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    const detail = status === 431 ? 'The request line or headers are too large' : `Malformed HTTP request (${err.code ?? 'parse error'})`;
    const body = problemJson(status, detail);
    const head = Buffer.isBuffer(err.rawPacket) && err.rawPacket.subarray(0, 5).toString('latin1') === 'HEAD ';
    socket.end(
      `HTTP/1.1 ${status} ${problemTitle(status)}\r\nContent-Type: application/problem+json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${head ? '' : body}`,
    );
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
  } catch (err) {
    // Port taken, say: report it now; the start-up under way (index load, model worker) is closed once it settles.
    closing = true;
    void ready.catch(() => {}).then(async () => {
      await sources?.stop();
      await runtime.close().catch(() => {});
    });
    throw err;
  }
  // The sources start once the index is ready and the app (whose metrics count their runs) exists.
  void ready.then(() => {
    if (!closing) sources?.start();
  }, () => {});
  const port = (server.address() as AddressInfo).port;
  const url = `http://${config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST}:${port}`;
  log(`listening on ${url}`);
  // Absolute links (Atom, feed-key URLs, mail) default to where we listen, the real port once PORT=0 picked one.
  config.PUBLIC_URL ??= url;
  // Digests: the due check runs on a croner schedule once the index is ready.
  if (digests) {
    digests.setPublicUrl(absoluteUrl(config, ''));
    void ready.then(() => {
      if (!closing) digestSchedule = startDigestSchedule(digests, config, log);
    }, () => {});
  }

  return {
    runtime,
    sources,
    digests,
    url,
    ready,
    async close() {
      closing = true;
      digestSchedule?.stop();
      await sources?.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await ready.catch(() => {});
      await digests?.close();
      await replica.stop();
      await runtime.close();
    },
  };
}
