// Collections and library import in the dashboard, in real Chromium: make a collection, add the open paper to it,
// read its feed, share it read-only (opened signed out), import a BibTeX file; on a desktop and on a phone.
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, PROJECT_ROOT } from '../src/config.js';
import { startServer, type RunningServer } from '../src/server.js';
import { hasChromium, horizontalOverflow, launchChromium, offlinePage, PHONE } from './browser.js';
import { tempDir } from './helpers.js';

const ADMIN = 'collections-e2e-admin-token';
const FIXTURES = path.join(PROJECT_ROOT, 'test', 'fixtures', 'library');
/** Screenshots go to docs/ with UPDATE_SCREENSHOTS=1 (how the committed ones were made), else to a temp dir. */
const DOCS = process.env.UPDATE_SCREENSHOTS ? path.join(PROJECT_ROOT, 'docs') : tempDir('paperfeed-shots-');
const poll = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 20_000, interval: 50 });

describe.skipIf(!hasChromium)('collections and library import in the dashboard (seeded server, Chromium)', () => {
  let server: RunningServer;
  let browser: Browser;
  let user: { id: string; token: string };
  const errors: string[] = [];

  beforeAll(async () => {
    server = await startServer(loadConfig({ SYNC_SCHEDULE: 'off', DATA_DIR: tempDir(), PORT: '0', RATE_LIMIT_PER_MINUTE: '0', ADMIN_TOKEN: ADMIN }), () => {});
    await server.ready;
    const res = await fetch(`${server.url}/v1/users`, { method: 'POST', headers: { Authorization: `Bearer ${ADMIN}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'e2e' }) });
    user = await res.json();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const api = async (p: string) => (await fetch(server.url + p, { headers: { Authorization: `Bearer ${user.token}` } })).json();

  async function signIn(context: BrowserContext): Promise<Page> {
    const page = await offlinePage(context, server.url, errors);
    await page.goto(server.url);
    await page.click('#account-toggle');
    await page.fill('#uid', user.id);
    await page.fill('#token', user.token);
    await page.click('#account-form button[type=submit]');
    await page.waitForSelector('.tabs [data-tab=collections]:not([hidden])');
    return page;
  }

  it('makes a collection, adds the open paper, shows its feed and papers at a URL, shares it read-only', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await signIn(context);
    await page.click('.tabs [data-tab=collections]');
    await poll(() => new URL(page.url()).search).toBe('?tab=collections');
    await page.fill('[data-testid=new-collection] input', 'Robot learning');
    await page.click('[data-testid=new-collection] button');
    await poll(() => page.locator('[data-testid=collection-name]').textContent()).toBe('Robot learning');
    const cid = new URL(page.url()).searchParams.get('collection')!;
    expect(cid).toMatch(/^c_/);

    // Open a robotics paper from search and tick the collection in its drawer.
    await page.fill('#q', 'robot manipulation');
    await page.press('#q', 'Enter');
    await page.waitForSelector('#list:not([aria-busy]) .card');
    const first = page.locator('#list .card').first();
    const paperId = (await first.getAttribute('data-paper-id'))!;
    await first.locator('.title').click();
    const tick = page.locator(`[data-testid=collection-picker] input[data-collection="${cid}"]`);
    await tick.check();
    await poll(() => page.locator('[data-testid=collection-picker] .status').textContent()).toBe('Added to “Robot learning”.');
    expect((await api(`/v1/users/${user.id}/collections/${cid}`)).items.map((i: { paperId: string }) => i.paperId)).toEqual([paperId]);
    // A new collection from the drawer holds the paper too (a paper may be in several).
    await page.fill('[data-testid=collection-picker] input[placeholder="New collection"]', 'To read');
    await page.click('[data-testid=collection-picker] button[type=submit]');
    await poll(() => page.locator('[data-testid=collection-picker] label.tick').count()).toBe(2);
    expect(await page.locator('[data-testid=collection-picker] label.tick input:checked').count()).toBe(2);

    // The collection's feed, at a URL that reload restores; its papers one click away; back returns to the feed.
    await page.goto(`${server.url}/?collection=${cid}`);
    await page.waitForSelector('[data-testid=collection-list] .card');
    const reasons = await page.locator('[data-testid=collection-list] .card .reason').allTextContents();
    expect(reasons.length).toBeGreaterThan(5);
    for (const r of reasons) expect(r).toMatch(/in “Robot learning”/);
    await page.getByRole('button', { name: /Its papers/ }).click();
    await poll(() => new URL(page.url()).search).toBe(`?collection=${cid}&show=papers`);
    await poll(() => page.locator('[data-testid=collection-list] .card').evaluateAll((els) => els.map((e) => e.getAttribute('data-paper-id')))).toEqual([paperId]);
    await page.goBack();
    await poll(() => page.getByRole('button', { name: 'Its feed' }).getAttribute('aria-pressed')).toBe('true');

    // Share read-only: the link opens the collection signed out, without owner controls or tabs that need a user.
    await page.getByRole('button', { name: 'Share read-only' }).click();
    const link = await page.locator('[data-testid=share-box] input').first().inputValue();
    expect(link).toContain(`collection=${cid}`);
    await page.waitForSelector('[data-testid=collection-list] .card');
    await page.screenshot({ path: path.join(DOCS, 'collection.png') });
    const stranger = await offlinePage(await browser.newContext({ viewport: { width: 1280, height: 900 } }), server.url, errors);
    await stranger.goto(link);
    await poll(() => stranger.locator('[data-testid=collection-name]').textContent()).toBe('Robot learningshared with you · read-only');
    await stranger.waitForSelector('[data-testid=collection-list] .card');
    expect(await stranger.locator('[data-testid=share-box]').count()).toBe(0);
    expect(await stranger.locator('#list .card button.star').count()).toBe(0);
    // Made private again, the link stops working.
    await page.getByRole('button', { name: 'Make private' }).click();
    await poll(() => page.getByRole('button', { name: 'Share read-only' }).count()).toBe(1);
    await stranger.reload();
    await poll(() => stranger.locator('#list .message.error').textContent()).toMatch(/share link does not work any more/);
    await context.close();
  });

  it('imports a BibTeX library and shows the report; on a phone, without sideways scrolling', async () => {
    const context = await browser.newContext(PHONE);
    const page = await signIn(context);
    await page.click('.tabs [data-tab=collections]');
    await page.waitForSelector('[data-testid=import-form]');
    await page.setInputFiles('[data-testid=import-form] input[type=file]', path.join(FIXTURES, 'zotero.bib'));
    await page.click('[data-testid=import-form] button[type=submit]');
    await poll(() => page.locator('[data-testid=import-result] .summary').textContent()).toBe('5 entries: 0 matched, 2 added as your own, 3 skipped (2 new).'); // the seed has none of them
    const skipped = await page.locator('[data-testid=import-result] .skipped li').allTextContents();
    expect(skipped.some((s) => /noabstract \(line 29\).*no abstract/.test(s))).toBe(true);
    const stars = await api(`/v1/users/${user.id}/stars?limit=100`);
    expect(stars.items.some((s: { own: boolean; paper: { title: string } }) => s.own && s.paper.title.startsWith('A Study of Über-Long'))).toBe(true);
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await page.evaluate(() => window.scrollTo(0, 0)); // a full-page shot of a scrolled page repeats the sticky header
    await page.screenshot({ path: path.join(DOCS, 'import-phone.png'), fullPage: true });

    // A bad file: the report names the entry and line; nothing imported.
    const before = stars.total;
    await page.setInputFiles('[data-testid=import-form] input[type=file]', path.join(FIXTURES, 'broken.bib'));
    await page.click('[data-testid=import-form] button[type=submit]');
    await poll(() => page.locator('[data-testid=import-result] .message.error').textContent()).toMatch(/broken2021/);
    expect((await api(`/v1/users/${user.id}/stars`)).total).toBe(before);

    // The collection page fits a phone too.
    const { items } = await api(`/v1/users/${user.id}/collections`);
    await page.goto(`${server.url}/?collection=${items[0].id}`);
    await page.waitForSelector('[data-testid=collection-list] .card');
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await context.close();
    // The only failed requests are the ones this test made fail: the revoked share link (401), the bad file (400).
    expect(errors.filter((e) => !/status of (400|401)/.test(e))).toEqual([]);
  });
});
