import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { DEFAULT_FEED_DAYS, userFeed } from '../../recommend/feed.js';
import { defaultWindow } from '../../recommend/window.js';
import type { AppEnv } from '../auth.js';
import { feedInputOf, type ApiDeps } from '../deps.js';
import { FeedKeyQuery, PaperSchema, problemResponse, toApiPaper } from '../schemas.js';
import { feedAccess } from './atom.js';
import { UserId } from './users.js';

const FeedJson = z
  .object({ items: z.array(z.object({ paper: PaperSchema, score: z.number(), reason: z.string() })) })
  .openapi('FeedJson');

const route = createRoute({
  method: 'get',
  path: '/v1/users/{uid}/feed.json',
  tags: ['feeds'],
  summary: "A user's personal feed as JSON, authorised by the read-only feed key (?key=) or a bearer token: what the widget's <paperfeed-feed> shows",
  description:
    'The same list as `GET /v1/users/{uid}/feed`, readable with the feed key of the Atom feed (`POST /v1/users/{uid}/feed-key`; ' +
    '`DELETE` revokes it). The key only ever reads this feed and the Atom feed: every other route, and every write, ignores it.',
  security: [{ bearer: [] }, { feedKey: [] }] as Record<string, string[]>[],
  request: {
    params: z.object({ uid: UserId }),
    query: FeedKeyQuery,
  },
  responses: {
    200: { content: { 'application/json': { schema: FeedJson } }, description: 'The feed, best first, each with a reason' },
    400: problemResponse('Invalid query'),
    401: problemResponse('No credentials, or a wrong or revoked feed key'),
    404: problemResponse('No such user (or not yours)'),
    503: problemResponse('The index is still loading'),
  },
});

/** GET /v1/users/{uid}/feed.json: the personal feed for read-only embeds (the widget), keyed like the Atom feed. */
export function feedJsonRoutes(app: OpenAPIHono<AppEnv>, d: Pick<ApiDeps, 'config' | 'papers' | 'index' | 'model' | 'users' | 'caches'>): void {
  app.use('/v1/users/:uid/feed.json', feedAccess(d.users));
  app.openapi(route, async (c) => {
    const { uid } = c.req.valid('param');
    const { k, key: _key, ...query } = c.req.valid('query');
    const window = defaultWindow(query, DEFAULT_FEED_DAYS, await d.papers.newestPublished());
    const items = (await userFeed(feedInputOf(d), uid, window, k)).map((i) => ({ paper: toApiPaper(i.paper), score: i.score, reason: i.reason }));
    return c.json({ items }, 200);
  });
}
