import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { nearest, withPapers } from '../../recommend/catalog.js';
import { hybridFusion, lexicalList, RRF_K } from '../../recommend/hybrid-search.js';
import type { Ranked } from '../../store/ports.js';
import type { AppEnv } from '../auth.js';
import { catalogOf, type ApiDeps } from '../deps.js';
import { ItemsSchema, K, problemResponse, sinceBeforeUntil, toApiPaper, WindowQuery } from '../schemas.js';

/** Each list contributes at least this many candidates to the fusion, so a paper ranked well by one list counts. */
const FUSION_DEPTH_MIN = 50;

const SearchQuery = z
  .object({
    q: z
      .string()
      .trim()
      .min(1, 'expected a query of 1 to 1000 characters')
      .max(1000, 'expected a query of 1 to 1000 characters')
      .openapi({ description: 'Words, a phrase or a whole abstract (1–1000 characters)', example: 'graph neural networks' }),
    k: K,
    mode: z.enum(['hybrid', 'semantic', 'keyword']).default('hybrid').openapi({ description: 'How to match: see the route description' }),
    ...WindowQuery,
  })
  .superRefine(sinceBeforeUntil);

const search = createRoute({
  method: 'get',
  path: '/v1/search',
  tags: ['search'],
  summary: 'Search papers by meaning, by keywords, or both',
  description: [
    '`mode=semantic`: the query is embedded with the same model as the papers (query vectors are cached); score is',
    'the cosine similarity. `mode=keyword`: full-text search over title and abstract (stemmed; the query is split',
    'into words, so quotes and operators have no special meaning). Papers whose title holds every query word come',
    'first (the words in title order as typed first, then shorter titles), then papers holding every word; if those',
    'are too few, papers holding all words but one, then papers holding any rare word (a word most papers contain',
    'never matches alone); each group by relevance (FTS5 bm25 with title matches weighted double on SQLite, idf and',
    'ts_rank on PostgreSQL; higher is better). `mode=hybrid` (default): the keyword hits whose title holds every',
    'query word first (in keyword order), then reciprocal-rank fusion of two lists of max(' + FUSION_DEPTH_MIN + ', 2k): the',
    'semantic list, and the papers holding every word together with the semantic list ranked by their tf-idf cosine',
    `with the query; score = Σ 1/(${RRF_K} + rank) over the lists a paper is`,
    'in (rank from 1), so a paper high in both beats one high in only one (pinned title matches score 1 + that).',
    'Optional since/until (published date,',
    'until exclusive) and category narrow every mode.',
  ].join(' '),
  request: { query: SearchQuery },
  responses: {
    200: { content: { 'application/json': { schema: ItemsSchema } }, description: 'Matching papers, best first' },
    400: problemResponse('Invalid q, k, mode, dates or category'),
    503: problemResponse('The index is still loading (semantic and hybrid modes)'),
  },
});

export function searchRoutes(app: OpenAPIHono<AppEnv>, d: Pick<ApiDeps, 'papers' | 'index' | 'model' | 'queries'>): void {
  app.openapi(search, async (c) => {
    const { q, k, mode, ...window } = c.req.valid('query');
    let ranked: Ranked[];
    if (mode === 'semantic') {
      const catalog = catalogOf(d);
      const items = await nearest(catalog, await d.queries.embed(q), k, window);
      return c.json({ items: items.map((r) => ({ paper: toApiPaper(r.paper), score: r.score })) }, 200);
    }
    if (mode === 'keyword') {
      ranked = await d.papers.keywordSearch(q, k, window);
    } else {
      const index = d.index.require();
      const lexicon = d.index.requireLexicon();
      // Same as nearest() with no exclusions, without fetching the candidate papers. The keyword candidates (the
      // title tier, and papers holding every word, unranked) are filtered by the window in the store, read while
      // the query is embedded and the window's seqs are read for the index; the lexicon ranks them with the
      // semantic list (no full-text ranking over the corpus: that was 90% of a hybrid search's CPU).
      const depth = Math.max(FUSION_DEPTH_MIN, 2 * k);
      const [keyword, vec, within] = await Promise.all([d.papers.keywordSearch(q, depth, window, { candidates: true }), d.queries.embed(q), d.papers.seqsInWindow(window)]);
      const semantic = within?.size === 0 ? [] : index.search(vec, depth, within);
      ranked = hybridFusion(semantic, lexicalList(keyword, semantic, lexicon, q, depth), k);
    }
    const items = (await withPapers(ranked, (seqs) => d.papers.bySeqs(seqs))).map((r) => ({ paper: toApiPaper(r.paper), score: r.score }));
    return c.json({ items }, 200);
  });
}
