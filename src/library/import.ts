// A library import: parse (off the event loop), match each entry to a stored paper by arXiv id, DOI, then normalised
// title; add the unmatched ones that carry an abstract as the user's own papers (private, embedded like any paper);
// write it all into the stars or a collection in one transaction; report what happened to every entry.
import { contentHash, paperText } from '../embed/text.js';
import type { Library, PaperReads } from '../store/ports.js';
import { normalizeTitle, type LibraryEntry, type LibraryFileError, type LibraryFormat } from './entry.js';
import { sniffFormat } from './parse.js';
import { parseLibraryOffThread } from './run.js';

export interface ImportDeps {
  papers: Pick<PaperReads, 'byIds'>;
  library: Library;
  model: { modelKey: string; embed(texts: string[]): Promise<Float32Array[]> };
}

export interface ImportRequest {
  userId: string;
  text: string;
  /** null: told from the file's first characters. */
  format: LibraryFormat | null;
  /** Into this collection (already checked to be the user's), else into the stars. */
  collectionId?: string;
}

type Where = { key: string; line?: number };
export interface ImportReport {
  format: LibraryFormat;
  entries: number;
  into: { stars: true } | { collectionId: string };
  matched: (Where & { paperId: string; by: 'arxiv' | 'doi' | 'title' | 'own' })[];
  added: (Where & { paperId: string; title: string })[];
  skipped: (Where & { title: string | null; reason: string })[];
  /** Papers that were not in the stars (or the collection) before. */
  newInTarget: number;
}

/** A file that cannot be imported: nothing was written. */
export class LibraryFileProblem extends Error {
  constructor(readonly error: LibraryFileError) {
    super(error.message);
  }
}

/** Texts embedded per model call. */
const EMBED_BATCH = 64;
/** Candidates read per title when matching by title. */
const TITLE_CANDIDATES = 10;

const where = (e: LibraryEntry): Where => ({ key: e.key, ...(e.line !== undefined ? { line: e.line } : {}) });

export async function importLibrary(d: ImportDeps, req: ImportRequest): Promise<ImportReport> {
  const format = req.format ?? sniffFormat(req.text);
  if (!format) throw new LibraryFileProblem({ message: 'Not a BibTeX, RIS or CSL-JSON file (say which with ?format=bibtex|ris|csl-json)', line: 1 });
  const parsed = await parseLibraryOffThread(req.text, format);
  if (!parsed.ok) throw new LibraryFileProblem(parsed.error);
  const entries = parsed.entries;

  // Stored papers by arXiv id and DOI (as ids, and as the DOI a source recorded), in three batch reads.
  const arxivIds = [...new Set(entries.flatMap((e) => e.arxivId ?? []))];
  const dois = [...new Set(entries.flatMap((e) => e.doi ?? []))];
  const byId = new Map((await d.papers.byIds([...arxivIds, ...dois])).flatMap((p) => (p ? [[p.id.toLowerCase(), p.id] as const] : [])));
  const byDoi = await d.library.paperIdsByDoi(dois);
  // The user's own papers from earlier imports: importing a library again adds no copies.
  const own = await d.library.ownPapers(req.userId);
  const ownByDoi = new Map(own.flatMap((p) => (p.doi ? [[p.doi, p.id] as const] : [])));
  const ownByTitle = new Map(own.map((p) => [normalizeTitle(p.title), p.id]));
  // Title candidates only for entries no id matched (one batch).
  const needTitle = entries.filter((e) => e.title && !(e.arxivId && byId.has(e.arxivId.toLowerCase())) && !(e.doi && (byId.has(e.doi) || byDoi.has(e.doi))));
  const candidates = await d.library.titleCandidates(needTitle.map((e) => e.title!), TITLE_CANDIDATES);
  const titleMatch = new Map(needTitle.map((e, i) => [e, candidates[i].find((p) => normalizeTitle(p.title) === normalizeTitle(e.title!))?.id]));

  const report: ImportReport = { format, entries: entries.length, into: req.collectionId ? { collectionId: req.collectionId } : { stars: true }, matched: [], added: [], skipped: [], newInTarget: 0 };
  const taken = new Map<string, string>(); // paper id or normalised title → the entry that took it
  const toAdd: LibraryEntry[] = [];
  for (const e of entries) {
    const title = e.title ? normalizeTitle(e.title) : '';
    let match: { paperId: string; by: ImportReport['matched'][number]['by'] } | undefined;
    if (e.arxivId && byId.has(e.arxivId.toLowerCase())) match = { paperId: byId.get(e.arxivId.toLowerCase())!, by: 'arxiv' };
    else if (e.doi && (byId.has(e.doi) || byDoi.has(e.doi))) match = { paperId: byId.get(e.doi) ?? byDoi.get(e.doi)!, by: 'doi' };
    else if (titleMatch.get(e)) match = { paperId: titleMatch.get(e)!, by: 'title' };
    if (!match && ((e.doi && ownByDoi.has(e.doi)) || (title && ownByTitle.has(title)))) {
      match = { paperId: (e.doi && ownByDoi.get(e.doi)) || ownByTitle.get(title)!, by: 'own' };
    }
    const dupKey = match?.paperId ?? (title ? `title:${title}` : undefined);
    if (dupKey && taken.has(dupKey)) {
      report.skipped.push({ ...where(e), title: e.title, reason: `the same paper as entry "${taken.get(dupKey)}"` });
      continue;
    }
    if (dupKey) taken.set(dupKey, e.key);
    if (match) report.matched.push({ ...where(e), ...match });
    else if (!e.title) report.skipped.push({ ...where(e), title: null, reason: 'no title, arXiv id or DOI that matches a paper here' });
    else if (!e.abstract) report.skipped.push({ ...where(e), title: e.title, reason: 'not in this paperfeed, and no abstract to add it with' });
    else toAdd.push(e);
  }

  const vectors: Float32Array[] = [];
  const texts = toAdd.map((e) => paperText(e.title!, e.abstract!));
  for (let i = 0; i < texts.length; i += EMBED_BATCH) vectors.push(...(await d.model.embed(texts.slice(i, i + EMBED_BATCH))));
  const written = await d.library.importLibrary({
    userId: req.userId,
    collectionId: req.collectionId,
    paperIds: report.matched.map((m) => m.paperId),
    ownPapers: toAdd.map((e, i) => ({
      title: e.title!,
      abstract: e.abstract!,
      authors: e.authors,
      published: e.published,
      doi: e.doi,
      contentHash: contentHash(texts[i]),
      model: d.model.modelKey,
      vector: vectors[i],
    })),
  });
  report.added = toAdd.map((e, i) => ({ ...where(e), paperId: written.ownPaperIds[i], title: e.title! }));
  report.newInTarget = written.added;
  return report;
}
