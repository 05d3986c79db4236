// Worker thread entry of WorkerEmbedder (worker-embedder.ts, which documents the protocol). Plain JavaScript, so
// the worker starts without the TypeScript loader (see pipeline.mjs). It loads the model at once, then answers
// {id, message} requests one at a time:
//   {kind: 'probe'}                         → {dim}
//   {kind: 'embed', texts, urgent?}         → {dim, data}: one Float32Array of texts.length × dim, transferred
// with {id, ok: true, result} or {id, ok: false, error}. Among the requests waiting, urgent ones (queries) go first.
import fs from 'node:fs';
import os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { loadPipeline } from './pipeline.mjs';

const port = parentPort;
if (!port) throw new Error('embed-worker.mjs must run in a worker thread');

// Background priority (Linux: nice is per thread; threads this one starts, such as onnxruntime's, inherit it). On a
// busy machine the event loop, which answers requests, then gets the CPU first and embedding takes what is left.
const { model: modelOptions, nice } = workerData.data;
if (nice) {
  try {
    const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
    os.setPriority(tid, nice);
  } catch {
    // not Linux, or not allowed: run at normal priority
  }
}

// A failed load fails every request with its error.
const loading = loadPipeline(modelOptions);
loading.catch(() => {});

/** @type {{id: number, message: {kind: string, texts?: string[], urgent?: boolean}}[]} */
const waiting = [];
let busy = false;

async function handle(message) {
  const model = await loading;
  if (message.kind === 'probe') return { result: { dim: model.dim }, transfer: [] };
  if (message.kind !== 'embed') throw new Error(`unknown request ${message.kind}`);
  const rows = await model.embed(message.texts);
  const data = new Float32Array(rows.length * model.dim);
  rows.forEach((row, i) => data.set(row, i * model.dim));
  return { result: { dim: model.dim, data }, transfer: [data.buffer] };
}

async function next() {
  if (busy) return;
  busy = true;
  while (waiting.length) {
    const urgent = waiting.findIndex((w) => w.message.kind === 'probe' || w.message.urgent === true);
    const { id, message } = waiting.splice(urgent >= 0 ? urgent : 0, 1)[0];
    try {
      const { result, transfer } = await handle(message);
      port.postMessage({ id, ok: true, result }, transfer);
    } catch (err) {
      port.postMessage({ id, ok: false, error: String(err?.stack ?? err) });
    }
  }
  busy = false;
}

port.on('message', (req) => {
  waiting.push(req);
  void next();
});
