import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { renderPage, type LinkPage } from '../../digest/pages.js';
import { isTimeZone } from '../../digest/schedule.js';
import type { DigestService } from '../../digest/service.js';
import type { Subscription } from '../../store/ports.js';
import type { Users } from '../../store/ports.js';
import { ownUserOnly, type AppEnv } from '../auth.js';
import { ApiProblem } from '../problem.js';
import { problemResponse, WindowQuery } from '../schemas.js';
import { UserId } from './users.js';


/** An address that can go into a mail header as it is: one line, no control characters, at most 254 characters. */
const Email = z
  .string()
  .max(254, 'at most 254 characters')
  .regex(/^[^\u0000-\u001f\u007f]*$/, 'must be one line (no CR, LF or other control characters)')
  .pipe(z.email('not a valid email address'))
  .transform((e) => e.toLowerCase())
  .openapi({ example: 'ada@example.org' });
const Cadence = z.enum(['daily', 'weekly']).openapi({ description: 'daily, or weekly (on Mondays)' });
const Hour = z.number().int().min(0).max(23).default(7).openapi({ description: 'Local hour (0–23) the digest goes out' });
const TimeZone = z
  .string()
  .max(64)
  .refine(isTimeZone, 'not an IANA time zone (e.g. Europe/Berlin)')
  .default('UTC')
  .openapi({ description: 'IANA time zone of `hour`', example: 'Europe/Berlin' });
const DigestK = z.number().int().min(1).max(50).default(10).openapi({ description: 'Papers per digest (1–50)' });

const FeedSubscriptionBody = z.object({ email: Email, cadence: Cadence, k: DigestK, hour: Hour, timeZone: TimeZone }).strict().openapi('FeedSubscriptionRequest');
const TrendingSubscriptionBody = z
  .object({ email: Email, category: WindowQuery.category, cadence: Cadence.default('daily'), k: DigestK, hour: Hour, timeZone: TimeZone })
  .strict()
  .openapi('TrendingSubscriptionRequest');

const SubscriptionSchema = z
  .object({
    id: z.string(),
    kind: z.enum(['feed', 'trending']),
    email: z.string(),
    cadence: Cadence,
    hour: z.number().int(),
    timeZone: z.string(),
    k: z.number().int(),
    category: z.string().nullable(),
    status: z.enum(['pending', 'confirmed', 'paused', 'ended']).openapi({ description: 'pending until the confirmation link in the mail is followed' }),
    createdAt: z.string(),
  })
  .openapi('Subscription');
const toApi = (s: Subscription): z.infer<typeof SubscriptionSchema> => ({
  id: s.id,
  kind: s.kind,
  email: s.email,
  cadence: s.cadence,
  hour: s.hour,
  timeZone: s.timeZone,
  k: s.k,
  category: s.category,
  status: s.status,
  createdAt: s.createdAt,
});

const json = <T extends z.ZodType>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });
const body = <T extends z.ZodType>(schema: T) => ({ required: true, content: { 'application/json': { schema } } });
const security = [{ bearer: [] }];
const userProblems = {
  400: problemResponse('Invalid request'),
  401: problemResponse('No or unknown bearer token'),
  404: problemResponse('No such user (or not yours), or no such subscription'),
};
const mailProblems = {
  409: problemResponse('The address has as many subscriptions as allowed'),
  415: problemResponse('Body not sent as application/json'),
  429: problemResponse('Too many confirmation mails to this address this hour'),
  503: problemResponse('Digests are off (no SMTP_URL), or the confirmation mail could not be sent'),
};

const statusRoute = createRoute({
  method: 'get',
  path: '/v1/digests/status',
  tags: ['digests'],
  summary: 'Whether this server sends email digests (it needs SMTP_URL)',
  responses: { 200: json(z.object({ enabled: z.boolean(), detail: z.string() }).openapi('DigestStatus'), 'On or off, and why') },
});

const createFeedSub = createRoute({
  method: 'post',
  path: '/v1/users/{uid}/subscriptions',
  tags: ['digests'],
  summary: "Mail the user's personal feed daily or weekly",
  description:
    'Creates a pending subscription and mails a confirmation link to the address; nothing else is sent until that link ' +
    'is followed (a POST to it). Each digest holds the top of the feed among papers added since the previous one, ' +
    'never a paper sent before, starred or dismissed.',
  security,
  request: { params: z.object({ uid: UserId }), body: body(FeedSubscriptionBody) },
  responses: { 201: json(SubscriptionSchema, 'Pending; the confirmation mail is on its way'), ...userProblems, ...mailProblems },
});

const listFeedSubs = createRoute({
  method: 'get',
  path: '/v1/users/{uid}/subscriptions',
  tags: ['digests'],
  summary: "The user's digest subscriptions (ended ones left out)",
  security,
  request: { params: z.object({ uid: UserId }) },
  responses: { 200: json(z.object({ items: z.array(SubscriptionSchema) }).openapi('Subscriptions'), 'Subscriptions'), ...userProblems },
});

const deleteFeedSub = createRoute({
  method: 'delete',
  path: '/v1/users/{uid}/subscriptions/{sid}',
  tags: ['digests'],
  summary: 'End a subscription: no digest is sent for it any more',
  security,
  request: { params: z.object({ uid: UserId, sid: z.string().min(1).max(100) }) },
  responses: { 200: json(z.object({ id: z.string(), status: z.literal('ended') }), 'Ended'), ...userProblems },
});

