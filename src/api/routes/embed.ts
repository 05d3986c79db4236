import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { ZodError } from 'zod';
import { cleanText } from '../../embed/text.js';
import type { AppEnv } from '../auth.js';
import type { ApiDeps } from '../deps.js';
import { ApiProblem } from '../problem.js';
import { problemResponse } from '../schemas.js';

const EmbedResponse = z
  .object({
    model: z.string().openapi({ description: 'The model name', example: 'paperfeed-arxiv-100d' }),
    modelKey: z.string().openapi({ description: 'Model name plus a fingerprint of its weights; vectors are comparable only under the same key' }),
    dim: z.number().int(),
    vectors: z.array(z.array(z.number())).openapi({ description: 'One unit-length vector per text, in request order' }),
  })
  .openapi('Embeddings');

/**
 * POST /v1/embed: the service's own sentence model as an API, so clients can compare their texts with the
 * stored paper vectors (cosine = dot product: every vector is unit length). Public.
 */
export function embedRoutes(app: OpenAPIHono<AppEnv>, d: Pick<ApiDeps, 'config' | 'model'>): void {
  const { EMBED_MAX_TEXTS: maxTexts, EMBED_MAX_TEXT_CHARS: maxChars } = d.config;

  const EmbedRequest = z
    .object({
      texts: z
        .array(z.string().min(1, 'must not be empty').max(maxChars, `at most ${maxChars} characters`))
        .min(1, 'at least one text')
        .max(maxTexts, `at most ${maxTexts} texts per request`)
        .openapi({
          description: `1–${maxTexts} texts of 1–${maxChars} characters each. They are cleaned like paper text (LaTeX markup and extra whitespace removed), so "title. abstract" gives the paper's stored vector.`,
          example: ['Graph neural networks for recommendation'],
        }),
    })
    .openapi('EmbedRequest');

  const embed = createRoute({
    method: 'post',
    path: '/v1/embed',
    tags: ['embeddings'],
    summary: 'Embed texts with the service model (unit-length vectors, same space as the stored papers)',
    request: { body: { required: true, content: { 'application/json': { schema: EmbedRequest } } } },
    responses: {
      200: { content: { 'application/json': { schema: EmbedResponse } }, description: 'One vector per text' },
      400: problemResponse('Invalid body: too many, empty or too long texts, wrong types, malformed JSON'),
      413: problemResponse('Body over the size limit'),
      415: problemResponse('Body not sent as application/json'),
    },
  });

  app.openapi(embed, async (c) => {
      const { texts } = c.req.valid('json');
      const vectors = await d.model.embed(texts.map(cleanText));
      return c.json(
        { model: d.model.modelId, modelKey: d.model.modelKey, dim: d.model.dim, vectors: vectors.map((v) => Array.from(v)) },
        200,
      );
  });
}
