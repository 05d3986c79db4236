import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { ZodError } from 'zod';
import { adminOnly, ownUserOnly, type AppEnv } from '../auth.js';
import { toApiOwnPaper } from '../collection-access.js';
import type { ApiDeps } from '../deps.js';
import { ApiProblem, notFound } from '../problem.js';
import { absoluteUrl } from '../public-url.js';
import { PaperId, PaperSchema, problemResponse, toApiPaper } from '../schemas.js';

export const UserId = z.string().min(1).max(200).openapi({ description: 'Opaque user id, percent-encoded in paths', example: 'u_3f2a9c0d1e4b5a67' });

const security = [{ bearer: [] }];
const json = <T extends z.ZodType>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });
const userParams = z.object({ uid: UserId });
const starParams = z.object({ uid: UserId, paperId: PaperId });
const authProblems = {
  400: problemResponse('Invalid request'),
  401: problemResponse('No or unknown bearer token'),
  404: problemResponse('No such user (or not yours), or no such paper'),
};

const createUser = createRoute({
  method: 'post',
  path: '/v1/users',
  tags: ['users'],
  summary: 'Create a user (admin). The token in the answer is shown this once; only its hash is kept.',
  security,
  middleware: [adminOnly] as const,
  request: { body: { required: true, content: { 'application/json': { schema: z.object({ name: z.string().trim().min(1).max(100).refine((s) => !s.includes('\u0000'), 'contains a NUL character (U+0000)') }) } } } },
  responses: {
    201: json(z.object({ id: UserId, name: z.string(), token: z.string() }).openapi('NewUser'), 'The user and their bearer token'),
    400: problemResponse('Invalid body'),
    401: problemResponse('No or unknown bearer token'),
    403: problemResponse('Not the admin token'),
    415: problemResponse('Body not sent as application/json'),
  },
});

const StarState = z.object({ userId: UserId, paperId: PaperId, starred: z.boolean() }).openapi('StarState');

const starRoute = (method: 'put' | 'delete') =>
  createRoute({
    method,
    path: '/v1/users/{uid}/stars/{paperId}',
    tags: ['users'],
    summary: method === 'put' ? 'Star a paper (idempotent)' : 'Unstar a paper',
    security,
    request: { params: starParams },
    responses: {
      200: json(StarState, method === 'put' ? 'Was already starred' : 'No longer starred'),
      ...(method === 'put' ? { 201: json(StarState, 'Starred') } : {}),
      ...authProblems,
    },
  });
const putStar = starRoute('put');
const deleteStar = starRoute('delete');

const listStars = createRoute({
  method: 'get',
  path: '/v1/users/{uid}/stars',
  tags: ['users'],
  summary: "A user's starred papers, newest star first",
  security,
  request: {
    params: userParams,
    query: z.object({
      limit: z.coerce.number().int().min(1).max(1000).default(50),
      offset: z.coerce.number().int().min(0).default(0),
    }),
  },
  responses: {
    200: json(
      z
        .object({
          items: z.array(
            z.object({
              paperId: PaperId,
              paper: PaperSchema.nullable().openapi({ description: 'null when the paper was deleted; the star stays and comes back with it' }),
              own: z.boolean().openapi({ description: "One of the user's own papers, added by a library import (private to them)" }),
              starredAt: z.string(),
            }),
          ),
          total: z.number().int(),
        })
        .openapi('Stars'),
      'A page of stars',
    ),
    ...authProblems,
  },
});

const postFeedback = createRoute({
  method: 'post',
  path: '/v1/users/{uid}/feedback',
  tags: ['users'],
  summary: 'Mark a paper as not interesting (kept out of the feed, similar papers pushed down) or seen (ranked lower)',
  security,
  request: {
    params: userParams,
    body: {
      required: true,
      content: { 'application/json': { schema: z.object({ paperId: PaperId, kind: z.enum(['not_interested', 'seen']) }) } },
    },
  },
  responses: { 200: json(z.object({ ok: z.literal(true) }), 'Recorded'), ...authProblems, 415: problemResponse('Body not sent as application/json') },
});

