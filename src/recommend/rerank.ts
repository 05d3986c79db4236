import { LongLivedWorker, siblingEntry } from '../util/worker.js';
import type { TitleAbstract } from './lexical.js';

/** What the re-rank worker gets: the query papers, the dense candidate pool and each candidate's dense score. */
export interface RerankJob {
  query: TitleAbstract[];
  pool: TitleAbstract[];
  dense: Float64Array;
}

/** One thread for every re-rank (started on first use; idle, it never holds the process). */
let worker: LongLivedWorker | undefined;

/**
 * fuseWithLexical (z(dense) + z(tf-idf)) off the event loop: over the 200–2,000 candidates of similar papers and
 * recommendations, cleaning the texts and fitting tf-idf takes 50 ms to 1 s of CPU, which would stall every other
 * request (issue 15, finding 2). Only titles and abstracts cross the thread boundary.
 */
export function fuseWithLexicalOffThread(query: TitleAbstract[], pool: TitleAbstract[], dense: ArrayLike<number>): Promise<Float64Array> {
  worker ??= new LongLivedWorker(siblingEntry(import.meta.url, 'rerank-worker'));
  const job: RerankJob = {
    query: query.map(({ title, abstract }) => ({ title, abstract })),
    pool: pool.map(({ title, abstract }) => ({ title, abstract })),
    dense: Float64Array.from(dense),
  };
  return worker.request(job, [job.dense.buffer as ArrayBuffer]);
}
