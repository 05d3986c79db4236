// npm run train:model -- [--out NAME] [--epochs 2] [--lr 0.3] [--l2 0] [--extra-words 5000] [--base glove-sif-100d]
// Domain-adapts the static model on the papers in the store (DATA_DIR): contrastive title ↔ abstract training of
// the token table, vocabulary extended with frequent corpus words the base lacks. Writes models/NAME.
import crypto from 'node:crypto';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { loadConfig } from '../src/config.js';
import { SPECIALS, writeModelFolder } from '../src/embed/build-static-model.js';
import { missingFrequentWords, tokenize, trainingPairs } from '../src/train/corpus.js';
import { trainTable } from '../src/train/contrastive.js';
import { readStaticModel } from '../src/train/static-model-io.js';

const { values: args } = parseArgs({
  options: {
    out: { type: 'string', default: 'paperfeed-arxiv-100d' },
    base: { type: 'string', default: 'glove-sif-100d' },
    epochs: { type: 'string', default: '2' },
    lr: { type: 'string', default: '0.3' },
    l2: { type: 'string', default: '0' },
    scale: { type: 'string', default: '20' },
    batch: { type: 'string', default: '256' },
    'extra-words': { type: 'string', default: '5000' },
    'min-docs': { type: 'string', default: '20' },
    seed: { type: 'string', default: '1' },
  },
});
const config = loadConfig();
const log = (m: string) => console.error(`[train] ${m}`);
const started = Date.now();

const db = new Database(path.join(config.DATA_DIR, 'paperfeed.db'), { readonly: true });
const papers = db.prepare('SELECT id, title, abstract FROM papers ORDER BY seq').all() as { id: string; title: string; abstract: string }[];
db.close();
if (papers.length < 1000) throw new Error(`only ${papers.length} papers in ${config.DATA_DIR}: ingest a corpus first`);
log(`${papers.length} papers from ${config.DATA_DIR}`);

const base = readStaticModel(path.join(config.MODELS_DIR, args.base!));
const { titles, abstracts } = trainingPairs(papers);
const vocabIndex = new Map(base.vocab.map((w, i) => [w, i]));
const extra = missingFrequentWords([...titles, ...abstracts], vocabIndex, Number(args['min-docs']), Number(args['extra-words']));
log(`base ${args.base}: ${base.vocab.length} tokens; adding ${extra.length} corpus words (e.g. ${extra.slice(0, 12).join(', ')})`);

// New rows start small and random (deterministic), at about half the typical row length of the base table.
const dim = base.dim;
const vocab = [...base.vocab, ...extra];
const table = new Float32Array(vocab.length * dim);
table.set(base.table);
const norms = Array.from({ length: base.vocab.length - SPECIALS.length }, (_, i) => {
  let s = 0;
  for (let d = 0; d < dim; d++) s += base.table[(i + SPECIALS.length) * dim + d] ** 2;
  return Math.sqrt(s);
}).sort((a, b) => a - b);
const sigma = (0.5 * norms[norms.length >> 1]) / Math.sqrt(dim);
const rand = crypto.createHash('sha256').update(`paperfeed-init-${args.seed}`).digest();
let state = rand.readUInt32LE(0);
const uniform = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) + 0.5) / 4294967296;
for (let i = base.vocab.length * dim; i < table.length; i++) {
  table[i] = sigma * Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform()); // Box–Muller
}
vocab.forEach((w, i) => vocabIndex.set(w, i));

const titleTokens = tokenize(titles, vocabIndex);
const abstractTokens = tokenize(abstracts, vocabIndex);
// 2% of papers (by id hash) never train: their title → abstract retrieval shows over-fitting.
const isVal = (id: string) => crypto.createHash('md5').update(id).digest()[0] < 5;
const trainIdx: number[] = [];
const valIdx: number[] = [];
papers.forEach((p, i) => (isVal(p.id) ? valIdx : trainIdx).push(i));
log(`tokenised in ${((Date.now() - started) / 1000).toFixed(1)} s; ${trainIdx.length} train / ${valIdx.length} validation pairs`);

const options = {
  dim,
  batchSize: Number(args.batch),
  scale: Number(args.scale),
  lr: Number(args.lr),
  epochs: Number(args.epochs),
  l2ToInit: Number(args.l2),
  seed: Number(args.seed),
  frozenBelow: SPECIALS.length,
  log,
};
const reports = trainTable(table, titleTokens, abstractTokens, trainIdx, valIdx, options);

const outDir = path.join(config.MODELS_DIR, args.out!);
const description = {
  kind: 'static-contrastive',
  base: args.base,
  trainedOn: { papers: papers.length, validation: valIdx.length, extraWords: extra.length },
  options: { ...options, log: undefined },
  reports,
};
writeModelFolder(outDir, { vocab, table, dim, description }, { trainer: 'scripts/train-model.ts', base: args.base, options: description.options });
log(`wrote ${outDir} (${vocab.length} tokens) in ${((Date.now() - started) / 1000).toFixed(1)} s; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
