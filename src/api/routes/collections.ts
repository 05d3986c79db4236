import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { DEFAULT_FEED_DAYS, userFeed, type FeedItem } from '../../recommend/feed.js';
import { ownerFeedInput } from '../../recommend/personal.js';
import { defaultWindow } from '../../recommend/window.js';
import type { Collection, DatedWindow } from '../../store/ports.js';
import { ownUserOnly, type AppEnv } from '../auth.js';
import { collectionAccess, collectionOf, toApiAnyPaper, viaShareKey } from '../collection-access.js';
import { feedInputOf, type ApiDeps } from '../deps.js';
import { ApiProblem, notFound } from '../problem.js';
import { absoluteUrl } from '../public-url.js';
import { K, PaperId, PaperSchema, problemResponse, sinceBeforeUntil, toApiPaper, WindowQuery } from '../schemas.js';
import { atomResponseFor, windowText } from './atom.js';
import { UserId } from './users.js';

/** A user keeps at most this many collections. */
export const MAX_COLLECTIONS = 200;

type Deps = Pick<ApiDeps, 'config' | 'papers' | 'index' | 'model' | 'users' | 'caches' | 'library'>;

const CollectionId = z.string().min(1).max(200).openapi({ description: 'Opaque collection id', example: 'c_5d1e0a9b3c7f2468' });
const CollectionSchema = z
  .object({ id: CollectionId, name: z.string(), createdAt: z.string(), shared: z.boolean(), size: z.number().int() })
  .openapi('Collection');
const ShareKey = z.string().max(512).optional().openapi({ description: 'The collection\'s share key (POST …/share-key): read-only access without a token' });
const security = [{ bearer: [] }];
const readSecurity = [{ bearer: [] }, { shareKey: [] }] as Record<string, string[]>[];
const json = <T extends z.ZodType>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });
const params = z.object({ uid: UserId, cid: CollectionId });
const problems = {
  400: problemResponse('Invalid request'),
  401: problemResponse('No or unknown bearer token, or a wrong or revoked share key'),
  404: problemResponse('No such user or collection (or not yours), or no such paper'),
};
const present = (c: Collection) => ({ id: c.id, name: c.name, createdAt: c.createdAt, shared: c.shared, size: c.size });

const listRoute = createRoute({
  method: 'get',
  path: '/v1/users/{uid}/collections',
  tags: ['collections'],
  summary: "A user's collections, oldest first; with ?paper=, whether each holds that paper",
  security,
  request: { params: z.object({ uid: UserId }), query: z.object({ paper: PaperId.optional() }) },
  responses: {
    200: json(z.object({ items: z.array(CollectionSchema.extend({ hasPaper: z.boolean().optional() })) }).openapi('Collections'), 'The collections'),
    ...problems,
  },
});

const createCollection = createRoute({
  method: 'post',
  path: '/v1/users/{uid}/collections',
  tags: ['collections'],
  summary: 'Create a collection (private until a share key is made)',
  security,
  request: {
    params: z.object({ uid: UserId }),
    body: {
      required: true,
      content: { 'application/json': { schema: z.object({ name: z.string().trim().min(1).max(100).refine((s) => !s.includes('\u0000'), 'contains a NUL character (U+0000)') }) } },
    },
  },
  responses: {
    201: json(CollectionSchema, 'Created'),
    ...problems,
    409: problemResponse('A collection of that name exists, or the user has the most collections allowed'),
    415: problemResponse('Body not sent as application/json'),
  },
});

const getCollection = createRoute({
  method: 'get',
  path: '/v1/users/{uid}/collections/{cid}',
  tags: ['collections'],
  summary: "A collection and its papers, newest addition first (the owner's own imported papers are shown to the owner only)",
  security: readSecurity,
  request: { params, query: z.object({ key: ShareKey }) },
  responses: {
    200: json(
      z
        .object({
          collection: CollectionSchema,
          items: z.array(z.object({ paperId: PaperId, paper: PaperSchema.nullable().openapi({ description: 'null when the paper was deleted' }), own: z.boolean() })),
        })
        .openapi('CollectionPapers'),
      'The collection',
    ),
    ...problems,
  },
});

const deleteCollection = createRoute({
  method: 'delete',
  path: '/v1/users/{uid}/collections/{cid}',
  tags: ['collections'],
  summary: 'Delete a collection (its papers stay in the store and in the stars)',
  security,
  request: { params },
  responses: { 200: json(z.object({ deleted: z.literal(true) }), 'Deleted'), ...problems },
});

