import crypto from 'node:crypto';
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { paperLinks } from '../../pages/paper-links.js';
import { renderPaperPage, type PaperPageData } from '../../pages/paper-page.js';
import { periodLabel, periodOf } from '../../render/periods.js';
import { similarPapers } from '../../recommend/similar.js';
import type { StoredPaper } from '../../store/ports.js';
import type { AppEnv } from '../auth.js';
import { catalogOf, type ApiDeps } from '../deps.js';
import { absoluteUrl } from '../public-url.js';
import { notFound } from '../problem.js';
import { PaperId, problemResponse } from '../schemas.js';
import { CSP } from '../middleware/security-headers.js';

const SIMILAR_ON_PAGE = 8;

/** What the paper page reads: narrow, so the page does not depend on the engine's shape. */
export interface PaperPageDeps {
  getPaper(id: string): Promise<StoredPaper | undefined>;
  starCount(id: string): Promise<number>;
  /** Nearest papers, re-ranked as /v1/papers/{id}/similar; [] while the index loads. */
  similar(paper: StoredPaper, k: number): Promise<StoredPaper[]>;
  /** The paper's topic among the papers of its ISO week, as the dashboard's ?week= view shows it; null if none. */
  topicOf(paper: StoredPaper): Promise<PaperPageData['topic']>;
  /** The page's own absolute URL, from PUBLIC_URL (never from the Host header). */
  urlOf(paper: StoredPaper): string;
}

export function paperPageDeps(d: Pick<ApiDeps, 'config' | 'papers' | 'index' | 'model' | 'topics' | 'log'>): PaperPageDeps {
  return {
    getPaper: async (id) => (await d.papers.byIds([id]))[0],
    starCount: async (id) => (await d.papers.starCounts([id]))[0] ?? 0,
    similar: async (paper, k) => (d.index.current ? (await similarPapers(catalogOf(d), paper, k)).map((r) => r.paper) : []),
    urlOf: (paper) => absoluteUrl(d.config, `/papers/${encodeURIComponent(paper.id)}`),
    topicOf: async (paper) => {
      if (!d.index.current || !paper.published) return null;
      const week = periodOf('week', paper.published);
      try {
        const model = await d.topics.get({ since: week.since, until: week.until }, null, 1);
        const i = model.seqs.indexOf(paper.seq);
        if (i < 0) return null;
        const t = model.fit.labels[i];
        return {
          label: model.fit.names[t],
          terms: model.fit.terms[t].map((x) => x.term),
          size: model.fit.sizes[t],
          href: `/?week=${week.value}&topic=t${t}`,
          period: periodLabel(week),
        };
      } catch (err) {
        d.log(`paper page: no topic for ${paper.id}: ${(err as Error).message}`);
        return null;
      }
    },
  };
}

const pageRoute = createRoute({
  method: 'get',
  path: '/papers/{id}',
  tags: ['service'],
  summary: 'A paper\'s page, rendered on the server: title, authors, abstract (LaTeX by KaTeX), links, upvotes and stars, similar papers, its topic',
  request: { params: z.object({ id: PaperId }) },
  responses: {
    200: { content: { 'text/html': { schema: z.string() } }, description: 'The page (readable without JavaScript; title, description and Open Graph meta tags)' },
    400: problemResponse('Invalid id'),
    404: problemResponse('No paper with this id'),
  },
});

const decodeAttribute = (s: string) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/**
 * The app's CSP, plus exactly the inline style values this page's KaTeX output uses ('unsafe-hashes' with
 * their hashes): KaTeX positions math with style attributes, and no other inline style may apply.
 */
export function cspFor(html: string): string {
  const values = new Set(Array.from(html.matchAll(/ style="([^"]*)"/g), (m) => decodeAttribute(m[1])));
  if (values.size === 0) return CSP;
  const hashes = [...values].map((v) => `'sha256-${crypto.createHash('sha256').update(v).digest('base64')}'`);
  return CSP.replace("style-src 'self'", `style-src 'self' 'unsafe-hashes' ${hashes.join(' ')}`);
}

/** GET /papers/{id}: the paper page. */
export function paperPageRoutes(app: OpenAPIHono<AppEnv>, deps: PaperPageDeps): void {
  app.openapi(pageRoute, async (c) => {
    const { id } = c.req.valid('param');
    const paper = await deps.getPaper(id);
    if (!paper) throw notFound(`paper with id "${id}"`, 'param.id');
    const html = renderPaperPage({
      paper,
      stars: await deps.starCount(paper.id),
      links: paperLinks(paper),
      similar: await deps.similar(paper, SIMILAR_ON_PAGE),
      topic: await deps.topicOf(paper),
      url: deps.urlOf(paper),
    });
    return c.body(html, 200, {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': cspFor(html),
      'Cache-Control': 'no-cache',
    });
  });
}
