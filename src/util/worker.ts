import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parentPort, Worker } from 'node:worker_threads';

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

/** tsx only for TypeScript entries: the built server (dist/*.js) runs without it. */
const tsxFor = (entry: string): string | undefined => (entry.endsWith('.ts') ? tsxApiUrl() : undefined);

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
    const worker = new Worker(BOOTSTRAP, { eval: true, workerData: { entry, tsx: tsxFor(entry) } });
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

/**
 * The worker side of runInWorker: takes the one job posted, answers `{ok: true, result}` (transferring the buffers
 * `transfer` picks from the result) or `{ok: false, error}`. Call it from the worker entry module.
 */
export function answerOneJob<J, R>(compute: (job: J) => R, transfer: (result: R) => ArrayBuffer[] = () => []): void {
  const port = parentPort;
  if (!port) throw new Error('answerOneJob must run in a worker thread');
  port.once('message', (job: J) => {
    try {
      const result = compute(job);
      port.postMessage({ ok: true, result }, transfer(result));
    } catch (err) {
      port.postMessage({ ok: false, error: (err as Error).stack ?? String(err) });
    }
  });
}

/**
 * The worker side of LongLivedWorker: answers every `{id, message}` with `{id, ok: true, result}` (transferring the
 * buffers `transfer` picks from the result) or `{id, ok: false, error}`, one at a time. Call it from the entry module.
 */
export function answerRequests<J, R>(compute: (job: J) => R, transfer: (result: R) => ArrayBuffer[] = () => []): void {
  const port = parentPort;
  if (!port) throw new Error('answerRequests must run in a worker thread');
  port.on('message', ({ id, message }: { id: number; message: J }) => {
    try {
      const result = compute(message);
      port.postMessage({ id, ok: true, result }, transfer(result));
    } catch (err) {
      port.postMessage({ id, ok: false, error: (err as Error).stack ?? String(err) });
    }
  });
}

type WireReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string } | { id?: undefined; ok: false; error: string };

/**
 * One worker thread that stays up and answers many requests (`runInWorker` is one job per thread). The entry
 * (started through BOOTSTRAP, `data` as `workerData.data`) receives `{id, message}` and answers
 * `{id, ok: true, result}` or `{id, ok: false, error}` (a rejection); buffers are transferred both ways. A worker
 * that dies (uncaught error, exit, failed start) rejects every request in flight with that error; the next request
 * starts a fresh worker.
 * The worker is ref'd only while requests are in flight, so an idle worker never keeps a stopping process alive,
 * and a process awaiting a reply does not exit under it.
 */
export class LongLivedWorker {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private closed = false;
  /** Workers started so far (1 + restarts after a death). */
  starts = 0;

  /** `data` reaches the worker as `workerData.data`. */
  constructor(
    readonly entry: string,
    private readonly data?: unknown,
  ) {}

  get inFlight(): number {
    return this.pending.size;
  }

  /** The running thread, if any (for tests that need to kill it). */
  get thread(): Worker | null {
    return this.worker;
  }

  request<T>(message: unknown, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.closed) return Promise.reject(new Error(`worker ${path.basename(this.entry)} is closed`));
    const worker = this.ensure();
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.ref();
      worker.postMessage({ id, message }, transfer);
    });
  }

  /** Terminates the worker; requests in flight are rejected, later ones refused. */
  async close(): Promise<void> {
    this.closed = true;
    const w = this.worker;
    this.fail(w, new Error(`worker ${path.basename(this.entry)} was closed`));
    if (w) await w.terminate();
  }

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(BOOTSTRAP, { eval: true, workerData: { entry: this.entry, tsx: tsxFor(this.entry), data: this.data } });
    this.starts++;
    worker.unref();
    worker.on('message', (msg: WireReply) => {
      if (msg.id === undefined) {
        // The entry failed to load (the bootstrap's report): the worker is useless.
        this.fail(worker, new Error(`worker ${path.basename(this.entry)}: ${msg.error}`));
        void worker.terminate();
        return;
      }
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (this.pending.size === 0) worker.unref();
      if (msg.ok) p.resolve(msg.result);
      else p.reject(new Error(`worker ${path.basename(this.entry)}: ${msg.error}`));
    });
    worker.on('error', (err) => this.fail(worker, err));
    worker.on('exit', (code) => this.fail(worker, new Error(`worker ${path.basename(this.entry)} exited with code ${code}`)));
    this.worker = worker;
    return worker;
  }

  /** Forgets a dead (or closing) worker and rejects what was in flight on it. */
  private fail(worker: Worker | null, err: Error): void {
    if (!worker || this.worker !== worker) return;
    this.worker = null;
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(err);
  }
}