const membership = (method: 'put' | 'delete') =>
  createRoute({
    method,
    path: '/v1/users/{uid}/collections/{cid}/papers/{paperId}',
    tags: ['collections'],
    summary: method === 'put' ? 'Add a paper to a collection (idempotent)' : 'Remove a paper from a collection',
    security,
    request: { params: params.extend({ paperId: PaperId }) },
    responses: {
      200: json(z.object({ collectionId: CollectionId, paperId: PaperId, member: z.boolean() }).openapi('CollectionMember'), method === 'put' ? 'Was already in it' : 'Removed'),
      ...(method === 'put' ? { 201: json(z.object({ collectionId: CollectionId, paperId: PaperId, member: z.boolean() }), 'Added') } : {}),
      ...problems,
    },
  });
const putPaper = membership('put');
const deletePaper = membership('delete');

const FeedItems = z.object({ items: z.array(z.object({ paper: PaperSchema, score: z.number(), reason: z.string() })) }).openapi('CollectionFeed');
const feedQuery = z.object({ key: ShareKey, k: K, ...WindowQuery }).superRefine(sinceBeforeUntil);
const feedRoute = createRoute({
  method: 'get',
  path: '/v1/users/{uid}/collections/{cid}/feed',
  tags: ['collections'],
  summary: "A collection's own feed: the personal feed with the collection's papers in place of the stars",
  description:
    `Papers of the window (default: the ${DEFAULT_FEED_DAYS} days up to the newest paper in the store) ranked as the user's feed is, ` +
    "but learnt from this collection's papers; the owner's \"not interested\" marks still apply. Through the share key, the " +
    "owner's own imported papers are left out of the model.",
  security: readSecurity,
  request: { params, query: feedQuery },
  responses: { 200: json(FeedItems, 'The feed, best first, each with a reason'), ...problems, 503: problemResponse('The index is still loading') },
});
const atomRoute = createRoute({
  method: 'get',
  path: '/v1/users/{uid}/collections/{cid}/feed.atom',
  tags: ['feeds'],
  summary: "A collection's feed as Atom 1.0: authorised by the collection's share key (?key=) or the owner's bearer token",
  security: readSecurity,
  request: { params, query: feedQuery },
  responses: {
    200: { content: { 'application/atom+xml': { schema: z.string() } }, description: 'Atom feed, best first' },
    ...problems,
    503: problemResponse('The index is still loading'),
  },
});

const ShareKeySchema = z
  .object({
    key: z.string(),
    url: z.string().openapi({ description: 'The dashboard link that opens the collection read-only' }),
    feedUrl: z.string().openapi({ description: 'The Atom feed to subscribe to' }),
  })
  .openapi('CollectionShareKey');
const createShareKey = createRoute({
  method: 'post',
  path: '/v1/users/{uid}/collections/{cid}/share-key',
  tags: ['collections'],
  summary: 'Share a collection read-only: a new key (replacing the previous one), shown this once',
  security,
  request: { params },
  responses: { 201: json(ShareKeySchema, 'The key and the links it opens'), ...problems },
});
const deleteShareKey = createRoute({
  method: 'delete',
  path: '/v1/users/{uid}/collections/{cid}/share-key',
  tags: ['collections'],
  summary: 'Make a collection private again (the share key stops working)',
  security,
  request: { params },
  responses: { 200: json(z.object({ revoked: z.literal(true) }), 'Revoked'), ...problems },
});

/**
 * A collection's feed (its JSON and Atom routes): userFeed with the collection's papers as the stars, over the window
 * asked for (default: the last DEFAULT_FEED_DAYS days of the store), cached per collection and access.
 */
async function collectionFeed(
  d: Deps,
  uid: string,
  cid: string,
  query: Parameters<typeof defaultWindow>[0],
  k: number,
  shared: boolean,
): Promise<{ collection: Collection; window: DatedWindow; items: FeedItem[] }> {
  const collection = await collectionOf(d.library, uid, cid);
  const window = defaultWindow(query, DEFAULT_FEED_DAYS, await d.papers.newestPublished());
  const input = ownerFeedInput(feedInputOf(d), d.library, collection.userId, {
    starIds: () => d.library.collectionPaperIds(collection.id),
    includeOwn: !shared,
  });
  const items = await userFeed(input, `collection:${collection.id}${shared ? ':shared' : ''}`, window, k);
  return { collection, window, items: items.map((i) => ({ ...i, reason: i.reason.replace(', which you starred', ` in “${collection.name}”`) })) };
}

