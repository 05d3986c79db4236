/** One OAI-PMH record (arXivRaw or arXiv format) → a validated PaperInput with its arXiv extras. */
import { cleanMeta } from '../../store/paper-meta.js';
import type { PaperInput } from '../../types.js';
import { normalizePaper } from '../normalize.js';
import { xmlAttr, xmlText, type OaiRecord, type XmlObject } from './oai-xml.js';

export type RecordOutcome =
  | { kind: 'paper'; paper: PaperInput }
  | { kind: 'deleted'; id: string }
  | { kind: 'skipped' } // outside the chosen categories
  | { kind: 'rejected'; id: string; reason: string };

/**
 * arXivRaw's authors are one string: "A. One, B. Two (MIT, CSAIL) and C. Three". Splits on commas and " and " outside
 * parentheses (affiliations), and drops the affiliations.
 */
export function splitAuthors(s: string): string[] {
  const names: string[] = [];
  let depth = 0;
  let current = '';
  const flush = () => {
    const name = current.replace(/\s+/g, ' ').trim();
    if (name) names.push(name);
    current = '';
  };
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '(') depth++;
    if (depth === 0 && ch === ',') {
      flush();
      continue;
    }
    if (depth === 0 && /^\s+and\s+/i.test(s.slice(i, i + 6)) && /\s/.test(ch)) {
      flush();
      i += /^\s+and\s+/i.exec(s.slice(i))![0].length - 1;
      continue;
    }
    if (depth > 0) {
      if (ch === ')') depth--;
      continue; // affiliations are not part of the name
    }
    current += ch;
  }
  flush();
  return names;
}

const field = (m: XmlObject, name: string) => {
  const t = xmlText(m[name])?.replace(/\s+/g, ' ').trim();
  return t ? t : undefined;
};

function fromRaw(m: XmlObject) {
  const versions = (Array.isArray(m.version) ? m.version : []) as XmlObject[];
  const first = versions[0];
  const v1Date = first ? xmlText(first.date) : undefined;
  const v1 = v1Date && !Number.isNaN(Date.parse(v1Date)) ? new Date(Date.parse(v1Date)).toISOString().slice(0, 10) : undefined;
  return {
    authors: splitAuthors(xmlText(m.authors) ?? ''),
    published: v1,
    version: versions.length ? xmlAttr(versions[versions.length - 1], 'version') : undefined,
  };
}

function fromArxivFormat(m: XmlObject) {
  const authorsNode = m.authors as XmlObject | undefined;
  const list = (authorsNode && Array.isArray(authorsNode.author) ? authorsNode.author : []) as XmlObject[];
  return {
    authors: list.map((a) => [xmlText(a.forenames), xmlText(a.keyname), xmlText(a.suffix)].filter(Boolean).join(' ')),
    published: field(m, 'created'),
    version: undefined,
  };
}

/**
 * `keep`: the categories ARXIV_SETS chose within this record's set (none: keep every record). The record's first
 * category is arXiv's primary one.
 */
export function recordToPaper(rec: OaiRecord, keep: string[] | undefined): RecordOutcome {
  if (rec.deleted) return { kind: 'deleted', id: rec.id };
  const m = rec.metadata;
  if (!m) return { kind: 'rejected', id: rec.id, reason: 'record without metadata' };
  const categories = (xmlText(m.categories) ?? '').split(/\s+/).filter(Boolean);
  if (keep && !categories.some((c) => keep.includes(c))) return { kind: 'skipped' };
  const parts = rec.format === 'arXiv' ? fromArxivFormat(m) : fromRaw(m);
  const result = normalizePaper({
    id: field(m, 'id') ?? rec.id,
    title: xmlText(m.title),
    abstract: xmlText(m.abstract),
    authors: parts.authors,
    published: parts.published ?? null,
    categories,
    source: 'arxiv',
  });
  if (!result.ok) return { kind: 'rejected', id: field(m, 'id') ?? rec.id, reason: result.reason };
  const meta = cleanMeta({
    version: parts.version,
    comments: field(m, 'comments'),
    journalRef: field(m, 'journal-ref'),
    doi: field(m, 'doi'),
    license: field(m, 'license'),
  });
  return { kind: 'paper', paper: { ...result.paper, meta } };
}
