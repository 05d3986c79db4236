import { LongLivedWorker } from '../util/worker.js';
import { assertModelPresent, modelKeyFor, type Embedder, type EmbedderOptions } from './embedder.js';

/** Plain JavaScript (started without the TypeScript loader: see pipeline.mjs). */
const ENTRY = new URL('./embed-worker.mjs', import.meta.url).href;

/** The requests embed-worker.mjs answers. `urgent` ones go before the bulk ones waiting in the worker. */
type EmbedRequest = { kind: 'probe' } | { kind: 'embed'; texts: string[]; urgent: boolean };
type EmbedReply = { dim: number; data?: Float32Array };
/** Bulk chunks sent to the worker ahead of time: 2 keeps it busy while the main thread handles a reply. */
const BULK_IN_FLIGHT = 2;
/** How long close() waits for a model still loading, or for the batches the worker is embedding (see close). */
const CLOSE_WAIT_MS = 10_000;
/** Calls of at most this many texts (and one message) are urgent: queries, small /v1/embed calls. */
const URGENT_MAX_TEXTS = 32;

interface Call {
  failed: boolean;
}
interface Job {
  texts: string[];
  call: Call;
  resolve: (rows: Float32Array[]) => void;
  reject: (err: Error) => void;
}

/**
 * The Embedder with the model in a long-lived worker thread (embed-worker.mjs), so tokenising, the ONNX run and
 * pooling never hold the event loop. Calls are split into messages of `batchSize` texts (sorted by length first,
 * as the in-process embedder does, to pad less). A call of one message and at most URGENT_MAX_TEXTS texts (a query,
 * /v1/embed of a few texts) is urgent: it is sent at once and the worker takes it before the bulk chunks waiting
 * there, so it waits behind at most the chunk being embedded. The chunks of larger calls (ingest) go at most
 * BULK_IN_FLIGHT at a time, in call order.
 * A worker that dies fails the calls it was working on; the next call starts a new worker.
 */
export class WorkerEmbedder implements Embedder {
  readonly modelId: string;
  /** Resolves once the model is loaded in the worker and its dimension known (and checked, see expectDim). */
  readonly ready: Promise<void>;
  private expected: number | undefined;
  private measured: number | undefined;
  private readonly worker: LongLivedWorker;
  private readonly bulk: Job[] = [];
  private bulkRunning = 0;
  /** Requests the worker has been sent and not yet answered. */
  private readonly sent = new Set<Promise<unknown>>();
  private readonly chunk: number;

  /**
   * Starts the worker at once: the model loads in the background. `nice` (Linux) lowers the worker thread's CPU
   * priority, so that on a busy machine the event loop gets the CPU before embedding does.
   */
  constructor(
    opts: EmbedderOptions,
    readonly modelKey: string,
    { nice = 0 }: { nice?: number } = {},
  ) {
    this.modelId = opts.modelId;
    this.chunk = Math.max(1, opts.batchSize ?? 32);
    this.worker = new LongLivedWorker(ENTRY, { model: opts, nice });
    this.ready = this.worker.request<EmbedReply>({ kind: 'probe' } satisfies EmbedRequest).then(({ dim }) => {
      this.measured = dim;
      this.checkDim();
    });
    this.ready.catch(() => {}); // callers that care await it; the others see the error on their next call
  }

  /**
   * Declares the dimension before the model has loaded (the store's, for vectors under the same model key), so
   * `dim` is usable at once; `ready` rejects if the model turns out to differ.
   */
  expectDim(dim: number): void {
    this.expected = dim;
    this.checkDim();
  }

  get dim(): number {
    const dim = this.expected ?? this.measured;
    if (dim === undefined) throw new Error('the embedding dimension is not known yet (await ready)');
    return dim;
  }

  private checkDim(): void {
    if (this.expected !== undefined && this.measured !== undefined && this.expected !== this.measured) {
      throw new Error(`model ${this.modelKey} gives vectors of dimension ${this.measured}, but the store holds dimension ${this.expected}`);
    }
  }

  /** The worker, for tests that need to kill it. */
  get workerThread() {
    return this.worker.thread;
  }

  /** Bulk (ingest-sized) jobs the worker is running now: lets a test wait until one has really started. */
  get bulkInFlight(): number {
    return this.bulkRunning;
  }

  get workerStarts(): number {
    return this.worker.starts;
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    if (texts.length <= Math.min(this.chunk, URGENT_MAX_TEXTS)) return this.send(texts, true);
    const order = texts.map((_, i) => i).sort((a, b) => texts[a].length - texts[b].length);
    const call: Call = { failed: false };
    const parts: Promise<Float32Array[]>[] = [];
    const chunks: number[][] = [];
    for (let start = 0; start < order.length; start += this.chunk) {
      const idx = order.slice(start, start + this.chunk);
      chunks.push(idx);
      parts.push(new Promise((resolve, reject) => this.bulk.push({ texts: idx.map((i) => texts[i]), call, resolve, reject })));
    }
    this.pump();
    try {
      const done = await Promise.all(parts);
      const result = new Array<Float32Array>(texts.length);
      chunks.forEach((idx, c) => idx.forEach((i, j) => (result[i] = done[c][j])));
      return result;
    } catch (err) {
      call.failed = true; // its chunks still waiting are dropped
      throw err;
    }
  }

  /**
   * Terminates the worker; calls waiting are rejected. A model still loading, and the batches the worker is
   * embedding, are let finish first (up to CLOSE_WAIT_MS): stopping the thread, or exiting the process, in the middle
   * of onnxruntime's start-up or of a session run can abort the whole process (SIGABRT) instead of letting it exit
   * with its own code.
   */
  async close(): Promise<void> {
    const err = new Error('the embedder was closed');
    for (const job of this.bulk.splice(0)) job.reject(err);
    let timer: NodeJS.Timeout | undefined;
    const settled = Promise.allSettled([this.ready, ...this.sent]);
    await Promise.race([settled, new Promise<void>((r) => (timer = setTimeout(r, CLOSE_WAIT_MS)))]);
    clearTimeout(timer);
    await this.worker.close();
  }

  private async send(texts: string[], urgent: boolean): Promise<Float32Array[]> {
    const request = this.worker.request<Required<EmbedReply>>({ kind: 'embed', texts, urgent } satisfies EmbedRequest);
    this.sent.add(request);
    const { dim, data } = await request.finally(() => this.sent.delete(request));
    const rows: Float32Array[] = [];
    for (let i = 0; i < texts.length; i++) rows.push(data.slice(i * dim, (i + 1) * dim));
    return rows;
  }

  private pump(): void {
    while (this.bulkRunning < BULK_IN_FLIGHT && this.bulk.length) {
      const job = this.bulk.shift()!;
      if (job.call.failed) {
        job.reject(new Error('another part of the call failed'));
        continue;
      }
      this.bulkRunning++;
      this.send(job.texts, false)
        .then(job.resolve, job.reject)
        .finally(() => {
          this.bulkRunning--;
          this.pump();
        });
    }
  }
}

/**
 * Checks the model folder (ModelNotFoundError, before any thread starts), computes the model key from its files and
 * starts the worker: the model loads while the caller goes on (imports, opening the store, loading the index).
 */
export function startWorkerEmbedder(opts: EmbedderOptions, worker: { nice?: number } = {}): WorkerEmbedder {
  assertModelPresent(opts);
  return new WorkerEmbedder(opts, modelKeyFor(opts), worker);
}
