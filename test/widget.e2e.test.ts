import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, PROJECT_ROOT } from '../src/config.js';
import { startServer, type RunningServer } from '../src/server.js';
import { hasChromium, launchChromium } from './browser.js';
import { tempDir } from './helpers.js';

/** Polls until the widget shows what is expected (the model and index answer in seconds on a loaded machine). */
const poll = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 20_000, interval: 50 });
/** Screenshots go to docs/ with UPDATE_SCREENSHOTS=1 (how the committed one was made), else to a temp dir. */
const DOCS = process.env.UPDATE_SCREENSHOTS ? path.join(PROJECT_ROOT, 'docs') : tempDir('paperfeed-shots-');
const ADMIN = 'widget-e2e-admin-token-0123456789';
/** A seed paper (in the store), and a paper the store lacks, given by its text. */
const SEED_PAPER = '2608.06375';
const DRAFT = {
  title: 'Learning humanoid loco-manipulation with latent world models',
  abstract:
    'We train a humanoid robot to walk and manipulate objects at the same time. A latent predictive world model plans ' +
    'whole-body actions from egocentric video, and a reinforcement learning policy tracks them on hardware.',
};
/** Stored by the test and close to DRAFT, so the widget must show its markup as text. */
const HOSTILE = {
  id: 'hostile-1',
  title: 'Humanoid world models <img src=x onerror="window.pwned=1"> for loco-manipulation',
  abstract: DRAFT.abstract + ' <script>window.pwned=2</script>',
  authors: ['Eve <b>Mallory</b>'],
  published: '2026-08-20',
  categories: ['cs.RO'],
};

