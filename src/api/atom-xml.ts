import type { z } from '@hono/zod-openapi';
import type { PaperSchema } from './schemas.js';

export type ApiPaper = z.infer<typeof PaperSchema>;

export interface AtomEntry {
  paper: ApiPaper;
  /** Why this paper is in the feed (personal feeds); goes into the entry's content. */
  reason?: string;
}

export interface AtomFeedInput {
  /** A stable URI naming the feed, e.g. urn:paperfeed:trending. */
  id: string;
  title: string;
  subtitle?: string;
  /** Absolute URL of the feed document itself. */
  selfUrl: string;
  /** Absolute origin of this server (http://host:port): entries of papers without a URL of their own link to the API. */
  baseUrl: string;
  entries: AtomEntry[];
  /** The feed's `updated` when no entry has a date (an empty feed). */
  now?: Date;
}

export const ATOM_CONTENT_TYPE = 'application/atom+xml; charset=utf-8';

/** Code points outside XML 1.0's Char production (C0 controls, lone surrogates, U+FFFE/U+FFFF) cannot be escaped: drop them. */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function xmlEscape(s: string): string {
  return s
    .replace(NOT_XML_CHAR, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const oneLine = (s: string) => s.replace(NOT_XML_CHAR, '').replace(/\s+/g, ' ').trim();

/** A stable entry id per paper: the same paper is the same entry in every feed and every day. */
export const paperEntryId = (id: string) => `urn:paperfeed:paper:${encodeURIComponent(id)}`;

/** RFC 3339 timestamp of a YYYY-MM-DD published date (midnight UTC). */
const dayToTimestamp = (day: string) => `${day}T00:00:00Z`;

const rfc3339 = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

const element = (name: string, text: string, attrs = '') => `<${name}${attrs}>${xmlEscape(text)}</${name}>`;

/** One line naming what the sources add (submitter, discussion, code, project page, arXiv comments), or "". */
export function extrasLine(meta: ApiPaper['meta']): string {
  if (!meta) return '';
  const parts = [
    meta.submittedBy && `Submitted to Hugging Face Daily Papers by ${meta.submittedBy}`,
    meta.numComments !== undefined && `${meta.numComments} comment${meta.numComments === 1 ? '' : 's'} on Hugging Face`,
    meta.githubRepo && `Code: ${meta.githubRepo}${meta.githubStars !== undefined ? ` (${meta.githubStars} stars)` : ''}`,
    meta.projectPage && `Project page: ${meta.projectPage}`,
    meta.comments && `arXiv comments: ${meta.comments}`,
    meta.journalRef && `Journal: ${meta.journalRef}`,
  ];
  return parts.filter(Boolean).join(' · ');
}

/** Related links of a paper's extras (RFC 4287 rel="related"), and its license as <rights>. */
function extraElements(meta: ApiPaper['meta']): string[] {
  if (!meta) return [];
  const link = (href: string, title: string) => `    <link rel="related" type="text/html" title="${xmlEscape(title)}" href="${xmlEscape(href)}"/>`;
  return [
    ...(meta.githubRepo ? [link(meta.githubRepo, 'Code')] : []),
    ...(meta.projectPage ? [link(meta.projectPage, 'Project page')] : []),
    ...(meta.doi ? [link(`https://doi.org/${encodeURI(meta.doi)}`, 'DOI')] : []),
    ...(meta.license ? [`    ${element('rights', meta.license, ' type="text"')}`] : []),
  ];
}

function renderEntry(entry: AtomEntry, baseUrl: string, fallbackDate: string): string {
  const p = entry.paper;
  const date = p.published ? dayToTimestamp(p.published) : fallbackDate;
  const link = p.url ?? `${baseUrl}/v1/papers/${encodeURIComponent(p.id)}`;
  const lines = [
    '  <entry>',
    `    ${element('id', paperEntryId(p.id))}`,
    `    ${element('title', oneLine(p.title) || p.id, ' type="text"')}`,
    `    <link rel="alternate" href="${xmlEscape(link)}"/>`,
    ...extraElements(p.meta),
    `    ${element('published', date)}`,
    `    ${element('updated', date)}`,
    ...p.authors.map((name) => `    <author>${element('name', oneLine(name))}</author>`),
    ...p.categories.map((term) => `    <category term="${xmlEscape(term)}"/>`),
    `    ${element('summary', p.abstract, ' type="text"')}`,
  ];
  const extras = extrasLine(p.meta);
  if (entry.reason || extras) {
    const text = [entry.reason, extras, p.abstract].filter(Boolean).join('\n\n');
    lines.push(`    ${element('content', text, ' type="text"')}`);
  }
  lines.push('  </entry>');
  return lines.join('\n');
}

/**
 * An Atom 1.0 document (RFC 4287). The feed's `updated` is the newest entry's published date, so an unchanged
 * list renders byte-identically and feed readers see nothing new. Every entry links somewhere (the paper's page,
 * or its API URL), as RFC 4287 requires of entries with no content.
 */
export function renderAtom(feed: AtomFeedInput): string {
  const dates = feed.entries.map((e) => e.paper.published).filter((d): d is string => d !== null);
  const newest = dates.length ? dayToTimestamp(dates.reduce((a, b) => (a > b ? a : b))) : rfc3339(feed.now ?? new Date());
  const head = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom">',
    `  ${element('id', feed.id)}`,
    `  ${element('title', feed.title, ' type="text"')}`,
    ...(feed.subtitle ? [`  ${element('subtitle', feed.subtitle, ' type="text"')}`] : []),
    `  ${element('updated', newest)}`,
    `  <link rel="self" type="application/atom+xml" href="${xmlEscape(feed.selfUrl)}"/>`,
    // Entries always name their own authors when the paper has any; the feed-level author covers those without.
    '  <author><name>paperfeed</name></author>',
    '  <generator>paperfeed</generator>',
  ];
  return [...head, ...feed.entries.map((e) => renderEntry(e, feed.baseUrl, newest)), '</feed>', ''].join('\n');
}
