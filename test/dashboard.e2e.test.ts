import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { startServer, type RunningServer } from '../src/server.js';
import { tempDir } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const ADMIN = 'dashboard-e2e-admin-token';
const hasChromium = fs.existsSync(CHROMIUM);
if (!hasChromium) console.warn(`dashboard e2e test skipped: ${CHROMIUM} is missing (CI installs the chromium package)`);

describe.skipIf(!hasChromium)('dashboard in a real browser (seeded server, Chromium)', () => {
  let server: RunningServer;
  let browser: Browser;
  let user: { id: string; token: string };
  const shots = tempDir('paperfeed-dashboard-');
  const errors: string[] = [];

  beforeAll(async () => {
    server = await startServer(loadConfig({ SYNC_SCHEDULE: 'off', DATA_DIR: tempDir(), PORT: '0', RATE_LIMIT_PER_MINUTE: '0', ADMIN_TOKEN: ADMIN }), () => {});
    await server.ready;
    const res = await fetch(`${server.url}/v1/users`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${ADMIN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'e2e' }),
    });
    user = await res.json();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function open(context: BrowserContext, width: number, height: number): Promise<Page> {
    const page = await context.newPage();
    await page.setViewportSize({ width, height });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    // Offline: anything not from our server fails the test (no CDN, no fonts from elsewhere).
    await page.route('**/*', (route) => (route.request().url().startsWith(server.url) ? route.continue() : route.abort()));
    await page.goto(server.url);
    await page.waitForSelector('#list .card');
    await page.waitForSelector('#topics li', { state: 'attached' }); // folded away on a phone
    return page;
  }

  it('shows trending papers and a topic map, opens a topic, stars a paper, and fits a phone', async () => {
    const context = await browser.newContext();
    const page = await open(context, 1280, 860);
    // Trending: real seed papers, titles rendered as text.
    const titles = await page.locator('#list .card .title').allTextContents();
    expect(titles.length).toBeGreaterThanOrEqual(10);
    expect(titles[0].length).toBeGreaterThan(10);
    // The topic map: a drawn canvas and a labelled legend with sizes.
    await expect.poll(() => page.locator('#map-status').textContent()).toMatch(/\d+ papers · \d+ topics/);
    const canvas = await page.locator('#map').boundingBox();
    expect(canvas!.width).toBeGreaterThan(300);
    const painted = await page.evaluate(() => {
      const c = document.getElementById('map') as HTMLCanvasElement;
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let colored = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) colored++;
      return colored;
    });
    expect(painted).toBeGreaterThan(1000);
    const topicLabels = await page.locator('#topics .label').allTextContents();
    expect(topicLabels.length).toBeGreaterThanOrEqual(2);

    // A category filter narrows trending.
    await page.selectOption('#category', 'cs.RO');
    await expect.poll(async () => (await page.locator('#list .card .meta').allTextContents()).every((m) => m.includes('cs.RO'))).toBe(true);
    await page.selectOption('#category', '');
    await page.waitForSelector('#list .card');

    // Click a topic: its papers appear in the side panel.
    await page.locator('#topics button').first().click();
    await page.waitForSelector('[data-testid=topic-papers] .card');
    expect(await page.locator('#drawer h2').textContent()).toBe(topicLabels[0]);
    expect(await page.locator('[data-testid=topic-papers] .card').count()).toBeGreaterThan(1);
    await page.screenshot({ path: path.join(shots, 'topic.png') });

    // A paper's similar papers.
    await page.locator('[data-testid=topic-papers] .card .title').first().click();
    await page.waitForSelector('[data-testid=similar-papers] .card');
    expect(await page.locator('[data-testid=similar-papers] .card').count()).toBe(8);
    await page.locator('#drawer-close').click();

    // Sign in with the user id and token: the session is an HttpOnly, SameSite=Strict cookie, so no page script
    // (and no injected one) can read the token; nothing is kept in local or session storage.
    await page.click('#account-toggle');
    await page.fill('#uid', user.id);
    await page.fill('#token', user.token);
    await page.click('#account-form button[type=submit]');
    await page.waitForSelector('.tabs [data-tab=feed][aria-selected=true]');
    const session = (await context.cookies()).find((c) => c.name === 'pf_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    const readable = await page.evaluate(() => document.cookie + JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
    expect(readable).not.toContain(user.token);

    // Star the first paper of the feed; it shows up under "Starred" and in the API.
    await page.waitForSelector('#list .card button.star');
    const first = page.locator('#list .card').first();
    const paperId = (await first.getAttribute('data-paper-id'))!;
    await first.locator('button.star').click();
    await expect.poll(() => first.locator('button.star').getAttribute('aria-pressed')).toBe('true');
    await page.click('.tabs [data-tab=stars]');
    await page.waitForSelector(`#list .card[data-paper-id="${paperId}"]`);
    const stars = await (await fetch(`${server.url}/v1/users/${user.id}/stars`, { headers: { Authorization: `Bearer ${user.token}` } })).json();
    expect(stars.items.map((s: { paperId: string }) => s.paperId)).toEqual([paperId]);

    // Not interested: recorded through the API.
    await page.click('.tabs [data-tab=trending]');
    await page.waitForSelector('#list .card button.star');
    await page.locator('#list .card').nth(1).getByRole('button', { name: 'Not interested' }).click();
    await page.waitForSelector('#list .card.dismissed');
    await page.screenshot({ path: path.join(shots, 'desktop.png') });
    await page.close();

    // Phone width: nothing wider than the screen; the token survives a reload.
    const phone = await open(context, 390, 844);
    await phone.waitForSelector('.tabs [data-tab=feed][aria-selected=true]');
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await phone.screenshot({ path: path.join(shots, 'phone.png'), fullPage: true });
    expect(fs.statSync(path.join(shots, 'phone.png')).size).toBeGreaterThan(10_000);
    await context.close();

    expect(errors).toEqual([]);
  });

  it('renders /docs under the same strict Content-Security-Policy, and cannot be framed', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    await page.route('**/*', (route) => (route.request().url().startsWith(server.url) ? route.continue() : route.abort()));
    const res = await page.goto(`${server.url}/docs`);
    expect(res!.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
    await page.waitForSelector('.swagger-ui .info .title');
    await page.waitForSelector('.swagger-ui .opblock');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('escapes paper text: a title with markup stays text, its math is rendered by KaTeX', async () => {
    const title = 'Evil <img src=x onerror="window.__pwned=1"> & $\\alpha < \\beta$ trending';
    const res = await fetch(`${server.url}/v1/papers`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${ADMIN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ papers: [{ id: 'xss-1', title, abstract: 'A <b>bold</b> & risky abstract about robots.', published: '2026-08-21', categories: ['cs.RO'], upvotes: 500 }] }),
    });
    expect(res.status).toBe(200);
    const context = await browser.newContext();
    const page = await open(context, 1280, 860);
    await page.waitForSelector('#list .card[data-paper-id="xss-1"]');
    const shown = page.locator('#list .card[data-paper-id="xss-1"] .title');
    expect(await shown.evaluate((el) => el.firstChild?.textContent)).toBe('Evil <img src=x onerror="window.__pwned=1"> & ');
    expect(await shown.locator('.katex annotation').textContent()).toBe('\\alpha < \\beta');
    expect(await shown.locator('.katex-html').innerText()).toBe('α<β');
    expect(await page.locator('#list img').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    await context.close();
  });

  it('serves only built files, with their content types', async () => {
    const js = await fetch(`${server.url}/assets/app.js`);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await fetch(`${server.url}/assets/app.css`)).headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect((await fetch(server.url)).headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    for (const bad of ['/assets/..%2F..%2Fpackage.json', '/assets/.hidden', '/assets/a%2Fapp.js', '/assets/app.js%00.css']) expect((await fetch(server.url + bad)).status).toBe(400);
    expect((await fetch(`${server.url}/assets/nope.js`)).status).toBe(404);
    expect((await fetch(`${server.url}/assets/../package.json`)).status).toBe(404);
  });
});
