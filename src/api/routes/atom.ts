import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { DEFAULT_FEED_DAYS, userFeed } from '../../recommend/feed.js';
import { DEFAULT_TRENDING_DAYS, trending } from '../../recommend/trending.js';
import { defaultWindow } from '../../recommend/window.js';
import type { Users } from '../../store/ports.js';
import { ATOM_CONTENT_TYPE, renderAtom, type AtomEntry } from '../atom-xml.js';
import { requireUserAccess, type AppEnv } from '../auth.js';
import { trendingInputOf, userFeedInputOf, type ApiDeps } from '../deps.js';
import { ApiProblem } from '../problem.js';
import { absoluteUrl } from '../public-url.js';
import { FeedKeyQuery, K, problemResponse, sinceBeforeUntil, toApiPaper, WindowQuery } from '../schemas.js';
import { UserId } from './users.js';

const atomResponse = (description: string) => ({ content: { 'application/atom+xml': { schema: z.string() } }, description });

const trendingAtom = createRoute({
  method: 'get',
  path: '/v1/trending.atom',
  tags: ['feeds'],
  summary: 'The trending list as an Atom 1.0 feed (public)',
  request: { query: z.object({ k: K, ...WindowQuery }).superRefine(sinceBeforeUntil) },
  responses: { 200: atomResponse('Atom feed, best first'), 400: problemResponse('Invalid query') },
});

const userAtom = createRoute({
  method: 'get',
  path: '/v1/users/{uid}/feed.atom',
  tags: ['feeds'],
  summary: "A user's personal feed as Atom 1.0: authorised by the user's feed key (?key=) or a bearer token",
  security: [{ bearer: [] }, { feedKey: [] }] as Record<string, string[]>[],
  request: {
    params: z.object({ uid: UserId }),
    query: FeedKeyQuery,
  },
  responses: {
    200: atomResponse('Atom feed, best first, with the reason for each paper in its content'),
    400: problemResponse('Invalid query'),
    401: problemResponse('No credentials, or a wrong or revoked feed key'),
    404: problemResponse('No such user (or not yours)'),
    503: problemResponse('The index is still loading'),
  },
});

/**
 * Runs before query validation. A key must be this user's current one; any mismatch (wrong, revoked, another
 * user's, or a user that does not exist) is the same 401, so a key reveals nothing about other users.
 */
export const feedAccess = (users: Pick<Users, 'get' | 'userForFeedKey'>): MiddlewareHandler<AppEnv> => async (c, next) => {
  const uid = c.req.param('uid') ?? '';
  const key = c.req.query('key');
  if (key === undefined) await requireUserAccess(c, uid, users);
  else if ((await users.userForFeedKey(key)) !== uid) {
    throw new ApiProblem(401, 'Unknown or revoked feed key', [{ field: 'query.key', message: 'unknown or revoked feed key' }]);
  }
  await next();
};

/** Links are built from PUBLIC_URL, never from the Host header a client sent. */
export function atomResponseFor(d: Pick<ApiDeps, 'config'>, requestUrl: string, input: { id: string; title: string; subtitle: string; entries: AtomEntry[] }) {
  const { pathname, search } = new URL(requestUrl);
  const xml = renderAtom({ ...input, selfUrl: absoluteUrl(d.config, pathname + search), baseUrl: absoluteUrl(d.config, '') });
  return new Response(xml, { status: 200, headers: { 'Content-Type': ATOM_CONTENT_TYPE } });
}

export const windowText = (w: { since: string; until: string; category?: string }) =>
  `published ${w.since} up to (not including) ${w.until}${w.category ? ` in ${w.category}` : ''}`;

export function atomRoutes(app: OpenAPIHono<AppEnv>, d: Pick<ApiDeps, 'config' | 'papers' | 'index' | 'model' | 'users' | 'caches' | 'library'>): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'feedKey', { type: 'apiKey', in: 'query', name: 'key' });
  app.use('/v1/users/:uid/feed.atom', feedAccess(d.users));

  app.openapi(trendingAtom, async (c) => {
    const { k, ...query } = c.req.valid('query');
    const window = defaultWindow(query, DEFAULT_TRENDING_DAYS, await d.papers.newestPublished());
    const entries = (await trending(trendingInputOf(d), window, k)).map((t) => ({ paper: toApiPaper(t.paper) }));
    return atomResponseFor(d, c.req.url, {
      id: `urn:paperfeed:trending${query.category ? `:${encodeURIComponent(query.category)}` : ''}`,
      title: `paperfeed: trending${query.category ? ` in ${query.category}` : ''}`,
      subtitle: `Trending papers ${windowText(window)}`,
      entries,
    });
  });

  app.openapi(userAtom, async (c) => {
    const { uid } = c.req.valid('param');
    const { k, key: _key, ...query } = c.req.valid('query');
    const input = userFeedInputOf(d, uid);
    const window = defaultWindow(query, DEFAULT_FEED_DAYS, await d.papers.newestPublished());
    const entries = (await userFeed(input, uid, window, k)).map((r) => ({ paper: toApiPaper(r.paper), reason: r.reason }));
    const user = (await d.users.get(uid))!;
    return atomResponseFor(d, c.req.url, {
      id: `urn:paperfeed:user:${encodeURIComponent(uid)}:feed`,
      title: `paperfeed: recommendations for ${user.name}`,
      subtitle: `Papers ${windowText(window)}, picked from your stars`,
      entries,
    });
  });
}
