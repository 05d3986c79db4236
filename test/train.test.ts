import fs from 'node:fs';
import path from 'node:path';
import { AutoTokenizer, env } from '@huggingface/transformers';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/config.js';
import { SPECIALS } from '../src/embed/build-static-model.js';
import { loadEmbedder } from '../src/embed/embedder.js';
import { packModel, unpackModel, isUnpackedUpToDate } from '../src/embed/packed-model.js';
import { readPaperFile } from '../src/ingest/parse.js';
import { trainTable } from '../src/train/contrastive.js';
import { missingFrequentWords, tokenize, trainingPairs } from '../src/train/corpus.js';
import { readStaticModel } from '../src/train/static-model-io.js';
import { writeModelFolder } from '../src/embed/build-static-model.js';
import { tempDir } from './helpers.js';

const MODELS = path.join(PROJECT_ROOT, 'models');
const BASE = path.join(MODELS, 'glove-sif-100d');
let papers: { id: string; title: string; abstract: string }[] = [];
let base: ReturnType<typeof readStaticModel>;

beforeAll(async () => {
  for await (const r of readPaperFile(path.join(PROJECT_ROOT, 'seed', 'arxiv-cs-sample.jsonl.gz'))) if (r.ok) papers.push(r.paper);
  base = readStaticModel(BASE);
});

describe('training corpus', () => {
  it('tokenises exactly like the model tokenizer that serves it', async () => {
    env.allowRemoteModels = false;
    env.localModelPath = MODELS + path.sep;
    const tokenizer = await AutoTokenizer.from_pretrained('glove-sif-100d');
    const vocab = new Map(base.vocab.map((w, i) => [w, i]));
    const { titles, abstracts } = trainingPairs(papers.slice(0, 60));
    const texts = [...titles, ...abstracts];
    const mine = tokenize(texts, vocab);
    let same = 0;
    texts.forEach((t, i) => {
      const theirs = Array.from(tokenizer.encode(t) as number[]);
      const ours = Array.from(mine.ids.slice(mine.offsets[i], mine.offsets[i + 1]));
      if (JSON.stringify(theirs) === JSON.stringify(ours)) same++;
    });
    expect(same / texts.length).toBeGreaterThanOrEqual(0.98);
  });

  it('finds frequent words the vocabulary lacks, deterministically', () => {
    const vocab = new Map(base.vocab.map((w, i) => [w, i]));
    const { abstracts } = trainingPairs(papers);
    const extra = missingFrequentWords(abstracts, vocab, 3, 50);
    expect(extra).toContain('llms');
    for (const w of extra) expect(vocab.has(w)).toBe(false);
    expect(missingFrequentWords(abstracts, vocab, 3, 50)).toEqual(extra);
  });
});

describe('contrastive training', () => {
  it('raises held-out title → abstract accuracy and is deterministic', () => {
    const vocab = new Map(base.vocab.map((w, i) => [w, i]));
    const { titles, abstracts } = trainingPairs(papers);
    const t = tokenize(titles, vocab);
    const a = tokenize(abstracts, vocab);
    const idx = papers.map((_, i) => i);
    const run = () => {
      const table = Float32Array.from(base.table);
      const opts = { dim: base.dim, batchSize: 32, scale: 20, lr: 0.3, epochs: 4, l2ToInit: 0, seed: 3, frozenBelow: SPECIALS.length };
      return { reports: trainTable(table, t, a, idx.slice(64), idx.slice(0, 64), opts), table };
    };
    const first = run();
    const [start, end] = [first.reports[0], first.reports[first.reports.length - 1]];
    expect(end.valLoss).toBeLessThan(start.valLoss);
    expect(end.trainLoss).toBeLessThan(first.reports[1].trainLoss);
    const specialsUnchanged = first.table.slice(0, SPECIALS.length * base.dim).every((x, i) => x === base.table[i]);
    expect(specialsUnchanged).toBe(true);
    const second = run();
    expect(second.reports.map((r) => r.valLoss)).toEqual(first.reports.map((r) => r.valLoss));
  });
});

describe('packed models', () => {
  it('pack → unpack keeps vectors (int8 rows) and loads through the standard pipeline', async () => {
    const dir = tempDir();
    const trained = path.join(dir, 'models', 'trained-mini');
    const extraWords = ['llms', 'agentic'];
    const vocab = [...base.vocab, ...extraWords];
    const table = new Float32Array(vocab.length * base.dim);
    table.set(base.table);
    for (let i = base.table.length; i < table.length; i++) table[i] = Math.sin(i) * 0.05;
    writeModelFolder(trained, { vocab, table, dim: base.dim, description: { kind: 'test' } }, {});
    const asset = path.join(dir, 'assets', 'trained-mini');
    packModel(trained, BASE, asset, { name: 'trained-mini' });
    expect(fs.statSync(path.join(asset, 'table.q8.gz')).size).toBeLessThan(table.length * 4 * 0.5);

    const out = path.join(dir, 'unpacked', 'trained-mini');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.symlinkSync(BASE, path.join(dir, 'unpacked', 'glove-sif-100d'));
    unpackModel(asset, BASE, out);
    expect(isUnpackedUpToDate(asset, out)).toBe(true);
    const back = readStaticModel(out);
    expect(back.vocab).toEqual(vocab);
    let worst = 1;
    for (let r = SPECIALS.length; r < vocab.length; r += 97) {
      let dot = 0, na = 0, nb = 0;
      for (let d = 0; d < base.dim; d++) {
        const x = table[r * base.dim + d], y = back.table[r * base.dim + d];
        dot += x * y; na += x * x; nb += y * y;
      }
      if (na > 0) worst = Math.min(worst, dot / Math.sqrt(na * nb));
    }
    expect(worst).toBeGreaterThan(0.999);

    const embedder = await loadEmbedder({ modelId: 'trained-mini', modelsDir: path.dirname(out) });
    const [v] = await embedder.embed(['agentic llms for robot planning']);
    expect(v.length).toBe(base.dim);
    expect(Math.hypot(...v)).toBeCloseTo(1, 5);
  });
});
