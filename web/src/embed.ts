// The embeddable widget served at /embed.js: one line of HTML on any site shows paperfeed's similar papers for a paper
// (<paperfeed-similar paper="…"> or paper-title="…" abstract="…") or a user's feed through the read-only feed key
// (<paperfeed-feed user="…" key="…">). Own shadow root and styles, no cookies (credentials: 'omit'), every text set
// through textContent (nothing from the API is parsed as HTML). The API base is where this script came from.
import { latexToPlain } from '../../src/render/latex-plain.js';

interface WidgetPaper {
  id: string;
  title: string;
  authors: string[];
  published: string | null;
}
interface Items {
  items: { paper: WidgetPaper; reason?: string }[];
}

/** The directory this script was loaded from (…/embed.js → …/), captured while the script runs. */
function scriptBase(): string | undefined {
  const own = document.currentScript as HTMLScriptElement | null;
  const src = own?.src || document.querySelector<HTMLScriptElement>('script[src$="/embed.js"]')?.src;
  return src ? new URL('.', src).href : undefined;
}
const SCRIPT_BASE = scriptBase();
const TIMEOUT_MS = 15_000;

const CSS = `
:host { display: block; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2328; }
:host([hidden]) { display: none; }
section { border: 1px solid #d0d7de; border-radius: 8px; padding: 12px 14px; background: #fff; max-width: 42rem; }
h2 { font-size: 1em; margin: 0 0 8px; }
ol { margin: 0; padding-left: 1.4em; }
li { margin: 0 0 8px; }
li:last-child { margin-bottom: 0; }
a { color: #0550ae; }
a:focus-visible { outline: 2px solid #0550ae; outline-offset: 2px; }
.meta, .reason, footer, .status { color: #57606a; font-size: 0.9em; }
.status[data-kind="error"] { color: #a40e26; }
footer { margin-top: 10px; }
@media (prefers-color-scheme: dark) {
  :host { color: #e6edf3; }
  section { background: #0d1117; border-color: #30363d; }
  a { color: #6cb6ff; }
  a:focus-visible { outline-color: #6cb6ff; }
  .meta, .reason, footer, .status { color: #9ea7b3; }
  .status[data-kind="error"] { color: #ff8182; }
}`;

