import type { StoredMessage } from '../store/ports.js';
import { escapeHtml as esc } from '../render/latex.js';

/** One paper as a digest shows it: every URL absolute (built from PUBLIC_URL by the caller). */
export interface DigestEntry {
  title: string;
  authors: string[];
  reason: string;
  /** The paper on this paperfeed instance. */
  url: string;
  /** The paper on arXiv (or its DOI), when its id is one. */
  sourceUrl: string | null;
  /** One-click links (feed digests): each opens a confirm page; only its button acts. */
  starUrl?: string;
  dismissUrl?: string;
}

export interface DigestContent {
  subject: string;
  heading: string;
  intro: string;
  entries: DigestEntry[];
  unsubscribeUrl: string;
  manageUrl: string;
  instanceUrl: string;
}

const MAX_AUTHORS = 6;
/** Titles and names come from papers: no line breaks or control characters reach the text part or a header. */
const oneLine = (s: string) => s.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').trim();
const authorLine = (a: string[]) => (a.length > MAX_AUTHORS ? `${a.slice(0, MAX_AUTHORS).join(', ')} et al.` : a.join(', '));

// Inline styles only: mail clients drop <style> blocks and never load remote CSS; no images, no script.
const S = {
  body: 'margin:0;padding:0;background:#f4f5f7;',
  wrap: 'max-width:640px;margin:0 auto;padding:24px 16px;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#1d2330;',
  h1: 'font-size:22px;line-height:1.3;margin:0 0 6px;',
  intro: 'font-size:14px;color:#5a6372;margin:0 0 20px;',
  card: 'background:#ffffff;border:1px solid #e2e5ea;border-radius:8px;padding:14px 16px;margin:0 0 12px;',
  title: 'font-size:16px;line-height:1.35;font-weight:600;color:#1a4fd6;text-decoration:none;',
  authors: 'font-size:13px;color:#5a6372;margin:6px 0 0;',
  reason: 'font-size:13px;color:#2f6b3a;margin:6px 0 0;',
  links: 'font-size:13px;margin:10px 0 0;',
  link: 'color:#1a4fd6;text-decoration:none;margin-right:14px;',
  footer: 'font-size:12px;color:#7a8291;margin:20px 0 0;line-height:1.6;',
};

function entryHtml(e: DigestEntry, i: number): string {
  const links = [
    `<a style="${S.link}" href="${esc(e.url)}">View on paperfeed</a>`,
    e.sourceUrl ? `<a style="${S.link}" href="${esc(e.sourceUrl)}">arXiv</a>` : '',
    e.starUrl ? `<a style="${S.link}" href="${esc(e.starUrl)}">★ Star</a>` : '',
    e.dismissUrl ? `<a style="${S.link}" href="${esc(e.dismissUrl)}">Not interested</a>` : '',
  ].filter(Boolean);
  return `<div style="${S.card}">
<a style="${S.title}" href="${esc(e.url)}">${i + 1}. ${esc(oneLine(e.title))}</a>
<p style="${S.authors}">${esc(oneLine(authorLine(e.authors)))}</p>
<p style="${S.reason}">${esc(oneLine(e.reason))}</p>
<p style="${S.links}">${links.join('\n')}</p>
</div>`;
}

function entryText(e: DigestEntry, i: number): string {
  const lines = [`${i + 1}. ${oneLine(e.title)}`, `   ${oneLine(authorLine(e.authors))}`, `   ${oneLine(e.reason)}`, `   ${e.url}`];
  if (e.sourceUrl) lines.push(`   arXiv: ${e.sourceUrl}`);
  if (e.starUrl) lines.push(`   Star: ${e.starUrl}`);
  if (e.dismissUrl) lines.push(`   Not interested: ${e.dismissUrl}`);
  return lines.join('\n');
}

/**
 * The mail for one digest: an HTML part (inline CSS, no script, no remote images) and a plain-text part with the
 * same links, plus the RFC 8058 one-click unsubscribe headers.
 */
export function renderDigest(c: DigestContent): StoredMessage {
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(c.subject)}</title></head>
<body style="${S.body}"><div style="${S.wrap}">
<h1 style="${S.h1}">${esc(c.heading)}</h1>
<p style="${S.intro}">${esc(c.intro)}</p>
${c.entries.map(entryHtml).join('\n')}
<p style="${S.footer}">Sent by <a style="${S.link}" href="${esc(c.instanceUrl)}">paperfeed</a>.
<a style="${S.link}" href="${esc(c.manageUrl)}">Manage your digests</a>
<a style="${S.link}" href="${esc(c.unsubscribeUrl)}">Unsubscribe</a></p>
</div></body></html>
`;
  const text = [
    c.heading,
    c.intro,
    '',
    c.entries.map(entryText).join('\n\n'),
    '',
    '--',
    `Manage your digests: ${c.manageUrl}`,
    `Unsubscribe: ${c.unsubscribeUrl}`,
    '',
  ].join('\n');
  return {
    subject: oneLine(c.subject),
    html,
    text,
    headers: { 'List-Unsubscribe': `<${c.unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
  };
}
