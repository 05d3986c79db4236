import { z } from '@hono/zod-openapi';
import { PaperMetaSchema } from '../store/paper-meta.js';
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
    meta: z.object(PaperMetaSchema.shape).openapi('PaperMeta', {
      description:
        'What the built-in sources add: arXiv (version, comments, journalRef, doi, license) and Hugging Face Daily Papers ' +
        '(hfDate, submittedBy, numComments, githubRepo, githubStars, aiKeywords, aiSummary, projectPage, thumbnail); {} when none',
    }).optional(),
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

/** The UTC day of an ISO date or timestamp; null for impossible dates (Date would roll 2025-02-30 into March). */
function isoDay(s: string): string | null {
  const d = new Date(s.length === 10 ? `${s}T00:00:00Z` : s);
  if (Number.isNaN(d.getTime())) return null;
  const day = d.toISOString().slice(0, 10);
  return s.length === 10 && day !== s ? null : day;
}

/** YYYY-MM-DD, or a full ISO timestamp (its UTC date is used). */
export const IsoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/, 'expected an ISO date, YYYY-MM-DD')
  .refine((s) => isoDay(s) !== null, 'not a real date')
  .transform((s) => isoDay(s)!);

/** since/until (published date, until exclusive) and category: shared by every list endpoint. */
export const WindowQuery = {
  since: IsoDate.optional().openapi({ description: 'Only papers published on or after this date (YYYY-MM-DD)' }),
  until: IsoDate.optional().openapi({ description: 'Only papers published before this date (exclusive)' }),
  category: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9._-]+$/, 'expected a category such as cs.CL')
    .optional()
    .openapi({ description: 'Only papers listed in this category, e.g. cs.CL' }),
};

/** Rejects since ≥ until with the field named. */
export const sinceBeforeUntil = (q: { since?: string; until?: string }, ctx: z.RefinementCtx) => {
  if (q.since && q.until && q.since >= q.until) {
    ctx.addIssue({ code: 'custom', path: ['until'], message: 'until must be after since' });
  }
};

export const K = z.coerce.number().int().min(1).max(1000).default(10).openapi({ description: 'How many results (1–1000)' });

/** A link a person can open: arXiv ids and DOIs are recognised; other ids have none. */
export function paperUrl(id: string): string | null {
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
    meta: p.meta ?? {},
  };
}

/** A personal feed's query (JSON and Atom): the read-only feed key instead of a bearer token, k and the window. */
export const FeedKeyQuery = z
  .object({
    key: z.string().max(512).optional().openapi({ description: 'The feed key from POST /v1/users/{uid}/feed-key' }),
    k: K,
    ...WindowQuery,
  })
  .superRefine(sinceBeforeUntil);
