import { z } from '@hono/zod-openapi';
import type { StoredPaper } from '../store/store.js';

export const PaperId = z
  .string()
  .min(1)
  .max(200)
  .openapi({ description: 'Opaque paper id (arXiv id, DOI, …), percent-encoded in paths', example: '2507.15339' });

export const PaperSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    abstract: z.string(),
    authors: z.array(z.string()),
    published: z.string().nullable().openapi({ description: 'YYYY-MM-DD' }),
    categories: z.array(z.string()),
    upvotes: z.number().int().nullable(),
    url: z.string().nullable(),
  })
  .openapi('Paper');

export const ScoredPaperSchema = z.object({ paper: PaperSchema, score: z.number() }).openapi('ScoredPaper');
export const ItemsSchema = z.object({ items: z.array(ScoredPaperSchema) }).openapi('ScoredPapers');

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .openapi('Problem');

export const problemResponse = (description: string) => ({
  content: { 'application/problem+json': { schema: ProblemSchema } },
  description,
});

export const K = z.coerce.number().int().min(1).max(1000).default(10).openapi({ description: 'How many results (1–1000)' });

/** A link a person can open: arXiv ids and DOIs are recognised; other ids have none. */
function paperUrl(id: string): string | null {
  if (/^\d{4}\.\d{4,5}$/.test(id) || /^[a-z-]+(\.[A-Z]{2})?\/\d{7}$/.test(id)) return `https://arxiv.org/abs/${id}`;
  if (/^10\.\d{4,9}\//.test(id)) return `https://doi.org/${encodeURI(id)}`;
  return null;
}

export function toApiPaper(p: StoredPaper): z.infer<typeof PaperSchema> {
  return {
    id: p.id,
    title: p.title,
    abstract: p.abstract,
    authors: p.authors,
    published: p.published,
    categories: p.categories,
    upvotes: p.upvotes,
    url: paperUrl(p.id),
  };
}
