// Library files (what Zotero, Mendeley and others export) → LibraryEntry[]: BibTeX and RIS through Citation.js
// (@citation-js/core with its BibTeX and RIS plugins, MIT), CSL-JSON (Citation.js's own model) read directly. Pure and
// synchronous: the server runs it in a worker thread (run.ts). A file at fault is refused whole, naming the entry.
import { plugins } from '@citation-js/core';
import '@citation-js/plugin-bibtex';
import '@citation-js/plugin-ris';
import { z } from 'zod';
import {
  bareArxivId,
  cleanField,
  findArxivId,
  isoFromDateParts,
  lineAt,
  normalizeDoi,
  type LibraryEntry,
  type LibraryFormat,
  type ParseOutcome,
} from './entry.js';

/** A file with more entries than this is refused: an import is one transaction and should stay short. */
export const MAX_LIBRARY_ENTRIES = 5000;
const MAX_TITLE = 1000;
const MAX_ABSTRACT = 20_000;

type Csl = Record<string, unknown>;
const chain = (data: unknown, forceType: string, target?: string) =>
  plugins.input.chain(data, { forceType, generateGraph: false, ...(target ? { target } : {}) });

/** The format of a file by its first non-blank characters: `[`/`{` CSL-JSON, `TY  -` RIS, `@` BibTeX. */
export function sniffFormat(text: string): LibraryFormat | null {
  const head = text.replace(/^\uFEFF/, '').trimStart();
  if (head.startsWith('[') || head.startsWith('{')) return 'csl-json';
  if (/^TY {2}-/.test(head)) return 'ris';
  if (/^(%[^\n]*\n\s*)*@/.test(head)) return 'bibtex';
  return null;
}

export function parseLibrary(text: string, format: LibraryFormat): ParseOutcome {
  const body = text.replace(/^\uFEFF/, '');
  try {
    const outcome = format === 'bibtex' ? parseBibtex(body) : format === 'ris' ? parseRis(body) : parseCslJson(body);
    if (outcome.ok && outcome.entries.length > MAX_LIBRARY_ENTRIES) {
      return { ok: false, error: { message: `The file has ${outcome.entries.length} entries; at most ${MAX_LIBRARY_ENTRIES} are imported at once (split the file)` } };
    }
    return outcome;
  } catch (err) {
    return { ok: false, error: { message: `Could not read the ${format} file: ${(err as Error).message.split('\n')[0]}` } };
  }
}

const authorName = (a: unknown): string | null => {
  if (!a || typeof a !== 'object') return null;
  const { given, family, literal } = a as Record<string, unknown>;
  return cleanField(typeof literal === 'string' ? literal : [given, family].filter((x) => typeof x === 'string').join(' '), 300);
};

/** Case-protecting braces outside $…$ are markup, not text: {BERT} → BERT. */
const unbrace = (s: string) => s.split('$').map((part, i) => (i % 2 === 0 ? part.replace(/[{}]/g, '') : part)).join('$');

function fromCsl(item: Csl, key: string, line: number | undefined, raw: Record<string, string> = {}): LibraryEntry {
  const title = cleanField(typeof item.title === 'string' ? item.title.replace(/<[^>]+>/g, '') : null, MAX_TITLE);
  const rawAbstract = raw.abstract ?? item.abstract;
  const abstract = cleanField(typeof rawAbstract === 'string' ? unbrace(rawAbstract) : null, MAX_ABSTRACT);
  const str = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null);
  const doi = normalizeDoi(str(item.DOI) ?? raw.doi);
  const eprint = raw.archiveprefix === undefined || /arxiv/i.test(raw.archiveprefix) ? bareArxivId(raw.eprint) : null;
  const arxivId =
    eprint ??
    findArxivId(str(item.DOI), str(item.URL), raw.url, raw.journal, raw.note, raw.howpublished, str(item.note), str(item['container-title']), str(item.number), str(item.archive_location)) ??
    (/arxiv/i.test(str(item.publisher) ?? '') || /arxiv/i.test(str(item['container-title']) ?? '') ? bareArxivId(str(item.number)) : null);
  return {
    key,
    ...(line !== undefined ? { line } : {}),
    title,
    abstract,
    authors: (Array.isArray(item.author) ? item.author : []).map(authorName).filter((a): a is string => a !== null).slice(0, 500),
    published: isoFromDateParts((item.issued as { 'date-parts'?: unknown } | undefined)?.['date-parts']),
    doi: doi && !doi.startsWith('10.48550/') ? doi : null,
    arxivId,
  };
}

// ---- BibTeX ----------------------------------------------------------------------------------------------------

