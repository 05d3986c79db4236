// Worker thread entry: the lexical re-rank of similar papers and recommendations (see fuseWithLexicalOffThread).
import { paperText } from '../embed/text.js';
import { answerRequests } from '../util/worker.js';
import { fuseWithLexical, type TitleAbstract } from './lexical.js';
import type { RerankJob } from './rerank.js';

const text = (p: TitleAbstract) => paperText(p.title, p.abstract);

answerRequests<RerankJob, Float64Array>(
  ({ query, pool, dense }) => fuseWithLexical(query.map(text), pool.map(text), dense),
  (fused) => [fused.buffer as ArrayBuffer],
);