const Accepted = z.object({ status: z.literal('pending'), detail: z.string() }).openapi('SubscriptionAccepted');
const createTrendingSub = createRoute({
  method: 'post',
  path: '/v1/subscriptions/trending',
  tags: ['digests'],
  summary: 'Subscribe an address to the trending digest (double opt-in, no account needed)',
  description: 'Mails a confirmation link; nothing else is sent to the address until that link is followed (a POST to it).',
  request: { body: body(TrendingSubscriptionBody) },
  responses: { 202: json(Accepted, 'The confirmation mail is on its way'), 400: problemResponse('Invalid body'), ...mailProblems },
});

const requestManage = createRoute({
  method: 'post',
  path: '/v1/subscriptions/manage',
  tags: ['digests'],
  summary: 'Mail an address a link to see and end its digests (no account needed)',
  description: 'The answer is the same whether or not the address has subscriptions.',
  request: { body: body(z.object({ email: Email }).strict()) },
  responses: {
    202: json(z.object({ detail: z.string() }), 'If the address has digests, a link is on its way'),
    400: problemResponse('Invalid body'),
    ...mailProblems,
  },
});

const Token = z.object({ token: z.string().min(1).max(2000) });
const pageOrProblem = (description: string) => ({
  content: { 'text/html': { schema: z.string() }, ...problemResponse(description).content },
  description: `${description} (a page for browsers, which ask for text/html; problem+json otherwise)`,
});
const pageResponses = {
  200: { content: { 'text/html': { schema: z.string() } }, description: 'A page saying what the link does (GET) or did (POST)' },
  404: pageOrProblem('Unknown or damaged link'),
  409: pageOrProblem('A confirmation link used before, or a subscription ended since'),
  410: pageOrProblem('Expired link'),
};
const linkRoute = (method: 'get' | 'post') =>
  createRoute({
    method,
    path: '/digest/{token}',
    tags: ['digests'],
    summary:
      method === 'get'
        ? 'A link from a digest mail (confirm, unsubscribe, star, not interested, manage): shows what it would do'
        : 'Does what the link says (RFC 8058 one-click unsubscribe posts here too)',
    request: { params: Token },
    responses: pageResponses,
  });

/**
 * The pages behind mail links: plain HTML (no script, no styles) under the app's strict CSP. A client that
 * does not ask for HTML (an RFC 8058 one-click POST from a mail provider, a script) gets errors as problem+json.
 */
function page(c: Context<AppEnv>, p: LinkPage): Response {
  if (p.status >= 400 && !/\btext\/html\b/i.test(c.req.header('accept') ?? '')) {
    throw new ApiProblem(p.status as 404, `${p.title}. ${p.lines.join(' ')}`, [{ field: 'param.token', message: p.title }]);
  }
  return c.html(renderPage(p), p.status, { 'Cache-Control': 'no-store' }); // security headers: the app's middleware
}

export function digestRoutes(app: OpenAPIHono<AppEnv>, digests: DigestService, users: Pick<Users, 'get'>): void {
  // Access first, so a caller without it learns nothing about the body (as the other user routes do).
  app.use('/v1/users/:uid/subscriptions', ownUserOnly(users));
  app.use('/v1/users/:uid/subscriptions/*', ownUserOnly(users));

  app.openapi(statusRoute, (c) =>
    c.json(
      digests.enabled
        ? { enabled: true, detail: 'Email digests are on' }
        : { enabled: false, detail: 'Email digests are off on this server (SMTP_URL is not set)' },
      200,
    ),
  );

  app.openapi(createFeedSub, async (c) => {
    const { uid } = c.req.valid('param');
    const b = c.req.valid('json');
    const sub = await digests.subscribe({ kind: 'feed', userId: uid, email: b.email, cadence: b.cadence, hour: b.hour, timeZone: b.timeZone, k: b.k, category: null });
    return c.json(toApi(sub), 201);
  });

  app.openapi(listFeedSubs, async (c) => c.json({ items: (await digests.listForUser(c.req.valid('param').uid)).map(toApi) }, 200));

  app.openapi(deleteFeedSub, async (c) => {
    const { uid, sid } = c.req.valid('param');
    if (!(await digests.endForUser(uid, sid))) throw new ApiProblem(404, `No subscription "${sid}"`, [{ field: 'param.sid', message: 'unknown subscription' }]);
    return c.json({ id: sid, status: 'ended' as const }, 200);
  });

  app.openapi(createTrendingSub, async (c) => {
    const b = c.req.valid('json');
    await digests.subscribe({ kind: 'trending', userId: null, email: b.email, cadence: b.cadence, hour: b.hour, timeZone: b.timeZone, k: b.k, category: b.category ?? null });
    return c.json({ status: 'pending' as const, detail: `A confirmation link was mailed to ${b.email}; nothing is sent before it is followed` }, 202);
  });

  app.openapi(requestManage, async (c) => {
    await digests.requestManageLink(c.req.valid('json').email);
    return c.json({ detail: 'If this address has digests, a link to manage them is on its way' }, 202);
  });

  app.openapi(linkRoute('get'), async (c) => page(c, await digests.followLink(c.req.valid('param').token, 'GET')));
  app.openapi(linkRoute('post'), async (c) => page(c, await digests.followLink(c.req.valid('param').token, 'POST')));
}