/** Another origin: a plain HTTP server on its own port serving the host pages (and a strict CSP, as a careful site would). */
async function hostSite(pages: () => Record<string, string>, csp: () => string): Promise<{ origin: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const body = pages()[req.url ?? ''];
    if (body === undefined) return void res.writeHead(404).end();
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': csp() });
    res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>A reader app</title></head><body><h1>My reading list</h1>${body}</body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { origin: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const attr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

describe.skipIf(!hasChromium)('the widget /embed.js on another origin (seeded server, Chromium)', () => {
  let server: RunningServer;
  let browser: Browser;
  let allowed: Awaited<ReturnType<typeof hostSite>>;
  let refused: Awaited<ReturnType<typeof hostSite>>;
  let user: { id: string; token: string; key: string };
  const errors: string[] = [];

  // The README's snippet; crossorigin="anonymous" makes the script's own request cookie-less too (it needs the CORS
  // header /embed.js sends). Without it (plainScript) the widget works the same.
  const script = () => `<script src="${server.url}/embed.js" async crossorigin="anonymous"></script>`;
  const plainScript = () => `<script src="${server.url}/embed.js" async></script>`;
  const pages = () => ({
    '/by-id': `${script()}<paperfeed-similar paper="${SEED_PAPER}" k="5"></paperfeed-similar>`,
    '/by-text': `${plainScript()}<paperfeed-similar paper-title="${attr(DRAFT.title)}" abstract="${attr(DRAFT.abstract)}" k="6"></paperfeed-similar>`,
    '/unknown-id-with-text': `${script()}<paperfeed-similar paper="2699.99999" paper-title="${attr(DRAFT.title)}" abstract="${attr(DRAFT.abstract)}" k="6"></paperfeed-similar>`,
    '/feed': `${script()}<paperfeed-feed user="${user.id}" key="${user.key}" k="4"></paperfeed-feed>`,
    '/both': `${script()}<paperfeed-similar paper="${SEED_PAPER}" k="4"></paperfeed-similar><p>…</p><paperfeed-feed user="${user.id}" key="${user.key}" k="4"></paperfeed-feed>`,
  });
  // What a site that embeds the widget must allow: the script and calls to the service, nothing inline.
  const csp = () => `default-src 'none'; script-src ${server.url}; connect-src ${server.url}; style-src 'self'; img-src 'self'`;

  const api = async (method: string, url: string, body?: unknown, token = ADMIN) => {
    const res = await fetch(`${server.url}${url}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    expect(res.status, `${method} ${url}`).toBeLessThan(300);
    return res.json();
  };
  const ids = (items: { paper: { id: string } }[]) => items.map((i) => i.paper.id);

  /** A page of the host site, with errors collected and every request to the service recorded with its headers. */
  async function open(context: BrowserContext, origin: string, pathName: string) {
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(`${page.url()}: ${e.message}`));
    const sent: { url: string; method: string; headers: Promise<Record<string, string>> }[] = [];
    const failed: string[] = [];
    page.on('request', (r) => r.url().startsWith(server.url) && sent.push({ url: r.url(), method: r.method(), headers: r.allHeaders() }));
    page.on('requestfailed', (r) => failed.push(`${r.method()} ${new URL(r.url()).pathname}`));
    // Offline: only the two local origins.
    await page.route('**/*', (route) => (/^http:\/\/127\.0\.0\.1:\d+\//.test(route.request().url()) ? route.continue() : route.abort()));
    await page.goto(`${origin}${pathName}`);
    return { page, sent, failed };
  }
  const titles = (page: Page, tag: string) => page.locator(`${tag} li a`).evaluateAll((as) => as.map((a) => a.getAttribute('href')));

  beforeAll(async () => {
    allowed = await hostSite(pages, csp);
    refused = await hostSite(pages, csp);
    server = await startServer(
      loadConfig({ DATA_DIR: tempDir(), PORT: '0', RATE_LIMIT_PER_MINUTE: '0', ADMIN_TOKEN: ADMIN, CORS_ORIGINS: allowed.origin, SYNC_SCHEDULE: 'off' }),
      () => {},
    );
    await server.ready;
    await api('POST', '/v1/papers', { papers: [HOSTILE] });
    const created = await (await fetch(`${server.url}/v1/users`, { method: 'POST', headers: { Authorization: `Bearer ${ADMIN}`, 'Content-Type': 'application/json' }, body: '{"name":"Reader"}' })).json();
    for (const id of [SEED_PAPER, HOSTILE.id]) await api('PUT', `/v1/users/${created.id}/stars/${id}`, undefined, created.token);
    const { key } = await api('POST', `/v1/users/${created.id}/feed-key`, undefined, created.token);
    user = { id: created.id, token: created.token, key };
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await allowed?.close();
    await refused?.close();
  });

  it('shows similar papers by id: the API\'s list, in order, linking to the paper pages, in its own shadow root', async () => {
    const context = await browser.newContext({ viewport: { width: 900, height: 900 } });
    const { page } = await open(context, allowed.origin, '/by-id');
    const expected = ids((await api('GET', `/v1/papers/${SEED_PAPER}/similar?k=5`)).items);
    await poll(() => titles(page, 'paperfeed-similar')).toEqual(expected.map((id) => `${server.url}/papers/${encodeURIComponent(id)}`));
    // Its own shadow root: nothing leaks into the host document, and its heading labels the region.
    expect(await page.evaluate(() => document.querySelectorAll('li, a').length)).toBe(0);
    expect(await page.evaluate(() => document.querySelector('paperfeed-similar')!.shadowRoot!.adoptedStyleSheets.length)).toBe(1);
    expect(await page.getByRole('region', { name: 'Similar papers' }).count()).toBe(1);
    expect(await page.locator('paperfeed-similar [aria-busy]').count()).toBe(0);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('shows similar papers by title and abstract (POST /v1/similar after a CORS preflight), escaping what the papers say', async () => {
    const context = await browser.newContext();
    const expected = ids((await api('POST', '/v1/similar', { ...DRAFT, k: 6 })).items);
    expect(expected).toContain(HOSTILE.id);
    for (const pathName of ['/by-text', '/unknown-id-with-text']) {
      const { page, sent } = await open(context, allowed.origin, pathName);
      await poll(() => titles(page, 'paperfeed-similar')).toEqual(expected.map((id) => `${server.url}/papers/${encodeURIComponent(id)}`));
      expect(sent.filter((r) => r.method === 'POST').map((r) => new URL(r.url).pathname)).toEqual(['/v1/similar']);
      // The hostile title is text: no element was made from it, no handler ran.
      const shown = page.locator(`paperfeed-similar li:has(a[href$="/papers/${HOSTILE.id}"])`);
      expect(await shown.locator('a').textContent()).toBe(HOSTILE.title);
      expect(await shown.locator('.meta').textContent()).toBe('Eve <b>Mallory</b> · 2026-08-20');
      expect(await page.locator('paperfeed-similar img, paperfeed-similar b, paperfeed-similar script').count()).toBe(0);
      expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
      await page.close();
    }
    expect(errors).toEqual([]);
    await context.close();
  });

  it("shows a user's feed through the read-only feed key, and an error once the key is revoked", async () => {
    const context = await browser.newContext();
    const expected = ids((await api('GET', `/v1/users/${user.id}/feed?k=4`, undefined, user.token)).items);
    expect(expected).toHaveLength(4);
    const { page } = await open(context, allowed.origin, '/feed');
    await poll(() => titles(page, 'paperfeed-feed')).toEqual(expected.map((id) => `${server.url}/papers/${encodeURIComponent(id)}`));
    // Each with its reason, LaTeX as plain text (the starred seed paper's title is "$ω$-0: …").
    const reasons = await page.locator('paperfeed-feed .reason').allTextContents();
    expect(reasons).toHaveLength(4);
    expect(reasons.join(' ')).toContain('“ω-0: A Latent Predictive World Action Model');
    expect(reasons.join(' ')).not.toContain('$');
    expect(await page.getByRole('region', { name: 'Recommended papers' }).count()).toBe(1);

    // Revoked: the same page now says so (politely, as an alert), and lists nothing.
    await api('DELETE', `/v1/users/${user.id}/feed-key`, undefined, user.token);
    await page.reload();
    await poll(() => page.locator('paperfeed-feed [role=alert]').textContent()).toBe('Could not load papers: Unknown or revoked feed key.');
    expect(await page.locator('paperfeed-feed li').count()).toBe(0);
    user.key = (await api('POST', `/v1/users/${user.id}/feed-key`, undefined, user.token)).key;
    expect(errors).toEqual([]);
    await context.close();
  });

  it('is refused on an origin not in CORS_ORIGINS: the browser blocks the answer and the widget says so', async () => {
    const context = await browser.newContext();
    const { page, sent, failed } = await open(context, refused.origin, '/by-text');
    await poll(() => page.locator('paperfeed-similar [role=alert]').textContent()).toMatch(/^Could not load papers: .+\(is this site in the service's CORS_ORIGINS\?\)\.$/);
    expect(await page.locator('paperfeed-similar li').count()).toBe(0);
    // The preflight got no Access-Control-Allow-Origin, so Chromium failed the POST (the same page on the allowed origin works).
    expect(sent.map((r) => `${r.method} ${new URL(r.url).pathname}`)).toEqual(['GET /embed.js', 'POST /v1/similar']);
    expect(failed).toEqual(['POST /v1/similar']);
    await context.close();
  });

  it('sends no cookies, even when the browser holds a session cookie for the service (same site: ports do not count)', async () => {
    const context = await browser.newContext({ viewport: { width: 900, height: 1000 } });
    await context.addCookies([{ name: 'pf_session', value: user.token, url: server.url, httpOnly: true, sameSite: 'Strict' }]);
    // The recording can see the cookie: a plain navigation to the service sends it.
    const control = await context.newPage();
    const navigation = control.waitForRequest((r) => r.url().startsWith(server.url));
    await control.goto(`${server.url}/healthz`);
    expect((await (await navigation).allHeaders()).cookie).toBe(`pf_session=${user.token}`);
    await control.close();

    const { page, sent } = await open(context, allowed.origin, '/both');
    await poll(() => page.locator('paperfeed-similar li').count()).toBe(4);
    await poll(() => page.locator('paperfeed-feed li').count()).toBe(4);
    const calls = sent.filter((r) => r.url.includes('/v1/'));
    expect(calls.map((r) => new URL(r.url).pathname).sort()).toEqual([`/v1/papers/${SEED_PAPER}/similar`, `/v1/users/${user.id}/feed.json`]);
    for (const r of sent) expect((await r.headers).cookie, r.url).toBeUndefined();
    await page.screenshot({ path: path.join(DOCS, 'widget.png') });
    expect(errors).toEqual([]);
    await context.close();
  });
});
