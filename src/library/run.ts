import { runInWorker, siblingEntry } from '../util/worker.js';
import type { LibraryFormat, ParseOutcome } from './entry.js';

const workerEntry = siblingEntry(import.meta.url, 'parse-worker');

/**
 * Parses a library file in a worker thread of its own: a large BibTeX file takes the parser a second or more of
 * CPU (BENCHMARKS.md), which the server's event loop does not wait out.
 */
export function parseLibraryOffThread(text: string, format: LibraryFormat): Promise<ParseOutcome> {
  return runInWorker<ParseOutcome>(workerEntry, { text, format });
}
