import { OpenAPIHono } from '@hono/zod-openapi';
import { except } from 'hono/combine';
import { requestId } from 'hono/request-id';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';
import { IndexNotReadyError } from '../index/sync.js';
import { isStoreUnavailable } from '../store/unavailable.js';
import { authenticate, type AppEnv } from './auth.js';
import type { ApiDeps } from './deps.js';
import { jsonRoutes } from './json-routes.js';
import { finishForClients } from './openapi-doc.js';
import { absoluteUrl } from './public-url.js';
import { accessLog } from './middleware/access-log.js';
import { compressJson } from './middleware/compress-json.js';
import { closeUnreadBodies } from './middleware/close-unread.js';
import { corsFor } from './middleware/cors.js';
import { rateLimit } from './middleware/limits.js';
import { loginFailureLimit } from './middleware/login-limit.js';
import { securityHeaders } from './middleware/security-headers.js';
import { sessionCookie } from './middleware/session.js';
import { metricsMiddleware, opsRoutes } from './middleware/metrics.js';
import { ApiProblem, problem, validationProblem } from './problem.js';
import { atomRoutes } from './routes/atom.js';
import { calendarRoutes } from './routes/calendar.js';
import { collectionsRoutes } from './routes/collections.js';
import { importRoutes } from './routes/import.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { digestRoutes } from './routes/digests.js';
import { embedRoutes } from './routes/embed.js';
import { feedJsonRoutes } from './routes/feed-json.js';
import { feedsRoutes } from './routes/feeds.js';
import { healthRoutes } from './routes/health.js';
import { paperRoutes } from './routes/papers.js';
import { paperAdminRoutes } from './routes/papers-admin.js';
import { paperPageDeps, paperPageRoutes } from './routes/paper-page.js';
import { searchRoutes } from './routes/search.js';
import { sessionRoutes } from './routes/session.js';
import { sourcesRoutes } from './routes/sources.js';
import { similarPostRoutes } from './routes/similar-post.js';
import { topicsRoutes } from './routes/topics.js';
import { trendingRoutes } from './routes/trending.js';
import { usersRoutes } from './routes/users.js';
import { widgetRoutes } from './routes/widget.js';

const LICENSE = { name: 'MIT', url: 'https://opensource.org/licenses/MIT' };

/** The HTTP app: every route validated by its zod schema, every error a problem+json. */
export function createApp(d: ApiDeps) {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) return validationProblem(c, result.target === 'json' ? 'body' : result.target, result.error as unknown as ZodError);
    },
  });

  app.use('*', metricsMiddleware());
  app.use('*', requestId());
  if (d.config.LOG_FORMAT === 'json') app.use('*', accessLog((line) => console.log(JSON.stringify(line))));
  app.use('*', securityHeaders());
  app.use('*', closeUnreadBodies());
  // JSON answers gzipped when the client accepts it (/v1/topics is ~270 KB of points, ~20% of that gzipped); the
  // dashboard's files are gzipped once when loaded (dashboard.ts), so they already carry Content-Encoding.
  app.use('/v1/*', compressJson());
  // /embed.js is readable by every origin (its route says so); CORS_ORIGINS governs the API.
  app.use('*', except('/embed.js', corsFor(d.config.CORS_ORIGINS)));
  app.use('*', loginFailureLimit(d.config.LOGIN_FAILURES_PER_MINUTE, d.config.TRUST_PROXY));
  // Rate limiting keys on the token's hash (or the address), so it runs before authentication: failed logins count too.
  app.use('*', rateLimit(d.config));
  app.use('*', sessionCookie(d.users, () => d.config.PUBLIC_URL));
  app.use('*', authenticate(d.adminToken, d.users));
  // No body is read here: only routes that take JSON read theirs, after their access check (json-routes.ts).
  jsonRoutes(app, d);

  healthRoutes(app, d);
  paperRoutes(app, d);
  paperAdminRoutes(app, d);
  searchRoutes(app, d);
  trendingRoutes(app, d);
  usersRoutes(app, d);
  sessionRoutes(app, d);
  feedsRoutes(app, d);
  embedRoutes(app, d);
  atomRoutes(app, d);
  collectionsRoutes(app, d);
  importRoutes(app, d);
  topicsRoutes(app, d);
  dashboardRoutes(app);
  // The reader's pages (issue 18).
  paperPageRoutes(app, paperPageDeps(d));
  calendarRoutes(app, d);
  similarPostRoutes(app, d);
  feedJsonRoutes(app, d);
  widgetRoutes(app);
  opsRoutes(app, d);
  if (d.sources) sourcesRoutes(app, d.sources);
  if (d.digests) digestRoutes(app, d.digests, d.users);

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  const info = { title: 'paperfeed', version: '0.1.0', description: 'Semantic recommendations for research papers' };
  let doc: ReturnType<typeof app.getOpenAPI31Document> | undefined; // built on first request: every route is registered by then
  app.get('/openapi.json', (c) =>
    c.json((doc ??= finishForClients(app.getOpenAPI31Document({ openapi: '3.1.0', info }), LICENSE, absoluteUrl(d.config, '')))),
  );

  app.notFound((c) => problem(c, 404, `No route for ${c.req.method} ${new URL(c.req.url).pathname}`));
  app.onError((err, c) => {
    // Hono's own 4xx (e.g. 415 from the media-type check) stay 4xx.
    if (err instanceof HTTPException && err.status < 500) return problem(c, err.status as ContentfulStatusCode, err.message);
    // The one readiness guard: routes that need the index ask IndexSync.require(), which throws this while it loads.
    if (err instanceof IndexNotReadyError) {
      const res = problem(c, 503, err.message);
      res.headers.set('Retry-After', '1');
      return res;
    }
    if (isStoreUnavailable(err)) {
      const res = problem(c, 503, 'The database is unavailable; retry shortly');
      res.headers.set('Retry-After', '2');
      return res;
    }
    if (err instanceof ApiProblem) {
      const res = problem(c, err.status, err.message, err.errors);
      for (const [k, v] of Object.entries(err.headers ?? {})) res.headers.set(k, v);
      return res;
    }
    d.log(`error on ${c.req.method} ${c.req.path} (request ${c.get('requestId')}): ${err.stack ?? err.message}`);
    return problem(c, 500, 'Internal error');
  });
  return app;
}
