/**
 * Per-paper extras the built-in sources bring, kept as one JSON column (papers.meta): arXiv's comments, journal-ref,
 * DOI, license and latest version; Hugging Face's submitter, comment count, code repository and stars, AI keywords
 * and summary, project page and thumbnail. Validated here at the edge (sources, and reading the store back).
 */
import { z } from 'zod';

const httpUrl = z
  .string()
  .max(2000)
  .regex(/^https?:\/\/[^\s]+$/i, 'expected an http(s) URL');
const shortText = (max: number) => z.string().max(max);
const count = z.number().int().nonnegative();

export const PaperMetaSchema = z
  .object({
    // arXiv (OAI-PMH)
    version: z.string().regex(/^v\d{1,4}$/).optional(),
    comments: shortText(5000).optional(),
    journalRef: shortText(1000).optional(),
    doi: shortText(300).optional(),
    license: httpUrl.optional(),
    // Hugging Face Daily Papers
    hfDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
    submittedBy: shortText(200).optional(),
    numComments: count.optional(),
    githubRepo: httpUrl.optional(),
    githubStars: count.optional(),
    aiKeywords: z.array(shortText(200)).max(100).optional(),
    aiSummary: shortText(5000).optional(),
    projectPage: httpUrl.optional(),
    thumbnail: httpUrl.optional(),
  })
  .strict();

export type PaperMeta = z.infer<typeof PaperMetaSchema>;

/**
 * Keeps the valid fields of an untrusted object and drops the rest, field by field: one odd value from upstream
 * (a relative URL, a negative count) loses that field, not the paper.
 */
export function cleanMeta(raw: Record<string, unknown>): PaperMeta {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (value === undefined || value === null || value === '') continue;
    const field = (PaperMetaSchema.shape as Record<string, z.ZodType>)[key];
    const parsed = field?.safeParse(value);
    if (parsed?.success) out[key] = parsed.data;
  }
  return out as PaperMeta;
}

/** The stored JSON text → meta; a damaged value reads as {} rather than failing the paper. */
export function readMeta(json: string | null | undefined): PaperMeta {
  if (!json) return {};
  try {
    const value = JSON.parse(json) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? cleanMeta(value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Stable JSON (sorted keys), so equal metas compare equal as text. */
export function metaJson(meta: PaperMeta | undefined): string {
  const m = meta ?? {};
  return JSON.stringify(Object.fromEntries(Object.entries(m).sort(([a], [b]) => a.localeCompare(b))));
}
