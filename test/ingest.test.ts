import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MODEL, loadConfig, PROJECT_ROOT } from '../src/config.js';
import { buildStaticModel } from '../src/embed/build-static-model.js';
import { assertModelPresent, loadEmbedder, type Embedder } from '../src/embed/embedder.js';
import { ingestFiles } from '../src/ingest/files.js';
import { ingestBatch } from '../src/ingest/pipeline.js';
import { reembed } from '../src/ingest/reembed.js';
import { similarPapers } from '../src/recommend/similar.js';
import { openRuntime } from '../src/runtime.js';
import { ModelMismatchError, SqliteStore } from '../src/store/store.js';
import { paper, tempDir, writesOf } from './helpers.js';

const MODELS = path.join(PROJECT_ROOT, 'models');
const fixture = (f: string) => path.join(PROJECT_ROOT, 'test', 'fixtures', f);
const SEED = ['arxiv-cs-sample.jsonl.gz', 'hf-daily-sample.jsonl.gz'].map((f) => path.join(PROJECT_ROOT, 'seed', f));

/** The real model, wrapped to count how many texts it embeds (the seam that shows what was re-embedded). */
function counting(inner: Embedder) {
  const counter = { texts: 0 };
  const embedder: Embedder = {
    modelId: inner.modelId,
    modelKey: inner.modelKey,
    dim: inner.dim,
    embed: (texts) => ((counter.texts += texts.length), inner.embed(texts)),
  };
  return { embedder, counter };
}

let model: Embedder;
beforeAll(async () => {
  model = await loadEmbedder({ modelId: 'glove-sif-100d', modelsDir: MODELS });
});

describe('ingestFiles', () => {
  it('ingests every supported format and reports bad records with file, line and reason', async () => {
    const store = new SqliteStore(tempDir());
    store.bindModel(model.modelKey, model.dim);
    const files = [...SEED, fixture('hf-daily-api.json'), fixture('arxiv-atom.xml'), fixture('bad-records.jsonl')];
    const r = await ingestFiles(writesOf(store), model, files, { batchSize: 64 });
    expect(r.failedFiles).toEqual([]);
    expect(r.inserted).toBeGreaterThan(300);
    expect(store.countPapers()).toBe(r.inserted);
    expect(store.countVectors(model.modelKey)).toBe(r.inserted);
    const bad = r.rejected.filter((x) => x.file.endsWith('bad-records.jsonl'));
    expect(bad.length).toBeGreaterThanOrEqual(4);
    for (const x of bad) {
      expect(x.line).toBeGreaterThan(0);
      expect(x.reason.length).toBeGreaterThan(5);
    }
    // A record from HF adds its upvotes to the arXiv paper already stored, without replacing its text or date.
    const hf = store.db.prepare("SELECT id FROM papers WHERE upvotes > 0 AND categories != '[]' LIMIT 1").pluck().get() as string;
    expect(hf).toBeTruthy();
    store.close();
  });

  it('re-ingesting unchanged files embeds nothing and changes nothing', async () => {
    const store = new SqliteStore(tempDir());
    store.bindModel(model.modelKey, model.dim);
    const { embedder, counter } = counting(model);
    const first = await ingestFiles(writesOf(store), embedder, SEED, { batchSize: 100 });
    const embeddedFirst = counter.texts;
    expect(embeddedFirst).toBe(first.inserted + 0 /* HF-only papers are inserts too */ + (first.updated - 90));
    const version = store.maxVersion();
    const again = await ingestFiles(writesOf(store), embedder, SEED, { batchSize: 100 });
    expect(counter.texts).toBe(embeddedFirst);
    expect(again.inserted + again.updated).toBe(0);
    expect(again.unchanged).toBe(400);
    expect(store.maxVersion()).toBe(version);
    store.close();
  });

  it('accepts a file that cannot be read as a failed file, not a crash', async () => {
    const store = new SqliteStore(tempDir());
    store.bindModel(model.modelKey, model.dim);
    const r = await ingestFiles(writesOf(store), model, [path.join(tempDir(), 'missing.jsonl'), SEED[0]], { batchSize: 256 });
    expect(r.failedFiles).toHaveLength(1);
    expect(r.inserted).toBe(300);
    store.close();
  });
});

