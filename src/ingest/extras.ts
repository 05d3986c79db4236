/**
 * The source extras (src/store/paper-meta.ts) of a raw record, in the shapes the readers accept: a Hugging Face
 * daily_papers API entry (`{paper: {...}, numComments, submittedBy, thumbnail}`) or a flat record (the
 * hf-daily-papers / arXiv field names: num_comments, github_repo, submitted_by, journal_ref, doi, …). Invalid values
 * are dropped field by field.
 */
import { cleanMeta, type PaperMeta } from '../store/paper-meta.js';

type Raw = Record<string, unknown>;
const obj = (v: unknown): Raw | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Raw) : undefined);
const nonEmptyList = (v: unknown) => (Array.isArray(v) && v.length ? v : undefined);
const day = (v: unknown) => (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}/.test(v) ? v.slice(0, 10) : undefined);

export function extrasOf(raw: Raw, hfDate?: string): PaperMeta {
  const paper = obj(raw.paper);
  if (paper) {
    return cleanMeta({
      hfDate: hfDate ?? day(paper.submittedOnDailyAt),
      submittedBy: obj(raw.submittedBy)?.name ?? obj(paper.submittedOnDailyBy)?.user,
      numComments: raw.numComments,
      githubRepo: paper.githubRepo,
      githubStars: paper.githubStars,
      projectPage: paper.projectPage,
      aiSummary: paper.ai_summary,
      aiKeywords: nonEmptyList(paper.ai_keywords),
      thumbnail: raw.thumbnail,
    });
  }
  return cleanMeta({
    version: raw.version,
    comments: raw.comments,
    journalRef: raw.journal_ref ?? raw['journal-ref'],
    doi: raw.doi,
    license: raw.license,
    hfDate: day(raw.hf_daily_date),
    submittedBy: raw.submitted_by,
    numComments: raw.num_comments,
    githubRepo: raw.github_repo,
    githubStars: raw.github_stars,
    aiKeywords: nonEmptyList(raw.ai_keywords),
    aiSummary: raw.ai_summary,
    projectPage: raw.project_page,
  });
}
