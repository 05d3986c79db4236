// Worker thread entry: the lexical jobs kept off the event loop, one after another: feeds' content signals
// (feedSignalsOffThread) and the re-rank of similar papers and recommendations (fuseWithLexicalOffThread), in lexical.ts.
import { answerRequests } from '../util/worker.js';
import { feedSignalsForPapers, fuseForPapers, type FeedContentSignals, type LexicalJob } from './lexical.js';

answerRequests<LexicalJob, FeedContentSignals | Float64Array>(
  (job) => (job.kind === 'feed' ? feedSignalsForPapers(job.input) : fuseForPapers(job.input)),
  (r) => (r instanceof Float64Array ? [r.buffer as ArrayBuffer] : [r.lexical.buffer as ArrayBuffer, ...(r.userModel ? [r.userModel.buffer as ArrayBuffer] : [])]),
);
