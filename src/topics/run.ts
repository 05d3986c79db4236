import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { computeTopics, type TopicFit, type TopicJob } from './compute.js';

/**
 * Windows up to this many papers are clustered on the event loop (225 papers took 166 ms on a machine loaded 4×
 * over its two cores, see docs/topics.md); bigger ones go to a worker thread so requests keep flowing.
 */
export const INLINE_MAX_PAPERS = 200;

// The worker loads our TypeScript entry: loader hooks of the main thread (tsx, vitest) do not reach a worker
// thread, so it registers tsx itself first (when running from .ts sources).
const BOOTSTRAP = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  if (workerData.entry.endsWith('.ts')) {
    const tsx = await import(workerData.tsx);
    (tsx.register ?? tsx.default.register)();
  }
  await import(workerData.entry);
})().catch((err) => parentPort.postMessage({ ok: false, error: String((err && err.stack) || err) }));
`;

const here = fileURLToPath(import.meta.url);
const workerEntry = pathToFileURL(path.join(path.dirname(here), `worker${path.extname(here)}`)).href;

/** tsx's ESM API entry (its package exports map; require.resolve would give the CommonJS variant). */
function tsxApiUrl(): string {
  const pkgFile = createRequire(import.meta.url).resolve('tsx/package.json');
  const entry = JSON.parse(fs.readFileSync(pkgFile, 'utf8')).exports['./esm/api'].import.default as string;
  return pathToFileURL(path.join(path.dirname(pkgFile), entry)).href;
}

let queue: Promise<unknown> = Promise.resolve();

function inWorker(job: TopicJob): Promise<TopicFit> {
  return new Promise<TopicFit>((resolve, reject) => {
    const worker = new Worker(BOOTSTRAP, { eval: true, workerData: { entry: workerEntry, tsx: tsxApiUrl() } });
    worker.unref(); // a clustering in flight must not keep a stopping server alive
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
      void worker.terminate();
    };
    worker.once('message', (msg: { ok: true; fit: TopicFit } | { ok: false; error: string }) =>
      finish(() => (msg.ok ? resolve(msg.fit) : reject(new Error(`topic worker: ${msg.error}`)))),
    );
    worker.once('error', (err) => finish(() => reject(err)));
    worker.once('exit', (code) => finish(() => reject(new Error(`topic worker exited with code ${code}`))));
    worker.postMessage(job, [job.vectors.buffer as ArrayBuffer, job.previous.buffer as ArrayBuffer]);
  });
}

/**
 * Clusters a window: small ones right here, big ones in a worker thread (one at a time: with two cores, a second
 * concurrent clustering would only slow the first). `mode` forces one or the other (tests, benchmarks).
 */
export function runTopics(job: TopicJob, mode: 'auto' | 'inline' | 'worker' = 'auto'): Promise<TopicFit> {
  const n = job.vectors.length / job.dim;
  if (mode === 'inline' || (mode === 'auto' && n <= INLINE_MAX_PAPERS)) return Promise.resolve().then(() => computeTopics(job));
  const run = queue.then(() => inWorker(job), () => inWorker(job));
  queue = run.catch(() => {});
  return run;
}
