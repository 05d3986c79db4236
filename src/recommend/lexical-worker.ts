// Worker thread entry: computes feeds' content signals, one request after another (see feedSignalsOffThread in
// lexical.ts).
import { answerRequests } from '../util/worker.js';
import { feedSignalsForPapers, type FeedContentSignals, type PaperSignalInput } from './lexical.js';

answerRequests<PaperSignalInput, FeedContentSignals>(feedSignalsForPapers, (r) => [
  r.lexical.buffer as ArrayBuffer,
  ...(r.userModel ? [r.userModel.buffer as ArrayBuffer] : []),
]);
