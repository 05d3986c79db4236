import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import zlib from 'node:zlib';
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ApiDeps } from '../deps.js';
import { registerOperatorMetrics } from '../operator-metrics.js';
import type { AppEnv } from '../auth.js';
import { notFound } from '../problem.js';
import { problemResponse } from '../schemas.js';

/** One app's metrics. Each app has its own registry, so several apps (tests) never collide. */
interface AppMetrics {
  registry: Registry;
  requests: Counter<'method' | 'route' | 'status'>;
  duration: Histogram<'method' | 'route'>;
}

/**
 * metricsMiddleware() and opsRoutes() share an app's metrics without changing their signatures: the middleware
 * function is the key, and opsRoutes finds it among the handlers registered on its app (app.routes).
 */
const byMiddleware = new WeakMap<MiddlewareHandler<AppEnv>, AppMetrics>();

function createMetrics(): AppMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    requests: new Counter({
      name: 'paperfeed_http_requests_total',
      help: 'HTTP requests, by method, route pattern and status',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'paperfeed_http_request_duration_seconds',
      help: 'HTTP request duration until the response is produced, by method and route pattern',
      labelNames: ['method', 'route'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Counts requests and observes latency per route (Prometheus). Register it first, so it sees every response. */
export function metricsMiddleware(): MiddlewareHandler<AppEnv> {
  const metrics = createMetrics();
  const handler: MiddlewareHandler<AppEnv> = async (c, next) => {
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      // The route pattern (bounded cardinality), never the raw path: the last matched non-middleware route.
      const route = [...matchedRoutes(c)].reverse().find((r) => r.method !== 'ALL')?.path ?? 'unmatched';
      const method = METHODS.has(c.req.method) ? c.req.method : 'OTHER';
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.requests.inc({ method, route, status: String(c.res.status) });
      metrics.duration.observe({ method, route }, seconds);
    }
  };
  byMiddleware.set(handler, metrics);
  return handler;
}

/** The swagger-ui-dist files the docs page needs, served from node_modules: a fixed list, nothing else. */
const ASSETS: Record<string, { file: string; type: string }> = {
  'swagger-ui.css': { file: 'swagger-ui.css', type: 'text/css; charset=utf-8' },
  'swagger-ui-bundle.js': { file: 'swagger-ui-bundle.js', type: 'text/javascript; charset=utf-8' },
  'favicon-32x32.png': { file: 'favicon-32x32.png', type: 'image/png' },
};

/** Our initializer, served as a file rather than inline so a strict Content-Security-Policy can apply. */
const INIT_JS = `window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
  });
};
`;

const DOCS_HTML = `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>paperfeed API</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <noscript>The interactive docs need JavaScript; the raw document is at <a href="/openapi.json">/openapi.json</a>.</noscript>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/assets/init.js"></script>
</body>
</html>
`;

interface LoadedAsset {
  type: string;
  body: Buffer;
  gzip: Buffer | null;
}

const assetCache = new Map<string, LoadedAsset>();

function loadAsset(name: string): LoadedAsset | undefined {
  const cached = assetCache.get(name);
  if (cached) return cached;
  let asset: LoadedAsset;
  if (name === 'init.js') {
    asset = { type: 'text/javascript; charset=utf-8', body: Buffer.from(INIT_JS), gzip: null };
  } else {
    if (!Object.hasOwn(ASSETS, name)) return undefined;
    const { file, type } = ASSETS[name];
    const dir = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
    const body = fs.readFileSync(path.join(dir, file));
    asset = { type, body, gzip: type.startsWith('text/') ? zlib.gzipSync(body) : null };
  }
  assetCache.set(name, asset);
  return asset;
}

const metricsRoute = createRoute({
  method: 'get',
  path: '/metrics',
  tags: ['service'],
  summary: 'Prometheus metrics: requests and latency per route, papers and index size, process metrics',
  responses: { 200: { content: { 'text/plain': { schema: z.string() } }, description: 'Prometheus text exposition format' } },
});

const docsRoute = createRoute({
  method: 'get',
  path: '/docs',
  tags: ['service'],
  summary: 'Interactive API documentation (Swagger UI, served locally, works offline)',
  responses: { 200: { content: { 'text/html': { schema: z.string() } }, description: 'The docs page' } },
});

const assetRoute = createRoute({
  method: 'get',
  path: '/docs/assets/{file}',
  tags: ['service'],
  summary: 'Static files of the docs page',
  request: { params: z.object({ file: z.string().min(1).max(64) }) },
  responses: {
    200: { content: { 'application/octet-stream': { schema: z.string() } }, description: 'The file' },
    404: problemResponse('No such file'),
  },
});

/** The registry /metrics serves, for routes that add their own metrics (e.g. the sources' status). */
export function appMetricsRegistry(app: OpenAPIHono<AppEnv>): Registry | undefined {
  return app.routes.map((r) => byMiddleware.get(r.handler as MiddlewareHandler<AppEnv>)).find((m) => m !== undefined)?.registry;
}

/** GET /metrics (Prometheus text) and GET /docs (interactive API docs, offline). */
export function opsRoutes(app: OpenAPIHono<AppEnv>, d: Pick<ApiDeps, 'papers' | 'index' | 'changes' | 'queries' | 'caches' | 'digests'>): void {
  const metrics = app.routes.map((r) => byMiddleware.get(r.handler as MiddlewareHandler<AppEnv>)).find((m) => m !== undefined);
  if (!metrics) throw new Error('opsRoutes: register metricsMiddleware() on the app first (app.use)');
  const { registry } = metrics;

  new Gauge({
    name: 'paperfeed_papers',
    help: 'Papers in the store',
    registers: [registry],
    async collect() {
      this.set(await d.papers.count().catch(() => 0)); // 0 once the store is closed (shutting down)
    },
  });
  new Gauge({
    name: 'paperfeed_index_vectors',
    help: 'Vectors in the HNSW index (0 while it loads)',
    registers: [registry],
    collect() {
      this.set(d.index.current?.size ?? 0);
    },
  });

  registerOperatorMetrics(registry, d);

  app.openapi(metricsRoute, async (c) => c.text(await registry.metrics(), 200, { 'Content-Type': registry.contentType }));

  app.openapi(docsRoute, (c) => c.html(DOCS_HTML, 200, { 'Cache-Control': 'no-cache' }));

  app.openapi(assetRoute, (c) => {
    const asset = loadAsset(c.req.valid('param').file);
    if (!asset) throw notFound(`docs file "${c.req.valid('param').file}"`, 'param.file');
    const headers: Record<string, string> = { 'Content-Type': asset.type, 'Cache-Control': 'public, max-age=86400', Vary: 'Accept-Encoding' };
    if (asset.gzip && /\bgzip\b/.test(c.req.header('accept-encoding') ?? '')) {
      return c.body(new Uint8Array(asset.gzip), 200, { ...headers, 'Content-Encoding': 'gzip' });
    }
    return c.body(new Uint8Array(asset.body), 200, headers);
  });
}
