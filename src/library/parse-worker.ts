// Worker thread entry: parses one library file (parse.ts) off the event loop; run.ts starts it.
import { answerOneJob } from '../util/worker.js';
import type { LibraryFormat, ParseOutcome } from './entry.js';
import { parseLibrary } from './parse.js';

answerOneJob<{ text: string; format: LibraryFormat }, ParseOutcome>(({ text, format }) => parseLibrary(text, format));
