import path from 'node:path';
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { etag } from 'hono/etag';
import type { AppEnv } from '../auth.js';
import { problemResponse } from '../schemas.js';
import { load, notBuilt, send, WEB_DIST } from './dashboard.js';

/** Same name as scripts/build-web.ts EMBED_FILE (not imported: the server does not depend on the build script). */
const EMBED_FILE = 'embed.js';

/**
 * Cached for an hour by browsers and shared caches, then revalidated by ETag (the name is fixed, so not immutable).
 * Readable by any origin: a plain <script src> needs no CORS, but `crossorigin` / integrity / module loads do, and
 * a host page with Cross-Origin-Embedder-Policy needs Cross-Origin-Resource-Policy: cross-origin.
 */
const EMBED_HEADERS = {
  'Cache-Control': 'public, max-age=3600',
  'Access-Control-Allow-Origin': '*',
  'Cross-Origin-Resource-Policy': 'cross-origin',
};

const embedRoute = createRoute({
  method: 'get',
  path: '/embed.js',
  tags: ['service'],
  summary: 'The embeddable widget: <paperfeed-similar> and <paperfeed-feed> custom elements for other sites (README: Widget)',
  responses: {
    200: { content: { 'text/javascript': { schema: z.string() } }, description: 'The widget script (a classic script, no imports)' },
    304: { description: 'Not modified (If-None-Match)' },
    503: problemResponse('The front end has not been built (npm run build:web)'),
  },
});

/** GET /embed.js: the widget script other sites load (built by scripts/build-web.ts from web/src/embed.ts). */
export function widgetRoutes(app: OpenAPIHono<AppEnv>): void {
  app.use('/embed.js', etag());
  app.openapi(embedRoute, (c) => {
    const file = load(path.join(WEB_DIST, EMBED_FILE));
    if (!file) throw notBuilt();
    const res = send(c, file, EMBED_HEADERS['Cache-Control']);
    for (const [name, value] of Object.entries(EMBED_HEADERS)) res.headers.set(name, value);
    return res;
  });
}
