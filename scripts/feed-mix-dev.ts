/**
 * Dev-split iteration for the feed (issue 17): runs the harness's own runFeed (every feed row, the served ranker
 * included) on a deterministic subsample of the dev users of all three kinds and prints mean Recall@50 per kind.
 * Tuning happens here, on dev only; `npm run eval` gives the tables with intervals on dev and test.
 *   npx tsx scripts/feed-mix-dev.ts [--per-kind 15] [--split dev] [--no-variants]
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { curatorUsers } from '../src/eval/curators.js';
import { loadEvalData } from '../src/eval/data.js';
import { embedPapers } from '../src/eval/embed-cache.js';
import { hfSubmitterUsers, runFeed, topicSetUsers, type FeedUser } from '../src/eval/feedtask.js';
import { seedOf } from '../src/eval/util.js';
import { buildTfidf } from '../src/recommend/tfidf.js';
import { Lexicon } from '../src/index/lexicon.js';
import { termVector } from '../src/text/terms.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { 'no-variants': { type: 'boolean', default: false }, split: { type: 'string', default: 'dev' }, 'per-kind': { type: 'string', default: '15' }, model: { type: 'string', default: 'paperfeed-arxiv-100d' } } });
const log = (m: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${m}`);
const perKind = Number(values['per-kind']);

const data = await loadEvalData(path.join(root, '..', 'shared', 'data'));
const tfidf = buildTfidf(data.papers.map((p) => p.text));
log('tf-idf built');
const emb = await embedPapers(data.papers, values.model!, path.join(root, 'models'), path.join(root, '.cache', 'eval'), log);
const sample = <T extends FeedUser>(xs: T[], unit: (x: T) => string) => {
  const units = [...new Set(xs.filter((x) => x.split === values.split).map(unit))].sort((a, b) => seedOf(a) - seedOf(b)).slice(0, perKind);
  return xs.filter((x) => units.includes(unit(x)));
};
const kinds = {
  'topic sets': sample(topicSetUsers(data), (u) => u.key),
  'HF submitters': sample(hfSubmitterUsers(data), (u) => u.key),
  curators: sample(curatorUsers(data), (u) => u.curator),
};
const lexicon = new Lexicon();
data.papers.forEach((p, i) => lexicon.set(i, termVector(p.text)));
const opts = { lexicon, vectors: emb.vectors, dim: emb.dim, modelLabel: values.model!, svmLambda: 1e-2, svmNegatives: 5000, log, variants: !values['no-variants'] };
const table = new Map<string, Record<string, number>>();
for (const [kind, users] of Object.entries(kinds)) {
  log(`${kind}: ${users.length} users/windows`);
  for (const [method, rows] of runFeed(data, users, tfidf, opts)) {
    const r = table.get(method) ?? {};
    r[kind] = rows.reduce((a, x) => a + x.recall50, 0) / rows.length;
    table.set(method, r);
  }
}
console.log(`| method (${values.split}, ≤${perKind} units per kind, Recall@50) | ${Object.keys(kinds).join(' | ')} |`);
console.log(`|---|${Object.keys(kinds).map(() => '---|').join('')}`);
for (const [m, r] of table) console.log(`| ${m} | ${Object.keys(kinds).map((k) => r[k].toFixed(3)).join(' | ')} |`);
