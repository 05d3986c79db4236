// One reference of an imported library (BibTeX, RIS or CSL-JSON), reduced to what matching and own papers need.

export type LibraryFormat = 'bibtex' | 'ris' | 'csl-json';
export const LIBRARY_FORMATS: LibraryFormat[] = ['bibtex', 'ris', 'csl-json'];

export interface LibraryEntry {
  /** How the file names it: the citation key (BibTeX, CSL-JSON id, RIS ID), else "#n" (1-based). */
  key: string;
  /** The line it starts on, where the format has lines to point at. */
  line?: number;
  title: string | null;
  abstract: string | null;
  authors: string[];
  /** YYYY-MM-DD (missing month/day → 01), or null. */
  published: string | null;
  /** Lower-cased, without a resolver prefix. */
  doi: string | null;
  /** Without a version suffix: 2101.00001, cs/0112017. */
  arxivId: string | null;
}

/** What a file at fault gets: the message, and the entry (key and/or line) it is about. */
export interface LibraryFileError {
  message: string;
  entry?: string;
  line?: number;
}

export type ParseOutcome = { ok: true; entries: LibraryEntry[] } | { ok: false; error: LibraryFileError };

const ARXIV_NEW = /(?<![\d.])(\d{4}\.\d{4,5})(?:v\d+)?(?![\d])/;
const ARXIV_OLD = /\b([a-z-]+(?:\.[A-Z]{2})?\/\d{7})(?:v\d+)?\b/;

/** An arXiv id in a DOI, URL, eprint or note ("arXiv:2101.00001v2", "arxiv.org/abs/…", "10.48550/arXiv.…"). */
export function findArxivId(...texts: (string | null | undefined)[]): string | null {
  for (const t of texts) {
    if (!t) continue;
    const doi = /10\.48550\/arxiv\.(\S+)/i.exec(t);
    const scoped = doi ? doi[1] : /arxiv/i.test(t) ? t : null;
    if (scoped === null) continue;
    const m = ARXIV_NEW.exec(scoped) ?? ARXIV_OLD.exec(scoped);
    if (m) return m[1];
  }
  return null;
}

/** A bare arXiv id given on its own (BibTeX eprint = {2101.00001}). */
export function bareArxivId(s: string | null | undefined): string | null {
  const m = s ? /^\s*(?:arxiv:)?(\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?\/\d{7})(?:v\d+)?\s*$/i.exec(s) : null;
  return m ? m[1] : null;
}

/** 10.x/… from a DOI field or a doi.org link, lower-cased (DOIs are case-insensitive). */
export function normalizeDoi(s: string | null | undefined): string | null {
  const m = s ? /\b(10\.\d{4,9}\/\S+)/.exec(s.replaceAll('\u0000', '').trim()) : null;
  return m ? m[1].replace(/[.,;]+$/, '').toLowerCase() : null;
}

/**
 * A title reduced for comparison: LaTeX commands, braces, accents, punctuation and case gone, spaces collapsed,
 * so "Attention Is {All} You Need." and "Attention is all you need" compare equal.
 */
export function normalizeTitle(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\\[A-Za-z]+/g, ' ')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** YYYY-MM-DD from CSL date-parts ([[2017, 6]] → 2017-06-01); null when absent or not a real date. */
export function isoFromDateParts(parts: unknown): string | null {
  if (!Array.isArray(parts) || !Array.isArray(parts[0])) return null;
  const [y, m = 1, d = 1] = (parts[0] as unknown[]).map((x) => Number(x));
  if (!Number.isInteger(y) || y < 1000 || y > 9999 || !Number.isInteger(m) || !Number.isInteger(d)) return null;
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return null;
  return date.toISOString().slice(0, 10);
}

/** Text as stored: no NUL (PostgreSQL cannot hold it), trimmed, null when empty. */
export function cleanField(s: unknown, max: number): string | null {
  if (typeof s !== 'string') return null;
  const t = s.replaceAll('\u0000', '').replace(/\s+/g, ' ').trim();
  return t ? t.slice(0, max) : null;
}

/** The line (1-based) of a character offset. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}
