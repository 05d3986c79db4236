import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { Paperfeed } from '../../service.js';
import type { AppEnv } from '../auth.js';
import { ApiProblem, notFound } from '../problem.js';
import { ItemsSchema, K, PaperId, PaperSchema, problemResponse, sinceBeforeUntil, toApiPaper, WindowQuery } from '../schemas.js';

const getPaper = createRoute({
  method: 'get',
  path: '/v1/papers/{id}',
  tags: ['papers'],
  summary: 'One paper',
  request: { params: z.object({ id: PaperId }) },
  responses: {
    200: { content: { 'application/json': { schema: PaperSchema } }, description: 'The paper' },
    400: problemResponse('Invalid id'),
    404: problemResponse('No paper with this id'),
  },
});

const similar = createRoute({
  method: 'get',
  path: '/v1/papers/{id}/similar',
  tags: ['papers'],
  summary: 'Papers most similar to this one (itself excluded), by cosine similarity of their embeddings, optionally within a window',
  request: { params: z.object({ id: PaperId }), query: z.object({ k: K, ...WindowQuery }).superRefine(sinceBeforeUntil) },
  responses: {
    200: { content: { 'application/json': { schema: ItemsSchema } }, description: 'Nearest papers, best first' },
    400: problemResponse('Invalid id or k'),
    404: problemResponse('No paper with this id'),
    503: problemResponse('The index is still loading'),
  },
});

export function paperRoutes(app: OpenAPIHono<AppEnv>, feed: Paperfeed) {
  app.openapi(getPaper, (c) => {
    const { id } = c.req.valid('param');
    const paper = feed.store.getPaper(id);
    if (!paper) throw notFound(`paper with id "${id}"`, 'param.id');
    return c.json(toApiPaper(paper), 200);
  });

  app.openapi(similar, (c) => {
    const { id } = c.req.valid('param');
    const { k, ...window } = c.req.valid('query');
    const paper = feed.store.getPaper(id);
    if (!paper) throw notFound(`paper with id "${id}"`, 'param.id');
    if (!feed.ready) throw new ApiProblem(503, 'The index is still loading; retry shortly');
    const items = feed.similar(paper, k, window).map((r) => ({ paper: toApiPaper(r.paper), score: r.score }));
    return c.json({ items }, 200);
  });
}
