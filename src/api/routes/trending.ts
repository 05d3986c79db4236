import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { DEFAULT_TRENDING_DAYS, TRENDING_FORMULA, trending } from '../../recommend/trending.js';
import { defaultWindow } from '../../recommend/window.js';
import type { AppEnv } from '../auth.js';
import { trendingInputOf, type ApiDeps } from '../deps.js';
import { ItemsSchema, K, problemResponse, sinceBeforeUntil, toApiPaper, WindowQuery } from '../schemas.js';

const getTrending = createRoute({
  method: 'get',
  path: '/v1/trending',
  tags: ['recommendations'],
  summary: 'Popular recent papers: upvotes and stars, decayed by age',
  description:
    `${TRENDING_FORMULA} Default window: the ${DEFAULT_TRENDING_DAYS} days ending with the newest paper in the ` +
    `store (not the wall clock, so an older corpus still trends); with only since or only until, the window is ` +
    `${DEFAULT_TRENDING_DAYS} days from or to it. Lists are cached until the store changes (at most 10 s).`,
  request: { query: z.object({ k: K, ...WindowQuery }).superRefine(sinceBeforeUntil) },
  responses: {
    200: { content: { 'application/json': { schema: ItemsSchema } }, description: 'Trending papers, highest score first' },
    400: problemResponse('Invalid k, dates or category'),
  },
});

export function trendingRoutes(app: OpenAPIHono<AppEnv>, d: Pick<ApiDeps, 'papers' | 'caches'>): void {
  app.openapi(getTrending, async (c) => {
    const { k, ...query } = c.req.valid('query');
    const window = defaultWindow(query, DEFAULT_TRENDING_DAYS, await d.papers.newestPublished());
    const items = (await trending(trendingInputOf(d), window, k)).map((r) => ({ paper: toApiPaper(r.paper), score: r.score }));
    return c.json({ items }, 200);
  });
}
