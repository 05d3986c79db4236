import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { DEFAULT_FEED_DAYS, recommendFromSet, userFeed } from '../../recommend/feed.js';
import { defaultWindow } from '../../recommend/window.js';
import { requireUserAccess, type AppEnv } from '../auth.js';
import { catalogOf, userFeedInputOf, type ApiDeps } from '../deps.js';
import { ApiProblem } from '../problem.js';
import { ItemsSchema, K, PaperId, PaperSchema, problemResponse, sinceBeforeUntil, toApiPaper, WindowQuery } from '../schemas.js';

const FeedItems = z
  .object({ items: z.array(z.object({ paper: PaperSchema, score: z.number(), reason: z.string() })) })
  .openapi('FeedItems');

const feedRoute = createRoute({
  method: 'get',
  path: '/v1/users/{uid}/feed',
  tags: ['users'],
  summary: "A user's personalised trending list",
  description:
    `Papers of the window (default: the ${DEFAULT_FEED_DAYS} days up to the newest paper in the store) ranked by ` +
    'closeness to any of the user\'s starred papers and popularity, weighted by a per-user model learned from the ' +
    'user\'s own stars (how much they go for what everyone reads), pushed down when they resemble papers marked ' +
    '"not interested", diversified (MMR). ' +
    'Each item\'s `reason` names the part that won: "Close to “X”, which you starred" or "Popular this week among ' +
    'papers like “X”". ' +
    'Starred and dismissed papers never appear. Without stars: trending.',
  security: [{ bearer: [] }],
  request: { params: z.object({ uid: z.string().min(1).max(200) }), query: z.object({ k: K, ...WindowQuery }).superRefine(sinceBeforeUntil) },
  responses: {
    200: { content: { 'application/json': { schema: FeedItems } }, description: 'The feed, best first, each with a reason' },
    400: problemResponse('Invalid query'),
    401: problemResponse('No or unknown token'),
    404: problemResponse('No such user (or not yours)'),
    503: problemResponse('The index is still loading'),
  },
});

const RecommendBody = z
  .object({
    positive: z.array(PaperId).min(1),
    negative: z.array(PaperId).default([]),
    k: z.number().int().min(1).max(1000).default(10),
    since: WindowQuery.since,
    until: WindowQuery.until,
    category: WindowQuery.category,
  })
  .superRefine(sinceBeforeUntil)
  .openapi('RecommendRequest');

const recommendRoute = createRoute({
  method: 'post',
  path: '/v1/recommend',
  tags: ['papers'],
  summary: 'Recommendations from a chosen set of papers',
  description: 'Papers close to any of the positive papers, pushed away from the negative ones; the given papers are excluded.',
  request: { body: { content: { 'application/json': { schema: RecommendBody } }, required: true } },
  responses: {
    200: { content: { 'application/json': { schema: ItemsSchema } }, description: 'Recommendations, best first' },
    400: problemResponse('Invalid body'),
    404: problemResponse('An id is not in the store'),
    503: problemResponse('The index is still loading'),
  },
});

export function feedsRoutes(app: OpenAPIHono<AppEnv>, d: Pick<ApiDeps, 'config' | 'papers' | 'index' | 'model' | 'users' | 'caches' | 'library'>): void {
  app.openapi(feedRoute, async (c) => {
    const { uid } = c.req.valid('param');
    await requireUserAccess(c, uid, d.users);
    const input = userFeedInputOf(d, uid);
    const { k, ...query } = c.req.valid('query');
    const window = defaultWindow(query, DEFAULT_FEED_DAYS, await d.papers.newestPublished());
    const items = (await userFeed(input, uid, window, k)).map((i) => ({ paper: toApiPaper(i.paper), score: i.score, reason: i.reason }));
    return c.json({ items }, 200);
  });

  app.openapi(recommendRoute, async (c) => {
    const { positive, negative, k, ...window } = c.req.valid('json');
    const max = d.config.RECOMMEND_MAX_IDS;
    if (positive.length + negative.length > max) {
      throw new ApiProblem(400, `At most ${max} ids per request (positive + negative)`, [{ field: 'body.positive', message: `too many ids (max ${max})` }]);
    }
    const catalog = catalogOf(d);
    const lookup = async (ids: string[], field: string) =>
      (await d.papers.byIds(ids)).map((p, i) => {
        if (!p) throw new ApiProblem(404, `No paper with id "${ids[i]}"`, [{ field: `body.${field}.${i}`, message: 'unknown id' }]);
        return p;
      });
    const items = await recommendFromSet(catalog, await lookup(positive, 'positive'), await lookup(negative, 'negative'), window, k);
    return c.json({ items: items.map((i) => ({ paper: toApiPaper(i.paper), score: i.score })) }, 200);
  });
}
