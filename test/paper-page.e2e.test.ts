import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, PROJECT_ROOT } from '../src/config.js';
import { startServer, type RunningServer } from '../src/server.js';
import { hasChromium, horizontalOverflow, launchChromium, offlinePage, PHONE } from './browser.js';
import { tempDir } from './helpers.js';

/** Polls until the page shows what is expected: clustering and lists take seconds on a loaded 2-core machine. */
const poll = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 20_000, interval: 50 });

/** Screenshots go to docs/ with UPDATE_SCREENSHOTS=1 (how the committed ones were made), else to a temp dir. */
const DOCS = process.env.UPDATE_SCREENSHOTS ? path.join(PROJECT_ROOT, 'docs') : tempDir('paperfeed-shots-');
const ADMIN = 'paper-page-e2e-admin-token';
/** A seed paper with math in its title ("$ω$-0: A Latent Predictive World Action Model …"). */
const MATH_PAPER = '2608.06375';
/** Added by the test: a DOI id, and code and project links in the abstract. */
const LINKED = {
  id: '10.5555/paperfeed.42',
  title: 'Sparse $\\mathcal{O}(n \\log n)$ attention for \\textbf{long} documents',
  abstract:
    'We make attention cost $O(n \\log n)$ with $k$-sparse routing. Code: https://github.com/example/sparse-attn. ' +
    'Demos at https://example.org/sparse-attn/. Robots and language models read long manuals faster.',
  authors: ['Ada Lovelace', 'Alan Turing'],
  published: '2026-08-20',
  categories: ['cs.CL'],
};

