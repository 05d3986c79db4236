import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../auth.js';
import type { ApiDeps } from '../deps.js';
import { problemResponse } from '../schemas.js';

const Health = z.object({ status: z.literal('ok'), papers: z.number().int(), model: z.string() }).openapi('Health');

const healthz = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['service'],
  summary: 'Liveness: the process answers, with the paper count and the model in use',
  responses: { 200: { content: { 'application/json': { schema: Health } }, description: 'Alive' } },
});

const readyz = createRoute({
  method: 'get',
  path: '/readyz',
  tags: ['service'],
  summary: 'Readiness: 200 once the index is loaded, 503 before',
  responses: {
    200: { content: { 'application/json': { schema: z.object({ status: z.literal('ready'), indexed: z.number().int() }) } }, description: 'Ready' },
    503: problemResponse('Still loading'),
  },
});

export function healthRoutes(app: OpenAPIHono<AppEnv>, d: Pick<ApiDeps, 'papers' | 'model' | 'index'>) {
  app.openapi(healthz, async (c) => c.json({ status: 'ok' as const, papers: await d.papers.count(), model: d.model.modelId }, 200));
  app.openapi(readyz, (c) => c.json({ status: 'ready' as const, indexed: d.index.require().size }, 200));
}