describe('ingestBatch', () => {
  it('re-embeds a changed abstract, updates upvotes without re-embedding, and keeps ids opaque', async () => {
    const store = new SqliteStore(tempDir());
    store.bindModel(model.modelKey, model.dim);
    const { embedder, counter } = counting(model);
    const ids = ['10.1145/3292500.3330701', '123456', 'W2741809807'];
    const first = await ingestBatch(writesOf(store), embedder, ids.map((id) => paper(id, { abstract: `Graph neural networks for ${id}.` })));
    expect(first.inserted).toBe(3);
    const before = store.getVector(store.getPaper(ids[0])!.seq, model.modelKey)!;

    const upvoted = await ingestBatch(writesOf(store), embedder, [paper(ids[0], { abstract: `Graph neural networks for ${ids[0]}.`, upvotes: 12 })]);
    expect(upvoted).toMatchObject({ updated: 1 });
    const versionBefore = store.maxVersion();
    expect(store.getPaper(ids[0])!.upvotes).toBe(12);
    expect(counter.texts).toBe(3);

    const rewritten = await ingestBatch(writesOf(store), embedder, [paper(ids[0], { abstract: 'Protein structure prediction with diffusion.' })]);
    expect(rewritten.updated).toBe(1);
    expect(store.maxVersion()).toBe(versionBefore + 1); // one vector changed
    expect(counter.texts).toBe(4);
    const after = store.getVector(store.getPaper(ids[0])!.seq, model.modelKey)!;
    expect(Array.from(after)).not.toEqual(Array.from(before));
    expect(store.getPaper(ids[0])!.upvotes).toBe(12); // an omitted value keeps the stored one
    store.close();
  });

  it('lets another source fill gaps and upvotes but not replace the text', async () => {
    const store = new SqliteStore(tempDir());
    store.bindModel(model.modelKey, model.dim);
    await ingestBatch(writesOf(store), model, [paper('p', { source: 'arxiv', categories: ['cs.CL'], abstract: 'Original text.' })]);
    const version = store.maxVersion();
    await ingestBatch(writesOf(store), model, [
      paper('p', { source: 'hf', categories: [], abstract: 'Other text.', upvotes: 5, published: '2026-07-01' }),
    ]);
    expect(store.maxVersion()).toBe(version); // the text (and so the vector) did not change
    const p = store.getPaper('p')!;
    expect(p).toMatchObject({ abstract: 'Original text.', categories: ['cs.CL'], upvotes: 5, published: '2026-08-01', source: 'arxiv' });
    store.close();
  });
});

describe('models', () => {
  it('names the folder it looked in and how to get a missing model', () => {
    expect(() => assertModelPresent({ modelId: 'Xenova/all-MiniLM-L6-v2', modelsDir: MODELS })).toThrow(
      new RegExp(`${path.join(MODELS, 'Xenova/all-MiniLM-L6-v2').replace(/[/.]/g, '\\$&')}.*ALLOW_REMOTE_MODELS`, 's'),
    );
  });

  it('refuses a store whose vectors came from other weights under the same model name', async () => {
    const dataDir = tempDir();
    const store = new SqliteStore(dataDir);
    store.bindModel(`${DEFAULT_MODEL}@000000000000`, 100); // as if built before the weights were rebuilt
    store.close();
    await expect(openRuntime(loadConfig({ DATA_DIR: dataDir }), () => {})).rejects.toThrow(
      new RegExp(`built with model ${DEFAULT_MODEL}@000000000000.*configured model is ${DEFAULT_MODEL}@[0-9a-f]{12}.*npm run reembed`, 's'),
    );
  });

  it('refuses to start on a store built with another model, and reembed switches it', async () => {
    // A second, smaller model in the same hub layout, loaded by the same code path.
    const modelsDir = tempDir();
    await buildStaticModel({ outDir: path.join(modelsDir, 'glove-small'), maxWords: 5000 });
    fs.symlinkSync(path.join(MODELS, 'glove-sif-100d'), path.join(modelsDir, 'glove-sif-100d'));
    const dataDir = tempDir();
    const env = { DATA_DIR: dataDir, MODELS_DIR: modelsDir, SEED_ON_EMPTY: 'false', EMBED_MODEL: 'glove-sif-100d' };

    const runtime = await openRuntime(loadConfig(env), () => {});
    await runtime.index.load(runtime.embedder.ready);
    await runtime.writer.addPapers([paper('a', { abstract: 'Robot grasping with reinforcement learning.' }), paper('b')]);
    await runtime.close();

    const other = loadConfig({ ...env, EMBED_MODEL: 'glove-small' });
    await expect(openRuntime(other, () => {})).rejects.toThrow(ModelMismatchError);

    const small = await loadEmbedder({ modelId: 'glove-small', modelsDir });
    const store = new SqliteStore(dataDir);
    const r = await reembed(store, small, { batchSize: 1 });
    expect(r).toMatchObject({ embedded: 2, total: 2 });
    expect(store.modelInfo()).toEqual({ model: small.modelKey, dim: 100 });
    expect(small.modelKey).toMatch(/^glove-small@[0-9a-f]{12}$/);
    expect(store.otherModels(small.modelKey)).toEqual([]);
    store.close();

    const switched = await openRuntime(other, () => {});
    await switched.index.load(switched.embedder.ready);
    expect(switched.index.require().size).toBe(2);
    const catalog = { papers: switched.engine.papers, index: switched.index.require(), lexicon: switched.index.requireLexicon(), model: switched.embedder.modelKey };
    const [a] = await switched.engine.papers.byIds(['a']);
    expect((await similarPapers(catalog, a!, 5)).map((x) => x.paper.id)).toEqual(['b']);
    await switched.close();
    await expect(openRuntime(loadConfig(env), () => {})).rejects.toThrow(/npm run reembed/);
  });
});