const FeedKey = z.object({ key: z.string(), url: z.string().openapi({ description: 'The absolute feed URL (from PUBLIC_URL)' }) }).openapi('FeedKey');
const createFeedKey = createRoute({
  method: 'post',
  path: '/v1/users/{uid}/feed-key',
  tags: ['users'],
  summary: "A new read-only key for the user's Atom feed, replacing the previous one; shown this once",
  security,
  request: { params: userParams },
  responses: { 201: json(FeedKey, 'The key and the feed URL to subscribe to'), ...authProblems },
});
const deleteFeedKey = createRoute({
  method: 'delete',
  path: '/v1/users/{uid}/feed-key',
  tags: ['users'],
  summary: "Revoke the user's feed key",
  security,
  request: { params: userParams },
  responses: { 200: json(z.object({ revoked: z.literal(true) }), 'Revoked'), ...authProblems },
});

export function usersRoutes(app: OpenAPIHono<AppEnv>, { users, papers, library, config }: Pick<ApiDeps, 'users' | 'papers' | 'library' | 'config'>): void {
  const exists = async (paperId: string) => (await papers.byIds([paperId]))[0] !== undefined;
  const own = ownUserOnly(users);
  for (const path of ['/v1/users/:uid/stars', '/v1/users/:uid/stars/*', '/v1/users/:uid/feedback', '/v1/users/:uid/feed-key']) {
    app.use(path, own);
  }

  app.openapi(createUser, async (c) => {
    const { user, token } = await users.create(c.req.valid('json').name);
    return c.json({ id: user.id, name: user.name, token }, 201);
  });

  app.openapi(putStar, async (c) => {
    const { uid, paperId } = c.req.valid('param');
    if (!(await exists(paperId))) throw notFound(`paper with id "${paperId}"`, 'param.paperId');
    const isNew = await users.addStar(uid, paperId);
    return c.json({ userId: uid, paperId, starred: true }, isNew ? 201 : 200);
  });

  // No paper check: a star on a deleted paper can still be removed.
  app.openapi(deleteStar, async (c) => {
    const { uid, paperId } = c.req.valid('param');
    if (!(await users.removeStar(uid, paperId))) throw new ApiProblem(404, `Paper "${paperId}" is not starred`, [{ field: 'param.paperId', message: 'not starred' }]);
    return c.json({ userId: uid, paperId, starred: false }, 200);
  });

  app.openapi(listStars, async (c) => {
    const { uid } = c.req.valid('param');
    const { limit, offset } = c.req.valid('query');
    const stars = await users.listStars(uid, limit, offset);
    const found = await papers.byIds(stars.map((s) => s.paperId));
    const own = new Map((await library.ownPapers(uid, stars.filter((_, i) => !found[i]).map((s) => s.paperId))).map((p) => [p.id, p]));
    const items = stars.map((s, i) => {
      const paper = found[i];
      const mine = own.get(s.paperId);
      return { paperId: s.paperId, paper: paper ? toApiPaper(paper) : mine ? toApiOwnPaper(mine) : null, own: mine !== undefined, starredAt: s.createdAt };
    });
    return c.json({ items, total: await users.countStars(uid) }, 200);
  });

  app.openapi(postFeedback, async (c) => {
    const { uid } = c.req.valid('param');
    const { paperId, kind } = c.req.valid('json');
    if (!(await exists(paperId))) throw notFound(`paper with id "${paperId}"`, 'body.paperId');
    await users.addFeedback(uid, paperId, kind);
    return c.json({ ok: true as const }, 200);
  });

  app.openapi(createFeedKey, async (c) => {
    const { uid } = c.req.valid('param');
    const key = await users.createFeedKey(uid);
    return c.json({ key, url: absoluteUrl(config, `/v1/users/${encodeURIComponent(uid)}/feed.atom?key=${encodeURIComponent(key)}`) }, 201);
  });

  app.openapi(deleteFeedKey, async (c) => {
    const { uid } = c.req.valid('param');
    if (!(await users.revokeFeedKey(uid))) throw new ApiProblem(404, 'This user has no feed key', [{ field: 'param.uid', message: 'no feed key' }]);
    return c.json({ revoked: true as const }, 200);
  });
}
