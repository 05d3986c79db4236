// Similar papers weigh each candidate's arXiv categories from memory (the lexicon's copy): a paper whose categories
// alone change (same text, so no new vector) must be weighed by its new ones as soon as the write returns, on both
// engines, because the write is logged and the server's lexicon replays it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATEGORY_PENALTY } from '../src/recommend/category-prior.js';
import { startServer, type RunningServer } from '../src/server.js';
import { testConfig } from './engines.js';
import { tempDir } from './helpers.js';

const ADMIN = 'similar-categories-admin-token-0123';
const QUERY = {
  id: 'test-query-sparse-attention',
  title: 'Sparse attention with learned routing for very long documents',
  abstract: 'We route each token to a few blocks of a long document, so attention costs O(n log n) and reads books whole.',
  authors: ['Ada Lovelace'],
  published: '2026-08-20',
  categories: ['cs.CL'],
};
/** Almost the same text, first filed under robotics only (sharing no category with the query). */
const NEIGHBOUR = {
  ...QUERY,
  id: 'test-neighbour-sparse-attention',
  title: 'Learned sparse attention routing for very long documents',
  categories: ['cs.RO'],
};

describe('similar papers and a change of categories alone', () => {
  let server: RunningServer;
  const post = (papers: object[]) =>
    fetch(`${server.url}/v1/papers`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${ADMIN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ papers }),
    });
  const neighbourScore = async () => {
    const res = await fetch(`${server.url}/v1/papers/${QUERY.id}/similar?k=100`);
    expect(res.status).toBe(200);
    const item = (await res.json()).items.find((i: { paper: { id: string } }) => i.paper.id === NEIGHBOUR.id);
    expect(item).toBeDefined();
    return item.score as number;
  };

  beforeAll(async () => {
    server = await startServer(await testConfig({ DATA_DIR: tempDir(), PORT: '0', ADMIN_TOKEN: ADMIN }), () => {});
    await server.ready;
  });
  afterAll(() => server?.close());

  it('lifts the penalty as soon as the neighbour is filed under a category the query has', async () => {
    expect((await post([QUERY, NEIGHBOUR])).status).toBe(200);
    const penalised = await neighbourScore();
    const res = await post([{ ...NEIGHBOUR, categories: ['cs.RO', 'cs.CL'] }]);
    expect((await res.json()).updated).toBe(1);
    // Everything else in the pool is as it was, so the neighbour's score moves by exactly the penalty.
    expect((await neighbourScore()) - penalised).toBeCloseTo(CATEGORY_PENALTY, 9);
    expect((await (await fetch(`${server.url}/v1/papers/${NEIGHBOUR.id}`)).json()).categories).toEqual(['cs.RO', 'cs.CL']);
  });
});