let sheet: CSSStyleSheet | undefined;
/** A constructed stylesheet where supported (no inline <style>, so a host page's strict style-src CSP is no problem). */
function styleInto(root: ShadowRoot): void {
  if ('adoptedStyleSheets' in root && typeof CSSStyleSheet.prototype.replaceSync === 'function') {
    if (!sheet) {
      sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
    }
    root.adoptedStyleSheets = [sheet];
  } else {
    root.append(el('style', {}, CSS));
  }
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

/** The problem+json detail when the API sent one, else the status. */
async function failure(res: Response): Promise<Error> {
  let detail = `HTTP ${res.status}`;
  try {
    const body = (await res.json()) as { detail?: unknown };
    if (typeof body.detail === 'string') detail = body.detail;
  } catch {
    /* not JSON: keep the status */
  }
  return Object.assign(new Error(detail), { status: res.status });
}

let counter = 0;

/** What both elements share: the shadow root, loading/error/empty states, the list, fetches without credentials. */
abstract class PaperfeedList extends HTMLElement {
  private readonly root: ShadowRoot;
  private readonly headingId = `paperfeed-h${++counter}`;
  private controller: AbortController | undefined;
  private scheduled = false;

  constructor() {
    super();
    this.root = this.attachShadow({ mode: 'open' });
    styleInto(this.root);
  }

  protected abstract heading(): string;
  protected abstract load(signal: AbortSignal): Promise<Items>;
  protected abstract loadingText(): string;
  protected abstract emptyText(): string;

  connectedCallback(): void {
    this.schedule();
  }
  disconnectedCallback(): void {
    this.controller?.abort();
  }
  attributeChangedCallback(): void {
    if (this.isConnected) this.schedule();
  }

  /** Several attribute changes in one task load once. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      void this.refresh();
    });
  }

  protected base(): string {
    const own = this.getAttribute('api');
    const base = own ? new URL(own, document.baseURI).href : SCRIPT_BASE;
    if (!base) throw new Error('cannot tell where paperfeed is: load embed.js with a src, or set the api attribute');
    return base.endsWith('/') ? base : `${base}/`;
  }

  protected k(): number {
    const k = Number(this.getAttribute('k') ?? '5');
    return Number.isInteger(k) && k >= 1 && k <= 50 ? k : 5;
  }

  protected async request(path: string, signal: AbortSignal, init: RequestInit = {}): Promise<Items> {
    const res = await fetch(new URL(path, this.base()), { ...init, signal, credentials: 'omit', mode: 'cors', headers: { Accept: 'application/json', ...init.headers } });
    if (!res.ok) throw await failure(res);
    return (await res.json()) as Items;
  }

  private frame(): { section: HTMLElement; body: HTMLElement } {
    const section = el('section', { 'aria-labelledby': this.headingId });
    section.append(el('h2', { id: this.headingId }, this.getAttribute('heading') ?? this.heading()));
    const body = el('div');
    section.append(body);
    let base: string | undefined;
    try {
      base = this.base();
    } catch {
      base = undefined;
    }
    if (base) {
      const footer = el('footer', {}, 'via ');
      footer.append(el('a', { href: base, target: '_blank', rel: 'noopener' }, 'paperfeed'));
      section.append(footer);
    }
    this.root.replaceChildren(section);
    return { section, body };
  }

  private status(body: HTMLElement, kind: 'loading' | 'error' | 'empty', text: string): void {
    // role=status is announced politely; an error is an alert.
    body.replaceChildren(el('p', { class: 'status', 'data-kind': kind, role: kind === 'error' ? 'alert' : 'status' }, text));
  }

  async refresh(): Promise<void> {
    this.controller?.abort();
    const controller = new AbortController();
    this.controller = controller;
    const timer = setTimeout(() => controller.abort(new Error('timed out')), TIMEOUT_MS);
    const { section, body } = this.frame();
    section.setAttribute('aria-busy', 'true');
    this.status(body, 'loading', this.loadingText());
    try {
      const { items } = await this.load(controller.signal);
      if (this.controller !== controller) return; // a newer load took over
      if (items.length === 0) this.status(body, 'empty', this.emptyText());
      else body.replaceChildren(this.list(items));
    } catch (err) {
      if (this.controller !== controller) return;
      const why = controller.signal.aborted ? 'the service did not answer in time' : (err as Error).message || 'network error';
      // A refused cross-origin call surfaces only as a TypeError ("Failed to fetch"): say what usually causes it.
      const hint = err instanceof TypeError ? ' (is this site in the service\'s CORS_ORIGINS?)' : '';
      this.status(body, 'error', `Could not load papers: ${why}${hint}.`);
      this.dispatchEvent(new CustomEvent('paperfeed-error', { detail: { message: why } }));
    } finally {
      clearTimeout(timer);
      if (this.controller === controller) section.removeAttribute('aria-busy');
    }
  }

  private list(items: Items['items']): HTMLOListElement {
    const base = this.base();
    const ol = el('ol');
    for (const { paper, reason } of items) {
      const li = el('li');
      const link = el('a', { href: new URL(`papers/${encodeURIComponent(paper.id)}`, base).href, target: '_blank', rel: 'noopener' }, latexToPlain(paper.title));
      li.append(link);
      const authors = paper.authors.length > 3 ? `${paper.authors.slice(0, 3).join(', ')} et al.` : paper.authors.join(', ');
      const meta = [authors, paper.published ?? ''].filter(Boolean).join(' · ');
      if (meta) li.append(el('div', { class: 'meta' }, meta));
      if (reason) li.append(el('div', { class: 'reason' }, latexToPlain(reason)));
      ol.append(li);
    }
    return ol;
  }
}

/** <paperfeed-similar paper="2401.01234"> or <paperfeed-similar paper-title="…" abstract="…"> (both: the text when the id is unknown). */
class PaperfeedSimilar extends PaperfeedList {
  static observedAttributes = ['paper', 'paper-title', 'abstract', 'k', 'api', 'heading'];
  protected heading(): string {
    return 'Similar papers';
  }
  protected loadingText(): string {
    return 'Loading similar papers…';
  }
  protected emptyText(): string {
    return 'No similar papers found.';
  }

  protected async load(signal: AbortSignal): Promise<Items> {
    const id = this.getAttribute('paper')?.trim();
    const title = this.getAttribute('paper-title')?.trim();
    const abstract = this.getAttribute('abstract')?.trim();
    const byText = () =>
      this.request('v1/similar', signal, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ title, abstract, k: this.k(), ...(id ? { exclude: [id] } : {}) }),
      });
    if (id) {
      try {
        return await this.request(`v1/papers/${encodeURIComponent(id)}/similar?k=${this.k()}`, signal);
      } catch (err) {
        if ((err as { status?: number }).status === 404 && title && abstract) return byText();
        throw err;
      }
    }
    if (title && abstract) return byText();
    throw new Error('give the paper attribute, or paper-title and abstract');
  }
}

/** <paperfeed-feed user="alice" key="…">: a user's feed through the read-only feed key (POST /v1/users/{uid}/feed-key). */
class PaperfeedFeed extends PaperfeedList {
  static observedAttributes = ['user', 'key', 'k', 'api', 'heading'];
  protected heading(): string {
    return 'Recommended papers';
  }
  protected loadingText(): string {
    return 'Loading recommendations…';
  }
  protected emptyText(): string {
    return 'No recommendations yet.';
  }

  protected load(signal: AbortSignal): Promise<Items> {
    const user = this.getAttribute('user')?.trim();
    const key = this.getAttribute('key')?.trim();
    if (!user || !key) return Promise.reject(new Error('give the user and key attributes'));
    const query = new URLSearchParams({ key, k: String(this.k()) });
    return this.request(`v1/users/${encodeURIComponent(user)}/feed.json?${query}`, signal);
  }
}

// Loaded twice on one page (two snippets): define once.
if (!customElements.get('paperfeed-similar')) customElements.define('paperfeed-similar', PaperfeedSimilar);
if (!customElements.get('paperfeed-feed')) customElements.define('paperfeed-feed', PaperfeedFeed);
