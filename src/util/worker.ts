import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

// The worker loads a TypeScript entry: loader hooks of the main thread (tsx, vitest) do not reach a worker
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

/** tsx's ESM API entry (its package exports map; require.resolve would give the CommonJS variant). */
function tsxApiUrl(): string {
  const pkgFile = createRequire(import.meta.url).resolve('tsx/package.json');
  const entry = JSON.parse(fs.readFileSync(pkgFile, 'utf8')).exports['./esm/api'].import.default as string;
  return pathToFileURL(path.join(path.dirname(pkgFile), entry)).href;
}

/** The URL of a sibling module with the caller's own extension (.ts from sources, .js when built). */
export function siblingEntry(callerUrl: string, name: string): string {
  const ext = path.extname(new URL(callerUrl).pathname);
  return new URL(`./${name}${ext}`, callerUrl).href;
}

/**
 * Runs one job in a fresh worker thread: posts `message` (transferring `transfer`), resolves with the worker's
 * `{ok: true, result}` answer. Heavy CPU work goes here so the event loop keeps answering requests.
 */
export function runInWorker<T>(entry: string, message: unknown, transfer: ArrayBuffer[] = []): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const worker = new Worker(BOOTSTRAP, { eval: true, workerData: { entry, tsx: tsxApiUrl() } });
    worker.unref(); // a job in flight must not keep a stopping server alive
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
      void worker.terminate();
    };
    worker.once('message', (msg: { ok: true; result: T } | { ok: false; error: string }) =>
      finish(() => (msg.ok ? resolve(msg.result) : reject(new Error(`worker ${path.basename(entry)}: ${msg.error}`)))),
    );
    worker.once('error', (err) => finish(() => reject(err)));
    worker.once('exit', (code) => finish(() => reject(new Error(`worker ${path.basename(entry)} exited with code ${code}`))));
    worker.postMessage(message, transfer);
  });
}
