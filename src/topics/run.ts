import { runInWorker, siblingEntry } from '../util/worker.js';
import { computeTopics, type TopicFit, type TopicJob } from './compute.js';

/**
 * Windows up to this many papers are clustered on the event loop (225 papers took 166 ms on a machine loaded 4×
 * over its two cores, see docs/topics.md); bigger ones go to a worker thread so requests keep flowing.
 */
export const INLINE_MAX_PAPERS = 200;

const workerEntry = siblingEntry(import.meta.url, 'worker');

let queue: Promise<unknown> = Promise.resolve();

function inWorker(job: TopicJob): Promise<TopicFit> {
  return runInWorker<TopicFit>(workerEntry, job, [job.vectors.buffer as ArrayBuffer, job.previous.buffer as ArrayBuffer]);
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
