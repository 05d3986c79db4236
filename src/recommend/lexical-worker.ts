// Worker thread entry: computes a feed's lexical signals (see lexicalSignalsOffThread in lexical.ts).
import { parentPort } from 'node:worker_threads';
import { lexicalSignals } from './lexical.js';

const port = parentPort;
if (!port) throw new Error('recommend/lexical-worker.ts must run in a worker thread');

port.once('message', (job: { liked: string[]; candidates: string[] }) => {
  try {
    const result = lexicalSignals(job.liked, job.candidates);
    port.postMessage({ ok: true, result }, [result.lexical.buffer as ArrayBuffer, ...(result.svm ? [result.svm.buffer as ArrayBuffer] : [])]);
  } catch (err) {
    port.postMessage({ ok: false, error: (err as Error).stack ?? String(err) });
  }
});
