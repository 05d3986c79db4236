import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { paperText } from '../../embed/text.js';
import { termVector } from '../../text/terms.js';
import { collapseWhitespace, MAX_ABSTRACT_LENGTH, MAX_TITLE_LENGTH } from '../../ingest/normalize.js';
import { RERANK_POOL } from '../../recommend/lexical.js';
import { similarToText, similarToVector } from '../../recommend/similar-to.js';
import type { AppEnv } from '../auth.js';
import { catalogOf, type ApiDeps } from '../deps.js';
import { ItemsSchema, PaperId, problemResponse, sinceBeforeUntil, toApiPaper, WindowQuery } from '../schemas.js';

const MAX_EXCLUDE = 1000;

/** What POST /v1/similar needs from the engine. */
export type SimilarPostDeps = Pick<ApiDeps, 'papers' | 'index' | 'model'>;

/** Title and abstract are cleaned and bounded as ingest does, so the same paper gives the same text and vector. */
const text = (max: number, what: string) =>
  z
    .string()
    .transform(collapseWhitespace)
    .refine((s) => s.length > 0, `${what} must not be empty`)
    .refine((s) => s.length <= max, `at most ${max.toLocaleString('en-US')} characters`);

function bodySchema(deps: SimilarPostDeps) {
  return z
    .object({
      title: text(MAX_TITLE_LENGTH, 'title').optional().openapi({ description: "The paper's title (with abstract)", example: 'Sparse attention for long documents' }),
      abstract: text(MAX_ABSTRACT_LENGTH, 'abstract').optional().openapi({ description: "The paper's abstract (with title)" }),
      vector: z
        .array(z.number())
        .optional()
        .openapi({ description: "Instead of title and abstract: an embedding in the model's space and dimension (see /v1/embed); normalised to unit length" }),
      k: z.number().int().min(1).max(1000).default(10).openapi({ description: 'How many results (1–1000)' }),
      exclude: z.array(PaperId).max(MAX_EXCLUDE).default([]).openapi({ description: 'Ids never to return, e.g. the paper being shown when the store has it' }),
      since: WindowQuery.since,
      until: WindowQuery.until,
      category: WindowQuery.category,
    })
    .superRefine((b, ctx) => {
      sinceBeforeUntil(b, ctx);
      const hasText = b.title !== undefined || b.abstract !== undefined;
      if (hasText && b.vector) ctx.addIssue({ code: 'custom', path: ['vector'], message: 'give either title and abstract, or vector, not both' });
      else if (!hasText && !b.vector) ctx.addIssue({ code: 'custom', path: ['title'], message: 'give title and abstract (or vector)' });
      else if (hasText) {
        if (b.title === undefined) ctx.addIssue({ code: 'custom', path: ['title'], message: 'required with abstract' });
        if (b.abstract === undefined) ctx.addIssue({ code: 'custom', path: ['abstract'], message: 'required with title' });
      } else if (b.vector) {
        const dim = deps.model.dim;
        if (b.vector.length !== dim) ctx.addIssue({ code: 'custom', path: ['vector'], message: `expected ${dim} numbers (the model's dimension), got ${b.vector.length}` });
        else if (b.vector.every((x) => x === 0)) ctx.addIssue({ code: 'custom', path: ['vector'], message: 'must not be all zeros' });
      }
    })
    .openapi('SimilarRequest');
}

/** POST /v1/similar: similar papers for a paper the store need not have. */
export function similarPostRoutes(app: OpenAPIHono<AppEnv>, deps: SimilarPostDeps): void {
  const route = createRoute({
    method: 'post',
    path: '/v1/similar',
    tags: ['papers'],
    summary: 'Similar papers for a paper given by its title and abstract, or by a vector (it need not be in the store)',
    description:
      '`{title, abstract}`: the text is embedded and the neighbours re-ranked exactly as `GET /v1/papers/{id}/similar` ' +
      `does for a stored paper (the ${RERANK_POOL} nearest by embedding, re-ranked by z(cosine) + z(tf-idf cosine)); ` +
      'a stored paper\'s own title and abstract with `exclude: [its id]` give the same list. `{vector}`: the nearest ' +
      'by cosine (no text to match words against); score = cosine. Optional since/until (published date, until ' +
      'exclusive) and category narrow the candidates; `exclude` drops ids.',
    request: { body: { required: true, content: { 'application/json': { schema: bodySchema(deps) } } } },
    responses: {
      200: { content: { 'application/json': { schema: ItemsSchema } }, description: 'Similar papers, best first' },
      400: problemResponse('Invalid body: neither or both of text and vector, a vector of the wrong dimension, bad dates, k or category'),
      413: problemResponse('Body over the size limit'),
      415: problemResponse('Body not sent as application/json'),
      503: problemResponse('The index is still loading'),
    },
  });

  /** The text's terms and embedding, as ingest computes them for a stored paper. */
  const textQuery = async (text: string) => ({ terms: termVector(text), vector: (await deps.model.embed([text]))[0] });

  app.openapi(route, async (c) => {
    const { title, abstract, vector, k, exclude, ...window } = c.req.valid('json');
    const catalog = catalogOf(deps); // 503 while the index loads
    const skip = new Set((await deps.papers.byIds(exclude)).flatMap((p) => (p ? [p.seq] : [])));
    const items = vector
      ? await similarToVector(catalog, vector, k, window, skip)
      : await similarToText(catalog, await textQuery(paperText(title!, abstract!)), k, window, skip);
    return c.json({ items: items.map((r) => ({ paper: toApiPaper(r.paper), score: r.score })) }, 200);
  });
}
