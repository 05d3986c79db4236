// Worker thread entry: computes a feed's content signals (see feedSignalsOffThread in lexical.ts).
import { answerOneJob } from '../util/worker.js';
import { feedSignalsForPapers, type FeedContentSignals, type PaperSignalInput } from './lexical.js';

answerOneJob<PaperSignalInput, FeedContentSignals>(feedSignalsForPapers, (r) => [
  r.lexical.buffer as ArrayBuffer,
  ...(r.userModel ? [r.userModel.buffer as ArrayBuffer] : []),
]);