export function collectionsRoutes(app: OpenAPIHono<AppEnv>, d: Deps): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'shareKey', { type: 'apiKey', in: 'query', name: 'key' });
  app.use('/v1/users/:uid/collections', ownUserOnly(d.users));
  const access = collectionAccess(d.users, d.library);
  app.use('/v1/users/:uid/collections/:cid', access);
  app.use('/v1/users/:uid/collections/:cid/*', access);

  app.openapi(listRoute, async (c) => {
    const { uid } = c.req.valid('param');
    const { paper } = c.req.valid('query');
    const collections = await d.library.collections(uid);
    const holding = paper === undefined ? undefined : new Set(await d.library.collectionsWith(uid, paper));
    return c.json({ items: collections.map((x) => ({ ...present(x), ...(holding ? { hasPaper: holding.has(x.id) } : {}) })) }, 200);
  });

  app.openapi(createCollection, async (c) => {
    const { uid } = c.req.valid('param');
    const { name } = c.req.valid('json');
    if ((await d.library.collections(uid)).length >= MAX_COLLECTIONS) {
      throw new ApiProblem(409, `At most ${MAX_COLLECTIONS} collections per user`, [{ field: 'body.name', message: 'too many collections' }]);
    }
    const created = await d.library.createCollection(uid, name);
    if (!created) throw new ApiProblem(409, `You already have a collection named "${name}"`, [{ field: 'body.name', message: 'name taken' }]);
    return c.json(present(created), 201);
  });

  app.openapi(getCollection, async (c) => {
    const { uid, cid } = c.req.valid('param');
    const collection = await collectionOf(d.library, uid, cid);
    const shared = viaShareKey(c);
    const ids = await d.library.collectionPaperIds(cid);
    const stored = await d.papers.byIds(ids);
    const own = shared ? new Map() : new Map((await d.library.ownPapers(uid, ids.filter((_, i) => !stored[i]))).map((p) => [p.id, p]));
    const items = ids.flatMap((paperId, i) => {
      const mine = own.get(paperId);
      if (shared && !stored[i] && paperId.startsWith('own_')) return []; // the owner's private papers stay private
      return [{ paperId, paper: stored[i] ? toApiPaper(stored[i]!) : mine ? toApiAnyPaper(mine) : null, own: mine !== undefined }];
    });
    return c.json({ collection: present({ ...collection, size: shared ? items.length : collection.size }), items }, 200);
  });

  app.openapi(deleteCollection, async (c) => {
    await d.library.deleteCollection(c.req.valid('param').cid);
    return c.json({ deleted: true as const }, 200);
  });

  app.openapi(putPaper, async (c) => {
    const { uid, cid, paperId } = c.req.valid('param');
    const known = (await d.papers.byIds([paperId]))[0] ?? (await d.library.ownPapers(uid, [paperId]))[0];
    if (!known) throw notFound(`paper with id "${paperId}"`, 'param.paperId');
    const added = await d.library.addToCollection(cid, paperId);
    return c.json({ collectionId: cid, paperId, member: true }, added ? 201 : 200);
  });

  app.openapi(deletePaper, async (c) => {
    const { cid, paperId } = c.req.valid('param');
    if (!(await d.library.removeFromCollection(cid, paperId))) {
      throw new ApiProblem(404, `Paper "${paperId}" is not in this collection`, [{ field: 'param.paperId', message: 'not in the collection' }]);
    }
    return c.json({ collectionId: cid, paperId, member: false }, 200);
  });

  app.openapi(feedRoute, async (c) => {
    const { uid, cid } = c.req.valid('param');
    const { k, key: _key, ...query } = c.req.valid('query');
    const { items } = await collectionFeed(d, uid, cid, query, k, viaShareKey(c));
    return c.json({ items: items.map((i) => ({ paper: toApiPaper(i.paper), score: i.score, reason: i.reason })) }, 200);
  });

  app.openapi(atomRoute, async (c) => {
    const { uid, cid } = c.req.valid('param');
    const { k, key: _key, ...query } = c.req.valid('query');
    const { collection, window, items } = await collectionFeed(d, uid, cid, query, k, viaShareKey(c));
    return atomResponseFor(d, c.req.url, {
      id: `urn:paperfeed:collection:${encodeURIComponent(cid)}:feed`,
      title: `paperfeed: ${collection.name}`,
      subtitle: `Papers ${windowText(window)}, picked from the collection “${collection.name}”`,
      entries: items.map((r) => ({ paper: toApiPaper(r.paper), reason: r.reason })),
    });
  });

  app.openapi(createShareKey, async (c) => {
    const { uid, cid } = c.req.valid('param');
    const key = await d.library.createShareKey(cid);
    const path = `/v1/users/${encodeURIComponent(uid)}/collections/${encodeURIComponent(cid)}`;
    const q = `key=${encodeURIComponent(key)}`;
    return c.json(
      {
        key,
        url: absoluteUrl(d.config, `/?owner=${encodeURIComponent(uid)}&collection=${encodeURIComponent(cid)}&${q}`),
        feedUrl: absoluteUrl(d.config, `${path}/feed.atom?${q}`),
      },
      201,
    );
  });

  app.openapi(deleteShareKey, async (c) => {
    if (!(await d.library.revokeShareKey(c.req.valid('param').cid))) {
      throw new ApiProblem(404, 'This collection is not shared', [{ field: 'param.cid', message: 'not shared' }]);
    }
    return c.json({ revoked: true as const }, 200);
  });
}
