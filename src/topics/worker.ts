// Worker thread entry: clusters one window (see run.ts) and posts the result back, its arrays transferred.
import { parentPort } from 'node:worker_threads';
import { computeTopics, type TopicJob } from './compute.js';

const port = parentPort;
if (!port) throw new Error('topics/worker.ts must run in a worker thread');

port.once('message', (job: TopicJob) => {
  try {
    const fit = computeTopics(job);
    const buffers = [fit.labels, fit.similarity, fit.xy, fit.sizes, fit.previousSizes].map((a) => a.buffer as ArrayBuffer);
    port.postMessage({ ok: true, result: fit }, buffers);
  } catch (err) {
    port.postMessage({ ok: false, error: (err as Error).stack ?? String(err) });
  }
});