describe.skipIf(!hasChromium)('the paper page /papers/{id} (seeded server, Chromium)', () => {
  let server: RunningServer;
  let browser: Browser;
  const errors: string[] = [];

  beforeAll(async () => {
    server = await startServer(loadConfig({ DATA_DIR: tempDir(), PORT: '0', RATE_LIMIT_PER_MINUTE: '0', ADMIN_TOKEN: ADMIN }), () => {});
    await server.ready;
    const res = await fetch(`${server.url}/v1/papers`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${ADMIN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ papers: [LINKED] }),
    });
    expect(res.status).toBe(200);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('is complete without JavaScript: title, meta tags, authors, abstract with KaTeX math, links, similar papers, its topic', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 } });
    const page = await offlinePage(context, server.url, errors);
    const res = await page.goto(`${server.url}/papers/${MATH_PAPER}`);
    expect(res!.status()).toBe(200);
    expect(await page.title()).toBe('ω-0: A Latent Predictive World Action Model for Concurrent Humanoid Loco-Manipulation · paperfeed');
    const meta = (name: string) => page.locator(`meta[name="${name}"], meta[property="${name}"]`).first().getAttribute('content');
    expect(await meta('og:title')).toBe('ω-0: A Latent Predictive World Action Model for Concurrent Humanoid Loco-Manipulation');
    expect(await meta('description')).toMatch(/^Humanoid household tasks often require concurrent loco-manipulation/);
    expect((await meta('description'))!.length).toBeLessThanOrEqual(280);
    expect(await meta('og:url')).toBe(`${server.url}/papers/${MATH_PAPER}`);
    expect(await meta('citation_arxiv_id')).toBe(MATH_PAPER);

    // The title's math is KaTeX (MathML for readers, HTML for the eye), not "$ω$".
    const h1 = page.locator('h1');
    expect(await h1.locator('.katex annotation').textContent()).toBe('ω');
    expect(await h1.textContent()).not.toContain('$');
    expect(await page.locator('.abstract-full .katex').count()).toBeGreaterThanOrEqual(4);
    expect(await page.locator('article .authors').textContent()).toMatch(/^Zhe Li, Zhenzhe Zhang/);
    expect(await page.locator('.links a').evaluateAll((as) => as.map((a) => [a.textContent, a.getAttribute('href')]))).toEqual([
      ['arXiv ↗', `https://arxiv.org/abs/${MATH_PAPER}`],
      ['PDF ↗', `https://arxiv.org/pdf/${MATH_PAPER}`],
    ]);
    expect(await page.locator('.stats .stars').textContent()).toBe('★ 0 stars');

    // Similar papers are the API's, in order, linking to their own pages.
    const api = await (await fetch(`${server.url}/v1/papers/${MATH_PAPER}/similar?k=8`)).json();
    const hrefs = await page.locator('.similar-list .title').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    expect(hrefs).toEqual(api.items.map((i: { paper: { id: string } }) => `/papers/${encodeURIComponent(i.paper.id)}`));

    // Its topic: the paper's week on the dashboard, that topic open.
    const topicHref = (await page.locator('.topic-link').getAttribute('href'))!;
    expect(topicHref).toMatch(/^\/\?week=2026-W32&topic=t\d+$/);
    const topics = await (await fetch(`${server.url}/v1/topics?since=2026-08-03&until=2026-08-10`)).json();
    const topic = topics.topics.find((t: { id: string }) => t.id === topicHref.split('topic=')[1]);
    expect(await page.locator('.topic-link').textContent()).toBe(topic.label);
    expect(topics.points.find((p: { id: string }) => p.id === MATH_PAPER).topic).toBe(topic.id);
    // Without a signed-in reader (and without JavaScript) there are no star buttons.
    expect(await page.locator('.user-actions').isHidden()).toBe(true);
    await context.close();
    expect(errors).toEqual([]);
  });

  it('lays math out with KaTeX styles and fonts under the strict CSP, and links GitHub, the project page and the DOI', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await offlinePage(context, server.url, errors);
    const fonts: string[] = [];
    page.on('response', (r) => r.url().endsWith('.woff2') && fonts.push(`${r.status()} ${new URL(r.url()).pathname}`));
    const res = await page.goto(`${server.url}/papers/${encodeURIComponent(LINKED.id)}`);
    const csp = res!.headers()['content-security-policy'];
    expect(csp).toMatch(/default-src 'self'/);
    expect(csp).toMatch(/script-src 'self';/);
    expect(csp).not.toMatch(/unsafe-inline/);
    await page.waitForFunction(() => document.fonts.status === 'loaded');
    // KaTeX's inline layout styles were applied (the CSP allows exactly their hashes): struts have their heights.
    const strut = await page.locator('h1 .katex .strut').first().evaluate((el) => getComputedStyle(el).height);
    expect(parseFloat(strut)).toBeGreaterThan(5);
    expect(await page.locator('h1 b').textContent()).toBe('long');
    expect(fonts.length).toBeGreaterThan(0);
    expect(fonts.every((f) => f.startsWith('200 /assets/KaTeX_'))).toBe(true);
    expect(await page.locator('.links a').evaluateAll((as) => as.map((a) => [a.textContent, a.getAttribute('href')]))).toEqual([
      ['DOI ↗', 'https://doi.org/10.5555/paperfeed.42'],
      ['GitHub ↗', 'https://github.com/example/sparse-attn'],
      ['Project page ↗', 'https://example.org/sparse-attn/'],
    ]);
    await context.close();
    expect(errors).toEqual([]);
  });

  it('lets a signed-in reader star the paper and mark it "not interested"', async () => {
    const created = await fetch(`${server.url}/v1/users`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${ADMIN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'reader' }),
    });
    const user = await created.json();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    // Signed in as the dashboard does: the token goes into an HttpOnly session cookie, never into page storage.
    expect((await context.request.post(`${server.url}/v1/session`, { data: { userId: user.id, token: user.token } })).status()).toBe(200);
    const page = await offlinePage(context, server.url, errors);
    await page.goto(`${server.url}/papers/${MATH_PAPER}`);
    const star = page.locator('.user-actions button.star');
    await poll(() => star.isEnabled()).toBe(true);
    expect(await star.getAttribute('aria-pressed')).toBe('false');
    await star.click();
    await poll(() => star.getAttribute('aria-pressed')).toBe('true');
    expect(await page.locator('[data-star-count]').textContent()).toBe('1');
    const stars = await (await fetch(`${server.url}/v1/users/${user.id}/stars`, { headers: { Authorization: `Bearer ${user.token}` } })).json();
    expect(stars.items.map((s: { paperId: string }) => s.paperId)).toEqual([MATH_PAPER]);
    await page.screenshot({ path: path.join(DOCS, 'paper-page.png') });

    // Reloaded, the page counts the star (server side) and shows it as starred.
    await page.reload();
    expect(await page.locator('.stats .stars').textContent()).toBe('★ 1 star');
    await poll(() => star.getAttribute('aria-pressed')).toBe('true');

    const other = '2608.00725';
    await page.goto(`${server.url}/papers/${other}`);
    const feedback = page.waitForResponse((r) => r.url().endsWith(`/v1/users/${user.id}/feedback`) && r.request().method() === 'POST');
    await page.locator('.user-actions button.dismiss').click();
    expect((await feedback).status()).toBeLessThan(300);
    await poll(() => page.locator('.action-status').textContent()).toMatch(/rank lower/);
    const feed = await (await fetch(`${server.url}/v1/users/${user.id}/feed?k=1000&since=2026-07-01`, { headers: { Authorization: `Bearer ${user.token}` } })).json();
    expect(feed.items.map((i: { paper: { id: string } }) => i.paper.id)).not.toContain(other);
    await context.close();
    expect(errors).toEqual([]);
  });

  it('fits a 360 px phone, and the dashboard links to it', async () => {
    const context = await browser.newContext(PHONE);
    const page = await offlinePage(context, server.url, errors);
    await page.goto(`${server.url}/papers/${MATH_PAPER}`);
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await page.screenshot({ path: path.join(DOCS, 'paper-page-phone.png') });
    // Its topic link opens the dashboard on that week with the topic open.
    const label = await page.locator('.topic-link').textContent();
    await page.locator('.topic-link').tap();
    await page.waitForSelector('[data-testid=topic-papers] .card');
    expect(await page.locator('#drawer h2').textContent()).toBe(label);
    expect(await page.locator(`[data-testid=topic-papers] .card[data-paper-id="${MATH_PAPER}"]`).count()).toBe(1);
    // On the dashboard a card's title is a real link to the page: opened in place it shows the drawer, its URL is the page's.
    await page.goto(`${server.url}/?date=2026-08-07`);
    const title = page.locator(`#list .card[data-paper-id="${MATH_PAPER}"] .title`);
    expect(await title.getAttribute('href')).toBe(`/papers/${MATH_PAPER}`);
    // The dashboard renders the same math with KaTeX, styles applied through the CSSOM.
    expect(await title.locator('.katex annotation').textContent()).toBe('ω');
    expect(parseFloat(await title.locator('.katex .strut').first().evaluate((el) => getComputedStyle(el).height))).toBeGreaterThan(5);
    await context.close();
    expect(errors).toEqual([]);
  });

  it('answers an unknown paper with a problem naming the id', async () => {
    const res = await fetch(`${server.url}/papers/no-such-paper`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect((await res.json()).errors).toEqual([{ field: 'param.id', message: 'unknown id' }]);
  });
});
