import type { PaperMeta } from './store/paper-meta.js';

/** A paper as it enters the system, after parsing and validation (see src/ingest/parse.ts). */
export interface PaperInput {
  /** Opaque id, 1..200 chars: arXiv id, DOI, numeric id … never assume one format. */
  id: string;
  title: string;
  abstract: string;
  authors: string[];
  /** Normalised to YYYY-MM-DD (YYYY → YYYY-01-01, YYYY-MM → YYYY-MM-01, timestamps → their UTC date), or null. */
  published: string | null;
  categories: string[];
  /** Source popularity (e.g. Hugging Face upvotes), or null when the source has none. */
  upvotes: number | null;
  /** Where the record came from, e.g. "arxiv", "hf-daily-papers", "github:owner/repo". */
  source: string | null;
  /** Source extras (arXiv comments/DOI/version, HF submitter/GitHub/…); absent = none. See src/store/paper-meta.ts. */
  meta?: PaperMeta;
}

/** One record read from an input file: either a valid paper or the reason it was rejected. */
export type ParsedRecord =
  | { ok: true; line: number; paper: PaperInput }
  | { ok: false; line: number; reason: string };
