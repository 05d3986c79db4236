// DOM helpers. Paper text goes in as text nodes, or through setLatex (KaTeX for math, everything else escaped).
import type { Paper, Scored } from './api';
import { setLatex } from './latex';
import { setStarButton } from './star-button';

export { setStarButton };

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | undefined | ((e: Event) => void)>;

/** Creates an element; `on…` attributes become listeners, strings become text nodes. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(key.slice(2).toLowerCase(), value);
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing from index.html`);
  return el as T;
}

/** Distinct colours for up to ~30 topics: hues a golden angle apart. */
export function topicColor(index: number, alpha = 1): string {
  return `hsla(${Math.round((index * 137.508 + 200) % 360)}, 62%, ${index % 2 ? 42 : 52}%, ${alpha})`;
}

export const topicIndex = (id: string) => Number(id.slice(1));

/** A topic's colour dot. Colour set through CSSOM: the page's CSP forbids inline style attributes. */
export function topicDot(id: string): HTMLElement {
  const dot = h('span', { class: 'dot' });
  dot.style.background = topicColor(topicIndex(id));
  return dot;
}

export function growthBadge(growth: number | null): HTMLElement | null {
  if (growth === null) return null;
  const pct = Math.round((growth - 1) * 100);
  const cls = pct >= 15 ? 'up' : pct <= -15 ? 'down' : 'flat';
  const text = cls === 'flat' ? '≈ steady' : `${pct > 0 ? '▲' : '▼'} ${Math.abs(pct)}%`;
  return h('span', { class: `growth ${cls}`, title: 'Change of its share of papers since the previous window of equal length' }, text);
}

export interface CardActions {
  open(paper: Paper): void;
  /** The paper's own page: the title links there, so it can be opened in a new tab or copied. */
  href(paper: Paper): string;
  /** Present when a user is signed in. */
  star?: { isStarred(id: string): boolean; toggle(paper: Paper, button: HTMLButtonElement): void };
  dismiss?(paper: Paper, card: HTMLElement): void;
}

export function paperCard(item: Scored, actions: CardActions, note?: string): HTMLElement {
  const p = item.paper;
  const meta = [p.published, p.categories.slice(0, 3).join(' · '), p.upvotes ? `▲ ${p.upvotes}` : null].filter(Boolean).join('  ·  ');
  const card = h(
    'article',
    { class: 'card', 'data-paper-id': p.id },
    setLatex(h('a', { class: 'title', href: actions.href(p), onclick: (e) => openUnlessModified(e, () => actions.open(p)) }), p.title),
    h('div', { class: 'meta' }, meta),
    p.authors.length ? h('div', { class: 'authors' }, p.authors.slice(0, 4).join(', ') + (p.authors.length > 4 ? ' et al.' : '')) : null,
    setLatex(h('p', { class: 'abstract' }), p.abstract),
    sourceExtras(p),
    note || item.reason ? h('div', { class: 'reason' }, note ?? item.reason) : null,
  );
  const bar = h('div', { class: 'actions' });
  bar.append(h('button', { type: 'button', class: 'ghost', onclick: () => actions.open(p) }, 'Similar papers'));
  if (actions.star) {
    const starred = actions.star.isStarred(p.id);
    const btn = h('button', { type: 'button', class: `star${starred ? ' on' : ''}`, 'aria-pressed': String(starred) }, starred ? '★ Starred' : '☆ Star');
    btn.addEventListener('click', () => actions.star!.toggle(p, btn));
    bar.append(btn);
  }
  if (actions.dismiss) bar.append(h('button', { type: 'button', class: 'ghost', onclick: () => actions.dismiss!(p, card) }, 'Not interested'));
  if (p.meta?.githubRepo) bar.append(external(p.meta.githubRepo, `Code${p.meta.githubStars ? ` ★ ${p.meta.githubStars}` : ''} ↗`));
  if (p.meta?.projectPage) bar.append(external(p.meta.projectPage, 'Project page ↗'));
  if (p.url) bar.append(h('a', { href: p.url, target: '_blank', rel: 'noopener noreferrer', class: 'ext' }, p.url.includes('arxiv.org') ? 'arXiv ↗' : 'Open ↗'));
  card.append(bar);
  return card;
}

/** Only http(s) links from upstream data become anchors (the API validates them too). */
function external(href: string, text: string): HTMLElement | string {
  return /^https?:\/\//i.test(href) ? h('a', { href, target: '_blank', rel: 'noopener noreferrer', class: 'ext' }, text) : '';
}

/** Hugging Face's submitter and discussion, arXiv's comments and version: one muted line, or nothing. */
function sourceExtras(p: Paper): HTMLElement | null {
  const m = p.meta;
  if (!m) return null;
  const parts = [
    m.submittedBy ? `submitted by ${m.submittedBy}` : null,
    m.numComments !== undefined ? `💬 ${m.numComments} comment${m.numComments === 1 ? '' : 's'}` : null,
    m.version && m.version !== 'v1' ? m.version : null,
    m.comments ?? null,
    m.journalRef ?? null,
  ].filter((x): x is string => Boolean(x));
  return parts.length ? h('div', { class: 'extras' }, parts.join('  ·  ')) : null;
}

/** A plain click opens in place; ctrl/cmd/shift/middle clicks keep the link's own behaviour (new tab, window). */
function openUnlessModified(e: Event, open: () => void): void {
  const m = e as MouseEvent;
  if (m.button !== 0 || m.ctrlKey || m.metaKey || m.shiftKey || m.altKey) return;
  e.preventDefault();
  open();
}


export function message(text: string, kind: 'info' | 'error' = 'info'): HTMLElement {
  return h('p', { class: `message ${kind}` }, text);
}
