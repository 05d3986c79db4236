import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { normalizePaper } from '../../ingest/normalize.js';
import type { PaperInput } from '../../types.js';
import { requireAdmin, type AppEnv } from '../auth.js';
import type { ApiDeps } from '../deps.js';
import { ApiProblem, notFound } from '../problem.js';
import { PaperId, problemResponse } from '../schemas.js';

const PaperRecord = z.unknown().openapi({
  type: 'object',
  description: '{id, title, abstract, authors?, published?, categories?, upvotes?, source?}; an invalid record is rejected on its own',
  example: { id: '2507.15339', title: 'A title', abstract: 'An abstract.', authors: ['A. Author'], published: '2025-07-21', categories: ['cs.CL'] },
});

const WriteSummary = z
  .object({
    inserted: z.number().int(),
    updated: z.number().int(),
    unchanged: z.number().int(),
    rejected: z.array(z.object({ index: z.number().int(), reason: z.string() })),
  })
  .openapi('WriteSummary');

const addPapers = createRoute({
  method: 'post',
  path: '/v1/papers',
  tags: ['papers'],
  summary: 'Add or update papers (admin)',
  description:
    'Same rules as the ingest CLI: upsert by id, unchanged text is not re-embedded, one bad record never sinks the ' +
    'batch. When this returns, the papers are stored, indexed and searchable.',
  security: [{ bearer: [] }],
  request: { body: { content: { 'application/json': { schema: z.object({ papers: z.array(PaperRecord).min(1) }) } }, required: true } },
  responses: {
    200: { content: { 'application/json': { schema: WriteSummary } }, description: 'What happened to each record' },
    400: problemResponse('Invalid body'),
    401: problemResponse('No token'),
    403: problemResponse('Not the admin token'),
  },
});

const deletePaper = createRoute({
  method: 'delete',
  path: '/v1/papers/{id}',
  tags: ['papers'],
  summary: 'Delete a paper (admin)',
  security: [{ bearer: [] }],
  request: { params: z.object({ id: PaperId }) },
  responses: {
    200: { content: { 'application/json': { schema: z.object({ id: z.string(), deleted: z.literal(true) }) } }, description: 'Deleted' },
    401: problemResponse('No token'),
    403: problemResponse('Not the admin token'),
    404: problemResponse('No paper with this id'),
  },
});

export function paperAdminRoutes(app: OpenAPIHono<AppEnv>, d: Pick<ApiDeps, 'config' | 'writer'>): void {
  app.openapi(addPapers, async (c) => {
    requireAdmin(c);
    const { papers } = c.req.valid('json');
    const max = d.config.PAPERS_MAX_PER_REQUEST;
    if (papers.length > max) throw new ApiProblem(400, `At most ${max} papers per request`, [{ field: 'body.papers', message: `too many (max ${max})` }]);
    const valid: PaperInput[] = [];
    const rejected: { index: number; reason: string }[] = [];
    papers.forEach((raw, index) => {
      const r = normalizePaper(raw);
      if (r.ok) valid.push(r.paper);
      else rejected.push({ index, reason: r.reason });
    });
    const summary = valid.length ? await d.writer.addPapers(valid) : { inserted: 0, updated: 0, unchanged: 0 };
    return c.json({ ...summary, rejected }, 200);
  });

  app.openapi(deletePaper, async (c) => {
    requireAdmin(c);
    const { id } = c.req.valid('param');
    if (!(await d.writer.deletePaper(id))) throw notFound(`paper with id "${id}"`, 'param.id');
    return c.json({ id, deleted: true as const }, 200);
  });
}
