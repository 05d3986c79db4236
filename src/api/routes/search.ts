import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { nearest } from '../../recommend/catalog.js';
import type { Ranked } from '../../store/ports.js';
import type { AppEnv } from '../auth.js';
import { catalogOf, type ApiDeps } from '../deps.js';
import { ItemsSchema, K, problemResponse, sinceBeforeUntil, toApiPaper, WindowQuery } from '../schemas.js';

/** Reciprocal-rank fusion constant (Cormack et al. 2009): damps the weight of the very first ranks. */
export const RRF_K = 60;
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
    'into words, any of which may match, so quotes and operators have no special meaning); score is the negated',
    'FTS5 bm25, title matches weighted double (higher is better). `mode=hybrid` (default): reciprocal-rank fusion',
    `of the top max(${FUSION_DEPTH_MIN}, 2k) of each list, score = Σ 1/(${RRF_K} + rank) over the lists a paper is`,
    'in (rank from 1), so a paper high in both beats one high in only one. Optional since/until (published date,',
    'until exclusive) and category narrow every mode.',
  ].join(' '),
  request: { query: SearchQuery },
  responses: {
    200: { content: { 'application/json': { schema: ItemsSchema } }, description: 'Matching papers, best first' },
    400: problemResponse('Invalid q, k, mode, dates or category'),
    503: problemResponse('The index is still loading (semantic and hybrid modes)'),
  },
});

/** Fuses ranked lists by reciprocal rank; ties keep the better best-rank, then the lower seq (deterministic). */
export function reciprocalRankFusion(lists: Ranked[][], k: number): Ranked[] {
  const fused = new Map<number, { score: number; best: number }>();
  for (const list of lists) {
    list.forEach(({ seq }, i) => {
      const entry = fused.get(seq) ?? { score: 0, best: Infinity };
      entry.score += 1 / (RRF_K + i + 1);
      entry.best = Math.min(entry.best, i);
      fused.set(seq, entry);
    });
  }
  return [...fused]
    .sort(([sa, a], [sb, b]) => b.score - a.score || a.best - b.best || sa - sb)
    .slice(0, k)
    .map(([seq, { score }]) => ({ seq, score }));
}

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
      // Same as nearest() with no exclusions, without fetching the candidate papers. The keyword search filters
      // by the window itself, so it runs while the query is embedded and the window's seqs are read for the index.
      const depth = Math.max(FUSION_DEPTH_MIN, 2 * k);
      const [keyword, vec, within] = await Promise.all([d.papers.keywordSearch(q, depth, window), d.queries.embed(q), d.papers.seqsInWindow(window)]);
      const semantic = within?.size === 0 ? [] : index.search(vec, depth, within);
      ranked = reciprocalRankFusion([semantic, keyword], k);
    }
    const score = new Map(ranked.map((r) => [r.seq, r.score]));
    const items = (await d.papers.bySeqs(ranked.map((r) => r.seq))).map((p) => ({ paper: toApiPaper(p), score: score.get(p.seq)! }));
    return c.json({ items }, 200);
  });
}
