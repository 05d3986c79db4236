// The paper page's HTML (GET /papers/{id}): complete without JavaScript; /assets/paper.js only adds star and
// "not interested" for a signed-in reader.
import { escapeHtml as esc, latexToPlain, renderLatex } from '../render/latex.js';
import type { PaperInput } from '../types.js';
import type { PaperLink } from './paper-links.js';

/** What the page shows of a paper (and of each similar one). */
export type PagePaper = Pick<PaperInput, 'id' | 'title' | 'abstract' | 'authors' | 'published' | 'categories' | 'upvotes'>;

export interface PaperPageData {
  paper: PagePaper;
  stars: number;
  links: PaperLink[];
  similar: PagePaper[];
  /** The paper's topic among the papers of its week, with a link to that view of the dashboard. */
  topic: { label: string; terms: string[]; size: number; href: string; period: string } | null;
  /** Absolute URL of this page (canonical link and og:url). */
  url: string;
}

const paperHref = (id: string) => `/papers/${encodeURIComponent(id)}`;
const DESCRIPTION_CHARS = 280;

function description(abstract: string): string {
  const plain = latexToPlain(abstract);
  return plain.length <= DESCRIPTION_CHARS ? plain : `${plain.slice(0, DESCRIPTION_CHARS - 1).replace(/\s+\S*$/, '')}…`;
}

function authorsLine(authors: string[], max: number): string {
  return esc(authors.slice(0, max).join(', ') + (authors.length > max ? ` and ${authors.length - max} more` : ''));
}

function meta(p: PagePaper): string {
  const parts = [
    p.published ? `<a href="/?date=${esc(p.published)}">${esc(p.published)}</a>` : null,
    ...p.categories.slice(0, 4).map((c) => `<a href="/?category=${encodeURIComponent(c)}">${esc(c)}</a>`),
  ].filter(Boolean);
  return parts.join(' · ');
}

function similarItem(p: PagePaper): string {
  const bits = [p.published, p.categories.slice(0, 2).join(' · '), p.upvotes ? `▲ ${p.upvotes}` : null].filter(Boolean).map((b) => esc(String(b)));
  return `<li class="card" data-paper-id="${esc(p.id)}"><a class="title" href="${paperHref(p.id)}">${renderLatex(p.title)}</a>
<div class="meta">${bits.join('  ·  ')}</div>${p.authors.length ? `<div class="authors">${authorsLine(p.authors, 3)}</div>` : ''}</li>`;
}

/** The whole page. Titles and abstracts go through renderLatex (escaped text, KaTeX math); everything else through esc. */
export function renderPaperPage(d: PaperPageData): string {
  const p = d.paper;
  const title = latexToPlain(p.title);
  const desc = description(p.abstract);
  const ogTags = [
    ['og:type', 'article'],
    ['og:site_name', 'paperfeed'],
    ['og:title', title],
    ['og:description', desc],
    ['og:url', d.url],
  ].map(([k, v]) => `<meta property="${k}" content="${esc(v)}">`);
  // Highwire tags: what Zotero and Google Scholar read from a paper page.
  const citation = [
    `<meta name="citation_title" content="${esc(title)}">`,
    ...p.authors.slice(0, 50).map((a) => `<meta name="citation_author" content="${esc(a)}">`),
    p.published ? `<meta name="citation_publication_date" content="${esc(p.published.replaceAll('-', '/'))}">` : '',
    /^\d{4}\.\d{4,5}$/.test(p.id) ? `<meta name="citation_arxiv_id" content="${esc(p.id)}">` : '',
  ];
  const stats = [
    p.upvotes !== null ? `<span class="upvotes" title="Upvotes on Hugging Face Daily Papers">▲ ${p.upvotes} upvote${p.upvotes === 1 ? '' : 's'}</span>` : '',
    `<span class="stars" title="Stars from readers of this paperfeed">★ <span data-star-count>${d.stars}</span> star${d.stars === 1 ? '' : 's'}</span>`,
  ].join('');
  const links = d.links.map((l) => `<a class="link ${l.kind}" href="${esc(l.href)}" rel="noopener noreferrer">${esc(l.label)} ↗</a>`).join('');
  const topic = d.topic
    ? `<section class="panel topic-box" aria-labelledby="topic-h"><h2 id="topic-h">Topic</h2>
<p><a class="topic-link" href="${esc(d.topic.href)}">${esc(d.topic.label)}</a></p>
<p class="meta">${d.topic.size} papers in ${esc(d.topic.period)}</p>
<p class="terms">${d.topic.terms.slice(0, 8).map((t) => `<span class="term">${esc(t)}</span>`).join('')}</p></section>`
    : '';
  const similar = d.similar.length
    ? `<ol class="papers similar-list">${d.similar.map(similarItem).join('\n')}</ol>`
    : '<p class="message">No similar papers yet.</p>';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · paperfeed</title>
<meta name="description" content="${esc(desc)}">
<link rel="canonical" href="${esc(d.url)}">
${ogTags.join('\n')}
<meta name="twitter:card" content="summary">
<meta name="twitter:title" content="${esc(title)}">
<meta name="twitter:description" content="${esc(desc)}">
${citation.filter(Boolean).join('\n')}
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/paper.css">
<link rel="stylesheet" href="/assets/katex.css">
<script type="module" src="/assets/paper.js"></script>
</head>
<body class="paper-page">
<header class="top"><a class="brand" href="/"><img src="/assets/favicon.svg" alt="" width="28" height="28">paperfeed</a>
${p.published ? `<a class="back" href="/?date=${esc(p.published)}">← Papers of ${esc(p.published)}</a>` : '<a class="back" href="/">← All papers</a>'}</header>
<main class="paper-layout">
<article class="panel paper" data-paper-id="${esc(p.id)}">
<p class="eyebrow">${meta(p)}</p>
<h1>${renderLatex(p.title)}</h1>
${p.authors.length ? `<p class="authors">${authorsLine(p.authors, 25)}</p>` : ''}
<p class="stats">${stats}</p>
<nav class="links" aria-label="Read the paper">${links}</nav>
<div class="user-actions" hidden><button type="button" class="star" aria-pressed="false">☆ Star</button><button type="button" class="ghost dismiss">Not interested</button><span class="action-status" role="status"></span></div>
<h2>Abstract</h2>
<p class="abstract-full">${renderLatex(p.abstract)}</p>
</article>
<aside class="side">
${topic}
<section class="panel" aria-labelledby="similar-h"><h2 id="similar-h">Similar papers</h2>
${similar}
</section>
</aside>
</main>
</body>
</html>
`;
}
