// Keyword search on PostgreSQL weighs words by their inverse document frequency, taken from ANALYZE's statistics
// (src/store/pg/term-stats.ts): a word most papers contain neither finds nor outranks the paper a rare word describes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresEngine } from '../src/store/postgres-engine.js';
import { newPgDatabase } from './engines.js';
import { paper, rng, unitVector } from './helpers.js';

describe('PostgreSQL keyword search', () => {
  let engine: PostgresEngine;
  const next = rng(11);
  beforeAll(async () => {
    engine = await PostgresEngine.open(await newPgDatabase());
    await engine.model.bind('m', 8);
    const common = Array.from({ length: 60 }, (_, i) => ({
      paper: paper(`c${i}`, { title: `A model of thing ${i}`, abstract: 'The model is a model; we model the model with another model.' }),
      contentHash: `c${i}`,
      vector: unitVector(8, next),
    }));
    const rare = [
      { paper: paper('r1', { title: 'Sparse attention', abstract: 'Attention restricted to a sparse pattern.' }), contentHash: 'r1', vector: unitVector(8, next) },
      { paper: paper('r2', { title: 'Sparse attention as a model', abstract: 'A sparse model.' }), contentHash: 'r2', vector: unitVector(8, next) },
    ];
    await engine.writes.writeBatch([...common, ...rare], 'm', 8);
    await engine.pool.query('ANALYZE paper_search'); // what autovacuum (or migrate-store) does on a real corpus
  });
  afterAll(() => engine?.close());

  it('ranks by the rare words: both words first, then the rare one, never the common one alone', async () => {
    const ids = async (q: string, k = 10) => (await engine.papers.bySeqs((await engine.papers.keywordSearch(q, k, {})).map((h) => h.seq))).map((p) => p.id);
    expect(await ids('model sparse')).toEqual(['r2', 'r1']);
    expect((await ids('sparse attention model', 3)).slice(0, 2)).toEqual(['r2', 'r1']);
    // A query of common words alone still finds their papers.
    expect(await ids('model', 5)).toHaveLength(5);
  });

  it('lists title matches first (the tier, read while the first step runs) and every paper once', async () => {
    // 60 titles hold both words; the first step (every word) finds them too and must not repeat them.
    for (const k of [5, 70]) {
      const hits = await engine.papers.keywordSearch('thing model', k, {});
      expect(hits).toHaveLength(Math.min(k, 60));
      expect(new Set(hits.map((h) => h.seq)).size).toBe(hits.length);
      expect(hits.every((h) => h.title === true)).toBe(true);
      expect(hits.map((h) => h.score)).toEqual([...hits.map((h) => h.score)].sort((a, b) => b - a));
    }
    // A title holding the words beats an abstract holding them; then the papers holding them elsewhere, once each.
    const hits = await engine.papers.keywordSearch('sparse attention', 10, {});
    const ids = (await engine.papers.bySeqs(hits.map((h) => h.seq))).map((p) => p.id);
    expect(ids).toEqual(['r1', 'r2']);
    expect(hits.map((h) => h.title)).toEqual([true, true]);
  });
});
