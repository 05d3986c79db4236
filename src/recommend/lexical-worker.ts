// Worker thread entry: computes a feed's content signals (see feedSignalsOffThread in lexical.ts).
import { parentPort } from 'node:worker_threads';
import { feedSignalsForPapers, type PaperSignalInput } from './lexical.js';

const port = parentPort;
if (!port) throw new Error('recommend/lexical-worker.ts must run in a worker thread');

port.once('message', (job: PaperSignalInput) => {
  try {
    const result = feedSignalsForPapers(job);
    port.postMessage({ ok: true, result }, [result.lexical.buffer as ArrayBuffer, ...(result.userModel ? [result.userModel.buffer as ArrayBuffer] : [])]);
  } catch (err) {
    port.postMessage({ ok: false, error: (err as Error).stack ?? String(err) });
  }
});
