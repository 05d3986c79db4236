// The embedder that runs the model in a long-lived worker thread (src/embed/worker-embedder.ts): same vectors as
// in-process, queries ahead of bulk work, a crash surfaces as an error and the next call restarts the worker; and
// how openRuntime and the API write path use it.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, PROJECT_ROOT } from '../src/config.js';
import { loadEmbedder, ModelNotFoundError, modelKeyFor, type Embedder } from '../src/embed/embedder.js';
import { startWorkerEmbedder, WorkerEmbedder } from '../src/embed/worker-embedder.js';
import { nearest } from '../src/recommend/catalog.js';
import { openRuntime } from '../src/runtime.js';
import { SqliteStore } from '../src/store/store.js';
import { paper, tempDir, until } from './helpers.js';

const MODELS = path.join(PROJECT_ROOT, 'models');
const OPTS = { modelId: 'glove-sif-100d', modelsDir: MODELS, batchSize: 32 };

/** Texts of varied length (the embedder sorts by length: order must still come back as given). */
const texts = (n: number, tag = '') =>
  Array.from({ length: n }, (_, i) => `${tag}paper ${i} on ${'graph neural networks for molecules '.repeat(1 + ((i * 7) % 11))}and robots ${i % 13}`);

describe('WorkerEmbedder', () => {
  let local: Embedder;
  let worker: WorkerEmbedder;
  beforeAll(async () => {
    local = await loadEmbedder(OPTS);
    worker = startWorkerEmbedder(OPTS);
    await worker.ready;
  });
  afterAll(() => worker?.close());

  it('gives the in-process vectors, in the caller order, under the same key and dimension', async () => {
    expect(worker.modelKey).toBe(local.modelKey);
    expect(worker.modelKey).toBe(modelKeyFor(OPTS));
    expect(worker.dim).toBe(local.dim);
    const many = texts(150); // 5 messages of ≤ 32
    const [a, b] = [await worker.embed(many), await local.embed(many)];
    expect(a).toHaveLength(150);
    for (let i = 0; i < many.length; i++) expect(Array.from(a[i])).toEqual(Array.from(b[i]));
    const [q] = await worker.embed(['one short query']);
    expect(Array.from(q)).toEqual(Array.from((await local.embed(['one short query']))[0]));
    expect(q.buffer.byteLength).toBe(4 * worker.dim); // its own buffer, not a view of the whole reply
    expect(await worker.embed([])).toEqual([]);
  });

  it('a short call (a query) does not wait behind a large call already queued', async () => {
    const order: string[] = [];
    const bulk = worker.embed(texts(3000, 'bulk ')).then(() => order.push('bulk'));
    await until(() => worker.bulkInFlight > 0); // the bulk call is in the worker, not just queued
    const query = worker.embed(['graph neural networks']).then(() => order.push('query'));
    await Promise.all([bulk, query]);
    expect(order).toEqual(['query', 'bulk']);
  });

  it('a worker crash fails the calls in flight with an error; the next call works on a new worker', async () => {
    const w = startWorkerEmbedder(OPTS);
    await w.ready;
    const starts = w.workerStarts;
    const big = w.embed(texts(3000));
    await until(() => w.bulkInFlight > 0);
    await w.workerThread!.terminate(); // as if it died
    await expect(big).rejects.toThrow(/exited/);
    const [v] = await w.embed(['after the crash']);
    expect(Array.from(v)).toEqual(Array.from((await local.embed(['after the crash']))[0]));
    expect(w.workerStarts).toBe(starts + 1);
    await w.close();
    await expect(w.embed(['closed'])).rejects.toThrow(/closed/);
  });

  it('a dimension that differs from the one expected rejects ready', async () => {
    const w = new WorkerEmbedder(OPTS, modelKeyFor(OPTS));
    w.expectDim(50);
    expect(w.dim).toBe(50);
    await expect(w.ready).rejects.toThrow(/dimension 100, but the store holds dimension 50/);
    await w.close();
  });
});

describe('openRuntime with the model in a worker', () => {
  it('refuses a missing model with ModelNotFoundError', async () => {
    await expect(openRuntime(loadConfig({ DATA_DIR: tempDir(), EMBED_MODEL: 'no-such-model' }), () => {})).rejects.toThrow(ModelNotFoundError);
  });

  it('takes the dimension from the store, and the index is published only once the model is there', async () => {
    const dataDir = tempDir();
    const env = { DATA_DIR: dataDir, SEED_ON_EMPTY: 'false', EMBED_MODEL: 'glove-sif-100d' };
    const feed = await openRuntime(loadConfig(env), () => {});
    expect(feed.embedder.dim).toBe(100);
    await feed.writer.addPapers([paper('a', { abstract: 'Robot grasping with reinforcement learning.' }), paper('b')]);
    await feed.index.load(feed.embedder.ready);
    expect(feed.index.require().size).toBe(2);
    await feed.close();

    // Reopened: the dimension comes from the store at once; the model is still loading.
    const again = await openRuntime(loadConfig(env), () => {});
    expect(again.embedder.dim).toBe(100);
    await again.index.load(again.embedder.ready);
    await again.embedder.ready;
    expect(again.index.require().size).toBe(2);
    const [v] = await again.embedder.embed(['robot grasping']);
    const catalog = { papers: again.engine.papers, index: again.index.require(), lexicon: again.index.requireLexicon(), model: again.embedder.modelKey };
    expect((await nearest(catalog, v, 1))[0].paper.id).toBe('a');
    await again.close();
  });

  it('a store whose dimension disagrees with the model under the same key fails the index load, not later', async () => {
    const dataDir = tempDir();
    const store = new SqliteStore(dataDir);
    store.bindModel(modelKeyFor({ modelId: 'glove-sif-100d', modelsDir: MODELS }), 64); // forged
    store.close();
    const feed = await openRuntime(loadConfig({ DATA_DIR: dataDir, SEED_ON_EMPTY: 'false', EMBED_MODEL: 'glove-sif-100d' }), () => {});
    await expect(feed.index.load(feed.embedder.ready)).rejects.toThrow(/dimension 100, but the store holds dimension 64/);
    expect(feed.index.current).toBeNull();
    await feed.close();
  });

  it('API writes in several transactions (one embedded ahead) keep the last version of a repeated id', async () => {
    const config = loadConfig({ DATA_DIR: tempDir(), SEED_ON_EMPTY: 'false', EMBED_MODEL: 'glove-sif-100d', INGEST_BATCH_SIZE: '64' });
    const feed = await openRuntime(config, () => {});
    await feed.index.load(feed.embedder.ready);
    // 150 papers: three 64-paper transactions, then 'p10' again with new text (a batch of its own, looked up only
    // after the batch holding its first version committed).
    const papers = Array.from({ length: 150 }, (_, i) => paper(`p${i}`, { abstract: `Abstract number ${i} about topic ${i % 7}.` }));
    papers.push(paper('p10', { abstract: 'Completely rewritten: diffusion models for protein design.' }));
    const r = await feed.writer.addPapers(papers);
    expect(r).toEqual({ inserted: 150, updated: 1, unchanged: 0 });
    expect((await feed.engine.papers.byIds(['p10']))[0]!.abstract).toMatch(/diffusion models/);
    expect(feed.index.require().size).toBe(150);
    const [v] = await feed.embedder.embed(['diffusion models for protein design']);
    const catalog = { papers: feed.engine.papers, index: feed.index.require(), lexicon: feed.index.requireLexicon(), model: feed.embedder.modelKey };
    expect((await nearest(catalog, v, 1))[0].paper.id).toBe('p10');
    await feed.close();
  });
});