interface RawBibEntry {
  type: string;
  label: string;
  properties: Record<string, string>;
}
const ENTRY_START = /@([A-Za-z]+)\s*[{(]\s*([^,\s{}()]*)/g;
const NOT_ENTRIES = new Set(['comment', 'string', 'preamble']);

function parseBibtex(text: string): ParseOutcome {
  const starts: { key: string; line: number }[] = [];
  // Lines counted from the previous match on, so the whole file is walked once.
  let line = 1;
  let counted = 0;
  for (const m of text.matchAll(ENTRY_START)) {
    line += lineAt(text.slice(counted, m.index), m.index - counted) - 1;
    counted = m.index;
    if (!NOT_ENTRIES.has(m[1].toLowerCase())) starts.push({ key: m[2], line });
  }
  if (starts.length === 0) return { ok: false, error: { message: 'No BibTeX entries found (an entry starts with @article{key, …)', line: 1 } };
  let raw: RawBibEntry[];
  try {
    raw = chain(text, '@bibtex/text', '@bibtex/entries+list') as RawBibEntry[];
  } catch (err) {
    const message = (err as Error).message.split('\n')[0];
    const at = /at line (\d+)/.exec(message);
    const errorLine = at ? Number(at[1]) : undefined;
    const entry = errorLine === undefined ? undefined : starts.filter((s) => s.line <= errorLine).at(-1)?.key;
    return { ok: false, error: { message: `BibTeX syntax error${entry ? ` in entry "${entry}"` : ''}: ${message}`, entry, line: errorLine } };
  }
  const lines = new Map<string, number>();
  for (const s of starts) if (!lines.has(s.key)) lines.set(s.key, s.line);
  // The abstract is taken from the raw fields (the CSL mapping drops it): leaving it out of the conversion saves
  // ~40% of its time (bench:library-parse).
  const slim = raw.map((r) => ({ ...r, properties: Object.fromEntries(Object.entries(r.properties).filter(([k]) => k !== 'abstract')) }));
  const csl = chain(slim, '@bibtex/entries+list') as Csl[];
  const cslById = new Map(csl.map((c) => [String(c.id), c]));
  return {
    ok: true,
    entries: raw.map((r, i) => {
      const key = r.label || `#${i + 1}`;
      const item = (csl.length === raw.length ? csl[i] : cslById.get(r.label)) ?? {};
      return fromCsl(item, key, lines.get(r.label), r.properties);
    }),
  };
}

// ---- RIS -------------------------------------------------------------------------------------------------------

const RIS_TAG = /^([A-Z][A-Z0-9]) {2}-(?: (.*))?$/;

/** Checks the record structure (TY … ER, tags outside records) that the RIS parser itself does not complain about. */
function checkRis(text: string): { ok: true; records: { line: number; id: string | null }[] } | { ok: false; error: { message: string; entry?: string; line: number } } {
  const records: { line: number; id: string | null }[] = [];
  let open: { line: number; id: string | null } | null = null;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    const content = lines[i].trimEnd();
    if (!content) continue;
    const tag = RIS_TAG.exec(content);
    const record = `record ${records.length + 1}`;
    if (tag?.[1] === 'TY') {
      if (open) return { ok: false, error: { message: `RIS ${record} (line ${open.line}) has no "ER  -" before the next "TY  -" on line ${line}`, entry: record, line: open.line } };
      open = { line, id: null };
    } else if (tag?.[1] === 'ER') {
      if (!open) return { ok: false, error: { message: `RIS "ER  -" on line ${line} closes no record`, line } };
      records.push(open);
      open = null;
    } else if (!open) {
      return { ok: false, error: { message: `RIS line ${line} is outside a record (records start with "TY  -")`, line } };
    } else if (tag?.[1] === 'ID' && tag[2]) {
      open.id = tag[2].trim();
    }
  }
  if (open) return { ok: false, error: { message: `RIS record ${records.length + 1} (line ${open.line}) is not closed by "ER  -"`, entry: `record ${records.length + 1}`, line: open.line } };
  if (records.length === 0) return { ok: false, error: { message: 'No RIS records found (a record starts with "TY  -" and ends with "ER  -")', line: 1 } };
  return { ok: true, records };
}

function parseRis(text: string): ParseOutcome {
  const checked = checkRis(text);
  if (!checked.ok) return checked;
  const csl = chain(text, '@ris/file') as Csl[];
  const aligned = csl.length === checked.records.length;
  return {
    ok: true,
    entries: csl.map((item, i) => {
      const rec = aligned ? checked.records[i] : undefined;
      return fromCsl(item, rec?.id ?? `record ${i + 1}`, rec?.line);
    }),
  };
}

// ---- CSL-JSON --------------------------------------------------------------------------------------------------

const CslItem = z.looseObject({
  id: z.union([z.string(), z.number()]).optional(),
  title: z.string().optional(),
  abstract: z.string().optional(),
  DOI: z.string().optional(),
  URL: z.string().optional(),
  author: z.array(z.looseObject({ family: z.string().optional(), given: z.string().optional(), literal: z.string().optional() })).optional(),
  issued: z.looseObject({ 'date-parts': z.array(z.array(z.union([z.number(), z.string()]))).optional() }).optional(),
});

function parseCslJson(text: string): ParseOutcome {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const pos = /position (\d+)/.exec(message);
    const lineCol = /line (\d+)/.exec(message);
    const line = lineCol ? Number(lineCol[1]) : pos ? lineAt(text, Number(pos[1])) : undefined;
    return { ok: false, error: { message: `CSL-JSON is not valid JSON: ${message}`, line } };
  }
  const items = Array.isArray(data) ? data : [data];
  if (items.length === 0) return { ok: false, error: { message: 'The CSL-JSON file holds no items' } };
  const entries: LibraryEntry[] = [];
  for (let i = 0; i < items.length; i++) {
    const rawId = (items[i] as { id?: unknown } | null)?.id;
    const key = typeof rawId === 'string' || typeof rawId === 'number' ? String(rawId) : `#${i + 1}`;
    const parsed = CslItem.safeParse(items[i]);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue.path.length ? `field "${issue.path.join('.')}"` : 'the item';
      return { ok: false, error: { message: `CSL-JSON item ${i + 1} ("${key}"): ${where}: ${issue.message}`, entry: key } };
    }
    entries.push(fromCsl(parsed.data, key, undefined));
  }
  return { ok: true, entries };
}
