/**
 * Task 4 of the evaluation alone (search: known-item and topical), for iterating on the search rankers:
 * `npm run eval:search [-- --quick] [--model M] [--misses METHOD]` (model: default paperfeed-arxiv-100d, as EVAL.md).
 * Prints each method's dev and test means and, with --misses, the known-item queries that METHOD misses (not in its
 * top 10) with the titles it ranked above the paper.
 * The full report (`npm run eval`) runs the same code; this writes nothing.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { loadEvalData, resolveDataDir } from '../src/eval/data.js';
import { embedPapers } from '../src/eval/embed-cache.js';
import { knownItemQueries, runSearch, topicalQueries, type SearchQuery, type SearchResults } from '../src/eval/search.js';
import { seedOf } from '../src/eval/util.js';
import { loadEmbedder } from '../src/embed/embedder.js';
import { cleanText } from '../src/embed/text.js';
import { Lexicon } from '../src/index/lexicon.js';
import { termVector } from '../src/text/terms.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, model: { type: 'string', default: 'paperfeed-arxiv-100d' }, misses: { type: 'string' } } });
const log = (m: string) => console.error(m);
const data = await loadEvalData(resolveDataDir(root), values.quick ? (id) => seedOf(id) % 8 === 0 : undefined);
const lexicon = new Lexicon();
data.papers.forEach((p, i) => lexicon.set(i, termVector(p.text)));
const embedded = await embedPapers(data.papers, values.model!, path.join(root, 'models'), path.join(root, '.cache', 'eval'), log);
const embedder = await loadEmbedder({ modelId: values.model!, modelsDir: path.join(root, 'models'), batchSize: 32 });
const model = { label: embedded.modelId, vectors: embedded.vectors, dim: embedded.dim, embed: (ts: string[]) => embedder.embed(ts.map(cleanText)) };

const ranked = new Map<string, number[][]>();
const keep = (method: string, qi: number, list: number[]) => {
  if (method !== values.misses) return;
  if (!ranked.has(method)) ranked.set(method, []);
  ranked.get(method)![qi] = list.slice(0, 10);
};
const known = knownItemQueries(data, values.quick ? 50 : undefined);
const topical = topicalQueries(data);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const print = (title: string, res: SearchResults, qs: SearchQuery[], keys: ('hit10' | 'mrr' | 'p10' | 'ndcg10')[]) => {
  console.log(`\n${title}\n| method | ${keys.map((k) => `${k} dev | ${k} test`).join(' | ')} |`);
  for (const [method, scores] of res) {
    const cells = keys.flatMap((k) => (['dev', 'test'] as const).map((s) => mean(scores.filter((_, i) => qs[i].split === s).map((x) => x[k])).toFixed(3)));
    console.log(`| ${method} | ${cells.join(' | ')} |`);
  }
};
const knownRes = await runSearch(data, known, model, lexicon, log, keep);
print('Known-item', knownRes, known, ['hit10', 'mrr']);
print('Topical', await runSearch(data, topical, model, lexicon, log), topical, ['p10', 'ndcg10']);
if (values.misses) {
  const scores = knownRes.get(values.misses);
  if (!scores) throw new Error(`no method ${values.misses}: ${[...knownRes.keys()].join('; ')}`);
  console.log(`\nMisses of ${values.misses}:`);
  scores.forEach((s, qi) => {
    if (s.hit10) return;
    const q = known[qi];
    console.log(`- [${q.split}] "${q.text}" → ${data.papers[q.relevant[0]].title} (MRR ${s.mrr.toFixed(3)}); above it: ${ranked.get(values.misses!)![qi].slice(0, 4).map((i) => JSON.stringify(data.papers[i].title)).join(', ')}`);
  });
}
