import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { similarPapers } from '../../recommend/similar.js';
import type { AppEnv } from '../auth.js';
import { catalogOf, type ApiDeps } from '../deps.js';
import { ApiProblem, notFound } from '../problem.js';
import { ItemsSchema, K, PaperId, PaperSchema, problemResponse, sinceBeforeUntil, toApiPaper, WindowQuery } from '../schemas.js';

/** A paper with ?include=vector: its stored unit-length embedding and the model it came from. */
const PaperWithVectorSchema = PaperSchema.extend({
  vector: z.array(z.number()).optional().openapi({ description: 'The stored unit-length embedding (only with include=vector)' }),
  model: z.string().optional().openapi({ description: 'The model of `vector` (only with include=vector)' }),
  modelKey: z.string().optional().openapi({ description: 'Model name plus weights fingerprint (only with include=vector)' }),
}).openapi('PaperWithVector');

const getPaper = createRoute({
  method: 'get',
  path: '/v1/papers/{id}',
  tags: ['papers'],
  summary: 'One paper',
  request: {
    params: z.object({ id: PaperId }),
    query: z.object({
      include: z.enum(['vector']).optional().openapi({ description: '"vector" adds the stored embedding and its model' }),
    }),
  },
  responses: {
    200: { content: { 'application/json': { schema: PaperWithVectorSchema } }, description: 'The paper' },
    400: problemResponse('Invalid id or include'),
    404: problemResponse('No paper with this id'),
    503: problemResponse('include=vector: the paper has no vector yet'),
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

export function paperRoutes(app: OpenAPIHono<AppEnv>, d: Pick<ApiDeps, 'papers' | 'index' | 'model'>) {
  app.openapi(getPaper, async (c) => {
    const { id } = c.req.valid('param');
    const { include } = c.req.valid('query');
    const [paper] = await d.papers.byIds([id]);
    if (!paper) throw notFound(`paper with id "${id}"`, 'param.id');
    if (include !== 'vector') return c.json(toApiPaper(paper), 200);
    const [vector] = await d.papers.vectors([paper.seq], d.model.modelKey); // the store's own copy: it is the truth
    if (!vector) throw new ApiProblem(503, `Paper "${id}" has no vector under ${d.model.modelKey} yet; retry shortly`);
    return c.json({ ...toApiPaper(paper), vector: Array.from(vector), model: d.model.modelId, modelKey: d.model.modelKey }, 200);
  });

  app.openapi(similar, async (c) => {
    const { id } = c.req.valid('param');
    const { k, ...window } = c.req.valid('query');
    const [paper] = await d.papers.byIds([id]);
    if (!paper) throw notFound(`paper with id "${id}"`, 'param.id');
    const items = (await similarPapers(catalogOf(d), paper, k, window)).map((r) => ({ paper: toApiPaper(r.paper), score: r.score }));
    return c.json({ items }, 200);
  });
}
